namespace Sharpicorn.Asgi;

/// <summary>
/// One event from a Kestrel thread for the loop. <see cref="Data"/> is a byte[] (a body chunk,
/// a message: UTF-8 for a text message); <see cref="Value"/> is a length, a flag or a close code.
/// </summary>
internal readonly record struct AsgiEvent(AsgiEventKind Kind, AsgiConnection? Connection, object? Data = null, long Value = 0, bool More = false);
