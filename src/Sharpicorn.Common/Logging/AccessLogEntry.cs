namespace Sharpicorn.Logging;

/// <summary>What one finished request tells the access log; filled on the request's Python thread.</summary>
internal sealed class AccessLogEntry
{
    public string RemoteAddr { get; set; } = "-";
    public string Method { get; set; } = "";
    public string RawUri { get; set; } = "";
    public string Path { get; set; } = "";
    public string Query { get; set; } = "";
    public string Protocol { get; set; } = "";
    public int Status { get; set; }
    public long BytesSent { get; set; }
    public DateTimeOffset Started { get; set; }
    public TimeSpan Duration { get; set; }
    public Func<string, string?> RequestHeader { get; set; } = static _ => null;
    public Func<string, string?> ResponseHeader { get; set; } = static _ => null;

    /// <summary>Every request header, as sent (only a Python logging configuration asks: gunicorn's atoms carry them all).</summary>
    public Func<IEnumerable<KeyValuePair<string, string>>> RequestHeaders { get; set; } = static () => [];

    /// <summary>Every response header (see <see cref="RequestHeaders"/>).</summary>
    public Func<IEnumerable<KeyValuePair<string, string>>> ResponseHeaders { get; set; } = static () => [];

    /// <summary>str() of the environ values the format's "{NAME}e" atoms name (keys compared ignoring case); null when the format has none.</summary>
    public IReadOnlyDictionary<string, string>? Environ { get; set; }
}
