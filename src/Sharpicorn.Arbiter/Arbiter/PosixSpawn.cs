// Design notes
// ------------
// Workers are started with posix_spawn, not Process.Start, so that the arbiter owns their
// reaping: .NET's Process reaps its children itself and reports a child killed by signal N as
// exit code 128 + N, which cannot be told apart from exit(128 + N). Here:
//   - a watcher thread per worker blocks in waitid(P_PID, WEXITED | WNOWAIT): it learns that
//     the worker ended but leaves it a zombie, so its pid cannot be reused yet;
//   - the loop then reaps it with waitpid and decodes the real status (ChildExit), as gunicorn's
//     reap_workers does. Until then a late kill() still reaches our zombie, never a stranger.
// The child starts like Process.Start's: the same argv, environment and working directory, an
// empty signal mask; descriptors without FD_CLOEXEC are inherited (the listeners and the pipe).
// .NET's own SIGCHLD handling reaps only the children it started (a USR2 master, --preload's
// check), unless sharpicorn itself was started with SIGCHLD ignored: then the kernel (or .NET)
// may reap a worker first, waitpid finds nothing, and the exit is ChildExit.Unknown (not logged).
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sharpicorn.Arbiter;

internal static partial class PosixSpawn
{
    /// <summary>glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 (x86-64, arm64); room to spare for other ABIs.</summary>
    private const int OpaqueSize = 1024;

    /// <summary>sigset_t is 128 bytes in glibc and musl.</summary>
    private const int SigsetSize = 128;

    /// <summary>siginfo_t is 128 bytes on Linux.</summary>
    private const int SiginfoSize = 128;

    private const short POSIX_SPAWN_SETSIGMASK = 0x08;
    private const int P_PID = 1;
    private const int WNOHANG = 1;
    private const int WEXITED = 4;
    private const int WNOWAIT = 0x01000000;
    private const int EINTR = 4;

    /// <summary>Starts <paramref name="psi"/>'s program; returns the pid. Throws <see cref="SpawnException"/>.</summary>
    public static int Start(ProcessStartInfo psi)
    {
        string?[] argv = [psi.FileName, .. psi.ArgumentList, null];
        string?[] envp = [.. psi.Environment.Where(kv => kv.Value is not null).Select(kv => kv.Key + "=" + kv.Value), null];
        IntPtr actions = Marshal.AllocHGlobal(OpaqueSize);
        IntPtr attr = Marshal.AllocHGlobal(OpaqueSize);
        IntPtr mask = Marshal.AllocHGlobal(SigsetSize);
        bool actionsInit = false, attrInit = false;
        try
        {
            Check(FileActionsInit(actions), "posix_spawn_file_actions_init");
            actionsInit = true;
            Check(AttrInit(attr), "posix_spawnattr_init");
            attrInit = true;
            if (!string.IsNullOrEmpty(psi.WorkingDirectory))
            {
                Check(AddChdir(actions, psi.WorkingDirectory), "posix_spawn_file_actions_addchdir_np");
            }
            SigEmptySet(mask);
            Check(AttrSetSigMask(attr, mask), "posix_spawnattr_setsigmask");
            Check(AttrSetFlags(attr, POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");
            Check(Spawn(out int pid, psi.FileName, actions, attr, argv, envp), "posix_spawn " + psi.FileName);
            return pid;
        }
        finally
        {
            if (actionsInit)
            {
                _ = FileActionsDestroy(actions);
            }
            if (attrInit)
            {
                _ = AttrDestroy(attr);
            }
            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(attr);
            Marshal.FreeHGlobal(mask);
        }
    }

    /// <summary>Blocks until <paramref name="pid"/> has ended, without reaping it.</summary>
    public static void WaitExited(int pid)
    {
        IntPtr info = Marshal.AllocHGlobal(SiginfoSize);
        try
        {
            // Any error but EINTR (ECHILD: someone else reaped it) also means it is gone.
            while (WaitId(P_PID, pid, info, WEXITED | WNOWAIT) != 0 && Marshal.GetLastPInvokeError() == EINTR)
            {
            }
        }
        finally
        {
            Marshal.FreeHGlobal(info);
        }
    }

    /// <summary>Reaps an ended <paramref name="pid"/> and decodes its status.</summary>
    public static ChildExit Reap(int pid)
    {
        int result;
        int status;
        while ((result = WaitPid(pid, out status, WNOHANG)) < 0 && Marshal.GetLastPInvokeError() == EINTR)
        {
        }
        return result == pid ? ChildExit.FromWaitStatus(status) : ChildExit.Unknown;
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new SpawnException($"{what}: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Spawn(out int pid, string path, IntPtr fileActions, IntPtr attr, string?[] argv, string?[] envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int FileActionsInit(IntPtr actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int FileActionsDestroy(IntPtr actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int AddChdir(IntPtr actions, string path);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int AttrInit(IntPtr attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int AttrDestroy(IntPtr attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int AttrSetFlags(IntPtr attr, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int AttrSetSigMask(IntPtr attr, IntPtr mask);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int SigEmptySet(IntPtr set);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    private static partial int WaitId(int idType, int id, IntPtr info, int options);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, out int status, int options);
}
