using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sharpicorn.Control;

/// <summary>
/// gunicornc's output (gunicorn/ctl/cli.py format_*), character for character, from the
/// response's data; plus the table of sharpicorn's own "stats" command.
/// </summary>
internal static class ControlFormat
{
    /// <summary>format_response: the formatter for the command, else json.dumps(data, indent=2), "OK" when empty.</summary>
    public static string Response(string command, JsonElement data)
    {
        return command.ToLowerInvariant().Trim() switch
        {
            "show all" => All(data),
            "show workers" => Workers(data),
            "show dirty" => Dirty(data),
            "show stats" => Stats(data),
            "show listeners" => Listeners(data),
            "show config" => Config(data),
            "help" => Help(data),
            _ => Truthy(data) ? PythonJson.Dumps(data) : "OK",
        };
    }

    public static string Workers(JsonElement data)
    {
        List<JsonElement> workers = List(data, "workers");
        if (workers.Count == 0)
        {
            return "No workers running";
        }
        var lines = new List<string>
        {
            $"{"PID",-10} {"AGE",-6} {"BOOTED",-8} LAST_BEAT",
            new string('-', 40),
        };
        foreach (JsonElement w in workers)
        {
            lines.Add($"{Get(w, "pid"),-10} {Get(w, "age"),-6} {(IsTrue(w, "booted") ? "yes" : "no"),-8} {Beat(w)}");
        }
        lines.Add("");
        lines.Add($"Total: {Get(data, "count", workers.Count.ToString(CultureInfo.InvariantCulture))} workers");
        return string.Join('\n', lines);
    }

    public static string Dirty(JsonElement data)
    {
        if (!IsTrue(data, "enabled"))
        {
            return "Dirty arbiter not running";
        }
        var lines = new List<string> { $"Dirty arbiter PID: {Get(data, "pid", "None")}", "" };
        List<JsonElement> workers = List(data, "workers");
        if (workers.Count > 0)
        {
            lines.Add("DIRTY WORKERS:");
            lines.Add($"{"PID",-10} {"AGE",-6} {"APPS",-30} LAST_BEAT");
            lines.Add(new string('-', 60));
            foreach (JsonElement w in workers)
            {
                string apps = string.Join(", ", List(w, "apps").Select(PythonJson.Str));
                lines.Add($"{Get(w, "pid"),-10} {Get(w, "age"),-6} {apps[..Math.Min(30, apps.Length)],-30} {Beat(w)}");
            }
            lines.Add("");
        }
        List<JsonElement> apps2 = List(data, "apps");
        if (apps2.Count > 0)
        {
            lines.Add("DIRTY APPS:");
            lines.Add($"{"APP",-30} {"WORKERS",-10} LIMIT");
            lines.Add(new string('-', 50));
            foreach (JsonElement a in apps2)
            {
                string path = Get(a, "import_path");
                string limit = a.TryGetProperty("worker_count", out JsonElement l) && l.ValueKind != JsonValueKind.Null ? PythonJson.Str(l) : "none";
                lines.Add($"{path[..Math.Min(30, path.Length)],-30} {Get(a, "current_workers", "0"),-10} {limit}");
            }
        }
        return string.Join('\n', lines);
    }

    public static string Stats(JsonElement data)
    {
        string uptime = "unknown";
        if (data.TryGetProperty("uptime", out JsonElement u) && u.ValueKind == JsonValueKind.Number && u.GetDouble() != 0)
        {
            uptime = Duration(u.GetDouble());
        }
        var lines = new List<string>
        {
            $"Uptime:           {uptime}",
            $"PID:              {Get(data, "pid", "unknown")}",
            $"Workers current:  {Get(data, "workers_current", "0")}",
            $"Workers target:   {Get(data, "workers_target", "0")}",
            $"Workers spawned:  {Get(data, "workers_spawned", "0")}",
            $"Workers killed:   {Get(data, "workers_killed", "0")}",
            $"Reloads:          {Get(data, "reloads", "0")}",
        };
        if (data.TryGetProperty("dirty_arbiter_pid", out JsonElement d) && Truthy(d))
        {
            lines.Add($"Dirty arbiter:    {PythonJson.Str(d)}");
        }
        return string.Join('\n', lines);
    }

