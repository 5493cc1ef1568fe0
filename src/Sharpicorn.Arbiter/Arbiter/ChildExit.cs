namespace Sharpicorn.Arbiter;

/// <summary>
/// How a worker ended, decoded from its real wait status the way gunicorn's reap_workers does
/// (WIFEXITED/WEXITSTATUS, WIFSIGNALED/WTERMSIG). Never a guess from 128 + N: a worker that
/// calls exit(137) and one killed by SIGKILL are told apart. Neither set: the status could not
/// be read (someone else reaped the child).
/// </summary>
internal readonly record struct ChildExit(int? ExitCode, int? Signal)
{
    public static ChildExit Exited(int code) => new(code, null);

    public static ChildExit Killed(int signal) => new(null, signal);

    public static ChildExit Unknown => new(null, null);

    /// <summary>Linux's (and glibc's) wait status layout: exit code in bits 8-15, terminating signal in bits 0-6.</summary>
    public static ChildExit FromWaitStatus(int status)
    {
        int low = status & 0x7f;
        if (low == 0)
        {
            // WIFEXITED
            return Exited((status >> 8) & 0xff);
        }
        if (low != 0x7f)
        {
            // WIFSIGNALED (0x7f is WIFSTOPPED, which waitpid without WUNTRACED never reports)
            return Killed(low);
        }
        return Unknown;
    }

    /// <summary>
    /// Python's signal.Signals(sig).name on Linux, which gunicorn's messages use ("SIGKILL"),
    /// or gunicorn's fallback "signal N" for a number Python has no name for.
    /// </summary>
    public static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        16 => "SIGSTKFLT",
        17 => "SIGCHLD",
        18 => "SIGCONT",
        19 => "SIGSTOP",
        20 => "SIGTSTP",
        21 => "SIGTTIN",
        22 => "SIGTTOU",
        23 => "SIGURG",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        26 => "SIGVTALRM",
        27 => "SIGPROF",
        28 => "SIGWINCH",
        29 => "SIGIO",
        30 => "SIGPWR",
        31 => "SIGSYS",
        34 => "SIGRTMIN",
        64 => "SIGRTMAX",
        _ => "signal " + signal.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
