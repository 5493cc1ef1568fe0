// Design notes
// ------------
// --metrics-bind: the master answers Prometheus scrapes itself, with a few lines of HTTP/1.1
// rather than Kestrel (the master stays small and Python-free). One request per connection:
// read the head (bounded in size and time), render the page on the arbiter's loop, answer with
// Connection: close. Any path gets the page; GET and HEAD only.
using System.Net.Sockets;
using System.Text;
using Sharpicorn.Logging;
using Sharpicorn.Metrics;
using Sharpicorn.Net;

namespace Sharpicorn.Arbiter;

internal sealed class MetricsServer : IDisposable
{
    /// <summary>A scrape's head is a few hundred bytes; more is not a scraper.</summary>
    private const int MaxHead = 16 * 1024;

    /// <summary>How long a client may take to send its head, and the loop to render (guards, not measurements).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly Listener _listener;
    private readonly Arbiter _arbiter;
    private readonly CancellationTokenSource _stop = new();

    private MetricsServer(Listener listener, Arbiter arbiter)
    {
        _listener = listener;
        _arbiter = arbiter;
    }

    public static MetricsServer? Start(Arbiter arbiter, string bind, ErrorLog log)
    {
        Listener listener;
        try
        {
            listener = Listener.Bind(BindAddress.Parse(bind), 64);
        }
        catch (Exception e) when (e is SocketException or FormatException or IOException)
        {
            log.Error($"Metrics server error: {bind}: {e.Message}");
            return null;
        }
        log.Info($"Metrics listening at: {listener.Describe(tls: false)}/metrics");
        var server = new MetricsServer(listener, arbiter);
        _ = server.AcceptAsync();
        return server;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.Socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var stream = new NetworkStream(client, ownsSocket: true);
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        patience.CancelAfter(Patience);
        try
        {
            string? method = await ReadMethodAsync(stream, patience.Token).ConfigureAwait(false);
            if (method is null)
            {
                return;
            }
            string status = "200 OK", body;
            if (method is "GET" or "HEAD")
            {
                body = await _arbiter.InvokeAsync(_arbiter.RenderMetrics).WaitAsync(Patience, patience.Token).ConfigureAwait(false);
            }
            else
            {
                status = "405 Method Not Allowed";
                body = "Method Not Allowed\n";
            }
            byte[] payload = Encoding.UTF8.GetBytes(body);
            string head = $"HTTP/1.1 {status}\r\nContent-Type: {PrometheusText.ContentType}\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n{(status[0] == '4' ? "Allow: GET, HEAD\r\n" : "")}\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), patience.Token).ConfigureAwait(false);
            if (method != "HEAD")
            {
                await stream.WriteAsync(payload, patience.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // A scraper that went away, or a master that is stopping: nothing to answer.
        }
    }

    /// <summary>Reads the request head; returns its method, or null for a client that sent no complete head.</summary>
    private static async Task<string?> ReadMethodAsync(NetworkStream stream, CancellationToken cancel)
    {
        byte[] buffer = new byte[MaxHead];
        int length = 0;
        while (length < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(length), cancel).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }
            length += n;
            int end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                int space = buffer.AsSpan(0, end).IndexOf((byte)' ');
                return space > 0 ? Encoding.ASCII.GetString(buffer, 0, space) : "";
            }
        }
        return null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close(unlink: true);
        _stop.Dispose();
    }
}
