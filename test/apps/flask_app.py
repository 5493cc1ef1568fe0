"""A Flask app covering what real apps do: JSON, forms, uploads, cookies, redirects, streaming, errors."""
import hashlib

from flask import Flask, Response, jsonify, make_response, redirect, request, stream_with_context, url_for

app = Flask(__name__)


class Teapot(Exception):
    pass


@app.errorhandler(Teapot)
def handle_teapot(e):
    return jsonify(error="teapot"), 418


@app.errorhandler(404)
def not_found(e):
    return jsonify(error="not found", path=request.path), 404


@app.route("/json", methods=["GET", "POST"])
def json_route():
    if request.method == "POST":
        return jsonify(received=request.get_json())
    return jsonify(hello="world", numbers=[1, 2, 3])


@app.route("/form", methods=["POST"])
def form():
    return jsonify(form=request.form.to_dict())


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["file"]
    data = f.read()
    return jsonify(filename=f.filename, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                   field=request.form.get("note"))


@app.route("/cookie/set")
def set_cookie():
    resp = make_response("cookie set")
    resp.set_cookie("flavour", "oatmeal")
    resp.set_cookie("size", "large")
    return resp


@app.route("/cookie/get")
def get_cookie():
    return jsonify(cookies=request.cookies.to_dict())


@app.route("/redirect")
def go():
    return redirect(url_for("json_route"))


@app.route("/stream")
def stream():
    def gen():
        for i in range(5):
            yield "line %d\n" % i
    return Response(stream_with_context(gen()), mimetype="text/plain")


@app.route("/teapot")
def teapot():
    raise Teapot()


@app.route("/crash")
def crash():
    raise ZeroDivisionError("flask view crashed")


@app.route("/prefix")
def prefix():
    return jsonify(sys_prefix=__import__("sys").prefix, script_root=request.script_root, path=request.path)
