using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>gunicorn's HTTP leniency switches, on raw bytes: every one on in one server.</summary>
public sealed class LeniencyTests : IDisposable
{
    private readonly ServerProcess _server = ServerProcess.Start(
    [
        "--python", Repo.DebianPython, "--permit-unconventional-http-method", "--casefold-http-method",
        "--permit-unconventional-http-version", "--strip-header-spaces", "--permit-obsolete-folding", "settings_app:app",
    ]);

    public void Dispose() => _server.Dispose();

    private JsonElement Environ(string request)
    {
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(_server.Port, request));
        Assert.Equal(200, r.Status);
        return JsonDocument.Parse(r.Body).RootElement;
    }

    [Fact]
    public void UnconventionalMethod_CasefoldAndPermit_AppSeesItUpperCased()
    {
        Assert.Equal("-BLARGH", Environ("-blargh /foo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").GetProperty("REQUEST_METHOD").GetString());
    }

    [Fact]
    public void UnconventionalVersion_Permitted_AppSeesTheVersionAsSent()
    {
        JsonElement e = Environ("GET /v HTTP/1.2\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.Equal("HTTP/1.2", e.GetProperty("SERVER_PROTOCOL").GetString());
        Assert.Equal("/v", e.GetProperty("PATH_INFO").GetString());
    }

    [Fact]
    public void SpaceBeforeColon_Stripped_HeaderReachesTheApp()
    {
        JsonElement e = Environ("GET / HTTP/1.1\r\nHost: t\r\nX-Thing \t: yes\r\nConnection: close\r\n\r\n");
        Assert.Equal("yes", e.GetProperty("HTTP_X_THING").GetString());
    }

    [Fact]
    public void ObsoleteFolding_Permitted_JoinedWithOneSpace()
    {
        JsonElement e = Environ("GET / HTTP/1.1\r\nLong: one\r\n two\r\n\tthree\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.Equal("one two three", e.GetProperty("HTTP_LONG").GetString());
    }

    [Fact]
    public void SignedLengthBehindStrippedSpaces_Rejected400_NothingServed()
    {
        string reply = RawHttp.Exchange(_server.Port, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length : +5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", reply, StringComparison.Ordinal);
        Assert.Contains("Invalid HTTP Header: &#x27;CONTENT-LENGTH&#x27;", reply, StringComparison.Ordinal);
        Assert.Single(reply.Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void KeptAliveRequestsWithFoldedHeaders_EachServed()
    {
        string reply = RawHttp.Exchange(_server.Port, "GET /a HTTP/1.1\r\nHost: t\r\nX: 1\r\n 2\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\nX : 3\r\nConnection: close\r\n\r\n");
        Assert.Equal(2, reply.Split("HTTP/1.1 200 OK", StringSplitOptions.None).Length - 1);
        Assert.Contains("\"HTTP_X\": \"1 2\"", reply, StringComparison.Ordinal);
        Assert.Contains("\"HTTP_X\": \"3\"", reply, StringComparison.Ordinal);
    }
}
