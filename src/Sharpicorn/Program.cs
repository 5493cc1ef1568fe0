// Design notes
// ------------
// One process plays both of gunicorn's roles for now: it binds the sockets (as the arbiter
// would), then boots one worker in-process: Python, the app, the Python threads, Kestrel.
// Signals are .NET's (PosixSignalRegistration), never Python's; the handlers only record the
// signal and wake the main thread, which owns every state change:
//   TERM        graceful: stop accepting, finish in-flight requests within graceful_timeout, exit 0
//   INT, QUIT   fast: stop at once, exit 0
// Shutdown order: Kestrel stops accepting -> in-flight requests finish (or the timeout fires)
// -> listeners closed, pidfile removed -> exit. The interpreter is not finalized.
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Sharpicorn.Cli;
using Sharpicorn.Http;
using Sharpicorn.Logging;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Wsgi;
using LogLevel = Sharpicorn.Logging.LogLevel;

namespace Sharpicorn;

internal static class Program
{
    public const string Version = "0.1.0";

    public static async Task<int> Main(string[] args)
    {
        ServerSettings settings;
        try
        {
            settings = CommandLine.Parse(args, Environment.GetEnvironmentVariable);
            if (settings.ShowHelp)
            {
                Console.Out.Write(CommandLine.Help());
                return ExitCodes.Ok;
            }
            if (settings.ShowVersion)
            {
                Console.Out.WriteLine($"sharpicorn (version {Version})");
                return ExitCodes.Ok;
            }
            if (settings.AppModule is null)
            {
                throw new UsageException("No application module specified.");
            }
            if (settings.Workers > 1)
            {
                throw new UsageException($"-w/--workers {settings.Workers}: several worker processes need the arbiter, which is not built yet; run one process and use --threads for concurrency.");
            }
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(CommandLine.Usage);
            Console.Error.WriteLine($"sharpicorn: error: {e.Message}");
            return ExitCodes.Usage;
        }

        ErrorLog log;
        ForwardedScheme forwarded;
        try
        {
            // Validate what can be validated before anything is bound or loaded.
            _ = new AccessLogFormat(settings.AccessLogFormat);
            forwarded = new ForwardedScheme(settings);
            log = new ErrorLog(settings.ErrorLog, Enum.Parse<LogLevel>(settings.LogLevel, ignoreCase: true));
            ApplyEnvironment(settings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            Console.Error.WriteLine($"\nError: {e.Message}\n");
            return ExitCodes.ConfigError;
        }
        using (log)
        {
            return await RunAsync(settings, forwarded, log, args).ConfigureAwait(false);
        }
    }

    private static void ApplyEnvironment(ServerSettings settings)
    {
        foreach (string pair in settings.RawEnv)
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = pair[..eq], value = pair[(eq + 1)..];
            Environment.SetEnvironmentVariable(key, value);
            // libpython reads the C environ, which .NET's setter does not change.
            LibC.SetEnv(key, value, 1);
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

    private static async Task<int> RunAsync(ServerSettings settings, ForwardedScheme forwarded, ErrorLog log, string[] args)
    {
        int pid = Environment.ProcessId;
        log.Info($"Starting sharpicorn {Version}");

        List<Listener>? listeners = Bind(settings, log);
        if (listeners is null)
        {
            return ExitCodes.ConfigError;
        }
        WritePidFile(settings, log);
        try
        {
            log.Info($"Listening at: {string.Join(',', listeners)} ({pid})");
            log.Info($"Using worker: {settings.WorkerClass}");
            log.Info($"Booting worker with pid: {pid}");
            if (log.IsEnabled(LogLevel.Debug))
            {
                log.Debug($"{settings.Threads} Python thread(s), keepalive {settings.KeepAlive}s, graceful_timeout {settings.GracefulTimeout}s");
            }

            var signals = Channel.CreateUnbounded<PosixSignal>();
            using var registrations = RegisterSignals(signals.Writer);

            PythonWorkerPool? pool = BootWorker(settings, log, args, out int bootFailure);
            if (pool is null)
            {
                log.Info($"Worker exiting (pid: {pid})");
                log.Info("Shutting down: Master");
                log.Info(bootFailure == ExitCodes.AppLoadError ? "Reason: App failed to load." : "Reason: Worker failed to boot.");
                return bootFailure;
            }

            var loggerFactory = new KestrelLoggerFactory(log);
            KestrelFront front = await KestrelFront.StartAsync(listeners, settings, new WsgiHttpApplication(pool, settings, forwarded, log), loggerFactory).ConfigureAwait(false);

            PosixSignal signal = await signals.Reader.ReadAsync().ConfigureAwait(false);
            bool graceful = signal == PosixSignal.SIGTERM;
            log.Info($"Handling signal: {SignalName(signal)}");
            using var timeout = new CancellationTokenSource(graceful ? TimeSpan.FromSeconds(settings.GracefulTimeout) : TimeSpan.Zero);
            await front.StopAsync(timeout.Token).ConfigureAwait(false);
            log.Info($"Worker exiting (pid: {pid})");
            log.Info("Shutting down: Master");
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (Listener l in listeners)
            {
                l.Dispose();
            }
            RemovePidFile(settings);
        }
    }

    /// <summary>gunicorn's create_sockets: five tries a second apart, then "Can't connect to".</summary>
    private static List<Listener>? Bind(ServerSettings settings, ErrorLog log)
    {
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
                    listener = Listener.Bind(address, settings.Backlog);
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

    private static List<Listener>? Abandon(List<Listener> listeners)
    {
        foreach (Listener l in listeners)
        {
            l.Dispose();
        }
        return null;
    }

    /// <summary>Python, the app and the Python threads; null with gunicorn's exit code on failure.</summary>
    private static PythonWorkerPool? BootWorker(ServerSettings settings, ErrorLog log, string[] args, out int failure)
    {
        failure = ExitCodes.Ok;
        string? interpreter = InterpreterInfo.Resolve(settings.Python);
        try
        {
            if (interpreter is null)
            {
                throw new PythonBootException("no Python interpreter found: pass --python PATH, set SHARPICORN_PYTHON, activate a virtualenv, or put python3 on PATH.");
            }
            InterpreterInfo info = InterpreterInfo.Probe(interpreter);
            var front = new List<string>();
            foreach (string p in settings.PythonPath)
            {
                front.Add(Path.GetFullPath(p));
            }
            front.Add(Directory.GetCurrentDirectory());
            string self = Environment.ProcessPath ?? "sharpicorn";
            PythonRuntime.Initialize(info, front, [self, .. args]);
            log.Debug($"Embedded CPython {info.Version} from {info.Interpreter}");
        }
        catch (PythonBootException e)
        {
            log.Error($"Worker failed to boot: {e.Message}");
            failure = ExitCodes.WorkerBootError;
            return null;
        }

        WsgiApp app;
        using (GilScope.Acquire())
        {
            try
            {
                WsgiKeys.Create();
                app = WsgiApp.Load(settings.AppModule!);
            }
            catch (PythonException e)
            {
                if (e.TypeName == "AppImportError")
                {
                    log.Error($"Failed to load the application: {e.PythonMessage}");
                    Console.Error.WriteLine(e.PythonMessage);
                }
                else
                {
                    log.Error($"Exception in worker process\n{e.Traceback.TrimEnd('\n')}");
                }
                failure = ExitCodes.AppLoadError;
                return null;
            }
        }

        AccessLog? access = settings.AccessLog is string path ? new AccessLog(path, settings.AccessLogFormat) : null;
        WsgiNative.ErrorLog = log;
        PythonWorker.Settings = new WorkerSettings
        {
            Threads = settings.Threads,
            Workers = settings.Workers,
            ServerSoftware = "sharpicorn/" + Version,
            ScriptName = Environment.GetEnvironmentVariable("SCRIPT_NAME") ?? "",
            ErrorLog = log,
            AccessLog = access,
            KeepUnderscoreHeaders = settings.HeaderMap == "dangerous",
        };
        var pool = new PythonWorkerPool(app, settings.Threads);
        WsgiNative.Register(pool.Workers);
        pool.Start();
        return pool;
    }

    private static IDisposable RegisterSignals(ChannelWriter<PosixSignal> writer)
    {
        var list = new List<PosixSignalRegistration>();
        foreach (PosixSignal s in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            list.Add(PosixSignalRegistration.Create(s, ctx =>
            {
                // Handlers only enqueue; the main loop acts.
                ctx.Cancel = true;
                writer.TryWrite(ctx.Signal);
            }));
        }
        return new Registrations(list);
    }

    private static string SignalName(PosixSignal s) => s switch
    {
        PosixSignal.SIGTERM => "term",
        PosixSignal.SIGINT => "int",
        PosixSignal.SIGQUIT => "quit",
        _ => ((int)s).ToString(CultureInfo.InvariantCulture),
    };

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
        if (settings.PidFile is string path)
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

    private sealed class Registrations(List<PosixSignalRegistration> list) : IDisposable
    {
        public void Dispose()
        {
            foreach (PosixSignalRegistration r in list)
            {
                r.Dispose();
            }
        }
    }
}
