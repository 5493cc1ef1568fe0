using Microsoft.Win32.SafeHandles;

namespace Sharpicorn.Platform;

/// <summary>
/// The calling thread's /proc/thread-self/schedstat: CPU time and time spent runnable but
/// waiting for a core, both in ns. Opened on the thread it describes (thread-self resolves at
/// open) and read with one pread per sample.
/// </summary>
internal sealed class ThreadSchedStat : IDisposable
{
    private readonly SafeFileHandle? _handle;

    /// <summary>Opens the calling thread's file; <see cref="Available"/> is false where /proc has none.</summary>
    public ThreadSchedStat()
    {
        try
        {
            _handle = File.OpenHandle("/proc/thread-self/schedstat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _handle = null;
        }
    }

    public bool Available => _handle is not null;

    /// <summary>CPU ns and run-queue wait ns of the thread that opened this, or false if unreadable.</summary>
    public bool TryRead(out long cpuNs, out long waitNs)
    {
        cpuNs = 0;
        waitNs = 0;
        if (_handle is null)
        {
            return false;
        }
        Span<byte> text = stackalloc byte[96];
        int n;
        try
        {
            n = RandomAccess.Read(_handle, text, 0);
        }
        catch (IOException)
        {
            return false;
        }
        return Parse(text[..n], out cpuNs, out waitNs);
    }

    /// <summary>"cpu_ns wait_ns timeslices\n".</summary>
    internal static bool Parse(ReadOnlySpan<byte> text, out long cpuNs, out long waitNs)
    {
        cpuNs = 0;
        waitNs = 0;
        int i = 0;
        if (!Number(text, ref i, out cpuNs) || i >= text.Length || text[i] != (byte)' ')
        {
            return false;
        }
        i++;
        return Number(text, ref i, out waitNs);
    }

    private static bool Number(ReadOnlySpan<byte> text, ref int i, out long value)
    {
        value = 0;
        int start = i;
        while (i < text.Length && text[i] is >= (byte)'0' and <= (byte)'9')
        {
            value = (value * 10) + (text[i] - '0');
            i++;
        }
        return i > start;
    }

    public void Dispose() => _handle?.Dispose();
}
