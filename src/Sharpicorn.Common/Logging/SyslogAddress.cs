using System.Globalization;

namespace Sharpicorn.Logging;

/// <summary>
/// --log-syslog-to, read by gunicorn's parse_syslog_address rules: unix://PATH[#dgram],
/// udp://HOST[:PORT] or tcp://HOST[:PORT], an IPv6 host in brackets, port 514 when none is
/// given, an empty host meaning localhost, the host lower-cased.
/// </summary>
internal sealed record SyslogAddress(SyslogTransport Transport, string Host, int Port, string Path, bool DatagramOnly)
{
    /// <summary>syslog's port, gunicorn's default when the address has none.</summary>
    public const int DefaultPort = 514;

    /// <summary>Parses <paramref name="address"/>; throws <see cref="FormatException"/> with gunicorn's message.</summary>
    public static SyslogAddress Parse(string address)
    {
        if (address.StartsWith("unix://", StringComparison.Ordinal))
        {
            // gunicorn keeps what is before a '#'; only "#dgram" forces the socket type.
            string[] parts = address.Split('#', 2);
            bool dgram = parts.Length == 2 && parts[1] == "dgram";
            return new SyslogAddress(SyslogTransport.Unix, "", 0, parts[0]["unix://".Length..], dgram);
        }
        SyslogTransport transport;
        string rest;
        if (address.StartsWith("udp://", StringComparison.Ordinal))
        {
            transport = SyslogTransport.Udp;
            rest = address["udp://".Length..];
        }
        else if (address.StartsWith("tcp://", StringComparison.Ordinal))
        {
            transport = SyslogTransport.Tcp;
            rest = address["tcp://".Length..];
        }
        else
        {
            throw new FormatException("invalid syslog address");
        }
        string host;
        if (rest.Contains('[', StringComparison.Ordinal) && rest.Contains(']', StringComparison.Ordinal))
        {
            host = rest.Split(']')[0][1..].ToLowerInvariant();
        }
        else if (rest.Contains(':', StringComparison.Ordinal))
        {
            host = rest.Split(':')[0].ToLowerInvariant();
        }
        else
        {
            host = rest.Length == 0 ? "localhost" : rest.ToLowerInvariant();
        }
        string tail = rest.Split(']')[^1];
        int port = DefaultPort;
        int colon = tail.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            string text = tail[(colon + 1)..];
            if (text.Length == 0 || !text.All(char.IsAsciiDigit) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                throw new FormatException($"{Configuration.PythonText.Repr(text)} is not a valid port number.");
            }
        }
        return new SyslogAddress(transport, host, port, "", false);
    }
}
