using System.Runtime.InteropServices;

namespace Sharpicorn.Platform;

/// <summary>The POSIX calls the arbiter and workers need that .NET does not expose.</summary>
internal static partial class Posix
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGABRT = 6;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGUSR2 = 12;
    public const int SIGTERM = 15;
    public const int SIGCHLD = 17;
    public const int SIGTTIN = 21;
    public const int SIGTTOU = 22;
    public const int SIGWINCH = 28;

    private const int F_GETFD = 1;
    private const int F_SETFD = 2;
    private const int FD_CLOEXEC = 1;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getppid")]
    public static partial int GetParentPid();

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    public static partial int SetUid(uint uid);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    public static partial int SetGid(uint gid);

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "getpwuid")]
    private static partial nint GetPwUid(uint uid);

    /// <summary>initgroups(3): the supplementary groups of <paramref name="user"/> plus <paramref name="gid"/> (gunicorn's --initgroups).</summary>
    [LibraryImport("libc", EntryPoint = "initgroups", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int InitGroups(string user, uint gid);

    /// <summary>The login name of a user given by name or number (struct passwd starts with pw_name); null if unknown.</summary>
    public static unsafe string? UserName(string user)
    {
        if (ResolveUser(user) is not uint uid)
        {
            return null;
        }
        nint pw = GetPwUid(uid);
        return pw == 0 ? null : Marshal.PtrToStringUTF8(*(nint*)pw);
    }

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetGrNam(string name);

    /// <summary>A user name or number to a uid (struct passwd: two pointers, then pw_uid). Null if unknown.</summary>
    public static unsafe uint? ResolveUser(string user)
    {
        if (uint.TryParse(user, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint uid))
        {
            return uid;
        }
        nint pw = GetPwNam(user);
        return pw == 0 ? null : *(uint*)(pw + (2 * sizeof(nint)));
    }

    /// <summary>A group name or number to a gid (struct group: two pointers, then gr_gid). Null if unknown.</summary>
    public static unsafe uint? ResolveGroup(string group)
    {
        if (uint.TryParse(group, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint gid))
        {
            return gid;
        }
        nint gr = GetGrNam(group);
        return gr == 0 ? null : *(uint*)(gr + (2 * sizeof(nint)));
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int ExecV(string path, [MarshalAs(UnmanagedType.LPArray)] string?[] argv);

    /// <summary>
    /// A process started with one of gunicorn's signals ignored (nohup ignores SIGHUP; a
    /// background job of a non-interactive shell starts with SIGINT and SIGQUIT ignored) keeps
    /// ignoring it under .NET, which installs no handler over a SIG_IGN it inherited, while
    /// gunicorn's signal.signal() takes them over regardless. So, before anything else runs,
    /// such a process puts them back to their default and executes itself again: the new image
    /// starts with them handled. Returns only when nothing had to be done (or the exec failed,
    /// and the process goes on as before).
    /// </summary>
    public static void ReexecIfSignalsIgnored(string[] args)
    {
        ulong ignored = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
            {
                ignored = ulong.Parse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                break;
            }
        }
        int[] handled = [SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGTTIN, SIGTTOU, SIGWINCH];
        int[] reset = [.. handled.Where(sig => (ignored & (1UL << (sig - 1))) != 0)];
        if (reset.Length == 0 || Environment.ProcessPath is not string self)
        {
            return;
        }
        foreach (int sig in reset)
        {
            Signal(sig, 0);
        }
        ExecV(self, [self, .. args, null]);
    }

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    /// <summary>
    /// A log file opened O_APPEND: the arbiter and every worker write the same file, and only the
    /// kernel's append keeps their lines from overwriting each other (.NET's FileMode.Append seeks
    /// once and then writes at its own offset).
    /// </summary>
    public static FileStream OpenAppend(string path)
    {
        const int O_WRONLY = 0x1, O_CREAT = 0x40, O_APPEND = 0x400, O_CLOEXEC = 0x80000;
        int fd = Open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0x1A4 /* 0644 */);
        if (fd < 0)
        {
            throw new IOException($"cannot open '{path}' for appending: errno {Marshal.GetLastPInvokeError()}");
        }
        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsATty(int fd);

    /// <summary>Makes <paramref name="target"/> a copy of <paramref name="fd"/> (dup2; the copy is inherited by children).</summary>
    public static void Redirect(int fd, int target)
    {
        if (Dup2(fd, target) < 0)
        {
            throw new IOException($"dup2({fd}, {target}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>
    /// -R/--enable-stdio-inheritance under --daemon, as gunicorn's daemonize(): stdin becomes
    /// /dev/null, and stdout and stderr too only where they are still a terminal (a pipe or a
    /// file the daemon was started with keeps receiving its output).
    /// </summary>
    public static void NullStdinAndTerminals()
    {
        int fd = Open("/dev/null", 2 /* O_RDWR */);
        if (fd < 0)
        {
            return;
        }
        _ = Dup2(fd, 0);
        foreach (int i in (ReadOnlySpan<int>)[1, 2])
        {
            if (IsATty(i) == 1)
            {
                _ = Dup2(fd, i);
            }
        }
        if (fd > 2)
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Points stdin, stdout and stderr at /dev/null (a daemon's standard streams), and also the
    /// private copies the .NET runtime dups from them at startup: while any copy stays open, a
    /// shell pipe on the original streams never sees end-of-file.
    /// </summary>
    public static void NullStdio()
    {
        int fd = Open("/dev/null", 2 /* O_RDWR */);
        if (fd < 0)
        {
            return;
        }
        var originals = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 3; i++)
        {
            if (LinkTarget($"/proc/self/fd/{i}") is string t && !t.StartsWith("/dev/null", StringComparison.Ordinal))
            {
                originals.Add(t);
            }
            _ = Dup2(fd, i);
        }
        foreach (string entry in Directory.GetFiles("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), out int n) && n > 2 && n != fd && LinkTarget(entry) is string t && originals.Contains(t))
            {
                _ = Dup2(fd, n);
            }
        }
        if (fd > 2)
        {
            _ = Close(fd);
        }
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial int Umask(int mask);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);

    /// <summary>Lets a child started with exec inherit <paramref name="fd"/> (or not).</summary>
    public static void SetInheritable(int fd, bool inheritable)
    {
        int flags = Fcntl(fd, F_GETFD, 0);
        if (flags < 0)
        {
            throw new IOException($"fcntl(F_GETFD) failed on fd {fd}: errno {Marshal.GetLastPInvokeError()}");
        }
        int wanted = inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC;
        if (Fcntl(fd, F_SETFD, wanted) < 0)
        {
            throw new IOException($"fcntl(F_SETFD) failed on fd {fd}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>gunicorn's signal names in its log lines ("Handling signal: ttin").</summary>
    public static string Name(int signal) => signal switch
    {
        SIGHUP => "hup",
        SIGINT => "int",
        SIGQUIT => "quit",
        SIGABRT => "abrt",
        SIGKILL => "kill",
        SIGUSR1 => "usr1",
        SIGUSR2 => "usr2",
        SIGTERM => "term",
        SIGCHLD => "chld",
        SIGTTIN => "ttin",
        SIGTTOU => "ttou",
        SIGWINCH => "winch",
        _ => signal.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
