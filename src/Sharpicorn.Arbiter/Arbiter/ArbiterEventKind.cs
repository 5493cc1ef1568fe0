namespace Sharpicorn.Arbiter;

internal enum ArbiterEventKind
{
    Tick,
    Signal,
    Message,
    Exited,

    /// <summary>--reload saw a .py file change; the payload is the file.</summary>
    FileChanged,

    /// <summary>A worker's stats frame (Stats).</summary>
    Stats,

    /// <summary>The control socket or the metrics endpoint runs Run on the loop, which owns the state it reads.</summary>
    Invoke,
}
