using System.Globalization;
using System.Text;

namespace Sharpicorn.Logging;

/// <summary>
/// gunicorn's access_log_format, parsed once: "%(name)s" atoms from glogging's table, with
/// "{header}i", "{header}o" and "{var}e" forms, and "%%" for a literal percent sign. As
/// gunicorn's SafeAtoms does, a double quote inside a text value is written as \" (the
/// numbers B, T, D and M are not text).
/// </summary>
internal sealed class AccessLogFormat
{
    /// <summary>gunicorn's default access_log_format.</summary>
    public const string Default = "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"";

    /// <summary>glogging's atoms that are text, in its order (B, T, D and M are numbers).</summary>
    private static readonly string[] TextAtoms = ["h", "l", "u", "t", "r", "s", "m", "U", "q", "H", "b", "f", "a", "L", "p"];

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    private readonly List<(string? Literal, string? Atom)> _parts = [];
    private readonly List<string> _requestHeaders = [];
    private readonly List<string> _responseHeaders = [];
    private readonly List<string> _environKeys = [];

    /// <summary>The names of the "{NAME}i" atoms, lower-cased, each once.</summary>
    public IReadOnlyList<string> RequestHeaders => _requestHeaders;

    /// <summary>The names of the "{NAME}o" atoms, lower-cased, each once.</summary>
    public IReadOnlyList<string> ResponseHeaders => _responseHeaders;

    /// <summary>
    /// The names of the "{NAME}e" atoms as written, each once: the worker reads these keys from
    /// the request's environ while it still holds the GIL, and only when there are any.
    /// </summary>
    public IReadOnlyList<string> EnvironKeys => _environKeys;

    public AccessLogFormat(string format)
    {
        var literal = new StringBuilder();
        int i = 0;
        while (i < format.Length)
        {
            char c = format[i];
            if (c == '%' && i + 1 < format.Length && format[i + 1] == '%')
            {
                literal.Append('%');
                i += 2;
                continue;
            }
            if (c == '%' && i + 1 < format.Length && format[i + 1] == '(')
            {
                int close = format.IndexOf(')', i + 2);
                // The conversion after ")" is one letter (s or d); padding flags are not supported.
                if (close > 0 && close + 1 < format.Length && (format[close + 1] == 's' || format[close + 1] == 'd'))
                {
                    if (literal.Length > 0)
                    {
                        _parts.Add((literal.ToString(), null));
                        literal.Clear();
                    }
                    string atom = format[(i + 2)..close];
                    _parts.Add((null, atom));
                    Remember(atom);
                    i = close + 2;
                    continue;
                }
                throw new FormatException($"access_log_format: cannot parse '{format[i..]}'; use %(atom)s");
            }
            literal.Append(c);
            i++;
        }
        if (literal.Length > 0)
        {
            _parts.Add((literal.ToString(), null));
        }
    }

    private void Remember(string atom)
    {
        if (atom.Length <= 2 || atom[0] != '{' || atom[^2] != '}')
        {
            return;
        }
        string name = atom[1..^2];
        List<string>? names = atom[^1] switch
        {
            'i' => _requestHeaders,
            'o' => _responseHeaders,
            'e' => _environKeys,
            _ => null,
        };
        if (names is null)
        {
            return;
        }
        // gunicorn looks every "{...}" atom up lower-cased, so case never makes two atoms differ.
        string key = atom[^1] == 'e' ? name : name.ToLowerInvariant();
        if (!names.Contains(key, StringComparer.OrdinalIgnoreCase))
        {
            names.Add(key);
        }
    }

    public string Render(AccessLogEntry e)
    {
        var sb = new StringBuilder(160);
        foreach ((string? literal, string? atom) in _parts)
        {
            if (literal is not null)
            {
                sb.Append(literal);
                continue;
            }
            string value = Atom(atom!, e);
            if (atom is "B" or "T" or "D" or "M" || !value.Contains('"', StringComparison.Ordinal))
            {
                sb.Append(value);
            }
            else
            {
                sb.Append(value.Replace("\"", "\\\"", StringComparison.Ordinal));
            }
        }
        return sb.ToString();
    }

