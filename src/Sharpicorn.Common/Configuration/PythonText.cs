using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sharpicorn.Configuration;

/// <summary>Python's str() and repr() of the values gunicorn prints, and the JSON a config file's values arrive as.</summary>
internal static class PythonText
{
    /// <summary>repr() of a str: single quotes unless the text holds one and no double quote; what str.isprintable() refuses in latin-1 (C0, DEL, C1, the soft hyphen) as \xNN.</summary>
    public static string Repr(string value)
    {
        char quote = value.Contains('\'', StringComparison.Ordinal) && !value.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var sb = new StringBuilder(value.Length + 2).Append(quote);
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => sb.Append(@"\\"),
                '\n' => sb.Append(@"\n"),
                '\r' => sb.Append(@"\r"),
                '\t' => sb.Append(@"\t"),
                _ when c == quote => sb.Append('\\').Append(c),
                _ when c < ' ' || c is >= '\x7f' and <= '\xa0' || c == '\xad' => sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => sb.Append(c),
            };
        }
        return sb.Append(quote).ToString();
    }

    /// <summary>repr() of a bytes object: b'...', every byte outside printable ASCII as \xNN.</summary>
    public static string BytesRepr(ReadOnlySpan<byte> bytes)
    {
        char quote = bytes.Contains((byte)'\'') && !bytes.Contains((byte)'"') ? '"' : '\'';
        var sb = new StringBuilder(bytes.Length + 3).Append('b').Append(quote);
        foreach (byte b in bytes)
        {
            _ = b switch
            {
                (byte)'\\' => sb.Append(@"\\"),
                (byte)'\n' => sb.Append(@"\n"),
                (byte)'\r' => sb.Append(@"\r"),
                (byte)'\t' => sb.Append(@"\t"),
                _ when b == quote => sb.Append('\\').Append(quote),
                < 0x20 or >= 0x7f => sb.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}"),
                _ => sb.Append((char)b),
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
