using Sharpicorn.Cli;
using Sharpicorn.Logging;
using Sharpicorn.Platform;
using Sharpicorn.Python;
using Sharpicorn.Wsgi;

namespace Sharpicorn;

/// <summary>
/// The master's embedded Python, started only when the configuration needs it there: a master
/// server hook, --preload, or a Python logging configuration. It runs what gunicorn's Arbiter.__init__ runs, in its order.
/// </summary>
internal static class MasterPython
{
    /// <summary>The --preload app: held for the life of the master, as gunicorn's app.callable.</summary>
    private static WsgiApp? s_preloaded;

    /// <summary>Python, the config file's hooks, the first nworkers_changed, --preload's import. Null when all went well, else the exit code.</summary>
    public static int? Start(ServerSettings settings, ErrorLog log, string[] args, out PythonArbiterHooks? hooks)
    {
        hooks = null;
        try
        {
            InterpreterInfo info = EmbeddedPython.Start(settings, args);
            log.Debug($"Embedded CPython {info.Version} from {info.Interpreter} in the master");
        }
        catch (PythonBootException e)
        {
            log.Error($"Master failed to start Python: {e.Message}");
            return ExitCodes.ConfigError;
        }

        if (LoggingPlan.UsesPython(settings))
        {
            // gunicorn's Arbiter.setup builds cfg.logger_class(cfg) before any hook runs, and a
            // bad logging configuration stops the master there, as a RuntimeError.
            try
            {
                PythonLogging.Attach(settings, log, null);
            }
            catch (PythonException e)
            {
                return Escaped($"\nError: {e.PythonMessage}\n\n");
            }
        }

        if (MasterHooks.Configured(settings))
        {
            try
            {
                hooks = new PythonArbiterHooks(MasterHooks.Load(settings, log), log);
            }
            catch (PythonException e)
            {
                // gunicorn's get_config_from_filename, word for word.
                Console.Error.WriteLine($"Failed to read config file: {settings.Config ?? ConfigFile.DefaultPath}");
                return Escaped(e.Traceback);
            }
            // gunicorn's setup() sets num_workers from None: the first nworkers_changed.
            hooks.NumWorkersChanged(settings.Workers, null);
        }

        if (settings.Preload)
        {
            using (GilScope.Acquire())
            {
                try
                {
                    s_preloaded = WsgiApp.Load(settings.AppModule!, log.Raw);
                }
                catch (PythonException e)
                {
                    // gunicorn's preload runs in Arbiter.__init__, before "Starting gunicorn":
                    // a RuntimeError is printed by BaseApplication.run, anything else escapes.
                    return Escaped(e.TypeName is "RuntimeError" or "NotImplementedError" or "RecursionError"
                        ? $"\nError: {e.PythonMessage}\n\n"
                        : e.Traceback);
                }
            }
            log.Debug("Preloaded the application in the master; each worker imports it again");
        }
        return null;
    }

    /// <summary>An exception out of gunicorn's arbiter: its text (a traceback, or "Error: ...") on stderr, exit 1.</summary>
    public static int Escaped(string traceback)
    {
        Console.Error.Write(traceback);
        Console.Error.Flush();
        return ExitCodes.ConfigError;
    }
}
