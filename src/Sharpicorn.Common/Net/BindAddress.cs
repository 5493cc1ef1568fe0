using System.Globalization;

namespace Sharpicorn.Net;

/// <summary>One -b/--bind value, parsed with gunicorn's rules (util.parse_address).</summary>
internal sealed record BindAddress(string? Host, int Port, string? UnixPath, int? FileDescriptor)
{
    /// <summary>gunicorn's default port when a bind names only a host.</summary>
    public const int DefaultPort = 8000;

    /// <summary>Throws <see cref="FormatException"/> with gunicorn's wording for a bad address.</summary>
    public static BindAddress Parse(string value)
    {
        string netloc = value;
        if (netloc.StartsWith("unix://", StringComparison.Ordinal))
        {
            return new BindAddress(null, 0, netloc[7..], null);
        }
        if (netloc.StartsWith("unix:", StringComparison.Ordinal))
        {
            return new BindAddress(null, 0, netloc[5..], null);
        }
        if (netloc.StartsWith("tcp://", StringComparison.Ordinal))
        {
            netloc = netloc[6..];
        }
        if (netloc.StartsWith("fd://", StringComparison.Ordinal))
        {
            string fd = netloc[5..];
            return int.TryParse(fd, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                ? new BindAddress(null, 0, null, n)
                : throw new FormatException($"'{fd}' is not a valid file descriptor.");
        }
        string host;
        if (netloc.Contains('[', StringComparison.Ordinal) && netloc.Contains(']', StringComparison.Ordinal))
        {
            host = netloc.Split(']')[0][1..];
        }
        else if (netloc.Contains(':', StringComparison.Ordinal))
        {
            host = netloc.Split(':')[0];
        }
        else
        {
            host = netloc.Length == 0 ? "0.0.0.0" : netloc.ToLowerInvariant();
        }
        string afterHost = netloc.Split(']')[^1];
        int port = DefaultPort;
        int colon = afterHost.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            string p = afterHost[(colon + 1)..];
            if (p.Length == 0 || !p.All(char.IsAsciiDigit) || !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
            {
                throw new FormatException($"'{p}' is not a valid port number.");
            }
        }
        return new BindAddress(host.Length == 0 ? "0.0.0.0" : host, port, null, null);
    }

    /// <summary>gunicorn's address text in "Connection in use: ('127.0.0.1', 8000)".</summary>
    public string PythonRepr => UnixPath ?? (FileDescriptor is int fd ? fd.ToString(CultureInfo.InvariantCulture) : $"('{Host}', {Port})");
}
