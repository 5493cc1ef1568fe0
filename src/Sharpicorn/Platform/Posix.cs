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

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);

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
