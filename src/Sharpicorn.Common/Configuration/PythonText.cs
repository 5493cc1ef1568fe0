using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sharpicorn.Configuration;

/// <summary>Python's str() and repr() of the values gunicorn prints, and the JSON a config file's values arrive as.</summary>
internal static class PythonText
{
    /// <summary>repr() of a str: single quotes unless the text holds one and no double quote.</summary>
    public static string Repr(string value)
    {
        char quote = value.Contains('\'', StringComparison.Ordinal) && !value.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => sb.Append(@"\\"),
                '\n' => sb.Append(@"\n"),
                '\r' => sb.Append(@"\r"),
                '\t' => sb.Append(@"\t"),
                _ when c == quote => sb.Append('\\').Append(c),
                _ => sb.Append(c),
            };
        }
        return sb.Append(quote).ToString();
    }

    /// <summary>str() of a list of str.</summary>
    public static string List(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Repr)) + "]";

    public static string Bool(bool value) => value ? "True" : "False";

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A JSON scalar as the text a command line would have carried.</summary>
    public static string Scalar(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString() ?? "",
        JsonValueKind.Number => v.TryGetInt64(out long l) ? l.ToString(CultureInfo.InvariantCulture) : ((long)v.GetDouble()).ToString(CultureInfo.InvariantCulture),
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Null => "None",
        JsonValueKind.Object when v.TryGetProperty(ConfigValue.ClassKey, out JsonElement c) => c.GetString() ?? "",
        JsonValueKind.Object when v.TryGetProperty(ConfigValue.CallableKey, out JsonElement c) => c.GetString() ?? "",
        _ => v.GetRawText(),
    };
}
