using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>forwarder_headers: names with '_' a trusted front end (forwarded_allow_ips) may set.</summary>
public sealed class ForwarderHeadersTests
{
    private static JsonElement Environ(ServerProcess s, string target, string headers)
    {
        HttpReply r = RawHttp.Get(s.Port, target, headers);
        Assert.Equal(200, r.Status);
        return JsonDocument.Parse(r.Body).RootElement;
    }

    [Fact]
    public void ScriptNameHeader_TrustedPeer_MountsTheApp()
    {
        // gunicorn's defaults: forwarder_headers SCRIPT_NAME,PATH_INFO; 127.0.0.1 is trusted.
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "settings_app:app"]);
        JsonElement e = Environ(s, "/shop/cart", "SCRIPT_NAME: /shop\r\nPATH_INFO: /x\r\nX_Other: no\r\n");
        Assert.Equal("/shop", e.GetProperty("SCRIPT_NAME").GetString());
        Assert.Equal("/cart", e.GetProperty("PATH_INFO").GetString());
        Assert.Equal("/shop", e.GetProperty("HTTP_SCRIPT_NAME").GetString());
        Assert.Equal("/x", e.GetProperty("HTTP_PATH_INFO").GetString());
        Assert.False(e.TryGetProperty("HTTP_X_OTHER", out _));
    }

    [Fact]
    public void ScriptNameHeader_PathOutsideIt_Gunicorns500()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "settings_app:app"]);
        HttpReply r = RawHttp.Get(s.Port, "/other", "SCRIPT_NAME: /shop\r\n");
        Assert.Equal(500, r.Status);
        Assert.Contains("Request path &#x27;/other&#x27; does not start with SCRIPT_NAME &#x27;/shop&#x27;", r.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void ScriptNameHeader_UntrustedPeer_Dropped()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--forwarded-allow-ips", "10.9.8.7", "settings_app:app"]);
        JsonElement e = Environ(s, "/shop/cart", "SCRIPT_NAME: /shop\r\n");
        Assert.Equal("", e.GetProperty("SCRIPT_NAME").GetString());
        Assert.Equal("/shop/cart", e.GetProperty("PATH_INFO").GetString());
        Assert.False(e.TryGetProperty("HTTP_SCRIPT_NAME", out _));
    }

    [Fact]
    public void Star_TrustedPeer_AnyUnderscoreNamePasses_EvenUnderHeaderMapRefuse()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--forwarder-headers", "*", "--header-map", "refuse", "settings_app:app"]);
        JsonElement e = Environ(s, "/", "X_Remote_User: alice\r\n");
        Assert.Equal("alice", e.GetProperty("HTTP_X_REMOTE_USER").GetString());
    }
}
