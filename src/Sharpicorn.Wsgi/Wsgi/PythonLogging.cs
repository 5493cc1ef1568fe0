// Design notes
// ------------
// The Python side of gunicorn's logging (_sharpicorn_logging.py, an embedded resource), set up
// once per worker right after the interpreter starts, before post_fork and the app import:
//   - Always: gunicorn.error gets gunicorn's level and a handler that writes gunicorn's line to
//     the server's error log (the native _write below, as ErrorLog.Raw), plus syslog's with
//     --log-syslog. That is what `app.logger.handlers = logging.getLogger("gunicorn.error").handlers`
//     borrows. The server's own lines stay native.
//   - With a logging configuration (LoggingPlan.UsesPython), setup() also builds gunicorn's
//     handlers and applies the configuration, and this object becomes the ErrorLog's and the
//     AccessLog's sink: every record is a Python logging call, under the GIL (PyGILState, so
//     from any thread, re-entrantly from a Python thread that holds it already). Access records
//     travel as one JSON string (gunicorn's atoms plus the raw request for a logger_class's
//     access()), decoded in Python: one call, no dict built field by field.
// A sink call that raises is reported on stderr and costs that record only.
using System.Text;
using System.Text.Json;
using Sharpicorn.Cli;
using Sharpicorn.Configuration;
using Sharpicorn.Logging;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>Python's gunicorn.error and gunicorn.access loggers, and the sink that feeds them when a logging configuration asks for it.</summary>
internal sealed class PythonLogging : IErrorLogSink, IAccessLogSink, IPyFunctionTarget
{
    private const string ResourceName = "_sharpicorn_logging.py";

    /// <summary>_write's function id (ids are per target).</summary>
    private const int WriteId = 0;

    private readonly ErrorLog _log;
    private readonly PyTarget _target;
    private nint _error;
    private nint _access;
    private nint _reopen;
    private LogLevel _level;

    private PythonLogging(ErrorLog log)
    {
        _log = log;
        _target = new PyTarget(this);
    }

    /// <summary>
    /// The one call a process with an interpreter makes (the worker now; the master once it
    /// embeds Python): sets up the loggers and, with a logging configuration, routes
    /// <paramref name="log"/> and <paramref name="access"/> through Python. Takes the GIL.
    /// Throws <see cref="PythonException"/>; its PythonMessage is gunicorn's startup error.
    /// </summary>
    public static void Attach(ServerSettings settings, ErrorLog log, AccessLog? access)
    {
        using (GilScope.Acquire())
        {
            if (Setup(settings, log) is { } python)
            {
                log.Route(python);
                access?.Route(python);
            }
        }
    }

