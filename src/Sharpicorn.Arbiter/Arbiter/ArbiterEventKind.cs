namespace Sharpicorn.Arbiter;

internal enum ArbiterEventKind
{
    Tick,
    Signal,
    Message,
    Exited,

    /// <summary>--reload saw a .py file change; the payload is the file.</summary>
    FileChanged,
}
