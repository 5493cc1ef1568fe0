namespace Sharpicorn.Http;

/// <summary>proxy_protocol's normalised values (gunicorn 26): which header versions a PROXY port accepts.</summary>
internal enum ProxyProtocolMode
{
    Off,
    V1,
    V2,
    Auto,
}
