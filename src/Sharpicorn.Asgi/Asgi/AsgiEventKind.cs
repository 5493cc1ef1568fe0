namespace Sharpicorn.Asgi;

/// <summary>What a queued event tells the loop; the numbers are _sharpicorn_asgi.py's constants.</summary>
internal enum AsgiEventKind
{
    New = 0,
    Body = 1,
    Disconnect = 2,
    IoDone = 3,
    WsMessage = 4,
    WsClosed = 5,
    Tick = 6,
    Stop = 7,
}
