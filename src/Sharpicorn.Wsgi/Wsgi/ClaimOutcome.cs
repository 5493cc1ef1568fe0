namespace Sharpicorn.Wsgi;

/// <summary>What <see cref="ResponseClaim.TryClaim"/> found.</summary>
internal enum ClaimOutcome
{
    /// <summary>The response is the deadline's: the caller answers it now.</summary>
    Claimed,

    /// <summary>The Python thread is inside a feature call: it answers when it leaves (the caller cancels a pending body read).</summary>
    Deferred,

    /// <summary>The app's response already started; it stays the app's.</summary>
    TooLate,

    /// <summary>An earlier claim took it.</summary>
    AlreadyClaimed,
}
