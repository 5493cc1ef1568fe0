namespace Sharpicorn.Protocol;

/// <summary>
/// What a worker tells the arbiter over its pipe. Each frame is 9 bytes: this byte and an
/// int64 payload (little-endian). 9 bytes is below PIPE_BUF, so frames never interleave.
/// <see cref="Stats"/> alone is followed by its payload's bytes.
/// </summary>
internal enum WorkerMessage : byte
{
    /// <summary>Payload: the monotonic time (ms) of the worker's last progress: now when idle, else the oldest last-I/O time of its running requests.</summary>
    Heartbeat = (byte)'H',

    /// <summary>The app is loaded and Kestrel is accepting. Payload unused.</summary>
    Booted = (byte)'B',

    /// <summary>Replace me, then stop me gracefully (max_requests, or a thread that cannot be interrupted). Payload unused.</summary>
    Retire = (byte)'R',

    /// <summary>Payload: the byte count of a <see cref="WorkerStats"/> encoding that follows the frame on the pipe.</summary>
    Stats = (byte)'S',
}
