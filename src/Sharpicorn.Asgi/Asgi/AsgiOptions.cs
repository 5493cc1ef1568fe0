namespace Sharpicorn.Asgi;

/// <summary>What the ASGI layer takes from the settings (the worker fills it in).</summary>
internal sealed class AsgiOptions
{
    /// <summary>asgi_loop: auto, asyncio or uvloop.</summary>
    public string Loop { get; init; } = "auto";

    /// <summary>asgi_lifespan: auto, on or off.</summary>
    public string Lifespan { get; init; } = "auto";

    public string RootPath { get; init; } = "";

    /// <summary>--request-timeout in seconds; 0 is off.</summary>
    public int RequestTimeout { get; init; }

    /// <summary>asgi_disconnect_grace_period in seconds.</summary>
    public int DisconnectGracePeriod { get; init; } = 3;

    /// <summary>websocket_max_message_size in bytes.</summary>
    public int WebSocketMaxMessageSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>uvicorn's ws_ping_interval, 20 s: the server pings an idle WebSocket this often.</summary>
    public TimeSpan WebSocketPingInterval { get; init; } = TimeSpan.FromSeconds(20);
}
