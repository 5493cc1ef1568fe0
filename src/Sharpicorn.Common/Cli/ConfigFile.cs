using System.Diagnostics;
using System.Text.Json;
using Sharpicorn.Configuration;

namespace Sharpicorn.Cli;

/// <summary>
/// gunicorn.conf.py, executed the only faithful way: by Python. The arbiter embeds Python only
/// when the file asks for it (a master hook), so the target interpreter runs the file in a
/// subprocess and prints its globals as JSON; each
/// global that names a setting in <see cref="SettingsRegistry"/> is converted by that setting,
/// the rest (imports, helpers) are ignored, as gunicorn ignores them.
/// </summary>
internal static class ConfigFile
{
    /// <summary>gunicorn's default config path, relative to the directory sharpicorn starts in.</summary>
    public const string DefaultPath = "gunicorn.conf.py";

    // Classes and functions have no JSON form: they are sent as their qualified names, marked.
    private const string Script = """
        import json, runpy, sys
        g = runpy.run_path(sys.argv[1])
        out = {}
        for k, v in g.items():
            if k.startswith("_"):
                continue
            if isinstance(v, type):
                out[k] = {"__class__": v.__module__ + "." + v.__qualname__}
            elif isinstance(v, (str, int, float, bool, list, tuple, dict)) or v is None:
                out[k] = v
            elif callable(v):
                out[k] = {"__callable__": getattr(v, "__qualname__", k)}
        print(json.dumps(out, default=str))
        """;

    /// <summary>The config path: -c/--config from the command line, else from GUNICORN_CMD_ARGS, else ./gunicorn.conf.py when it exists, as gunicorn looks.</summary>
    public static string? Locate(ParsedArguments cli, ParsedArguments? fromEnv)
    {
        Setting config = SettingsRegistry.Find("config")!;
        return cli.Has(config) ? (string?)cli[config]
            : fromEnv is not null && fromEnv.Has(config) ? (string?)fromEnv[config]
            : File.Exists(DefaultPath) ? DefaultPath : null;
    }

    /// <summary>Runs the file and returns the settings it sets, converted, in the file's order. Throws <see cref="UsageException"/>.</summary>
    public static List<(Setting Setting, object? Value)> Load(string path, string? python)
    {
        string file = path.StartsWith("python:", StringComparison.Ordinal) ? throw new UsageException($"-c {path}: python: module configs are not supported yet; pass a file path")
            : path.StartsWith("file:", StringComparison.Ordinal) ? path[5..] : path;
        if (!File.Exists(file))
        {
            throw new UsageException($"-c/--config: '{file}' doesn't exist");
        }
        string interpreter = Platform.PythonLocator.Resolve(python) ?? throw new UsageException($"-c/--config: no Python interpreter to run '{file}' with (pass --python)");
        var psi = new ProcessStartInfo(interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Script);
        psi.ArgumentList.Add(Path.GetFullPath(file));
        string stdout, stderr;
        int code;
        try
        {
            using Process p = Process.Start(psi)!;
            Task<string> err = p.StandardError.ReadToEndAsync();
            stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            stderr = err.Result;
            code = p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UsageException($"-c/--config: cannot run {interpreter}: {e.Message}");
        }
        if (code != 0)
        {
            throw new UsageException($"-c/--config: '{file}' failed to run:\n{stderr.TrimEnd()}");
        }
        using JsonDocument doc = JsonDocument.Parse(stdout);
        return Read(path, doc.RootElement);
    }

    /// <summary>Converts the file's globals (the script's JSON) to settings. Throws <see cref="UsageException"/>.</summary>
    internal static List<(Setting Setting, object? Value)> Read(string file, JsonElement globals)
    {
        var result = new List<(Setting, object?)>();
        foreach (JsonProperty p in globals.EnumerateObject())
        {
            if (SettingsRegistry.Find(p.Name) is not Setting setting)
            {
                continue;
            }
            try
            {
                result.Add((setting, setting.FromJson(p.Value)));
            }
            catch (SettingException e)
            {
                throw new UsageException($"{file}: invalid value for {p.Name}: {e.Message}", e);
            }
        }
        return result;
    }
}
