using Sharpicorn.Python;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>
/// _sharpicorn_hooks.py as shipped: gunicorn's req/resp shapes and the order of the request hooks,
/// checked in-process with Python assertions (a failed assert is a PythonException here).
/// </summary>
[Collection("wsgi")]
public sealed class WorkerHooksModuleTests(WsgiFixture fixture)
{
    private static void Check(string code)
    {
        using GilScope gil = GilScope.Acquire();
        PythonRuntime.RunInMain(
            "_ns = {}\nexec(compile(_hooks_src, '_sharpicorn_hooks.py', 'exec'), _ns)\n" + code + "\ndel _ns\n",
            ("_hooks_src", WorkerHooks.Source()));
    }

    [Fact]
    public void EmbeddedSource_SameAsTheFileInTheRepository()
    {
        _ = fixture;
        string file = Path.Combine(TestUtilities.Repo.Root, "src", "Sharpicorn.Wsgi", "Wsgi", "_sharpicorn_hooks.py");
        Assert.Equal(File.ReadAllText(file), WorkerHooks.Source());
    }

    [Fact]
    public void Request_FromEnviron_HasGunicornsAttributes()
    {
        Check("""
            _r = _ns["Request"]({"REQUEST_METHOD": "POST", "RAW_URI": "/a%20b?x=1&y=2#frag", "SERVER_PROTOCOL": "HTTP/1.0",
                                 "HTTP_X_TRACE": "t", "CONTENT_TYPE": "text/plain", "HTTP_HOST": "h",
                                 "REMOTE_ADDR": "10.0.0.1", "REMOTE_PORT": "5555", "wsgi.url_scheme": "https"})
            assert (_r.method, _r.uri, _r.path, _r.query, _r.fragment) == ("POST", "/a%20b?x=1&y=2#frag", "/a%20b", "x=1&y=2", "frag"), vars(_r)
            assert _r.version == (1, 0), _r.version
            assert _r.headers == [("X-TRACE", "t"), ("CONTENT-TYPE", "text/plain"), ("HOST", "h")], _r.headers
            assert _r.remote_addr == ("10.0.0.1", 5555) and _r.scheme == "https", vars(_r)
            _r = _ns["Request"]({"REQUEST_METHOD": "GET", "RAW_URI": "http://example.com/p?q#f", "SERVER_PROTOCOL": "HTTP/2.0", "REMOTE_ADDR": ""})
            assert (_r.path, _r.query, _r.fragment, _r.version, _r.remote_addr) == ("/p", "q", "f", (2, 0), ""), vars(_r)
            """);
    }

    [Fact]
    public void Wrap_PreAndPostRequest_RunAroundTheAppWithTheResponseItSent()
    {
        Check("""
            import types
            _calls = []
            _ns["_log"] = lambda level, text: _calls.append(("log", level, text.splitlines()[0]))
            _ns["worker"] = types.SimpleNamespace(nr=0)
            _ns["hooks"]["pre_request"] = lambda w, req: _calls.append(("pre", req.path))
            _ns["hooks"]["post_request"] = lambda w, req, env, resp: _calls.append(("post", req.path, resp.status, resp.status_code, resp.headers, resp.sent, env["PATH_INFO"]))
            def _app(environ, start_response):
                _calls.append(("app",))
                start_response("201 Created", [("X-Y", "z")])
                return [b"ab", b"c"]
            _started = []
            _res = _ns["wrap"](_app)({"REQUEST_METHOD": "GET", "RAW_URI": "/p", "PATH_INFO": "/p"}, lambda s, h, e=None: _started.append(s) or (lambda d: None))
            assert _calls == [("pre", "/p"), ("app",)], _calls
            assert b"".join(_res) == b"abc"
            _res.close()
            assert _calls[2:] == [("post", "/p", "201 Created", 201, [("X-Y", "z")], 3, "/p")], _calls
            assert _started == ["201 Created"] and _ns["worker"].nr == 1
            """);
    }

    [Fact]
    public void Wrap_PreRequestRaises_ErrorReachesTheServerAndPostRequestGetsNoResponse()
    {
        Check("""
            import types
            _calls = []
            _ns["_log"] = lambda level, text: _calls.append(("log", level, text.splitlines()[0]))
            _ns["worker"] = types.SimpleNamespace(nr=0)
            def _pre(w, req):
                raise ValueError("no")
            _ns["hooks"]["pre_request"] = _pre
            _ns["hooks"]["post_request"] = lambda w, req, env, resp: _calls.append(("post", env, resp))
            _app = lambda environ, start_response: _calls.append(("app",))
            try:
                _ns["wrap"](_app)({"REQUEST_METHOD": "GET", "RAW_URI": "/"}, None)
                raise AssertionError("pre_request's exception was swallowed")
            except ValueError:
                pass
            assert _calls == [("post", {}, None)], _calls
            """);
    }

    [Fact]
    public void Run_HookRaises_LoggedInGunicornsWordsAndFalse()
    {
        Check("""
            import types
            _logged = []
            _ns["_log"] = lambda level, text: _logged.append((level, text))
            _ns["worker"] = types.SimpleNamespace(alive=True, booted=False)
            def _boom(*args):
                raise RuntimeError("boom")
            _ns["hooks"]["worker_exit"] = _boom
            _ns["hooks"]["worker_int"] = _boom
            assert _ns["run"]("worker_exit") is False
            assert _logged[0][0] == 30 and _logged[0][1].startswith("Exception during worker exit:\nTraceback"), _logged
            assert _ns["run"]("worker_int") is False and _ns["worker"].alive is False
            assert _logged[1][0] == 40 and _logged[1][1].startswith("Exception in worker_int hook\nTraceback"), _logged
            assert _ns["run"]("post_worker_init") is True and _ns["worker"].booted is True
            """);
    }
}
