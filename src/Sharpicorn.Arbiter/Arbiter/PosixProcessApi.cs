using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using Sharpicorn.Net;
using Sharpicorn.Platform;
using Sharpicorn.Protocol;

namespace Sharpicorn.Arbiter;

/// <summary>The real processes and signals: posix_spawn, kill, waitid/waitpid, PosixSignalRegistration, /proc.</summary>
internal sealed class PosixProcessApi(string[] args, List<Listener> listeners) : IProcessApi
{
    public IWorkerChild Spawn(int age, int workers, Action<WorkerMessage, long> onMessage, Action onExit)
    {
        var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        int pid;
        try
        {
            ProcessStartInfo psi = SelfProcess.StartInfo(args);
            psi.Environment[WorkerEnvironment.Role] = age.ToString(CultureInfo.InvariantCulture);
            psi.Environment[WorkerEnvironment.ListenFds] = string.Join(',', listeners.Select(l => l.Fd));
            psi.Environment[WorkerEnvironment.PipeFd] = pipe.GetClientHandleAsString();
            psi.Environment[WorkerEnvironment.MasterPid] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            psi.Environment[WorkerEnvironment.Workers] = workers.ToString(CultureInfo.InvariantCulture);
            psi.Environment.Remove("LISTEN_FDS");
            psi.Environment.Remove("LISTEN_PID");
            psi.Environment.Remove(WorkerEnvironment.InheritedFds);
            try
            {
                foreach (Listener l in listeners)
                {
                    Posix.SetInheritable(l.Fd, inheritable: true);
                }
                pid = PosixSpawn.Start(psi);
            }
            finally
            {
                foreach (Listener l in listeners)
                {
                    Posix.SetInheritable(l.Fd, inheritable: false);
                }
                pipe.DisposeLocalCopyOfClientHandle();
            }
        }
        catch (Exception e) when (e is SpawnException or IOException)
        {
            pipe.Dispose();
            throw e as SpawnException ?? new SpawnException(e.Message, e);
        }
        Task reading = ReadPipeAsync(pipe, age, onMessage);
        new Thread(() =>
        {
            PosixSpawn.WaitExited(pid);
            // The worker's last stats frame (sent as it exits) must reach the loop before its exit
            // does, or its final counts would be lost. The pipe ends once the worker is gone, unless
            // a child it started still holds the write end: then the frame is in already, or never comes.
            reading.Wait(PipeDrain);
            onExit();
        }, maxStackSize: 256 * 1024)
        { IsBackground = true, Name = "worker-exit-" + pid.ToString(CultureInfo.InvariantCulture) }.Start();
        return new Child(pid, pipe);
    }

    public IMasterProcess StartMaster()
    {
        ProcessStartInfo psi = SelfProcess.StartInfo(args);
        psi.Environment.Remove(WorkerEnvironment.Role);
        psi.Environment.Remove("LISTEN_FDS");
        psi.Environment.Remove("LISTEN_PID");
        psi.Environment[WorkerEnvironment.InheritedFds] = string.Join(',', listeners.Select(l => l.Fd));
        try
        {
            foreach (Listener l in listeners)
            {
                Posix.SetInheritable(l.Fd, inheritable: true);
            }
            // Process, not posix_spawn: .NET reaps it, and the arbiter only asks whether it still runs.
            return new Master(Process.Start(psi) ?? throw new SpawnException("Process.Start returned null"));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            throw new SpawnException(e.Message, e);
        }
        finally
        {
            foreach (Listener l in listeners)
            {
                Posix.SetInheritable(l.Fd, inheritable: false);
            }
        }
    }

    public int Kill(int pid, int signal) => Posix.Kill(pid, signal) == 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

    public IDisposable RegisterSignals(IReadOnlyList<int> signals, Action<int> onSignal) => SignalRegistrations.Create(signals, onSignal);

    public long? ReadRssKiB(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>How long an exited worker's pipe gets to deliver what is left in it (a guard, not a measurement).</summary>
    private static readonly TimeSpan PipeDrain = TimeSpan.FromSeconds(1);

    /// <summary>Larger stats frames are a broken worker: the pipe is dropped rather than a huge buffer allocated.</summary>
    private const long MaxStatsBytes = 1 << 20;

    public Action<int, WorkerStats>? StatsSink { get; set; }

    private async Task ReadPipeAsync(AnonymousPipeServerStream pipe, int age, Action<WorkerMessage, long> onMessage)
    {
        var frame = new byte[9];
        try
        {
            while (true)
            {
                await pipe.ReadExactlyAsync(frame).ConfigureAwait(false);
                var message = (WorkerMessage)frame[0];
                long payload = BitConverter.ToInt64(frame, 1);
                if (message != WorkerMessage.Stats)
                {
                    onMessage(message, payload);
                    continue;
                }
                if (payload is < 0 or > MaxStatsBytes)
                {
                    return;
                }
                byte[] body = new byte[payload];
                await pipe.ReadExactlyAsync(body).ConfigureAwait(false);
                WorkerStats stats;
                try
                {
                    stats = WorkerStats.Decode(body);
                }
                catch (FormatException)
                {
                    continue;
                }
                StatsSink?.Invoke(age, stats);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
            // The worker is gone or going; its exit watcher reports it.
        }
    }

    private sealed class Master(Process process) : IMasterProcess
    {
        public int Pid { get; } = process.Id;

        public bool HasExited => process.HasExited;
    }

    private sealed class Child(int pid, AnonymousPipeServerStream pipe) : IWorkerChild
    {
        public int Pid { get; } = pid;

        public ChildExit Reap() => PosixSpawn.Reap(Pid);

        public void Dispose() => pipe.Dispose();
    }
}
