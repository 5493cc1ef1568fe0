using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Logging;

/// <summary>
/// Python's logging in the worker: gunicorn.error's handlers for the app (Flask's pattern),
/// logconfig_dict / --log-config / --logger-class routing the server's records through Python,
/// and --capture-output.
/// </summary>
public sealed class PythonLoggingTests
{
    [Fact]
    public void FlaskPattern_DefaultLogging_AppLoggerWritesTheErrorLog()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "logging_app:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/warn").Status);
        s.Signal(15);
        Assert.Equal(0, s.WaitForExit());
        Assert.Matches(@"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[WARNING\] flask says hi\n", s.ErrorLog);
    }

    [Fact]
    public void LogConfigDict_JsonFormatter_JsonLinesForAccessAndError()
    {
        string dir = Directory.CreateTempSubdirectory("logconfig-").FullName;
        string output = Path.Combine(dir, "out.jsonl");
        string config = Path.Combine(dir, "gunicorn.conf.py");
        File.WriteAllText(config, $$$"""
            logconfig_dict = {
                "root": {"level": "WARNING", "handlers": ["file"]},
                "formatters": {"json": {"()": "logging_app.JsonFormatter"}},
                "handlers": {"file": {"class": "logging.FileHandler", "filename": {{{JsonSerializer.Serialize(output)}}}, "formatter": "json"}},
                "loggers": {
                    "gunicorn.error": {"level": "INFO", "handlers": ["file"], "propagate": False},
                    "gunicorn.access": {"level": "INFO", "handlers": ["file"], "propagate": False},
                },
            }
            """);
        try
        {
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-c", config, "logging_app:app"], waitReady: false);
            int port = ListeningPort(output);
            Assert.Equal(200, RawHttp.Get(port, "/warn").Status);
            Assert.Equal(404, RawHttp.Get(port, "/missing?q=1").Status);
            s.Signal(15);
            Assert.Equal(0, s.WaitForExit());

            List<JsonElement> records = [.. File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement)];
            JsonElement[] access = [.. records.Where(r => r.GetProperty("logger").GetString() == "gunicorn.access")];
            Assert.Equal(2, access.Length);
            // The record's args are gunicorn's atoms; its message is access_log_format rendered.
            Assert.Equal("200", access[0].GetProperty("status").GetString());
            Assert.Equal("/warn", access[0].GetProperty("path").GetString());
            Assert.Equal("404", access[1].GetProperty("status").GetString());
            Assert.Equal("/missing", access[1].GetProperty("path").GetString());
            Assert.Matches(@"^127\.0\.0\.1 - - \[[^\]]+\] ""GET /missing\?q=1 HTTP/1\.1"" 404 \d+ ""-"" ""-""$", access[1].GetProperty("message").GetString());
            Assert.Contains(records, r => r.GetProperty("logger").GetString() == "gunicorn.error"
                && Regex.IsMatch(r.GetProperty("message").GetString()!, @"^Worker exiting \(pid: \d+\)$"));
            Assert.Contains(records, r => r.GetProperty("message").GetString() == "flask says hi");
            // The master's records go through the same configuration (gunicorn's Arbiter logs
            // through cfg.logger_class too).
            Assert.Contains(records, r => r.GetProperty("logger").GetString() == "gunicorn.error"
                && r.GetProperty("message").GetString()!.StartsWith("Starting sharpicorn ", StringComparison.Ordinal));
            Assert.Contains(records, r => r.GetProperty("message").GetString() == "Shutting down: Master");
            // Every process's records went to the file, not to stderr.
            Assert.DoesNotContain("Worker exiting", s.ErrorLog, StringComparison.Ordinal);
            Assert.DoesNotContain("Listening at:", s.ErrorLog, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LogConfigIni_FileConfig_ServerRecordsInTheIniFormat()
    {
        string dir = Directory.CreateTempSubdirectory("logconfig-").FullName;
        string output = Path.Combine(dir, "out.log");
        string ini = Path.Combine(dir, "logging.ini");
        File.WriteAllText(ini, $"""
            [loggers]
            keys=root,error,access

            [handlers]
            keys=file

            [formatters]
            keys=plain

            [logger_root]
            level=WARNING
            handlers=file

            [logger_error]
            level=INFO
            handlers=file
            propagate=0
            qualname=gunicorn.error

            [logger_access]
            level=INFO
            handlers=file
            propagate=0
            qualname=gunicorn.access

            [handler_file]
            class=FileHandler
            formatter=plain
            args=({JsonSerializer.Serialize(output)},)

            [formatter_plain]
            format=INI %(name)s %(levelname)s %(message)s
            """);
        try
        {
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-config", ini, "metrics_app:app"], waitReady: false);
            Assert.Equal(200, RawHttp.Get(ListeningPort(output), "/").Status);
            s.Signal(15);
            Assert.Equal(0, s.WaitForExit());
            string text = File.ReadAllText(output);
            Assert.Matches(@"INI gunicorn\.access INFO 127\.0\.0\.1 - - \[[^\]]+\] ""GET / HTTP/1\.1"" 200 2 ""-"" ""-""\n", text);
            Assert.Matches(@"INI gunicorn\.error INFO Worker exiting \(pid: \d+\)\n", text);
            Assert.Matches(@"INI gunicorn\.error INFO Shutting down: Master\n", text);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LoggerClass_GunicornSubclass_GetsErrorAndAccessCalls()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--logger-class", "logging_app.TaggedLogger", "logging_app:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/warn").Status);
        s.Signal(15);
        Assert.Equal(0, s.WaitForExit());
        // The subclass's error_fmt, its access() with gunicorn's resp, req and environ.
        Assert.Contains("TAGGED INFO ACCESS GET /warn 200 OK 127.0.0.1\n", s.ErrorLog, StringComparison.Ordinal);
        Assert.Matches(@"TAGGED INFO Worker exiting \(pid: \d+\)\n", s.ErrorLog);
    }

    [Fact]
    public void LoggerClass_NoGunicornInThePython_MasterSaysSoAndExits1()
    {
        // pyenv's Python has Flask but not gunicorn (see .ci/run).
        using var s = ServerProcess.Start(["--python", Repo.PyenvPython ?? "python3", "--logger-class", "logging_app.TaggedLogger", "metrics_app:app"], waitReady: false);
        // The master sets its logger up first, as gunicorn's Arbiter does: "Error: ...", exit 1.
        Assert.Equal(1, s.WaitForExit());
        Assert.Contains("\nError: logger_class logging_app.TaggedLogger must be a subclass of gunicorn.glogging.Logger, and gunicorn is not importable by this Python", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void CaptureOutput_ErrorLogFile_PrintAndStderrLandInIt()
    {
        string file = Path.Combine(Path.GetTempPath(), $"capture-{Guid.NewGuid():N}.log");
        try
        {
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--capture-output", "--error-logfile", file, "logging_app:app"], waitReady: false);
            string started = LogFile.WaitFor(file, "Listening at: ");
            int port = int.Parse(Regex.Match(started, @"Listening at: http://127\.0\.0\.1:(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(200, RawHttp.Get(port, "/print").Status);
            string text = LogFile.WaitFor(file, "written to stderr by the app\n");
            Assert.Contains("printed by the app\n", text, StringComparison.Ordinal);
            s.Signal(15);
            Assert.Equal(0, s.WaitForExit());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void CaptureOutput_Usr1_NewFileGetsTheAppsOutput()
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-capture").FullName;
        string file = Path.Combine(dir, "error.log");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--capture-output", "--error-logfile", file, "logging_app:app"], waitReady: false);
        string started = LogFile.WaitFor(file, "Listening at: ");
        int port = int.Parse(Regex.Match(started, @"Listening at: http://127\.0\.0\.1:(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        LogFile.WaitFor(file, "Booting worker with pid");
        File.Move(file, file + ".1");
        s.Signal(10);
        // The worker reopens when its own loop reads the signal, which nothing reports: each
        // request is the next look, until the app's output lands in the new file.
        var clock = Stopwatch.StartNew();
        while (!ReadIfThere(file).Contains("written to stderr by the app\n", StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < ServerProcess.Patience, "the app's output never reached the reopened file:\n" + ReadIfThere(file));
            Assert.Equal(200, RawHttp.Get(port, "/print").Status);
        }
        Assert.Contains("printed by the app\n", File.ReadAllText(file), StringComparison.Ordinal);
        s.Signal(15);
        Assert.Equal(0, s.WaitForExit());
    }

    private static string ReadIfThere(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    [Fact]
    public void LogConfigJson_File_ServerRecordsThroughPython()
    {
        string dir = Directory.CreateTempSubdirectory("logconfig-").FullName;
        string output = Path.Combine(dir, "out.log");
        string json = Path.Combine(dir, "logging.json");
        File.WriteAllText(json, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["version"] = 1,
            ["formatters"] = new Dictionary<string, object> { ["plain"] = new Dictionary<string, string> { ["format"] = "JSONCFG %(name)s %(message)s" } },
            ["handlers"] = new Dictionary<string, object>
            {
                ["console"] = new Dictionary<string, string> { ["class"] = "logging.FileHandler", ["filename"] = output, ["formatter"] = "plain" },
                ["error_console"] = new Dictionary<string, string> { ["class"] = "logging.FileHandler", ["filename"] = output, ["formatter"] = "plain" },
            },
        }));
        try
        {
            // The file replaces gunicorn's handlers but keeps its loggers (CONFIG_DEFAULTS), so
            // gunicorn.error and gunicorn.access write through the file's "console" handlers.
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-config-json", json, "metrics_app:app"], waitReady: false);
            Assert.Equal(200, RawHttp.Get(ListeningPort(output), "/").Status);
            s.Signal(15);
            Assert.Equal(0, s.WaitForExit());
            string text = File.ReadAllText(output);
            Assert.Matches(@"JSONCFG gunicorn\.access 127\.0\.0\.1 - - \[[^\]]+\] ""GET / HTTP/1\.1"" 200 2 ""-"" ""-""\n", text);
            Assert.Matches(@"JSONCFG gunicorn\.error Worker exiting \(pid: \d+\)\n", text);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void EnableStdioInheritance_DaemonWithOutputToAFile_KeepsWritingThere()
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-stdio").FullName;
        string pidfile = Path.Combine(dir, "pid"), output = Path.Combine(dir, "output");
        ProcessStartInfo psi = ServerProcess.StartInfo("/bin/bash");
        psi.ArgumentList.Add("-c");
        // stdout and stderr are a file, not a terminal: -R keeps them in the daemon (gunicorn's daemonize).
        psi.ArgumentList.Add($"exec \"$0\" --python {Repo.DebianPython} -b 127.0.0.1:0 --chdir \"$1\" --daemon -R -p \"$2\" logging_app:app >\"$3\" 2>&1");
        psi.ArgumentList.Add(Repo.Launcher);
        psi.ArgumentList.Add(Repo.Apps);
        psi.ArgumentList.Add(pidfile);
        psi.ArgumentList.Add(output);
        using var s = ServerProcess.Run(psi, waitReady: false);
        Assert.Equal(0, s.WaitForExit());
        int master = int.Parse(LogFile.WaitFor(pidfile, "\n").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            string started = LogFile.WaitFor(output, "Listening at: http://127.0.0.1:");
            int port = int.Parse(Regex.Match(started, @"Listening at: http://127\.0\.0\.1:(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(200, RawHttp.Get(port, "/print").Status);
            LogFile.WaitFor(output, "printed by the app\n");
        }
        finally
        {
            ServerProcess.Signal(master, 15);
        }
        LogFile.WaitFor(output, "Shutting down: Master");
    }

    /// <summary>The port of the master's "Listening at:" record, which a logging configuration sends to <paramref name="output"/> instead of stderr.</summary>
    private static int ListeningPort(string output)
    {
        string started = LogFile.WaitFor(output, "Listening at: http://127.0.0.1:");
        return int.Parse(Regex.Match(started, @"Listening at: http://127\.0\.0\.1:(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
