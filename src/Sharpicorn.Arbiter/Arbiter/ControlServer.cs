// Design notes
// ------------
// gunicorn's ControlSocketServer (gunicorn/ctl/server.py) for the master: a unix socket at
// control_socket, chmod'ed to control_socket_mode (0600: only its owner may connect, the
// filesystem is the access control), gunicorn's framing (ControlProtocol), one task per client,
// a client idle for 5 minutes is dropped. Commands run on the arbiter's loop (InvokeAsync);
// errors are gunicorn's words: "Invalid argument: …" for its ValueErrors, "Command failed: …".
using System.Net.Sockets;
using System.Text.Json;
using Sharpicorn.Control;
using Sharpicorn.Logging;

namespace Sharpicorn.Arbiter;

internal sealed class ControlServer : IDisposable
{
    /// <summary>gunicorn's idle timeout for a control client, 5 minutes.</summary>
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);

    /// <summary>How long a command may wait for the loop (a guard: the loop answers in microseconds unless it is gone).</summary>
    private static readonly TimeSpan LoopTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly string _path;
    private readonly Arbiter _arbiter;
    private readonly ErrorLog _log;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The socket file's mtime once bound: a new master (USR2) binding the same path makes a new file, which this one's stop leaves alone.</summary>
    private readonly DateTime _boundAt;

    private ControlServer(Socket socket, string path, Arbiter arbiter, ErrorLog log)
    {
        _socket = socket;
        _path = path;
        _arbiter = arbiter;
        _log = log;
        _boundAt = File.GetLastWriteTimeUtc(path);
    }

    /// <summary>Binds the socket and starts accepting; null (the error logged, as gunicorn logs it) when it cannot.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static ControlServer? Start(Arbiter arbiter, string path, int mode, ErrorLog log)
    {
        if (!Path.IsPathRooted(path))
        {
            path = Path.Combine(Directory.GetCurrentDirectory(), path);
        }
        Socket? socket = null;
        try
        {
            string? dir = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            socket = BindReplacing(path);
            socket.Listen(16);
            File.SetUnixFileMode(path, (UnixFileMode)(mode & 0xfff));
        }
        catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException or ArgumentException)
        {
            socket?.Dispose();
            log.Error($"Control server error: {e.Message}");
            return null;
        }
        log.Info($"Control socket listening at {path}");
        var server = new ControlServer(socket, path, arbiter, log);
        _ = server.AcceptAsync();
        return server;
    }

    /// <summary>
    /// gunicorn's unlink-then-bind. Masters started together on the default path (a test suite, a
    /// host running several apps without --control-socket) race between the two; the last one wins
    /// the path, as with gunicorn, but none fails for it.
    /// </summary>
    private static Socket BindReplacing(string path)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 5)
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
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
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                byte[]? message;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    idle.CancelAfter(IdleTimeout);
                    message = await ControlProtocol.ReadAsync(stream, idle.Token).ConfigureAwait(false);
                }
                if (message is null)
                {
                    return;
                }
                byte[] response = await DispatchAsync(message).ConfigureAwait(false);
                await ControlProtocol.WriteAsync(stream, response, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
        {
            if (_log.IsEnabled(LogLevel.Debug))
            {
                _log.Debug($"Control client error: {e.Message}");
            }
        }
    }

    /// <summary>gunicorn's _dispatch: the reply to one request message.</summary>
    internal async Task<byte[]> DispatchAsync(byte[] message)
    {
        JsonElement id = default;
        string command;
        var parts = new List<string>();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(message);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("Invalid JSON: not an object");
            }
            id = root.TryGetProperty("id", out JsonElement i) ? i.Clone() : default;
            command = root.TryGetProperty("command", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString()!.Trim() : "";
            if (command.Length == 0)
            {
                return Error(id, "Empty command");
            }
            parts.AddRange(ShellWords.Split(command));
            if (root.TryGetProperty("args", out JsonElement args) && args.ValueKind == JsonValueKind.Array)
            {
                parts.AddRange(args.EnumerateArray().Select(PythonJson.Str));
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Invalid JSON: {e.Message}", e);
        }
        catch (FormatException e)
        {
            return Error(id, $"Invalid argument: {e.Message}");
        }
        if (parts.Count == 0)
        {
            return Error(id, "Empty command");
        }
        try
        {
            byte[] data = await _arbiter.InvokeAsync(() => _arbiter.Execute(parts)).WaitAsync(LoopTimeout).ConfigureAwait(false);
            return Reply(id, w =>
            {
                w.WriteString("status", "ok");
                w.WritePropertyName("data");
                w.WriteRawValue(data, skipInputValidation: true);
            });
        }
        catch (ArgumentException e)
        {
            return Error(id, $"Invalid argument: {e.Message}");
        }
        catch (TimeoutException)
        {
            return Error(id, "Command failed: the master is not answering (shutting down?)");
        }
    }

    private static byte[] Error(JsonElement id, string error) => Reply(id, w =>
    {
        w.WriteString("status", "error");
        w.WriteString("error", error);
    });

    private static byte[] Reply(JsonElement id, Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WritePropertyName("id");
            if (id.ValueKind == JsonValueKind.Undefined)
            {
                w.WriteNumberValue(0);
            }
            else
            {
                id.WriteTo(w);
            }
            body(w);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>gunicorn's stop: close the socket and remove its file (unless another master has bound the path since).</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            if (File.GetLastWriteTimeUtc(_path) == _boundAt)
            {
                File.Delete(_path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // gunicorn ignores this too.
        }
        _stop.Dispose();
    }
}
