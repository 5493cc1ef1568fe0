namespace Sharpicorn.Logging;

/// <summary>How --log-syslog-to reaches the syslog daemon.</summary>
internal enum SyslogTransport
{
    /// <summary>unix://PATH: a datagram socket, else a stream one (Python's SysLogHandler tries both); unix://PATH#dgram: datagram only.</summary>
    Unix,
    Udp,
    Tcp,
}