    /// <summary>
    /// Sets up gunicorn.error (and, with a logging configuration, everything) in this process's
    /// Python (GIL held). Returns the sink when records must go through Python, else null.
    /// Throws <see cref="PythonException"/> when the configuration fails (gunicorn's RuntimeError).
    /// </summary>
    public static PythonLogging? Setup(ServerSettings settings, ErrorLog log)
    {
        PythonRuntime.RunInMain("""
            import sys as _s, types as _t
            _m = _t.ModuleType("_sharpicorn_logging")
            exec(compile(_sharpicorn_src, "_sharpicorn_logging.py", "exec"), _m.__dict__)
            _s.modules["_sharpicorn_logging"] = _m
            del _m, _s, _t, _sharpicorn_src
            """, ("_sharpicorn_src", Source()));
        using OwnedRef module = CPython.PyImport_ImportModule("_sharpicorn_logging"u8).OrThrow();
        nint dict = CPython.PyModule_GetDict(module.Handle).Handle;
        var logging = new PythonLogging(log);
        using (OwnedRef self = logging._target.NewSelf(0))
        using (OwnedRef function = PyFunction.Define("_write", WriteId).Bind(self.Handle))
        {
            if (CPython.PyDict_SetItemString(dict, "_write"u8, function.Handle) != 0)
            {
                PythonException.ThrowPending();
            }
        }
        using OwnedRef spec = PyStr.FromString(Spec(settings));
        using OwnedRef result = PyCall.One(CPython.PyDict_GetItemString(dict, "setup"u8).Handle, spec.Handle).OrThrow();
        if (result.Handle == CPython.Py_None)
        {
            return null;
        }
        logging._error = CPython.PyTuple_GetItem(result.Handle, 0).NewOwned().IntoRaw();
        logging._access = CPython.PyTuple_GetItem(result.Handle, 1).NewOwned().IntoRaw();
        logging._reopen = CPython.PyTuple_GetItem(result.Handle, 2).NewOwned().IntoRaw();
        long level = CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(result.Handle, 3).Handle);
        logging._level = FromPython(level);
        return logging;
    }

    public bool IsEnabled(LogLevel level) => level >= _level;

    public void Write(LogLevel level, string message)
    {
        using (GilScope.Acquire())
        {
            using OwnedRef n = CPython.PyLong_FromLongLong(ToPython(level)).OrThrow();
            using OwnedRef text = PyStr.FromString(message);
            using OwnedRef result = PyCall.Two(_error, n.Handle, text.Handle);
            Report(result.IsNull, "error");
        }
    }

    public void Write(AccessLogEntry entry)
    {
        string json = AccessJson(entry);
        using (GilScope.Acquire())
        {
            using OwnedRef text = PyStr.FromString(json);
            using OwnedRef result = PyCall.One(_access, text.Handle);
            Report(result.IsNull, "access");
        }
    }

    public void Reopen()
    {
        using (GilScope.Acquire())
        {
            using OwnedRef result = CPython.PyObject_CallNoArgs(_reopen);
            Report(result.IsNull, "reopen");
        }
    }

    /// <summary>_write(text): a line formatted by Python's ServerHandler, to the error log as written.</summary>
    public OwnedRef Call(int function, long context, PyArgs args)
    {
        ReadOnlySpan<nint> a = args.Positional;
        string? text = a.Length == 1 ? PyStr.ToStringOrNull(a[0]) : null;
        if (text is null)
        {
            CPython.PyErr_Clear();
            PyStr.SetError(CPython.PyExc_TypeError, "_write(text)");
            return default;
        }
        try
        {
            _log.Raw(text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Dropped: the log is what failed, so there is nowhere to report it.
        }
        return new BorrowedRef(CPython.Py_None).NewOwned();
    }

    /// <summary>A record that raised in Python is lost; say so where a human looks (GIL held).</summary>
    private static void Report(bool failed, string what)
    {
        if (failed)
        {
            PythonException e = PythonException.FetchPending();
            Console.Error.WriteLine($"sharpicorn: Python logging failed ({what}): {e.Traceback.TrimEnd('\n')}");
        }
    }

    private static long ToPython(LogLevel level) => level switch
    {
        LogLevel.Debug => 10,
        LogLevel.Info => 20,
        LogLevel.Warning => 30,
        LogLevel.Error => 40,
        _ => 50,
    };

    private static LogLevel FromPython(long level) =>
        level > 40 ? LogLevel.Critical : level > 30 ? LogLevel.Error : level > 20 ? LogLevel.Warning : level > 10 ? LogLevel.Info : LogLevel.Debug;

    /// <summary>An access record for Python: gunicorn's atoms, and the request as a logger_class's access() sees it.</summary>
    internal static string AccessJson(AccessLogEntry e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("atoms");
            foreach ((string key, string? text, long number) in AccessLogFormat.Atoms(e))
            {
                if (text is null)
                {
                    w.WriteNumber(key, number);
                }
                else
                {
                    w.WriteString(key, text);
                }
            }
            w.WriteEndObject();
            w.WriteString("method", e.Method);
            w.WriteString("raw_uri", e.RawUri);
            w.WriteString("path", e.Path);
            w.WriteString("query", e.Query);
            w.WriteString("protocol", e.Protocol);
            w.WriteString("remote_addr", e.RemoteAddr);
            w.WriteNumber("status", e.Status);
            string reason = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(e.Status);
            w.WriteString("status_line", reason.Length == 0 ? $"{e.Status}" : $"{e.Status} {reason}");
            w.WriteNumber("sent", e.BytesSent);
            w.WriteNumber("duration_us", e.Duration.Ticks / 10);
            Pairs(w, "request_headers", e.RequestHeaders());
            Pairs(w, "response_headers", e.ResponseHeaders());
            w.WriteStartObject("environ");
            foreach (KeyValuePair<string, string> kv in e.Environ ?? new Dictionary<string, string>())
            {
                w.WriteString(kv.Key, kv.Value);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Pairs(Utf8JsonWriter w, string name, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        w.WriteStartArray(name);
        foreach (KeyValuePair<string, string> kv in pairs)
        {
            w.WriteStartArray();
            w.WriteStringValue(kv.Key);
            w.WriteStringValue(kv.Value);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    /// <summary>What setup() needs, as JSON: the logging settings typed, every setting as --print-config shows it, the syslog target.</summary>
    internal static string Spec(ServerSettings s)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("python", LoggingPlan.UsesPython(s));
            w.WriteStartObject("cfg");
            w.WriteString("loglevel", s.LogLevel);
            w.WriteString("errorlog", s.ErrorLog);
            w.WriteString("accesslog", s.AccessLog);
            w.WriteString("access_log_format", s.AccessLogFormat);
            w.WriteBoolean("capture_output", s.CaptureOutput);
            w.WriteBoolean("syslog", s.Syslog);
            w.WriteString("syslog_addr", s.SyslogAddr);
            w.WriteString("syslog_prefix", s.SyslogPrefix);
            w.WriteString("syslog_facility", s.SyslogFacility);
            w.WriteBoolean("disable_redirect_access_to_syslog", s.DisableRedirectAccessToSyslog);
            w.WriteString("proc_name", LoggingPlan.ProcName(s));
            w.WriteString("logconfig", s.LogConfig);
            w.WriteString("logconfig_json", s.LogConfigJson);
            w.WriteString("logger_class", s.LoggerClass);
            w.WriteStartObject("logconfig_dict");
            foreach (KeyValuePair<string, string> kv in s.LogConfigDict)
            {
                w.WritePropertyName(kv.Key);
                WriteJsonOrString(w, kv.Value);
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("printed");
            foreach (Setting setting in SettingsRegistry.All)
            {
                try
                {
                    w.WriteString(setting.Name, setting.Print(s));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A setting that cannot be shown is left out; the typed ones above matter.
                }
            }
            w.WriteEndObject();
            if (s.Syslog)
            {
                SyslogAddress a = SyslogAddress.Parse(s.SyslogAddr);
                w.WriteStartObject("syslog_target");
                w.WriteString("kind", a.Transport.ToString().ToLowerInvariant());
                w.WriteString("host", a.Host);
                w.WriteNumber("port", a.Port);
                w.WriteString("path", a.Path);
                w.WriteBoolean("dgram", a.DatagramOnly);
                w.WriteNumber("facility", SyslogSink.Facility(s.SyslogFacility));
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("syslog_target");
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>A logconfig_dict value: nested values were kept as JSON text (DictSetting), strings as themselves.</summary>
    private static void WriteJsonOrString(Utf8JsonWriter w, string value)
    {
        try
        {
            using var doc = JsonDocument.Parse(value);
            doc.WriteTo(w);
        }
        catch (JsonException)
        {
            w.WriteStringValue(value);
        }
    }

    private static string Source()
    {
        using Stream stream = typeof(PythonLogging).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the assembly lacks its {ResourceName} resource");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
