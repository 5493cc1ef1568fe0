import json

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


def hello(request):
    return JsonResponse({"framework": "django", "path": request.path, "query": request.GET.dict()})


@csrf_exempt
def echo(request):
    return JsonResponse({"method": request.method, "body": request.body.decode(), "post": request.POST.dict()})


def stream(request):
    return StreamingHttpResponse((b"chunk%d\n" % i for i in range(3)), content_type="text/plain")


def crash(request):
    raise RuntimeError("django view crashed")


def head(request):
    return HttpResponse(json.dumps({"ok": True}), content_type="application/json")


urlpatterns = [
    path("hello/", hello),
    path("echo/", echo),
    path("stream/", stream),
    path("crash/", crash),
    path("ok/", head),
]
