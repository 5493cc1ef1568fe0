namespace Sharpicorn.Wsgi;

/// <summary>What a valid start_response call said, beyond the header list (validated before it is stored).</summary>
/// <param name="StatusCode">The three-digit status.</param>
/// <param name="ReasonPhrase">The text after the code, possibly empty.</param>
/// <param name="ContentLength">The app's Content-Length, if it gave one.</param>
/// <param name="ConnectionClose">The app's own "Connection: close".</param>
/// <param name="HasServerHeader">The app named its own Server.</param>
internal readonly record struct StartResponseArgs(int StatusCode, string ReasonPhrase, long? ContentLength, bool ConnectionClose, bool HasServerHeader);
