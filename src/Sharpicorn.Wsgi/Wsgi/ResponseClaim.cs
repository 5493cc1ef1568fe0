// Design notes
// ------------
// Who may write a request's response: the app (through its Python thread) or the deadline
// (--request-timeout's timer, or the worker's SIGABRT). The server owns the response until
// the app sends its first byte (PEP 3333: start_response alone sends nothing, so a 504 can
// still replace it); from then on it is the app's for good. One int, changed only by
// compare-and-swap, so when the timer and the app's first byte race exactly one wins:
//
//   Free ──Enter──▶ InKestrel ──Exit──▶ Free          the Python thread reads Kestrel's request
//   Free ──Commit─▶ Committed                          features (environ, a body read) or starts
//   Free ──Claim──▶ Claimed                            its response; the deadline takes it
//   InKestrel ──Claim──▶ ClaimPending ──Exit──▶ Claimed   (the Python thread answers on its way out)
//
// Why InKestrel: once the deadline answers, Kestrel finishes the request and may recycle its
// features, so the Python thread must never touch them again. A claim that finds the Python
// thread inside a feature call (a body read waiting on a slow client) cannot answer over it;
// it cancels the pending read instead, and the Python thread, leaving the call, sees
// ClaimPending and writes the 504 itself (without the GIL). Every other Kestrel call the
// Python thread makes comes after Commit, where the deadline no longer answers.
//
// Misuse (nested Enter, Commit inside a feature call) cannot happen on the Python thread's
// paths; it is answered conservatively rather than thrown, because a throw there would end the
// request thread and with it the worker.
namespace Sharpicorn.Wsgi;

/// <summary>The response's owner, decided by compare-and-swap (see the design notes). Any thread.</summary>
internal sealed class ResponseClaim
{
    private const int Free = 0, InKestrel = 1, Committed = 2, Claimed = 3, ClaimPending = 4;

    private int _state;

    /// <summary>True once the deadline took the response (answered, or about to be by the Python thread).</summary>
    public bool IsClaimed => Volatile.Read(ref _state) is Claimed or ClaimPending;

    /// <summary>True once the app's response started: the deadline can no longer answer it.</summary>
    public bool IsCommitted => Volatile.Read(ref _state) == Committed;

    /// <summary>
    /// The Python thread is about to read Kestrel's request features. False when the deadline
    /// already answered: the features are not this thread's any more.
    /// </summary>
    public bool Enter()
    {
        int seen = Interlocked.CompareExchange(ref _state, InKestrel, Free);
        return seen is Free or Committed or InKestrel;
    }

    /// <summary>
    /// The Python thread left the features. False when the deadline passed meanwhile: the caller
    /// must now answer the deadline's response (the claim is complete, it is the only writer).
    /// </summary>
    public bool Exit()
    {
        int seen = Interlocked.CompareExchange(ref _state, Free, InKestrel);
        switch (seen)
        {
            case ClaimPending:
                // Only this thread leaves ClaimPending, so a plain write would do; keep it interlocked for the reader.
                Interlocked.Exchange(ref _state, Claimed);
                return false;
            default:
                // InKestrel (now Free) or Committed: nothing happened meanwhile. Claimed: the caller
                // already learnt it (Enter said no), so it is not told to answer a second time.
                return true;
        }
    }

    /// <summary>The app's first byte is about to go to Kestrel. False when the deadline won: the output is discarded.</summary>
    public bool TryCommit()
    {
        // Inside a feature call (never on the Python thread's paths) the app does not get the response.
        int seen = Interlocked.CompareExchange(ref _state, Committed, Free);
        return seen is Free or Committed;
    }

    /// <summary>The deadline wants the response (timer or abort thread).</summary>
    public ClaimOutcome TryClaim()
    {
        while (true)
        {
            int seen = Volatile.Read(ref _state);
            switch (seen)
            {
                case Free:
                    if (Interlocked.CompareExchange(ref _state, Claimed, Free) == Free)
                    {
                        return ClaimOutcome.Claimed;
                    }
                    break;
                case InKestrel:
                    if (Interlocked.CompareExchange(ref _state, ClaimPending, InKestrel) == InKestrel)
                    {
                        return ClaimOutcome.Deferred;
                    }
                    break;
                case Committed:
                    return ClaimOutcome.TooLate;
                default:
                    return ClaimOutcome.AlreadyClaimed;
            }
        }
    }
}
