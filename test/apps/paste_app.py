"""A PasteDeploy app factory: answers with the global and local configuration it was built with."""
import json


def make_app(global_conf, **local_conf):
    conf = {"global": {k: v for k, v in global_conf.items() if k != "__file__" and k != "here"}, "local": local_conf}

    def app(environ, start_response):
        body = json.dumps(conf).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return app
