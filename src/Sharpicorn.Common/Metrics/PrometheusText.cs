// Design notes
// ------------
// The Prometheus text exposition format (version 0.0.4), written by hand: the master is small
// and has no DI container for a metrics SDK. Rules kept here (and checked by the tests):
// metric and label names match [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]*; each
// family has one # HELP and one # TYPE line before its samples, all its samples together;
// help text escapes \ and newline, label values escape \, " and newline; values are Go-style
// floats (+Inf, -Inf, NaN); histogram buckets are cumulative, end with le="+Inf", and that
// bucket equals _count; lines end with \n.
using System.Globalization;
using System.Text;

namespace Sharpicorn.Metrics;

/// <summary>Writes metric families in Prometheus's text format.</summary>
internal sealed class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _out = new();

    /// <summary>Starts a family: its # HELP and # TYPE lines (type: counter, gauge, histogram).</summary>
    public void Family(string name, string type, string help)
    {
        _out.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _out.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>One sample; <paramref name="labels"/> are name/value pairs.</summary>
    public void Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        _out.Append(name);
        if (labels.Length > 0)
        {
            _out.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    _out.Append(',');
                }
                _out.Append(labels[i].Name).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }
            _out.Append('}');
        }
        _out.Append(' ').Append(Value(value)).Append('\n');
    }

    /// <summary>A histogram's samples from per-bucket (not cumulative) counts; the last count is the +Inf bucket.</summary>
    public void Histogram(string name, double[] bounds, long[] counts, double sum)
    {
        long cumulative = 0;
        for (int i = 0; i < bounds.Length; i++)
        {
            cumulative += counts[i];
            Sample(name + "_bucket", cumulative, ("le", Value(bounds[i])));
        }
        cumulative += counts[bounds.Length];
        Sample(name + "_bucket", cumulative, ("le", "+Inf"));
        Sample(name + "_sum", sum);
        Sample(name + "_count", cumulative);
    }

    public override string ToString() => _out.ToString();

    /// <summary>Go's strconv.FormatFloat(v, 'g', -1, 64) as Prometheus clients write it, with +Inf/-Inf/NaN.</summary>
    public static string Value(double v)
    {
        if (double.IsPositiveInfinity(v))
        {
            return "+Inf";
        }
        if (double.IsNegativeInfinity(v))
        {
            return "-Inf";
        }
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        return v.ToString("R", CultureInfo.InvariantCulture);
    }

    private static string EscapeLabel(string v) =>
        v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
