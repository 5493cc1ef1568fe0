using System.Text.Json;
using Sharpicorn.Control;

namespace Sharpicorn.Tests.Control;

/// <summary>gunicornc's output, checked against the examples of gunicorn 26's "Control Interface (gunicornc)" guide.</summary>
public sealed class ControlFormatTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void ShowWorkers_GuideExample_SameText()
    {
        JsonElement data = Json("""
            {"workers": [{"pid": 12345, "age": 1, "booted": true, "aborted": false, "last_heartbeat": 0.2},
                         {"pid": 12346, "age": 2, "booted": true, "aborted": false, "last_heartbeat": 0.1},
                         {"pid": 12347, "age": 3, "booted": true, "aborted": false, "last_heartbeat": 0.3}], "count": 3}
            """);
        Assert.Equal(
            """
            PID        AGE    BOOTED   LAST_BEAT
            ----------------------------------------
            12345      1      yes      0.2s ago
            12346      2      yes      0.1s ago
            12347      3      yes      0.3s ago

            Total: 3 workers
            """.ReplaceLineEndings("\n"),
            ControlFormat.Response("show workers", data));
    }

    [Fact]
    public void ShowWorkers_None_NoWorkersRunning() =>
        Assert.Equal("No workers running", ControlFormat.Response("show workers", Json("""{"workers": [], "count": 0}""")));

    [Fact]
    public void ShowStats_GuideExample_SameText()
    {
        JsonElement data = Json("""
            {"uptime": 8130.4, "pid": 12345, "workers_current": 4, "workers_target": 4, "workers_spawned": 6,
             "workers_killed": 2, "reloads": 1, "dirty_arbiter_pid": null}
            """);
        Assert.Equal(
            """
            Uptime:           2h 15m 30s
            PID:              12345
            Workers current:  4
            Workers target:   4
            Workers spawned:  6
            Workers killed:   2
            Reloads:          1
            """.ReplaceLineEndings("\n"),
            ControlFormat.Response("show stats", data));
    }

    [Theory]
    [InlineData(0.0, "unknown")]
    [InlineData(12.7, "12s")]
    [InlineData(184.0, "3m 4s")]
    public void ShowStats_Uptime_GunicornsUnits(double uptime, string text) =>
        Assert.StartsWith($"Uptime:           {text}\n", ControlFormat.Response("show stats", Json($$"""{"uptime": {{uptime.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "pid": 1}""")));

    [Fact]
    public void ShowAll_NoDirtyArbiter_GuideLayout()
    {
        JsonElement data = Json("""
            {"arbiter": {"pid": 12345, "type": "arbiter", "role": "master"},
             "web_workers": [{"pid": 12346, "type": "web", "age": 1, "booted": true, "last_heartbeat": 0.05},
                             {"pid": 12347, "type": "web", "age": 2, "booted": false, "last_heartbeat": 0.04}],
             "web_worker_count": 2, "dirty_arbiter": null, "dirty_workers": [], "dirty_worker_count": 0}
            """);
        Assert.Equal(
            """
            ARBITER (master)
              PID: 12345

            WEB WORKERS (2)
              PID        AGE    BOOTED   LAST_BEAT
              --------------------------------------
              12346      1      yes      0.05s ago
              12347      2      no       0.04s ago

            DIRTY ARBITER
              (not running)
            """.ReplaceLineEndings("\n"),
            ControlFormat.Response("show all", data));
    }

    [Fact]
    public void WorkerAdd_GuideExample_JsonDumpsIndent2()
    {
        Assert.Equal(
            """
            {
              "added": 2,
              "previous": 3,
              "total": 5
            }
            """.ReplaceLineEndings("\n"),
            ControlFormat.Response("worker add", Json("""{"added": 2, "previous": 3, "total": 5}""")));
    }

    [Fact]
    public void GenericCommand_EmptyData_Ok() => Assert.Equal("OK", ControlFormat.Response("reload", Json("{}")));

    [Fact]
    public void ShowConfig_Values_PythonStrSortedByKey()
    {
        JsonElement data = Json("""{"workers": 2, "bind": ["127.0.0.1:8000", "unix:/tmp/s"], "pidfile": null, "daemon": false, "reload": true, "dirty_apps": []}""");
        Assert.Equal(
            "bind: 127.0.0.1:8000, unix:/tmp/s\ndaemon: False\ndirty_apps: \npidfile: None\nreload: True\nworkers: 2",
            ControlFormat.Response("show config", data));
    }

    [Fact]
    public void ShowListeners_OneTcp_GunicornsTable()
    {
        JsonElement data = Json("""{"listeners": [{"address": "http://127.0.0.1:8000", "fd": 5, "type": "tcp"}], "count": 1}""");
        Assert.Equal(
            "ADDRESS                                  TYPE     FD\n"
            + new string('-', 55) + "\n"
            + "http://127.0.0.1:8000                    tcp      5\n\nTotal: 1 listeners",
            ControlFormat.Response("show listeners", data));
    }

    [Fact]
    public void Help_Commands_SortedAndAlignedToTheLongestPlusTwo()
    {
        JsonElement data = Json("""{"commands": {"reload": "Graceful reload (HUP)", "help": "Show this help message", "worker add [N]": "Spawn N workers (default 1)"}}""");
        Assert.Equal(
            "Available commands:\n\n  help             Show this help message\n  reload           Graceful reload (HUP)\n  worker add [N]   Spawn N workers (default 1)",
            ControlFormat.Response("help", data));
    }

    [Fact]
    public void ShowDirty_Disabled_NotRunning() =>
        Assert.Equal("Dirty arbiter not running", ControlFormat.Response("show dirty", Json("""{"enabled": false, "pid": null, "workers": [], "apps": []}""")));

    [Theory]
    [InlineData("show workers", "show workers", "")]
    [InlineData("worker add 2", "worker add", "2")]
    [InlineData("worker kill 123", "worker kill", "123")]
    [InlineData("shutdown quick", "shutdown quick", "")]
    [InlineData("  'show'   workers ", "show workers", "")]
    public void ParseCommand_WordsThenNumbers_GunicorncsSplit(string line, string command, string args)
    {
        (string cmd, List<string> rest) = CtlCommand.ParseCommand(line);
        Assert.Equal((command, args), (cmd, string.Join(' ', rest)));
    }

    [Fact]
    public void WorkerStats_InFlight_ListedUnderItsWorker()
    {
        JsonElement data = Json("""
            {"workers": [{"pid": 41, "age": 1, "booted": true, "state": "serving", "uptime": 75.5, "requests": 1200, "rss_kib": 46284,
                          "last_progress": 0.1, "in_flight": [{"method": "GET", "path": "/slow", "duration": 3.25}]}],
             "count": 1, "requests_total": 1500}
            """);
        string text = ControlFormat.WorkerStats(data);
        string[] lines = text.Split('\n');
        Assert.Equal("PID      AGE  STATE     UPTIME       REQUESTS        RSS PROGRESS   IN-FLIGHT", lines[0]);
        Assert.Equal("41       1    serving   1m 15s           1200   45.2 MiB 0.1s ago   1", lines[1]);
        Assert.Equal("    GET /slow (3.25s)", lines[2]);
        Assert.Equal("Total: 1 workers, 1500 requests served", lines[^1]);
    }
}
