using System.Globalization;
using System.Text.RegularExpressions;
using Sharpicorn.Configuration;

namespace Sharpicorn.Metrics;

/// <summary>
/// Where --statsd-host points, read with gunicorn's validate_statsd_address: "unix:PATH" and
/// "unix://PATH" are a unix datagram socket, "unix:8125" (digits only) is the host "unix" on
/// that port (gunicorn keeps that pre-20 spelling working), otherwise "[tcp://]HOST[:PORT]"
/// with port 8125 by default and "[v6]:PORT" for IPv6.
/// </summary>
internal sealed partial class StatsdAddress
{
    /// <summary>statsd's well-known port, gunicorn's default_port for statsd_host.</summary>
    public const int DefaultPort = 8125;

    private StatsdAddress(string? unixPath, string? host, int port, int fd)
    {
        UnixPath = unixPath;
        Host = host;
        Port = port;
        Fd = fd;
    }

    /// <summary>A unix datagram socket's path, else null.</summary>
    public string? UnixPath { get; }

    /// <summary>The UDP host (lower-cased, as gunicorn stores it), else null.</summary>
    public string? Host { get; }

    public int Port { get; }

    /// <summary>"fd://N": gunicorn accepts the spelling but cannot send to it (it connects an AF_INET socket to an int and gives up); -1 otherwise.</summary>
    public int Fd { get; }

    /// <summary>How --print-config shows it: gunicorn prints the validated value, a (host, port) tuple or the path.</summary>
    public string PythonRepr => UnixPath ?? (Fd >= 0 ? Fd.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"('{Host}', {Port})"));

    public override string ToString() => UnixPath is not null ? "unix:" + UnixPath
        : Fd >= 0 ? "fd://" + Fd.ToString(CultureInfo.InvariantCulture)
        : Host!.Contains(':', StringComparison.Ordinal) ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>Parses as gunicorn does; throws <see cref="SettingException"/> with gunicorn's message for a bad port.</summary>
    public static StatsdAddress Parse(string value)
    {
        Match legacy = LegacyUnixPort().Match(value);
        if (legacy.Success && int.TryParse(legacy.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int legacyPort))
        {
            return new StatsdAddress(null, "unix", legacyPort, -1);
        }
        if (value.StartsWith("unix:", StringComparison.Ordinal))
        {
            // re.split(r'unix:(//)?', netloc)[-1]: what follows the last "unix:" (and its "//").
            string rest = value[(value.LastIndexOf("unix:", StringComparison.Ordinal) + 5)..];
            return new StatsdAddress(rest.StartsWith("//", StringComparison.Ordinal) ? rest[2..] : rest, null, 0, -1);
        }
        if (value.StartsWith("fd://", StringComparison.Ordinal))
        {
            return int.TryParse(value.AsSpan(5), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int fd)
                ? new StatsdAddress(null, null, 0, fd)
                : throw Invalid();
        }
        string netloc = value.StartsWith("tcp://", StringComparison.Ordinal) ? value.Split("tcp://")[1] : value;
        string host = netloc, port = DefaultPort.ToString(CultureInfo.InvariantCulture);
        if (netloc.Contains('[', StringComparison.Ordinal) && netloc.Contains(']', StringComparison.Ordinal))
        {
            host = netloc.Split(']')[0][1..];
            string[] parts = netloc.Split("]:");
            port = parts.Length > 1 ? parts[1] : port;
        }
        else if (netloc.Contains(':', StringComparison.Ordinal))
        {
            string[] parts = netloc.Split(':');
            (host, port) = (parts[0], parts[1]);
        }
        else if (netloc.Length == 0)
        {
            host = "0.0.0.0";
        }
        // Python's int(): surrounding whitespace, a sign and underscores between digits are allowed.
        string digits = port.Trim().Replace("_", "", StringComparison.Ordinal);
        return int.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int p)
            ? new StatsdAddress(null, host.ToLowerInvariant(), p, -1)
            : throw Invalid();
    }

    private static SettingException Invalid() => new("Value must be one of ('host:port', 'unix://PATH')");

    [GeneratedRegex(@"^unix:(\d+)$")]
    private static partial Regex LegacyUnixPort();
}
