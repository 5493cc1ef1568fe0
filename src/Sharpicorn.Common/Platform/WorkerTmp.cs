// Design notes
// ------------
// gunicorn's WorkerTmp: each worker owns a temporary file, "wgunicorn-XXXXXX" in
// worker_tmp_dir (default: Python's tempfile directory, $TMPDIR, $TEMP, $TMP, then /tmp,
// /var/tmp, /usr/tmp, the current directory), unlinked at once so nothing leaks, and kept open.
// gunicorn's notify() sets the file's atime and mtime to time.monotonic(), and its arbiter
// compares the mtime with its own monotonic clock. sharpicorn's arbiter reads the heartbeat
// from the pipe instead (a slow disk cannot stall it), but every heartbeat also stamps this
// file with the same value on the same clock (CLOCK_MONOTONIC), so a tool that watches it sees
// what gunicorn's would show: the file is /proc/<worker pid>/fd/N, a link to
// "<dir>/wgunicorn-XXXXXX (deleted)", and stat() through that link gives the mtime.
using System.Runtime.InteropServices;
using System.Text;

namespace Sharpicorn.Platform;

/// <summary>One worker's heartbeat file (gunicorn's WorkerTmp).</summary>
internal sealed partial class WorkerTmp : IDisposable
{
    /// <summary>gunicorn's tempfile prefix, which tools that look for the file match on.</summary>
    public const string Prefix = "wgunicorn-";

    private const int O_CLOEXEC = 0x80000;

    private int _fd;

    private WorkerTmp(int fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    /// <summary>The name the file had before it was unlinked.</summary>
    public string Path { get; }

    public int Fd => _fd;

    /// <summary>
    /// Creates and unlinks the file in <paramref name="directory"/>, or in the first usable
    /// temporary directory when it is null. Throws <see cref="IOException"/> with gunicorn's
    /// message when the directory does not exist.
    /// </summary>
    public static WorkerTmp Create(string? directory)
    {
        if (directory is not null)
        {
            if (!Directory.Exists(directory))
            {
                throw new IOException($"{directory} doesn't exist. Can't create workertmp.");
            }
            return CreateIn(directory);
        }
        IOException? last = null;
        foreach (string dir in TempDirectories())
        {
            try
            {
                return CreateIn(dir);
            }
            catch (IOException e)
            {
                last = e;
            }
        }
        throw last ?? new IOException("no usable temporary directory for the worker's heartbeat file");
    }

    /// <summary>Python's tempfile._candidate_tempdir_list on POSIX.</summary>
    private static IEnumerable<string> TempDirectories()
    {
        foreach (string name in new[] { "TMPDIR", "TEMP", "TMP" })
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } dir)
            {
                yield return dir;
            }
        }
        yield return "/tmp";
        yield return "/var/tmp";
        yield return "/usr/tmp";
        yield return Directory.GetCurrentDirectory();
    }

    private static unsafe WorkerTmp CreateIn(string directory)
    {
        string template = System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), Prefix + "XXXXXX");
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(template) + 1];
        Encoding.UTF8.GetBytes(template, bytes);
        int fd;
        fixed (byte* p = bytes)
        {
            // mkostemp creates the file 0600 (before the umask), as Python's mkstemp does.
            fd = MkOsTemp(p, O_CLOEXEC);
        }
        if (fd < 0)
        {
            throw new IOException($"cannot create the worker's heartbeat file in {directory}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        string path = Encoding.UTF8.GetString(bytes, 0, bytes.Length - 1);
        Unlink(path);
        return new WorkerTmp(fd, path);
    }

    /// <summary>gunicorn's notify(): atime and mtime set to <paramref name="monotonicMs"/> (CLOCK_MONOTONIC, ms).</summary>
    public unsafe void Notify(long monotonicMs)
    {
        int fd = Volatile.Read(ref _fd);
        if (fd < 0)
        {
            return;
        }
        long* times = stackalloc long[4];
        times[0] = times[2] = monotonicMs / 1000;
        times[1] = times[3] = monotonicMs % 1000 * 1_000_000;
        _ = FutImens(fd, times);
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "mkostemp", SetLastError = true)]
    private static unsafe partial int MkOsTemp(byte* template, int flags);

    [LibraryImport("libc", EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unlink(string path);

    /// <summary>futimens(fd, struct timespec[2]): two (tv_sec, tv_nsec) pairs of 64-bit values on 64-bit Linux.</summary>
    [LibraryImport("libc", EntryPoint = "futimens")]
    private static unsafe partial int FutImens(int fd, long* times);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