    /// <summary>format_stats' uptime: "2h 15m 30s", "3m 4s", "12s".</summary>
    public static string Duration(double seconds)
    {
        int hours = (int)(seconds / 3600);
        int minutes = (int)(seconds % 3600 / 60);
        int secs = (int)(seconds % 60);
        return hours > 0 ? $"{hours}h {minutes}m {secs}s" : minutes > 0 ? $"{minutes}m {secs}s" : $"{secs}s";
    }

    public static string Listeners(JsonElement data)
    {
        List<JsonElement> listeners = List(data, "listeners");
        if (listeners.Count == 0)
        {
            return "No listeners bound";
        }
        var lines = new List<string>
        {
            $"{"ADDRESS",-40} {"TYPE",-8} FD",
            new string('-', 55),
        };
        foreach (JsonElement l in listeners)
        {
            lines.Add($"{Get(l, "address"),-40} {Get(l, "type"),-8} {Get(l, "fd")}");
        }
        lines.Add("");
        lines.Add($"Total: {Get(data, "count", listeners.Count.ToString(CultureInfo.InvariantCulture))} listeners");
        return string.Join('\n', lines);
    }

    public static string Config(JsonElement data)
    {
        var lines = new List<string>();
        foreach (JsonProperty p in data.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            string value = p.Value.ValueKind == JsonValueKind.Array
                ? string.Join(", ", p.Value.EnumerateArray().Select(PythonJson.Str))
                : PythonJson.Str(p.Value);
            lines.Add($"{p.Name}: {value}");
        }
        return string.Join('\n', lines);
    }

    public static string Help(JsonElement data)
    {
        var commands = data.TryGetProperty("commands", out JsonElement c) && c.ValueKind == JsonValueKind.Object
            ? c.EnumerateObject().ToList()
            : [];
        var lines = new List<string> { "Available commands:", "" };
        int max = commands.Count > 0 ? commands.Max(p => p.Name.Length) : 0;
        foreach (JsonProperty p in commands.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            lines.Add($"  {p.Name.PadRight(max + 2)} {PythonJson.Str(p.Value)}");
        }
        return string.Join('\n', lines);
    }

    public static string All(JsonElement data)
    {
        var lines = new List<string>();
        JsonElement arbiter = data.TryGetProperty("arbiter", out JsonElement a) && a.ValueKind == JsonValueKind.Object ? a : default;
        lines.Add("ARBITER (master)");
        lines.Add($"  PID: {(arbiter.ValueKind == JsonValueKind.Object ? Get(arbiter, "pid") : "?")}");
        lines.Add("");
        List<JsonElement> web = List(data, "web_workers");
        lines.Add($"WEB WORKERS ({Get(data, "web_worker_count", "0")})");
        if (web.Count > 0)
        {
            lines.Add($"  {"PID",-10} {"AGE",-6} {"BOOTED",-8} LAST_BEAT");
            lines.Add($"  {new string('-', 38)}");
            foreach (JsonElement w in web)
            {
                lines.Add($"  {Get(w, "pid"),-10} {Get(w, "age"),-6} {(IsTrue(w, "booted") ? "yes" : "no"),-8} {Beat(w)}");
            }
        }
        else
        {
            lines.Add("  (none)");
        }
        lines.Add("");
        if (data.TryGetProperty("dirty_arbiter", out JsonElement d) && Truthy(d))
        {
            lines.Add("DIRTY ARBITER");
            lines.Add($"  PID: {Get(d, "pid")}");
            lines.Add("");
            List<JsonElement> dirty = List(data, "dirty_workers");
            lines.Add($"DIRTY WORKERS ({Get(data, "dirty_worker_count", "0")})");
            if (dirty.Count > 0)
            {
                lines.Add($"  {"PID",-10} {"AGE",-6} APPS");
                lines.Add($"  {new string('-', 50)}");
                foreach (JsonElement w in dirty)
                {
                    var apps = List(w, "apps").Select(PythonJson.Str).ToList();
                    if (apps.Count > 0)
                    {
                        lines.Add($"  {Get(w, "pid"),-10} {Get(w, "age"),-6} {apps[0].Split(':')[^1]}");
                        foreach (string app in apps.Skip(1))
                        {
                            lines.Add($"  {"",-10} {"",-6} {app.Split(':')[^1]}");
                        }
                    }
                    else
                    {
                        lines.Add($"  {Get(w, "pid"),-10} {Get(w, "age"),-6} (no apps)");
                    }
                }
            }
            else
            {
                lines.Add("  (none)");
            }
        }
        else
        {
            lines.Add("DIRTY ARBITER");
            lines.Add("  (not running)");
        }
        return string.Join('\n', lines);
    }

