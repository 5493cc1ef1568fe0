using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>
/// A real nginx in front, as gunicorn's deployment guide puts it: over a unix socket with
/// X-Forwarded-*, then as a TCP proxy sending a PROXY header. The client connects from its own
/// loopback address (127.0.0.2, .3: all of 127/8 is local), so the app can tell it from nginx.
/// </summary>
public sealed class NginxTests
{
    private const int TenMiB = 10 * 1024 * 1024;

    /// <summary>An HttpClient whose connections leave from <paramref name="local"/>; their source ports go to <paramref name="ports"/>.</summary>
    private static HttpClient ClientFrom(string local, ConcurrentBag<int> ports) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (ctx, ct) =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                s.Bind(new IPEndPoint(IPAddress.Parse(local), 0));
                await s.ConnectAsync(ctx.DnsEndPoint, ct);
                ports.Add(((IPEndPoint)s.LocalEndPoint!).Port);
                return new NetworkStream(s, ownsSocket: true);
            }
            catch
            {
                s.Dispose();
                throw;
            }
        },
    })
    { Timeout = ServerProcess.Patience };

    private static string Describe(ServerProcess server, NginxProcess nginx) => $"\nnginx:\n{nginx.Log}\nsharpicorn:\n{server.ErrorLog}";

    private static JsonElement Environ(HttpClient client, int port, ServerProcess server, NginxProcess nginx)
    {
        using HttpResponseMessage r = client.GetAsync(new Uri($"http://127.0.0.1:{port}/environ")).GetAwaiter().GetResult();
        string body = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode} {body}{Describe(server, nginx)}");
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>10 MiB up (hashed by the app), 10 MiB up and back (echoed), 10 MiB down: each byte intact, by sha256.</summary>
    private static void TenMiBBothWays(HttpClient client, int port, ServerProcess server, NginxProcess nginx)
    {
        byte[] data = RandomNumberGenerator.GetBytes(TenMiB);
        string expected = Convert.ToHexStringLower(SHA256.HashData(data));

        using (HttpResponseMessage up = client.PostAsync(new Uri($"http://127.0.0.1:{port}/upload_hash"), new ByteArrayContent(data)).GetAwaiter().GetResult())
        {
            string body = up.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            Assert.True(up.StatusCode == HttpStatusCode.OK, $"{(int)up.StatusCode} {body}{Describe(server, nginx)}");
            JsonElement e = JsonDocument.Parse(body).RootElement;
            Assert.Equal(TenMiB, e.GetProperty("length").GetInt32());
            Assert.Equal(expected, e.GetProperty("sha256").GetString());
        }

        using (HttpResponseMessage echo = client.PostAsync(new Uri($"http://127.0.0.1:{port}/echo"), new ByteArrayContent(data)).GetAwaiter().GetResult())
        {
            byte[] back = echo.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            Assert.True(echo.StatusCode == HttpStatusCode.OK, $"{(int)echo.StatusCode}{Describe(server, nginx)}");
            Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(back)));
        }

        using HttpResponseMessage down = client.GetAsync(new Uri($"http://127.0.0.1:{port}/big?{TenMiB}")).GetAwaiter().GetResult();
        byte[] got = down.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        Assert.True(down.StatusCode == HttpStatusCode.OK, $"{(int)down.StatusCode}{Describe(server, nginx)}");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Enumerable.Repeat((byte)'z', TenMiB).ToArray())), Convert.ToHexStringLower(SHA256.HashData(got)));
    }

    [Fact]
    public void XForwarded_OverUnixSocket_ClientAddressSchemeAndTenMiBIntact()
    {
        using var dir = new WorldReadableDirectory();
        string socket = Path.Combine(dir.FullName, "app.sock");
        // A unix-socket peer is trusted, as in gunicorn: forwarded_allow_ips needs no change.
        using var server = ServerProcess.Start(["-b", "unix:" + socket, "--threads", "4", "--forwarded-remote-addr", "x-forwarded-for", "--python", Repo.DebianPython, "wsgi_basic:app"]);
        using var nginx = NginxProcess.Start(dir, $$"""
            http {
            {TEMP}
                client_max_body_size 64m;
                server {
                    listen 127.0.0.1:{PORT};
                    location / {
                        proxy_pass http://unix:{{socket}}:;
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        # As if nginx had terminated TLS: the app must see https.
                        proxy_set_header X-Forwarded-Proto https;
                    }
                }
            }
            """);
        var ports = new ConcurrentBag<int>();
        using HttpClient client = ClientFrom("127.0.0.3", ports);

        JsonElement e = Environ(client, nginx.Port, server, nginx);
        Assert.Equal("127.0.0.3", e.GetProperty("REMOTE_ADDR").GetString());
        Assert.Equal("https", e.GetProperty("wsgi.url_scheme").GetString());
        TenMiBBothWays(client, nginx.Port, server, nginx);
    }

    [Fact]
    public void StreamProxyProtocol_ClientAddressAndPortAndTenMiBIntact()
    {
        using var dir = new WorldReadableDirectory();
        using var server = ServerProcess.Start(["--threads", "4", "--proxy-protocol", "--python", Repo.DebianPython, "wsgi_basic:app"]);
        using var nginx = NginxProcess.Start(dir, $$"""
            stream {
                server {
                    listen 127.0.0.1:{PORT};
                    proxy_pass 127.0.0.1:{{server.Port}};
                    # nginx sends a v1 header naming the client to the upstream.
                    proxy_protocol on;
                }
            }
            """, stream: true);
        var ports = new ConcurrentBag<int>();
        using HttpClient client = ClientFrom("127.0.0.2", ports);

        JsonElement e = Environ(client, nginx.Port, server, nginx);
        Assert.Equal("127.0.0.2", e.GetProperty("REMOTE_ADDR").GetString());
        Assert.Contains(int.Parse(e.GetProperty("REMOTE_PORT").GetString()!, System.Globalization.CultureInfo.InvariantCulture), ports);
        Assert.Equal("http", e.GetProperty("wsgi.url_scheme").GetString());
        TenMiBBothWays(client, nginx.Port, server, nginx);
    }
}
