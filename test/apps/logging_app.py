"""For the logging tests: gunicorn's Flask pattern, a JSON formatter for logconfig_dict, a
logger_class subclass, and routes that print() and write to stderr (--capture-output)."""
import json
import logging
import sys

from flask import Flask


class JsonFormatter(logging.Formatter):
    """One JSON object per record; an access record's args are gunicorn's atoms."""

    def format(self, record):
        out = {"logger": record.name, "level": record.levelname, "message": record.getMessage()}
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            out["status"] = record.args["s"]
            out["path"] = record.args["U"]
            out["agent"] = record.args["{user-agent}i"]
        return json.dumps(out)


try:
    from gunicorn.glogging import Logger as _GunicornLogger

    class TaggedLogger(_GunicornLogger):
        """A logger_class as real configs write them: another error format, a custom access()."""

        error_fmt = r"TAGGED %(levelname)s %(message)s"

        def access(self, resp, req, environ, request_time):
            self.error_log.info("ACCESS %s %s %s %s", req.method, req.path, resp.status, environ["REMOTE_ADDR"])
except ImportError:
    pass


app = Flask(__name__)
_gunicorn_error = logging.getLogger("gunicorn.error")
app.logger.handlers = _gunicorn_error.handlers
app.logger.setLevel(_gunicorn_error.level)


@app.route("/warn")
def warn():
    app.logger.warning("flask says hi")
    return "ok"


@app.route("/print")
def printed():
    print("printed by the app", flush=True)
    sys.stderr.write("written to stderr by the app\n")
    sys.stderr.flush()
    return "ok"
