namespace Sharpicorn.Arbiter;

internal enum ArbiterEventKind
{
    Tick,
    Signal,
    Message,
    Exited,
}
