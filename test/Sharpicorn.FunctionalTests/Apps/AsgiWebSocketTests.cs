using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;
using Sharpicorn.Tests.Tls;

namespace Sharpicorn.Tests.Apps;

/// <summary>
/// ASGI WebSockets beyond the basics of <see cref="AsgiTests"/>: permessage-deflate (RFC 7692)
/// with the websockets library's client, and RFC 8441's WebSockets over HTTP/2. No Python client
/// here speaks RFC 8441, so those are driven by .NET's <see cref="ClientWebSocket"/> over h2c with
/// prior knowledge (the same client on HTTP/1.1 shows the two agree).
/// </summary>
public sealed class AsgiWebSocketTests(TestPki pki) : IClassFixture<TestPki>
{
    private const int Sigterm = 15;

    private static readonly string[] H2c = ["--http-protocols", "h2,h1", "--http2-cleartext", "both"];

    [Theory]
    [MemberData(nameof(AsgiTests.Servers), MemberType = typeof(AsgiTests))]
    public async Task Deflate_WebsocketsClientOffer_NegotiatedAsTheWebsocketsServerAndEchoIntact(string server)
    {
        using ServerProcess s = AsgiTests.Start(server, "asgi_fastapi:app");
        (int exit, string stdout, string stderr) = ClientTool.Run(Repo.DebianPython, Path.Combine(Repo.Apps, "asgi_ws_deflate_client.py"), s.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(exit == 0, stderr + s.ErrorLog);
        JsonElement r = JsonDocument.Parse(stdout).RootElement;
        // Both answers are RFC 7692's and the client takes either: uvicorn 0.17 builds its own
        // factory without limits (15-bit windows); sharpicorn answers as the websockets library's
        // own server defaults do, 12-bit windows both ways (a quarter of zlib's state per socket).
        int bits = server == "uvicorn" ? 15 : 12;
        string expected = server == "uvicorn" ? "permessage-deflate" : "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12";
        Assert.Equal(expected, r.GetProperty("response_header").GetString());
        JsonElement ext = Assert.Single(r.GetProperty("extensions").EnumerateArray());
        Assert.Equal("permessage-deflate", ext.GetProperty("name").GetString());
        Assert.Equal(bits, ext.GetProperty("remote_max_window_bits").GetInt32());
        Assert.Equal(bits, ext.GetProperty("local_max_window_bits").GetInt32());
        Assert.True(r.GetProperty("text_echoed").GetBoolean());
        Assert.True(r.GetProperty("mib_echoed").GetBoolean());
        Assert.True(r.GetProperty("noise_echoed").GetBoolean());
        Assert.False(r.TryGetProperty("context_takeover_broken_at", out _), stdout);
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task DotnetClient_EchoSubprotocolAndCloseCodes_SameOnHttp1AndHttp2(string version)
    {
        using ServerProcess s = StartH2c();
        using HttpMessageInvoker invoker = Invoker();
        using (ClientWebSocket ws = NewClient(version))
        {
            ws.Options.AddSubProtocol("chat");
            await ws.ConnectAsync(Ws(s, "/ws"), invoker, Timeout());
            // HTTP/2 accepts with 200 on the stream (RFC 8441 5), HTTP/1.1 with 101.
            Assert.Equal(version == "2" ? HttpStatusCode.OK : HttpStatusCode.SwitchingProtocols, ws.HttpStatusCode);
            Assert.Equal("chat", ws.SubProtocol);

            await SendAsync(ws, Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text);
            (WebSocketMessageType type, byte[] data) = await ReceiveAsync(ws);
            Assert.Equal(WebSocketMessageType.Text, type);
            Assert.Equal("hello", Encoding.UTF8.GetString(data));

            byte[] mib = new byte[1 << 20];
            new Random(7).NextBytes(mib);
            await SendAsync(ws, mib, WebSocketMessageType.Binary);
            (type, data) = await ReceiveAsync(ws);
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal(SHA256.HashData(mib), SHA256.HashData(data));

            // The app closes with its code...
            await SendAsync(ws, Encoding.UTF8.GetBytes("close:4001"), WebSocketMessageType.Text);
            (type, _) = await ReceiveAsync(ws);
            Assert.Equal(WebSocketMessageType.Close, type);
            Assert.Equal(4001, (int)ws.CloseStatus!);
        }
        using (ClientWebSocket ws = NewClient(version))
        {
            await ws.ConnectAsync(Ws(s, "/ws"), invoker, Timeout());
            Assert.True(string.IsNullOrEmpty(ws.SubProtocol));
            // ...and the client's reaches the app.
            await ws.CloseAsync((WebSocketCloseStatus)4002, "", Timeout());
        }
        using HttpClient http = new() { BaseAddress = new Uri($"http://127.0.0.1:{s.Port}"), Timeout = ClientTool.Patience };
        await WaitForMarkAsync(http, "ws disconnect 4002");
    }

    [Fact]
    public async Task Http2_Scope_WebsocketTypeVersion2WsSchemeNoPseudoHeaders()
    {
        using ServerProcess s = StartH2c();
        using HttpMessageInvoker invoker = Invoker();
        using ClientWebSocket ws = NewClient("2");
        ws.Options.AddSubProtocol("chat");
        ws.Options.AddSubProtocol("superchat");
        await ws.ConnectAsync(Ws(s, "/wsscope?x=1"), invoker, Timeout());
        (WebSocketMessageType type, byte[] data) = await ReceiveAsync(ws);
        Assert.Equal(WebSocketMessageType.Text, type);
        JsonElement scope = JsonDocument.Parse(data).RootElement;
        Assert.Equal("websocket", scope.GetProperty("type").GetString());
        Assert.Equal("2", scope.GetProperty("http_version").GetString());
        Assert.Equal("ws", scope.GetProperty("scheme").GetString());
        Assert.Equal("/wsscope", scope.GetProperty("path").GetString());
        Assert.Equal("x=1", scope.GetProperty("query_string").GetString());
        Assert.Equal(["chat", "superchat"], scope.GetProperty("subprotocols").EnumerateArray().Select(e => e.GetString()));
        string[] names = [.. scope.GetProperty("header_names").EnumerateArray().Select(e => e.GetString()!)];
        Assert.DoesNotContain(names, n => n.StartsWith(':'));
        Assert.Contains("host", names);
        Assert.Contains("sec-websocket-version", names);
        (type, _) = await ReceiveAsync(ws);
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
    }

    [Fact]
    public async Task Http2OverTls_AlpnH2_WssScopeAndEcho()
    {
        using ServerProcess s = AsgiTests.Start("sharpicorn", "asgi_fastapi:app", null,
            "--certfile", pki.Path("server.pem"), "--keyfile", pki.Path("server.key"), "--http-protocols", "h2,h1");
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => pki.Trusts(cert) },
        });
        using ClientWebSocket ws = NewClient("2");
        await ws.ConnectAsync(new Uri($"wss://localhost:{s.Port}/wsscope"), invoker, Timeout());
        Assert.Equal(HttpStatusCode.OK, ws.HttpStatusCode);
        JsonElement scope = JsonDocument.Parse((await ReceiveAsync(ws)).Data).RootElement;
        Assert.Equal("wss", scope.GetProperty("scheme").GetString());
        Assert.Equal("2", scope.GetProperty("http_version").GetString());
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task DotnetClient_AppClosesBeforeAccept_Answered403(string version)
    {
        using ServerProcess s = StartH2c();
        using HttpMessageInvoker invoker = Invoker();
        using ClientWebSocket ws = NewClient(version);
        await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(Ws(s, "/deny"), invoker, Timeout()));
        Assert.Equal(HttpStatusCode.Forbidden, ws.HttpStatusCode);
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task DotnetClient_DeflateOffered_NegotiatedAndEchoIntact(string version)
    {
        using ServerProcess s = StartH2c();
        using HttpMessageInvoker invoker = Invoker();
        using ClientWebSocket ws = NewClient(version);
        ws.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        await ws.ConnectAsync(Ws(s, "/ws"), invoker, Timeout());
        // .NET's client offers "permessage-deflate; client_max_window_bits"; the answer narrows both windows.
        Assert.Equal("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12", string.Join(", ", ws.HttpResponseHeaders!["Sec-WebSocket-Extensions"]));
        byte[] text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("compress me ", 10_000)));
        for (int i = 0; i < 3; i++)
        {
            await SendAsync(ws, text, WebSocketMessageType.Text);
            (_, byte[] data) = await ReceiveAsync(ws);
            Assert.Equal(text, data);
        }
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", Timeout());
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task Deflate_MessageInflatingPastTheLimit_Closed1009(string version)
    {
        // A MiB of zeros is about a KiB on the wire: the limit is on what it inflates to.
        using ServerProcess s = AsgiTests.Start("sharpicorn", "asgi_fastapi:app", null, [.. H2c, "--websocket-max-message-size", "65536"]);
        using HttpMessageInvoker invoker = Invoker();
        using ClientWebSocket ws = NewClient(version);
        ws.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        await ws.ConnectAsync(Ws(s, "/ws"), invoker, Timeout());
        await SendAsync(ws, new byte[1 << 20], WebSocketMessageType.Binary);
        (WebSocketMessageType type, _) = await ReceiveAsync(ws);
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, ws.CloseStatus);
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task GracefulStop_OpenWebSocket_Closed1001AndWorkerExits(string version)
    {
        using ServerProcess s = StartH2c();
        using HttpMessageInvoker invoker = Invoker();
        using ClientWebSocket ws = NewClient(version);
        await ws.ConnectAsync(Ws(s, "/ws"), invoker, Timeout());
        // Echoed: the socket is accepted and in the app's loop before the stop.
        await SendAsync(ws, Encoding.UTF8.GetBytes("up"), WebSocketMessageType.Text);
        Assert.Equal("up", Encoding.UTF8.GetString((await ReceiveAsync(ws)).Data));

        s.Signal(Sigterm);
        (WebSocketMessageType type, _) = await ReceiveAsync(ws);
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, ws.CloseStatus);
        await ws.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "", Timeout());
        Assert.Equal(0, s.WaitForExit());
        Assert.Contains("Worker exiting", s.ErrorLog, StringComparison.Ordinal);
    }

    private static ServerProcess StartH2c() => AsgiTests.Start("sharpicorn", "asgi_fastapi:app", null, H2c);

    private static Uri Ws(ServerProcess s, string target) => new($"ws://127.0.0.1:{s.Port}{target}");

    private static CancellationToken Timeout() => new CancellationTokenSource(ClientTool.Patience).Token;

    private static HttpMessageInvoker Invoker() => new(new SocketsHttpHandler());

    /// <summary>HTTP/2 exactly: over cleartext that is h2c with prior knowledge, then RFC 8441's extended CONNECT.</summary>
    private static ClientWebSocket NewClient(string version)
    {
        var ws = new ClientWebSocket();
        ws.Options.HttpVersion = version == "2" ? HttpVersion.Version20 : HttpVersion.Version11;
        ws.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        ws.Options.CollectHttpResponseDetails = true;
        return ws;
    }

    private static Task SendAsync(ClientWebSocket ws, byte[] data, WebSocketMessageType type) =>
        ws.SendAsync(data, type, endOfMessage: true, Timeout());

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(ClientWebSocket ws)
    {
        using var message = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            WebSocketReceiveResult r = await ws.ReceiveAsync(buffer, Timeout());
            message.Write(buffer, 0, r.Count);
            if (r.EndOfMessage || r.MessageType == WebSocketMessageType.Close)
            {
                return (r.MessageType, message.ToArray());
            }
        }
    }

    private static async Task WaitForMarkAsync(HttpClient http, string mark)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string marks;
        while (!(marks = await http.GetStringAsync(new Uri("/marks", UriKind.Relative))).Contains(mark, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < ClientTool.Patience, $"'{mark}' never reached the app: {marks}");
            await Task.Delay(20);
        }
    }
}
