using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Apps;

/// <summary>The binding on every CPython 3.9 to 3.13 this machine has (pyenv builds), plus Debian's.</summary>
public sealed class VersionMatrixTests
{
    public static IEnumerable<object[]> Pythons() =>
        Repo.PyenvVersions().Append(Repo.DebianPython).Select(p => new object[] { p });

    [Theory]
    [MemberData(nameof(Pythons))]
    public void Binding_RequestMix_WorksOnThisVersion(string python)
    {
        using var s = ServerProcess.Start(["--python", python, "--threads", "2", "wsgi_basic:app"]);
        JsonElement e = JsonDocument.Parse(RawHttp.Get(s.Port, "/environ/%C3%A9").Body).RootElement;
        Assert.Equal("/environ/\u00c3\u00a9", e.GetProperty("PATH_INFO").GetString());
        Assert.Equal(Path.GetDirectoryName(Path.GetDirectoryName(python)), e.GetProperty("sys.prefix").GetString());

        HttpReply lines = HttpReply.Parse(RawHttp.Exchange(s.Port, "POST /input/readline HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\na\nb\nc"));
        Assert.Equal("[\"a\\n\", \"b\\n\", \"c\"]", lines.Body);
        Assert.Equal("onetwothree", RawHttp.Get(s.Port, "/chunked").Body);
        Assert.Equal(500, RawHttp.Get(s.Port, "/raise").Status);
        s.WaitForLog("ValueError: boom before headers");
        Assert.Equal("written then returned", RawHttp.Get(s.Port, "/write").Body);
    }
}