    private static string Atom(string atom, AccessLogEntry e)
    {
        switch (atom)
        {
            case "h": return e.RemoteAddr;
            case "l": return "-";
            case "u": return User(e.RequestHeader("authorization"));
            case "t": return RequestTime(e.Started);
            case "r": return $"{e.Method} {e.RawUri} {e.Protocol}";
            case "m": return e.Method;
            case "U": return e.Path;
            case "q": return e.Query;
            case "H": return e.Protocol;
            case "s": return e.Status.ToString(CultureInfo.InvariantCulture);
            // gunicorn's %(b)s is `str(resp.sent) or '-'`, and str(0) is "0": both atoms print
            // the count, so a 204 or a HEAD logs 0, not Apache's "-".
            case "B" or "b": return e.BytesSent.ToString(CultureInfo.InvariantCulture);
            case "f": return e.RequestHeader("referer") ?? "-";
            case "a": return e.RequestHeader("user-agent") ?? "-";
            case "T": return ((long)e.Duration.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            case "M": return ((long)e.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            case "D": return ((long)(e.Duration.Ticks / 10)).ToString(CultureInfo.InvariantCulture);
            case "L": return e.Duration.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture);
            case "p": return $"<{Environment.ProcessId}>";
        }
        if (atom.Length > 2 && atom[0] == '{' && atom[^2] == '}')
        {
            string name = atom[1..^2];
            string? value = atom[^1] switch
            {
                'i' => e.RequestHeader(name.ToLowerInvariant()),
                'o' => e.ResponseHeader(name.ToLowerInvariant()),
                'e' => e.Environ?.GetValueOrDefault(name),
                _ => null,
            };
            return value ?? "-";
        }
        return "-";
    }

    /// <summary>
    /// gunicorn's atoms dict for <paramref name="e"/> (Logger.atoms), for a Python access record's
    /// args: the fixed atoms (B, T, D and M as numbers), then "{name}i" and "{name}o" for every
    /// header and "{name}e" for the environ keys the format names, lower-cased.
    /// </summary>
    public static IEnumerable<(string Key, string? Text, long Number)> Atoms(AccessLogEntry e)
    {
        foreach (string atom in TextAtoms)
        {
            yield return (atom, Atom(atom, e), 0);
        }
        yield return ("B", null, e.BytesSent);
        yield return ("T", null, (long)e.Duration.TotalSeconds);
        yield return ("D", null, e.Duration.Ticks / 10);
        yield return ("M", null, (long)e.Duration.TotalMilliseconds);
        foreach (KeyValuePair<string, string> h in e.RequestHeaders())
        {
            yield return ($"{{{h.Key.ToLowerInvariant()}}}i", h.Value, 0);
        }
        foreach (KeyValuePair<string, string> h in e.ResponseHeaders())
        {
            yield return ($"{{{h.Key.ToLowerInvariant()}}}o", h.Value, 0);
        }
        foreach (KeyValuePair<string, string> v in e.Environ ?? new Dictionary<string, string>())
        {
            yield return ($"{{{v.Key.ToLowerInvariant()}}}e", v.Value, 0);
        }
    }

    /// <summary>gunicorn's %(u)s: the user name of HTTP Basic auth, else "-".</summary>
    internal static string User(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return "-";
        }
        try
        {
            string decoded = Encoding.Latin1.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            int colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon >= 0 ? decoded[..colon] : "-";
        }
        catch (FormatException)
        {
            return "-";
        }
    }

    /// <summary>gunicorn's %(t)s: "[21/Nov/2026:23:50:00 +0000]".</summary>
    private static string RequestTime(DateTimeOffset t)
    {
        TimeSpan off = t.Offset;
        char sign = off < TimeSpan.Zero ? '-' : '+';
        off = off.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"[{t.Day:00}/{Months[t.Month - 1]}/{t.Year:0000}:{t:HH:mm:ss} {sign}{off.Hours:00}{off.Minutes:00}]");
    }
}
