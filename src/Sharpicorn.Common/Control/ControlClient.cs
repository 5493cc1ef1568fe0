using System.Net.Sockets;
using System.Text.Json;

namespace Sharpicorn.Control;

/// <summary>gunicorn's ControlClient: one connection to the control socket, one request at a time.</summary>
internal sealed class ControlClient(string socketPath) : IDisposable
{
    /// <summary>gunicorn's client timeout, 30 s.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private Socket? _socket;
    private NetworkStream? _stream;
    private int _requestId;

    public string SocketPath => socketPath;

    public void Connect()
    {
        if (_socket is not null)
        {
            return;
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ControlClientException($"Failed to connect to {socketPath}: {PythonOsError(e)}", e);
        }
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public void Close()
    {
        _stream?.Dispose();
        _stream = null;
        _socket = null;
    }

    public void Dispose() => Close();

    /// <summary>Sends one command; returns the response's data. Throws <see cref="ControlClientException"/> with gunicorn's messages.</summary>
    public JsonElement SendCommand(string command)
    {
        Connect();
        _requestId++;
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("id", _requestId);
            w.WriteString("command", command);
            w.WriteStartArray("args");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        byte[]? reply;
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            ControlProtocol.WriteAsync(_stream!, buffer.ToArray(), timeout.Token).GetAwaiter().GetResult();
            reply = ControlProtocol.ReadAsync(_stream!, timeout.Token).GetAwaiter().GetResult()
                ?? throw new ControlClientException("Communication error: Connection closed");
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
        {
            Close();
            throw new ControlClientException($"Communication error: {e.Message}", e);
        }
        catch (ControlClientException)
        {
            Close();
            throw;
        }
        using JsonDocument doc = JsonDocument.Parse(reply);
        JsonElement root = doc.RootElement;
        if (root.TryGetProperty("status", out JsonElement status) && status.ValueKind == JsonValueKind.String && status.GetString() == "error")
        {
            throw new ControlClientException(root.TryGetProperty("error", out JsonElement err) ? PythonJson.Str(err) : "Unknown error");
        }
        return root.TryGetProperty("data", out JsonElement data) ? data.Clone() : JsonDocument.Parse("{}").RootElement.Clone();
    }

    /// <summary>Python's str(OSError): "[Errno N] strerror".</summary>
    private static string PythonOsError(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AccessDenied => "[Errno 13] Permission denied",
        SocketError.ConnectionRefused => "[Errno 111] Connection refused",
        SocketError.AddressNotAvailable => "[Errno 2] No such file or directory",
        _ => $"[Errno {e.NativeErrorCode}] {e.Message}",
    };
}
