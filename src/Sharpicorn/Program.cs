// Design notes
// ------------
// One executable, two roles, chosen by the environment: a process started by a user is the
// arbiter (gunicorn's master); a process the arbiter starts with SHARPICORN_WORKER set is a
// worker. Both parse the same command line, GUNICORN_CMD_ARGS and config file, so a worker
// needs nothing else from the arbiter but its inherited sockets and pipe (WorkerEnvironment).
// The arbiter loads Python only when the configuration needs it there: a master server hook
// (MasterHooks) or --preload. Otherwise it stays Python-free.
using System.Globalization;
using System.Net.Sockets;
using Sharpicorn.Arbiter;
using Sharpicorn.Cli;
using Sharpicorn.Http;
using Sharpicorn.Logging;
using Sharpicorn.Net;
using Sharpicorn.Protocol;
using Sharpicorn.Worker;
using Sharpicorn.Wsgi;
using LogLevel = Sharpicorn.Logging.LogLevel;

namespace Sharpicorn;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "ctl")
        {
            // gunicorn's separate gunicornc, here a subcommand of the one executable.
            return Control.CtlCommand.Run(args[1..]);
        }
        Platform.Posix.ReexecIfSignalsIgnored(args);
        Platform.OpenFileLimit.RaiseSoftToHard();
        ProcessInfo.CaptureStartDirectory();
        bool isWorker = Environment.GetEnvironmentVariable(WorkerEnvironment.Role) is not null;
        ServerSettings settings;
        try
        {
            settings = CommandLine.Parse(args, Environment.GetEnvironmentVariable, readConfig: true);
            if (settings.ShowHelp)
            {
                Console.Out.Write(CommandLine.Help());
                return ExitCodes.Ok;
            }
            if (settings.ShowVersion)
            {
                Console.Out.WriteLine($"sharpicorn (version {ProcessInfo.Version})");
                return ExitCodes.Ok;
            }
            if (settings.PrintConfig)
            {
                Console.Out.Write(settings.Describe());
                return ExitCodes.Ok;
            }
            if (settings.AppModule is null && settings.Paste is null)
            {
                throw new UsageException("No application module specified.");
            }
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(CommandLine.Usage);
            Console.Error.WriteLine($"sharpicorn: error: {e.Message}");
            return ExitCodes.Usage;
        }

        if (settings.Paste is string paste)
        {
            // gunicorn's WSGIApplication.init: the path is made absolute from where it was started, and must exist.
            settings.Paste = Path.GetFullPath(paste, ProcessInfo.StartDirectory);
            string file = settings.Paste.Split('#')[0];
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"\nError: {Configuration.PythonText.Repr(file)} not found\n");
                return ExitCodes.ConfigError;
            }
        }

        if (settings.Daemon && !isWorker && Daemonize(args, settings.EnableStdioInheritance) is int detached)
        {
            return detached;
        }

        ErrorLog log;
        ForwardedScheme forwarded;
        try
        {
            // Validate what can be validated before anything is bound or loaded.
            _ = new AccessLogFormat(settings.AccessLogFormat);
            forwarded = new ForwardedScheme(settings);
            if (!isWorker)
            {
                // gunicorn checks its certificate files before binding; reading them in full here
                // also catches a mismatched key or an empty cipher list once, before any worker
                // would fail on it again and again. Each worker reads them again for real.
                TlsSetup.Load(settings)?.Dispose();
            }
            log = ErrorLog.Create(settings);
            ApplyEnvironment(settings);
            if (settings.StatsdHost is string statsd)
            {
                // Each process has its own socket, as gunicorn's forked workers share the master's.
                ErrorLog errors = log;
                log.Statsd = Metrics.StatsdClient.Connect(Metrics.StatsdAddress.Parse(statsd), settings.StatsdPrefix, settings.DogstatsdTags, m => errors.Uncounted(LogLevel.Warning, m));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or TlsSetupException)
        {
            Console.Error.WriteLine($"\nError: {e.Message}\n");
            return ExitCodes.ConfigError;
        }
        if (!isWorker)
        {
            // Settings accepted but without effect (gunicorn-compat.md): said once, by the arbiter, at startup.
            foreach (string warning in settings.Warnings)
            {
                log.Warning(warning);
            }
        }
        Platform.ProcessTitle.Set($"sharpicorn: {(isWorker ? "worker" : "master")} [{settings.ProcName ?? settings.AppModule ?? settings.Paste?.Split('#')[0]}]");
        if (settings.CheckConfig && !isWorker)
        {
            // gunicorn's --check-config: the settings parsed; now the app must import. 0 or 1.
            using (log)
            {
                return Preload(args, log) is null ? ExitCodes.Ok : ExitCodes.ConfigError;
            }
        }
        using (log)
        {
            return isWorker
                ? await WorkerHost.RunAsync(settings, forwarded, log, args).ConfigureAwait(false)
                : await RunArbiterAsync(settings, log, args).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// --daemon without fork: the process started by the user starts a copy of itself and exits
    /// 0; the copy makes itself a session leader (setsid), puts its standard streams on
    /// /dev/null and carries on as the arbiter. Returns the exit code for the first process,
    /// null in the daemon.
    /// </summary>
    private static int? Daemonize(string[] args, bool keepStdio)
    {
        if (Environment.GetEnvironmentVariable(WorkerEnvironment.Daemonized) is not null)
        {
            Environment.SetEnvironmentVariable(WorkerEnvironment.Daemonized, null);
            Platform.Posix.SetSid();
            if (keepStdio)
            {
                Platform.Posix.NullStdinAndTerminals();
            }
            else
            {
                Platform.Posix.NullStdio();
            }
            // gunicorn's daemonize() sets 0o22; --umask itself applies only to the unix socket.
            Platform.Posix.Umask(0x12);
            return null;
        }
        System.Diagnostics.ProcessStartInfo psi = Platform.SelfProcess.StartInfo(args);
        psi.Environment[WorkerEnvironment.Daemonized] = "1";
        psi.RedirectStandardInput = true;
        using var child = System.Diagnostics.Process.Start(psi);
        return child is null ? ExitCodes.ConfigError : ExitCodes.Ok;
    }

    private static void ApplyEnvironment(ServerSettings settings)
    {
        foreach (string pair in settings.RawEnv)
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = pair[..eq], value = pair[(eq + 1)..];
            Environment.SetEnvironmentVariable(key, value);
            // libpython reads the C environ, which .NET's setter does not change.
            Python.Native.LibC.SetEnv(key, value, 1);
        }
        if (settings.Chdir is string dir)
        {
            if (!Directory.Exists(dir))
            {
                throw new IOException($"can't chdir to '{dir}'");
            }
            Directory.SetCurrentDirectory(dir);
        }
    }

    private static async Task<int> RunArbiterAsync(ServerSettings settings, ErrorLog log, string[] args)
    {
        int pid = Environment.ProcessId;
        PythonArbiterHooks? hooks = null;
        if (MasterHooks.Configured(settings) || settings.Preload || Logging.LoggingPlan.UsesPython(settings))
        {
            // gunicorn's Arbiter.__init__, before "Starting": the logger, the config file's hooks,
            // the first nworkers_changed (old value None), then the --preload import.
            if (MasterPython.Start(settings, log, args, out hooks) is int failed)
            {
                return failed;
            }
        }
        log.Info($"Starting sharpicorn {ProcessInfo.Version}");
        if (hooks?.Fatal("on_starting") is string startFailed)
        {
            return MasterPython.Escaped(startFailed);
        }
        List<Listener>? listeners = Bind(settings, log);
        if (listeners is null)
        {
            return ExitCodes.ConfigError;
        }
        var arbiter = new Arbiter.Arbiter(
            settings,
            log,
            new PosixProcessApi(args, listeners),
            TimeProvider.System,
            () => ReloadSettings(args))
        {
            Backlog = () => ListenBacklog.Sum(listeners),
            Hooks = hooks,
            Listeners = listeners,
        };
        using IDisposable signals = arbiter.RegisterSignals();
        WritePidFile(settings, log);
        try
        {
            log.Info($"Listening at: {string.Join(',', listeners.Select(l => l.Describe(settings.IsSsl)))} ({pid})");
            log.Info($"Using worker: {settings.WorkerClass}");
            Platform.SdNotify.Send("READY=1\nSTATUS=sharpicorn arbiter booted", log);
            if (settings.WorkerClass == "asgi")
            {
                // -k asgi, uvicorn.workers.UvicornWorker and uvicorn_worker.UvicornWorker all land here.
                log.Info("ASGI: served by sharpicorn's own implementation (one asyncio loop per worker), not by uvicorn");
            }
            if (hooks is not null)
            {
                hooks.Listening([.. listeners.Select(l => l.Fd)]);
                if (hooks.Fatal("when_ready") is string readyFailed)
                {
                    return MasterPython.Escaped(readyFailed);
                }
            }
            return await arbiter.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            foreach (Listener l in listeners)
            {
                l.Close(unlink: !arbiter.HandedOver);
            }
            RemovePidFile(settings);
        }
    }

    /// <summary>HUP's fresh read of the configuration; renewed certificate files are checked here too, so a bad swap is named in the master's log and replaces no worker.</summary>
    private static ServerSettings ReloadSettings(string[] args)
    {
        ServerSettings settings = CommandLine.Parse(args, Environment.GetEnvironmentVariable, readConfig: true);
        try
        {
            TlsSetup.Load(settings)?.Dispose();
        }
        catch (TlsSetupException e)
        {
            // Every new worker would fail on these files and a boot failure halts the master;
            // the running workers hold the old certificates in memory and keep serving.
            throw new ReloadRefusedException(e.Message, e);
        }
        return settings;
    }

    /// <summary>
    /// --check-config: a throw-away process of this executable imports the app and exits, so
    /// the master itself stays Python-free. Null on success, else the exit code.
    /// </summary>
    private static int? Preload(string[] args, ErrorLog log)
    {
        System.Diagnostics.ProcessStartInfo psi = Platform.SelfProcess.StartInfo(args);
        psi.Environment[WorkerEnvironment.Role] = "0";
        psi.Environment[WorkerEnvironment.PreloadCheck] = "1";
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode == 0)
        {
            log.Debug("Preloaded the application: it imports cleanly");
            return null;
        }
        return p.ExitCode == ExitCodes.AppLoadError ? ExitCodes.AppLoadError : ExitCodes.WorkerBootError;
    }

    /// <summary>
    /// The listening sockets: adopted from a re-exec'ing master (USR2) or from systemd
    /// (LISTEN_FDS), else bound here with gunicorn's five tries a second apart.
    /// </summary>
    private static List<Listener>? Bind(ServerSettings settings, ErrorLog log)
    {
        if (InheritedFds() is { } inherited)
        {
            return [.. inherited.Select(fd => Listener.Bind(new BindAddress(null, 0, null, fd), settings.Backlog))];
        }
        var listeners = new List<Listener>();
        foreach (string bind in settings.Bind)
        {
            BindAddress address;
            try
            {
                address = BindAddress.Parse(bind);
            }
            catch (FormatException e)
            {
                log.Error($"Invalid address: {bind}: {e.Message}");
                return Abandon(listeners);
            }
            Listener? listener = null;
            for (int attempt = 0; attempt < 5 && listener is null; attempt++)
            {
                try
                {
                    listener = Listener.Bind(address, settings.Backlog, settings.ReusePort, settings.Umask);
                }
                catch (SocketException e)
                {
                    if (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                    {
                        log.Error($"Connection in use: {address.PythonRepr}");
                    }
                    else if (e.SocketErrorCode == SocketError.AddressNotAvailable)
                    {
                        log.Error($"Invalid address: {address.PythonRepr}");
                    }
                    log.Debug($"connection to {address.PythonRepr} failed: {e.Message}");
                    if (attempt < 4)
                    {
                        log.Error("Retrying in 1 second.");
                        Thread.Sleep(TimeSpan.FromSeconds(1));
                    }
                }
            }
            if (listener is null)
            {
                log.Error($"Can't connect to {address.PythonRepr}");
                return Abandon(listeners);
            }
            listeners.Add(listener);
        }
        return listeners;
    }

    /// <summary>Descriptors handed down by an old master (USR2) or by systemd socket activation.</summary>
    private static List<int>? InheritedFds()
    {
        if (Environment.GetEnvironmentVariable(WorkerEnvironment.InheritedFds) is { Length: > 0 } fds)
        {
            Environment.SetEnvironmentVariable(WorkerEnvironment.InheritedFds, null);
            return [.. fds.Split(',').Select(f => int.Parse(f, CultureInfo.InvariantCulture))];
        }
        if (Environment.GetEnvironmentVariable("LISTEN_FDS") is { Length: > 0 } count
            && Environment.GetEnvironmentVariable("LISTEN_PID") == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            // sd_listen_fds(3): descriptors start at 3.
            Environment.SetEnvironmentVariable("LISTEN_FDS", null);
            Environment.SetEnvironmentVariable("LISTEN_PID", null);
            return [.. Enumerable.Range(3, int.Parse(count, CultureInfo.InvariantCulture))];
        }
        return null;
    }

    private static List<Listener>? Abandon(List<Listener> listeners)
    {
        foreach (Listener l in listeners)
        {
            l.Dispose();
        }
        return null;
    }

    private static void WritePidFile(ServerSettings settings, ErrorLog log)
    {
        if (settings.PidFile is string path)
        {
            try
            {
                File.WriteAllText(path, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.Error($"Unable to write the pidfile {path}: {e.Message}");
            }
        }
    }

    private static void RemovePidFile(ServerSettings settings)
    {
        if (settings.PidFile is string path && File.Exists(path)
            && File.ReadAllText(path).Trim() == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Leaving a stale pidfile is harmless; gunicorn ignores this error too.
            }
        }
    }
}
