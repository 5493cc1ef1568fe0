using System.Runtime.InteropServices;

namespace Sharpicorn.Platform;

/// <summary>
/// RLIMIT_NOFILE. The soft limit is raised to the hard one at start, as nginx
/// (worker_rlimit_nofile), the .NET runtime under a JIT host, and many servers do: every open
/// connection is a descriptor, and the usual soft default (1024) is far below what idle and
/// slow connections need. Native AOT does not raise it by itself. Workers inherit it.
/// </summary>
internal static partial class OpenFileLimit
{
    /// <summary>RLIMIT_NOFILE on Linux (asm-generic/resource.h).</summary>
    private const int RlimitNoFile = 7;

    /// <summary>RLIM_INFINITY: rlim_t's all-ones value.</summary>
    private const ulong Infinity = ulong.MaxValue;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Soft;
        public ulong Hard;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    /// <summary>Raises the soft limit to the hard limit; a failure keeps the soft one (best effort, as nginx does).</summary>
    public static void RaiseSoftToHard()
    {
        if (GetRLimit(RlimitNoFile, out RLimit l) != 0 || l.Soft >= l.Hard)
        {
            return;
        }
        // An unlimited hard limit cannot be the soft one (setrlimit refuses more than fs.nr_open).
        var raised = new RLimit { Soft = l.Hard == Infinity ? Math.Max(l.Soft, 1UL << 20) : l.Hard, Hard = l.Hard };
        if (SetRLimit(RlimitNoFile, raised) != 0 && l.Hard == Infinity)
        {
            _ = SetRLimit(RlimitNoFile, l with { Soft = Math.Max(l.Soft, 65536) });
        }
    }

    /// <summary>The soft limit now in force; int.MaxValue when unlimited or unreadable.</summary>
    public static int Current => GetRLimit(RlimitNoFile, out RLimit l) == 0 && l.Soft < int.MaxValue ? (int)l.Soft : int.MaxValue;
}
