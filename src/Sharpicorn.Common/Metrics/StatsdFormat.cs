using System.Globalization;
using System.Text;

namespace Sharpicorn.Metrics;

/// <summary>
/// gunicorn's statsd datagrams, byte for byte (gunicorn/instrument/statsd.py):
/// "{prefix}{name}:{value}|c|@1.0" for counters, "|g" gauges, "|ms" timers, "|h" histograms,
/// then "|#{dogstatsd_tags}" when tags are set.
/// </summary>
internal static class StatsdFormat
{
    /// <summary>
    /// gunicorn's prefix rule, re.sub(r"^(.+[^.]+)\.*$", r"\g&lt;1&gt;.", prefix): trailing dots
    /// become exactly one, but only when at least two characters are left before them, so ""
    /// stays "", "a" stays "a" (no dot) and "a." stays "a.".
    /// </summary>
    public static string Prefix(string prefix)
    {
        // The regex's "." does not match a newline and "$" may match before a final one: a
        // prefix with a line break is left alone, as gunicorn's substitution then fails too
        // in every case that matters for a metric name.
        if (prefix.Contains('\n', StringComparison.Ordinal))
        {
            return prefix;
        }
        string stem = prefix.TrimEnd('.');
        return stem.Length >= 2 ? stem + "." : prefix;
    }

    /// <summary>A counter with gunicorn's sampling rate of 1.0.</summary>
    public static string Counter(string prefix, string name, long value, string tags) =>
        Line(prefix, name, value.ToString(CultureInfo.InvariantCulture), "|c|@1.0", tags);

    public static string Gauge(string prefix, string name, long value, string tags) =>
        Line(prefix, name, value.ToString(CultureInfo.InvariantCulture), "|g", tags);

    public static string Histogram(string prefix, string name, long value, string tags) =>
        Line(prefix, name, value.ToString(CultureInfo.InvariantCulture), "|h", tags);

    public static string Timer(string prefix, string name, double milliseconds, string tags) =>
        Line(prefix, name, PythonFloat(milliseconds), "|ms", tags);

    /// <summary>
    /// gunicorn's request.duration value: request_time.seconds * 1000 + microseconds / 10**3, a
    /// Python float of whole microseconds (timedelta's resolution), so 1.5 s is "1500.0".
    /// </summary>
    public static double DurationMs(TimeSpan duration)
    {
        long micros = duration.Ticks / 10;
        long seconds = micros / 1_000_000, rest = micros % 1_000_000;
        return (seconds * 1000) + (rest / 1000.0);
    }

    /// <summary>Python's repr of a float in the range a duration takes: the shortest round-trip digits, with ".0" on whole numbers.</summary>
    public static string PythonFloat(double value)
    {
        Span<byte> buf = stackalloc byte[32];
        int n = WritePythonFloat(value, buf);
        return Encoding.ASCII.GetString(buf[..n]);
    }

    /// <summary>Writes <see cref="PythonFloat"/>'s text as ASCII; the span must hold 32 bytes.</summary>
    public static int WritePythonFloat(double value, Span<byte> destination)
    {
        // .NET's default double format is the shortest round-trip one, as Python's repr; they
        // differ only in the exponent forms (below 1e-4 or from 1e15), which a duration in
        // whole microseconds never reaches.
        value.TryFormat(destination, out int n, default, CultureInfo.InvariantCulture);
        if (destination[..n].IndexOfAny((byte)'.', (byte)'E') < 0)
        {
            destination[n++] = (byte)'.';
            destination[n++] = (byte)'0';
        }
        return n;
    }

    private static string Line(string prefix, string name, string value, string type, string tags) =>
        tags.Length == 0 ? $"{prefix}{name}:{value}{type}" : $"{prefix}{name}:{value}{type}|#{tags}";
}
