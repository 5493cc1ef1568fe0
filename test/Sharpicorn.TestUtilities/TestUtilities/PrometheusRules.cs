using System.Globalization;
using System.Text.RegularExpressions;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>
/// A checker for Prometheus's text exposition format: name and label syntax, one # HELP/# TYPE per
/// family before its samples, families not split, counters not negative, histogram buckets rising
/// and cumulative up to le="+Inf", which equals _count.
/// </summary>
public static partial class PrometheusRules
{
    public static List<string> Violations(string text)
    {
        var errors = new List<string>();
        if (!text.EndsWith('\n'))
        {
            errors.Add("the page must end with a newline");
        }
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var buckets = new Dictionary<string, List<(double Le, double Count)>>(StringComparer.Ordinal);
        var counts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                Match m = Comment().Match(line);
                if (!m.Success)
                {
                    errors.Add($"bad comment: {line}");
                    continue;
                }
                string name = m.Groups[2].Value;
                if (current is not null && current != name)
                {
                    closed.Add(current);
                }
                if (closed.Contains(name))
                {
                    errors.Add($"family {name} appears twice");
                }
                current = name;
                if (m.Groups[1].Value == "TYPE")
                {
                    types[name] = m.Groups[3].Value;
                }
                continue;
            }
            Match s = SampleLine().Match(line);
            if (!s.Success)
            {
                errors.Add($"bad sample: {line}");
                continue;
            }
            string sample = s.Groups[1].Value;
            string family = types.ContainsKey(sample) ? sample : Regex.Replace(sample, "_(bucket|sum|count)$", "");
            if (!types.TryGetValue(family, out string? type))
            {
                errors.Add($"sample without # TYPE: {line}");
                continue;
            }
            if (family != current)
            {
                errors.Add($"sample of {family} outside its group: {line}");
            }
            if (s.Groups[2].Success && !Labels().IsMatch(s.Groups[2].Value))
            {
                errors.Add($"bad labels: {line}");
            }
            double value = ParseValue(s.Groups[3].Value);
            if (type == "counter" && (value < 0 || double.IsNaN(value)))
            {
                errors.Add($"counter below zero: {line}");
            }
            if (type == "histogram" && sample.EndsWith("_bucket", StringComparison.Ordinal))
            {
                Match le = Regex.Match(s.Groups[2].Value, "le=\"([^\"]+)\"");
                buckets.TryAdd(family, []);
                buckets[family].Add((ParseValue(le.Groups[1].Value), value));
            }
            if (type == "histogram" && sample.EndsWith("_count", StringComparison.Ordinal))
            {
                counts[family] = value;
            }
        }
        foreach ((string family, List<(double Le, double Count)> list) in buckets)
        {
            for (int i = 1; i < list.Count; i++)
            {
                if (list[i].Le <= list[i - 1].Le || list[i].Count < list[i - 1].Count)
                {
                    errors.Add($"{family}: buckets must rise in le and be cumulative");
                }
            }
            if (!double.IsPositiveInfinity(list[^1].Le))
            {
                errors.Add($"{family}: the last bucket must be le=\"+Inf\"");
            }
            else if (!counts.TryGetValue(family, out double count) || count != list[^1].Count)
            {
                errors.Add($"{family}: _count must equal the +Inf bucket");
            }
        }
        return errors;
    }

    private static double ParseValue(string v) => v switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(v, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex("^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$")]
    private static partial Regex Comment();

    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? ([-+0-9.eE]+|\\+Inf|-Inf|NaN)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("^\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\")(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\")*\\}$")]
    private static partial Regex Labels();
}
