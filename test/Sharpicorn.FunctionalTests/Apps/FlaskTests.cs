using System.Text;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Apps;

/// <summary>A real Flask app end to end, under each interpreter, plain and in a venv.</summary>
public sealed class FlaskTests
{
    private static ServerProcess Start(string kind, bool venv) => venv
        ? ServerProcess.Start(["--threads", "2", "flask_app:app"], new Dictionary<string, string> { ["VIRTUAL_ENV"] = PythonWorld.Venv(kind) })
        : ServerProcess.Start(["--threads", "2", "--python", PythonWorld.Python(kind), "flask_app:app"]);

    [Theory]
    [MemberData(nameof(PythonWorld.InterpretersAndVenvs), MemberType = typeof(PythonWorld))]
    public void Flask_EveryFeature_Works(string kind, bool venv)
    {
        using ServerProcess s = Start(kind, venv);
        int port = s.Port;

        HttpReply json = RawHttp.Get(port, "/json");
        Assert.Equal(200, json.Status);
        Assert.Equal("application/json", json.Header("Content-Type"));
        Assert.Equal("world", JsonDocument.Parse(json.Body).RootElement.GetProperty("hello").GetString());

        string payload = "{\"a\": [1, 2]}";
        HttpReply posted = HttpReply.Parse(RawHttp.Exchange(port, $"POST /json HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n{payload}"));
        Assert.Equal("[1,2]", JsonDocument.Parse(posted.Body).RootElement.GetProperty("received").GetProperty("a").GetRawText().Replace(" ", "", StringComparison.Ordinal));

        string form = "name=sharp+icorn&x=%C3%A9";
        HttpReply formReply = HttpReply.Parse(RawHttp.Exchange(port, $"POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {form.Length}\r\nConnection: close\r\n\r\n{form}"));
        JsonElement f = JsonDocument.Parse(formReply.Body).RootElement.GetProperty("form");
        Assert.Equal("sharp icorn", f.GetProperty("name").GetString());
        Assert.Equal("\u00e9", f.GetProperty("x").GetString());

        byte[] file = new byte[300_000];
        new Random(7).NextBytes(file);
        string boundary = "----sharpicornboundary";
        var body = new MemoryStream();
        void W(string t) => body.Write(Encoding.Latin1.GetBytes(t));
        W($"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n");
        W($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.Write(file);
        W($"\r\n--{boundary}--\r\n");
        using (var c = new RawHttp(port))
        {
            c.Send($"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            c.Send(body.ToArray());
            JsonElement up = JsonDocument.Parse(HttpReply.Parse(c.ReadToClose()).Body).RootElement;
            Assert.Equal("data.bin", up.GetProperty("filename").GetString());
            Assert.Equal(file.Length, up.GetProperty("size").GetInt32());
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file)), up.GetProperty("sha256").GetString());
            Assert.Equal("hello", up.GetProperty("field").GetString());
        }

        HttpReply set = RawHttp.Get(port, "/cookie/set");
        Assert.Equal(2, set.HeaderValues("Set-Cookie").Count());
        HttpReply get = RawHttp.Get(port, "/cookie/get", "Cookie: flavour=oatmeal; size=large\r\n");
        Assert.Equal("oatmeal", JsonDocument.Parse(get.Body).RootElement.GetProperty("cookies").GetProperty("flavour").GetString());

        HttpReply redirect = RawHttp.Get(port, "/redirect");
        Assert.Equal(302, redirect.Status);
        Assert.Equal("/json", redirect.Header("Location"));

        HttpReply stream = RawHttp.Get(port, "/stream");
        Assert.Equal("chunked", stream.Header("Transfer-Encoding"));
        Assert.Equal("line 0\nline 1\nline 2\nline 3\nline 4\n", stream.Body);

        HttpReply missing = RawHttp.Get(port, "/missing");
        Assert.Equal(404, missing.Status);
        Assert.Equal("/missing", JsonDocument.Parse(missing.Body).RootElement.GetProperty("path").GetString());

        Assert.Equal(418, RawHttp.Get(port, "/teapot").Status);

        Assert.Equal(500, RawHttp.Get(port, "/crash").Status);
        s.WaitForLog("ZeroDivisionError: flask view crashed");
        Assert.Equal(200, RawHttp.Get(port, "/json").Status);
    }
}
