using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Apps;

/// <summary>
/// A small Django project end to end. Django comes from Debian (python3-django); for the pyenv
/// interpreter, which has no Django of its own and no PyPI to get one, --pythonpath points at
/// Debian's dist-packages, which also proves --pythonpath.
/// </summary>
public sealed class DjangoTests
{
    private const string DebianPackages = "/usr/lib/python3/dist-packages";

    private static ServerProcess Start(string kind, bool venv)
    {
        var args = new List<string> { "--threads", "2" };
        if (kind == "pyenv")
        {
            args.AddRange(["--pythonpath", DebianPackages]);
        }
        args.Add("djproj.wsgi:application");
        return venv
            ? ServerProcess.Start(args, new Dictionary<string, string> { ["VIRTUAL_ENV"] = PythonWorld.Venv(kind) })
            : ServerProcess.Start(["--python", PythonWorld.Python(kind), .. args]);
    }

    [Theory]
    [MemberData(nameof(PythonWorld.InterpretersAndVenvs), MemberType = typeof(PythonWorld))]
    public void Django_RequestCycle_Works(string kind, bool venv)
    {
        using ServerProcess s = Start(kind, venv);
        int port = s.Port;

        JsonElement hello = JsonDocument.Parse(RawHttp.Get(port, "/hello/?a=1&b=%C3%A9").Body).RootElement;
        Assert.Equal("django", hello.GetProperty("framework").GetString());
        Assert.Equal("\u00e9", hello.GetProperty("query").GetProperty("b").GetString());

        string form = "x=1&y=two";
        HttpReply echo = HttpReply.Parse(RawHttp.Exchange(port, $"POST /echo/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {form.Length}\r\nConnection: close\r\n\r\n{form}"));
        JsonElement e = JsonDocument.Parse(echo.Body).RootElement;
        Assert.Equal("POST", e.GetProperty("method").GetString());
        Assert.Equal("two", e.GetProperty("post").GetProperty("y").GetString());

        Assert.Equal("chunk0\nchunk1\nchunk2\n", RawHttp.Get(port, "/stream/").Body);

        // CommonMiddleware's APPEND_SLASH redirect.
        HttpReply redirect = RawHttp.Get(port, "/hello");
        Assert.Equal(301, redirect.Status);
        Assert.Equal("/hello/", redirect.Header("Location"));

        Assert.Equal(404, RawHttp.Get(port, "/nothing-here/").Status);
        Assert.Equal(500, RawHttp.Get(port, "/crash/").Status);
        Assert.Equal(200, RawHttp.Get(port, "/ok/").Status);
    }
}
