using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sharpicorn.Control;

/// <summary>
/// gunicornc prints with Python's json.dumps(result, indent=2): two-space indent, ", "-free
/// line ends, ": " after keys, ensure_ascii escapes (\uXXXX, lowercase hex), "{}" and "[]" when
/// empty. Numbers are printed as the server wrote them (its floats are Python reprs already).
/// </summary>
internal static class PythonJson
{
    public static string Dumps(JsonElement e)
    {
        var sb = new StringBuilder();
        Write(sb, e, 0);
        return sb.ToString();
    }

    /// <summary>Python's repr of a float: shortest round-trip digits, always with a ".0" when integral.</summary>
    public static string Float(double v)
    {
        if (double.IsInfinity(v))
        {
            return v > 0 ? "Infinity" : "-Infinity";
        }
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E', StringComparison.Ordinal))
        {
            // Python: 1e-05, 1e+16.
            int e = s.IndexOf('E', StringComparison.Ordinal);
            string mantissa = s[..e];
            int exp = int.Parse(s.AsSpan(e + 1), CultureInfo.InvariantCulture);
            return mantissa + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }
        return s.Contains('.', StringComparison.Ordinal) ? s : s + ".0";
    }

    /// <summary>Python's round(x, 2) of a non-negative float, as the control socket's seconds are.</summary>
    public static double Round2(double v) => Math.Round(v, 2, MidpointRounding.ToEven);

    /// <summary>Python's str() of a JSON value: True/False/None, strings bare, numbers as written.</summary>
    public static string Str(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Null or JsonValueKind.Undefined => "None",
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number => e.GetRawText(),
        _ => Repr(e),
    };

    /// <summary>Python's repr() of a decoded JSON value (inside lists and dicts): strings quoted.</summary>
    public static string Repr(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => Configuration.PythonText.Repr(e.GetString()!),
        JsonValueKind.Array => "[" + string.Join(", ", e.EnumerateArray().Select(Repr)) + "]",
        JsonValueKind.Object => "{" + string.Join(", ", e.EnumerateObject().Select(p => Configuration.PythonText.Repr(p.Name) + ": " + Repr(p.Value))) + "}",
        _ => Str(e),
    };

    private static void Write(StringBuilder sb, JsonElement e, int depth)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                if (!e.EnumerateObject().Any())
                {
                    sb.Append("{}");
                    return;
                }
                sb.Append("{\n");
                bool first = true;
                foreach (JsonProperty p in e.EnumerateObject())
                {
                    if (!first)
                    {
                        sb.Append(",\n");
                    }
                    first = false;
                    sb.Append(' ', (depth + 1) * 2);
                    String(sb, p.Name);
                    sb.Append(": ");
                    Write(sb, p.Value, depth + 1);
                }
                sb.Append('\n').Append(' ', depth * 2).Append('}');
                return;
            case JsonValueKind.Array:
                if (e.GetArrayLength() == 0)
                {
                    sb.Append("[]");
                    return;
                }
                sb.Append("[\n");
                int i = 0;
                foreach (JsonElement item in e.EnumerateArray())
                {
                    if (i++ > 0)
                    {
                        sb.Append(",\n");
                    }
                    sb.Append(' ', (depth + 1) * 2);
                    Write(sb, item, depth + 1);
                }
                sb.Append('\n').Append(' ', depth * 2).Append(']');
                return;
            case JsonValueKind.String:
                String(sb, e.GetString()!);
                return;
            case JsonValueKind.True:
                sb.Append("true");
                return;
            case JsonValueKind.False:
                sb.Append("false");
                return;
            case JsonValueKind.Null:
                sb.Append("null");
                return;
            default:
                sb.Append(e.GetRawText());
                return;
        }
    }

    /// <summary>json.dumps' ensure_ascii string.</summary>
    private static void String(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }
}
