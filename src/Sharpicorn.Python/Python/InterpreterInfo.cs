using System.Diagnostics;
using System.Text.Json;

namespace Sharpicorn.Python;

/// <summary>
/// What the target interpreter says about itself: run once as a subprocess before libpython
/// is loaded, so the embedded interpreter can be made to see exactly the same world.
/// </summary>
internal sealed class InterpreterInfo
{
    // Printed by the target interpreter. Plain json, so any CPython 3.9+ can run it.
    private const string ProbeScript = """
        import json, os, site, sys, sysconfig
        v = sysconfig.get_config_var
        try:
            sites = list(site.getsitepackages())
        except Exception:
            sites = []
        try:
            if site.ENABLE_USER_SITE:
                sites.append(site.getusersitepackages())
        except Exception:
            pass
        print(json.dumps({
            "version": "%d.%d.%d" % sys.version_info[:3],
            "major": sys.version_info[0], "minor": sys.version_info[1],
            "implementation": sys.implementation.name,
            "executable": sys.executable,
            "prefix": sys.prefix, "exec_prefix": sys.exec_prefix,
            "base_prefix": sys.base_prefix, "base_exec_prefix": sys.base_exec_prefix,
            "path": [p for p in sys.path if p],
            "site_dirs": sites,
            "libdir": v("LIBDIR") or "", "instsoname": v("INSTSONAME") or "",
            "ldlibrary": v("LDLIBRARY") or "", "multiarch": v("MULTIARCH") or "",
            "shared": bool(v("Py_ENABLE_SHARED")),
        }))
        """;

    public required string Interpreter { get; init; }
    public required string Version { get; init; }
    public required int Major { get; init; }
    public required int Minor { get; init; }
    public required string Implementation { get; init; }
    public required string Executable { get; init; }
    public required string Prefix { get; init; }
    public required string ExecPrefix { get; init; }
    public required string BasePrefix { get; init; }
    public required string BaseExecPrefix { get; init; }
    public required IReadOnlyList<string> Path { get; init; }
    public required IReadOnlyList<string> SiteDirs { get; init; }
    public required IReadOnlyList<string> LibraryCandidates { get; init; }

    /// <summary>Runs the interpreter once; throws <see cref="PythonBootException"/> with a user-facing message.</summary>
    public static InterpreterInfo Probe(string interpreter)
    {
        var psi = new ProcessStartInfo(interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(ProbeScript);
        Process? p;
        try
        {
            p = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PythonBootException($"cannot run the Python interpreter {interpreter}: {e.Message}. Point --python (or SHARPICORN_PYTHON) at a CPython 3.9 to 3.13 executable.");
        }
        if (p is null)
        {
            throw new PythonBootException($"cannot run the Python interpreter {interpreter}.");
        }
        using (p)
        {
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new PythonBootException($"the Python interpreter {interpreter} failed to describe itself (exit {p.ExitCode}): {stderr.Result.Trim()}");
            }
            return Parse(interpreter, stdout);
        }
    }

    private static InterpreterInfo Parse(string interpreter, string json)
    {
        using var doc = JsonDocument.Parse(json);
        JsonElement r = doc.RootElement;
        static List<string> Strings(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetString() ?? "")];
        string libdir = r.GetProperty("libdir").GetString() ?? "";
        var candidates = new List<string>();
        foreach (string name in new[] { r.GetProperty("instsoname").GetString() ?? "", r.GetProperty("ldlibrary").GetString() ?? "" })
        {
            if (name.EndsWith(".a", StringComparison.Ordinal) || name.Length == 0)
            {
                continue;
            }
            candidates.Add(System.IO.Path.Combine(libdir, name));
            string multiarch = r.GetProperty("multiarch").GetString() ?? "";
            if (multiarch.Length > 0)
            {
                candidates.Add(System.IO.Path.Combine(libdir, multiarch, name));
            }
        }
        int major = r.GetProperty("major").GetInt32();
        int minor = r.GetProperty("minor").GetInt32();
        if (candidates.Count == 0)
        {
            // A static build still names the soname it would have had.
            candidates.Add(System.IO.Path.Combine(libdir, $"libpython{major}.{minor}.so.1.0"));
        }
        return new InterpreterInfo
        {
            Interpreter = interpreter,
            Version = r.GetProperty("version").GetString() ?? "",
            Major = major,
            Minor = minor,
            Implementation = r.GetProperty("implementation").GetString() ?? "",
            Executable = r.GetProperty("executable").GetString() ?? interpreter,
            Prefix = r.GetProperty("prefix").GetString() ?? "",
            ExecPrefix = r.GetProperty("exec_prefix").GetString() ?? "",
            BasePrefix = r.GetProperty("base_prefix").GetString() ?? "",
            BaseExecPrefix = r.GetProperty("base_exec_prefix").GetString() ?? "",
            Path = Strings(r.GetProperty("path")),
            SiteDirs = Strings(r.GetProperty("site_dirs")),
            LibraryCandidates = candidates,
        };
    }

    /// <summary>The shared libpython of this interpreter, or a boot error that says how to get one.</summary>
    public string FindLibrary()
    {
        if (Implementation != "cpython")
        {
            throw new PythonBootException($"{Interpreter} is {Implementation} {Version}; sharpicorn embeds CPython 3.9 to 3.13 only.");
        }
        if (Major != 3 || Minor < 9 || Minor > 13)
        {
            throw new PythonBootException($"{Interpreter} is CPython {Version}; sharpicorn supports CPython 3.9 to 3.13.");
        }
        foreach (string c in LibraryCandidates)
        {
            if (File.Exists(c))
            {
                return c;
            }
        }
        string hint = Executable.StartsWith("/usr/bin/", StringComparison.Ordinal)
            ? $"install Debian's libpython{Major}.{Minor} package (apt-get install libpython{Major}.{Minor})"
            : "rebuild this Python with --enable-shared (for pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install)";
        throw new PythonBootException($"{Interpreter} (CPython {Version}) has no shared libpython: {LibraryCandidates[0]} does not exist; {hint}.");
    }
}
