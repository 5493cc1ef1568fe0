namespace Sharpicorn.Http;

/// <summary>
/// A connection feature the accept gate sets: claimed once, by the connection's first request
/// or by its close, whichever comes first (a sync worker's slot is released exactly once).
/// </summary>
internal sealed class FreshConnection
{
    private int _claimed;

    public bool Claim() => Interlocked.Exchange(ref _claimed, 1) == 0;
}
