using System.Text.Json;
using Sharpicorn.Tests.Http;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Deploy;

/// <summary>
/// deploy/nginx/sharpicorn.conf as written, in a real nginx: only the socket path, the listen
/// address and the static root are changed for the test, and the server runs with the command
/// line the file's comment gives, from a venv with the wheel.
/// </summary>
public sealed class NginxRecipeTests
{
    [Fact]
    public void Recipe_OverUnixSocket_ServesAppAndStaticFiles()
    {
        using var venv = WheelVenv.Create(Repo.DebianPython);
        string socket = Path.Combine(venv.Home, "sharpicorn.sock");
        string root = Path.Combine(venv.Home, "public");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "static.txt"), "from disk\n");
        File.SetUnixFileMode(Path.Combine(root, "static.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        string recipe = File.ReadAllText(Path.Combine(Repo.Root, "deploy", "nginx", "sharpicorn.conf"));
        string site = Replace(recipe, "/run/sharpicorn/sharpicorn.sock", socket);
        site = Replace(site, "listen 80 deferred;", "listen 127.0.0.1:{PORT};");
        site = Replace(site, "root /srv/app/public;", $"root {root};");

        using var server = ServerProcess.Start(["--bind", "unix:" + socket, "--forwarded-allow-ips=*", "wsgi_basic:app"], executable: venv.Script);
        using var dir = new WorldReadableDirectory();
        using var nginx = NginxProcess.Start(dir, "http {\n{TEMP}\n" + site + "\n}\n");

        HttpReply app = RawHttp.Get(nginx.Port, "/environ", "X-Forwarded-Proto: https\r\n");
        Assert.True(app.Status == 200, $"{app.Raw}\nnginx:\n{nginx.Log}\nsharpicorn:\n{server.ErrorLog}");
        JsonElement e = JsonDocument.Parse(app.Body).RootElement;
        Assert.Equal(venv.Dir, e.GetProperty("sys.prefix").GetString());
        // nginx passes on the client's scheme header, and the socket's peer is trusted for it.
        Assert.Equal("http", e.GetProperty("HTTP_X_FORWARDED_PROTO").GetString());
        Assert.Equal("http", e.GetProperty("wsgi.url_scheme").GetString());
        Assert.Equal("127.0.0.1", e.GetProperty("HTTP_X_FORWARDED_FOR").GetString());

        HttpReply file = RawHttp.Get(nginx.Port, "/static.txt");
        Assert.Equal(200, file.Status);
        Assert.Equal("from disk\n", file.Body);
    }

    private static string Replace(string text, string what, string with)
    {
        Assert.True(text.Contains(what, StringComparison.Ordinal), $"the recipe no longer says '{what}'");
        return text.Replace(what, with, StringComparison.Ordinal);
    }
}
