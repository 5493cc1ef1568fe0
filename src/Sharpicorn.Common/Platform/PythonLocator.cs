namespace Sharpicorn.Platform;

/// <summary>
/// Finds the Python interpreter the user means. It lives below the binding because the master
/// also needs it (to run a config file) and the master never loads libpython.
/// </summary>
internal static class PythonLocator
{
    /// <summary>
    /// The interpreter to embed: --python, then SHARPICORN_PYTHON, then $VIRTUAL_ENV/bin/python,
    /// then python3 on PATH (the order the project decided; see README).
    /// </summary>
    public static string? Resolve(string? flag)
    {
        if (!string.IsNullOrEmpty(flag))
        {
            return flag;
        }
        string? env = Environment.GetEnvironmentVariable("SHARPICORN_PYTHON");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }
        string? venv = Environment.GetEnvironmentVariable("VIRTUAL_ENV");
        if (!string.IsNullOrEmpty(venv))
        {
            string candidate = Path.Combine(venv, "bin", "python");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "python3");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
