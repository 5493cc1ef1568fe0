"""Django view: a one-file Django project whose view renders a 10-item template."""
import django
from django.conf import settings
from django.shortcuts import render
from django.urls import path

TEMPLATE = """<!doctype html>
<html><head><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>
<ul>{% for item in items %}
<li id="item-{{ item.id }}">{{ item.name|title }}: {{ item.price|floatformat:2 }}{% if item.stock %} (in stock){% endif %}</li>{% endfor %}
</ul></body></html>
"""

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    # CommonMiddleware, as every startproject has: among other things it sets Content-Length,
    # without which a keep-alive HTTP/1.1 server must chunk or close.
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    TEMPLATES=[{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The locmem loader keeps the project in one file; the cached loader around it is what
        # Django uses when DEBUG is off.
        "OPTIONS": {"loaders": [("django.template.loaders.cached.Loader",
                                 [("django.template.loaders.locmem.Loader", {"items.html": TEMPLATE})])]},
    }],
)
django.setup()

ITEMS = [{"id": i, "name": "item number %d" % i, "price": i * 1.25, "stock": i % 2 == 0} for i in range(10)]


def items(request):
    return render(request, "items.html", {"title": "Ten items", "items": ITEMS})


urlpatterns = [path("", items)]

from django.core.wsgi import get_wsgi_application  # noqa: E402  (after settings.configure)

application = get_wsgi_application()