    /// <summary>sharpicorn's "stats": one block per worker, its in-flight requests under it.</summary>
    public static string WorkerStats(JsonElement data, int width = int.MaxValue)
    {
        List<JsonElement> workers = List(data, "workers");
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{"PID",-8} {"AGE",-4} {"STATE",-9} {"UPTIME",-11} {"REQUESTS",9} {"RSS",10} {"PROGRESS",-10} IN-FLIGHT\n");
        foreach (JsonElement w in workers)
        {
            List<JsonElement> inFlight = List(w, "in_flight");
            string rss = w.TryGetProperty("rss_kib", out JsonElement r) && r.ValueKind == JsonValueKind.Number ? Mib(r.GetInt64()) : "-";
            string uptime = w.TryGetProperty("uptime", out JsonElement u) && u.ValueKind == JsonValueKind.Number ? Duration(u.GetDouble()) : "-";
            string line = $"{Get(w, "pid"),-8} {Get(w, "age"),-4} {Get(w, "state"),-9} {uptime,-11} {Get(w, "requests"),9} {rss,10} {Get(w, "last_progress") + "s ago",-10} {inFlight.Count}";
            sb.Append(Cut(line, width)).Append('\n');
            foreach (JsonElement f in inFlight)
            {
                sb.Append(Cut($"    {Get(f, "method")} {Get(f, "path")} ({Get(f, "duration")}s)", width)).Append('\n');
            }
        }
        sb.Append(CultureInfo.InvariantCulture, $"\nTotal: {Get(data, "count", workers.Count.ToString(CultureInfo.InvariantCulture))} workers, {Get(data, "requests_total", "0")} requests served");
        return sb.ToString();
    }

    private static string Cut(string line, int width) => line.Length > width ? line[..Math.Max(0, width)] : line;

    private static string Mib(long kib) => (kib / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    private static string Beat(JsonElement w) =>
        w.TryGetProperty("last_heartbeat", out JsonElement hb) && hb.ValueKind != JsonValueKind.Null ? $"{PythonJson.Str(hb)}s ago" : "n/a";

    /// <summary>Python's data.get(key, default) as str().</summary>
    private static string Get(JsonElement e, string key, string fallback = "?") =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out JsonElement v) ? PythonJson.Str(v) : fallback;

    private static bool IsTrue(JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out JsonElement v) && Truthy(v);

    private static List<JsonElement> List(JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : [];

    /// <summary>Python's truth value of a decoded JSON value.</summary>
    private static bool Truthy(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().Any(),
        JsonValueKind.Array => e.GetArrayLength() > 0,
        JsonValueKind.String => e.GetString()!.Length > 0,
        JsonValueKind.Number => e.GetDouble() != 0,
        JsonValueKind.True => true,
        _ => false,
    };
}
