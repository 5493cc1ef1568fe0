using Sharpicorn.Cli;
using Sharpicorn.Platform;
using Sharpicorn.Python;

namespace Sharpicorn.Wsgi;

/// <summary>
/// Starts this process's CPython the way every role does (a worker, and the master when its
/// configuration needs Python): the interpreter the settings name, its own sys.path, then
/// --pythonpath and the working directory in front, as gunicorn's sys.path has them.
/// </summary>
internal static class EmbeddedPython
{
    /// <summary>Initializes the interpreter (the GIL is released on return). Throws <see cref="PythonBootException"/> with a one-line reason.</summary>
    public static InterpreterInfo Start(ServerSettings settings, string[] args)
    {
        string interpreter = PythonLocator.Resolve(settings.Python)
            ?? throw new PythonBootException("no Python interpreter found: pass --python PATH, set SHARPICORN_PYTHON, activate a virtualenv, or put python3 on PATH.");
        InterpreterInfo info = InterpreterInfo.Probe(interpreter);
        var front = settings.PythonPath.Select(Path.GetFullPath).ToList();
        front.Add(Directory.GetCurrentDirectory());
        PythonRuntime.Initialize(info, front, [Environment.ProcessPath ?? "sharpicorn", .. args]);
        return info;
    }
}
