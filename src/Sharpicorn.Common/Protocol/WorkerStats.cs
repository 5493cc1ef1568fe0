// Design notes
// ------------
// A worker's stats travel to the arbiter on the same pipe as its heartbeats: a 9-byte frame
// (WorkerMessage.Stats, payload = the byte count) followed by this encoding, little-endian:
//   int32 N, then N x (byte method, int16 status, int64 count)      requests, non-zero only
//   DurationBuckets.Count x int64                                    histogram, not cumulative
//   int64 duration sum (µs), int64 bytes in, int64 bytes out
//   int32 M, then M x (int64 start ms, string method, string path)   in flight, at most MaxInFlight
// Strings are a uint16 byte count and UTF-8, paths cut at MaxPathBytes. Only the worker
// writes its pipe (under the channel's lock), so a frame longer than PIPE_BUF cannot interleave.
using System.Buffers.Binary;
using System.Text;

namespace Sharpicorn.Protocol;

/// <summary>What a worker reports about its requests; also the arbiter's sum over retired workers.</summary>
internal sealed class WorkerStats
{
    /// <summary>In-flight requests a snapshot lists at most (a worker with more threads reports the first ones).</summary>
    public const int MaxInFlight = 64;

    /// <summary>Longer paths are cut: the listing is for a person at a terminal, and frames stay small.</summary>
    public const int MaxPathBytes = 256;

    /// <summary>Count by <see cref="Key"/> (method index, status).</summary>
    public Dictionary<int, long> Requests { get; } = [];

    /// <summary>Per bucket of <see cref="DurationBuckets"/>, not cumulative.</summary>
    public long[] Buckets { get; } = new long[DurationBuckets.Count];

    public long DurationMicros { get; set; }

    public long BytesIn { get; set; }

    public long BytesOut { get; set; }

    public List<InFlightRequest> InFlight { get; } = [];

    public long TotalRequests => Requests.Values.Sum();

    public static int Key(int method, int status) => (method * 1000) + status;

    public static (int Method, int Status) Split(int key) => (key / 1000, key % 1000);

    /// <summary>Adds another worker's counts (the arbiter keeps the retired workers' totals this way).</summary>
    public void Add(WorkerStats other)
    {
        foreach ((int key, long n) in other.Requests)
        {
            Requests[key] = Requests.GetValueOrDefault(key) + n;
        }
        for (int i = 0; i < Buckets.Length; i++)
        {
            Buckets[i] += other.Buckets[i];
        }
        DurationMicros += other.DurationMicros;
        BytesIn += other.BytesIn;
        BytesOut += other.BytesOut;
    }

    public byte[] Encode()
    {
        var buffer = new MemoryStream(256);
        // BinaryWriter is little-endian on every platform.
        using var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true);
        void I16(short v) => w.Write(v);
        void I32(int v) => w.Write(v);
        void I64(long v) => w.Write(v);
        void Str(string s, int max)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s);
            int n = Math.Min(bytes.Length, max);
            I16((short)n);
            w.Write(bytes, 0, n);
        }
        I32(Requests.Count);
        foreach ((int key, long n) in Requests)
        {
            (int method, int status) = Split(key);
            w.Write((byte)method);
            I16((short)status);
            I64(n);
        }
        foreach (long b in Buckets)
        {
            I64(b);
        }
        I64(DurationMicros);
        I64(BytesIn);
        I64(BytesOut);
        int m = Math.Min(InFlight.Count, MaxInFlight);
        I32(m);
        for (int i = 0; i < m; i++)
        {
            I64(InFlight[i].StartedAt);
            Str(InFlight[i].Method, 32);
            Str(InFlight[i].Path, MaxPathBytes);
        }
        w.Flush();
        return buffer.ToArray();
    }

    /// <summary>Reads <see cref="Encode"/>'s bytes; throws <see cref="FormatException"/> on a short or malformed frame.</summary>
    public static WorkerStats Decode(ReadOnlySpan<byte> data)
    {
        var stats = new WorkerStats();
        int at = 0;
        ReadOnlySpan<byte> Take(ReadOnlySpan<byte> d, int n)
        {
            if (at + n > d.Length)
            {
                throw new FormatException("short stats frame");
            }
            ReadOnlySpan<byte> s = d.Slice(at, n);
            at += n;
            return s;
        }
        int n = BinaryPrimitives.ReadInt32LittleEndian(Take(data, 4));
        for (int i = 0; i < n; i++)
        {
            int method = Take(data, 1)[0];
            int status = BinaryPrimitives.ReadInt16LittleEndian(Take(data, 2));
            stats.Requests[Key(Math.Min(method, RequestMethods.Count - 1), status)] = BinaryPrimitives.ReadInt64LittleEndian(Take(data, 8));
        }
        for (int i = 0; i < stats.Buckets.Length; i++)
        {
            stats.Buckets[i] = BinaryPrimitives.ReadInt64LittleEndian(Take(data, 8));
        }
        stats.DurationMicros = BinaryPrimitives.ReadInt64LittleEndian(Take(data, 8));
        stats.BytesIn = BinaryPrimitives.ReadInt64LittleEndian(Take(data, 8));
        stats.BytesOut = BinaryPrimitives.ReadInt64LittleEndian(Take(data, 8));
        int m = BinaryPrimitives.ReadInt32LittleEndian(Take(data, 4));
        for (int i = 0; i < m; i++)
        {
            long started = BinaryPrimitives.ReadInt64LittleEndian(Take(data, 8));
            string method = Encoding.UTF8.GetString(Take(data, BinaryPrimitives.ReadInt16LittleEndian(Take(data, 2))));
            string path = Encoding.UTF8.GetString(Take(data, BinaryPrimitives.ReadInt16LittleEndian(Take(data, 2))));
            stats.InFlight.Add(new InFlightRequest(method, path, started));
        }
        return stats;
    }
}
