using System.Buffers.Binary;

namespace Sharpicorn.Control;

/// <summary>
/// gunicorn's control protocol (gunicorn/ctl/protocol.py): each message is a 4-byte big-endian
/// length and that many bytes of UTF-8 JSON. Requests are {"id", "command", "args"}; responses
/// {"id", "status": "ok", "data"} or {"id", "status": "error", "error"}.
/// </summary>
internal static class ControlProtocol
{
    /// <summary>gunicorn's MAX_MESSAGE_SIZE, 16 MB.</summary>
    public const int MaxMessageSize = 16 * 1024 * 1024;

    /// <summary>One message, or null at a clean end of stream (nothing read). Throws <see cref="InvalidDataException"/> on a broken one.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, CancellationToken cancel = default)
    {
        byte[] head = new byte[4];
        int got = 0;
        while (got < 4)
        {
            int n = await stream.ReadAsync(head.AsMemory(got), cancel).ConfigureAwait(false);
            if (n == 0)
            {
                return got == 0 ? null : throw new InvalidDataException("Incomplete length prefix");
            }
            got += n;
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(head);
        if (length > MaxMessageSize)
        {
            throw new InvalidDataException($"Message too large: {length}");
        }
        byte[] payload = new byte[length];
        try
        {
            await stream.ReadExactlyAsync(payload, cancel).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Incomplete payload", e);
        }
        return payload;
    }

    public static async Task WriteAsync(Stream stream, ReadOnlyMemory<byte> json, CancellationToken cancel = default)
    {
        byte[] message = new byte[4 + json.Length];
        BinaryPrimitives.WriteUInt32BigEndian(message, (uint)json.Length);
        json.CopyTo(message.AsMemory(4));
        await stream.WriteAsync(message, cancel).ConfigureAwait(false);
        await stream.FlushAsync(cancel).ConfigureAwait(false);
    }
}
