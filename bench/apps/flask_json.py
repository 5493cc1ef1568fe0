"""Flask JSON: a small JSON document through Flask's routing and jsonify."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/")
def index():
    return jsonify(hello="world", numbers=[1, 2, 3], nested={"a": 1, "b": [True, None]})
