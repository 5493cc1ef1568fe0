using System.Globalization;
using System.Text.Json;

namespace Sharpicorn.Configuration;

/// <summary>An int setting (gunicorn's validate_pos_int), with a lower bound.</summary>
internal sealed class IntSetting : Setting<int>
{
    /// <summary>The smallest value accepted; 0 as gunicorn's validate_pos_int unless a setting needs more.</summary>
    public int Min { get; init; }

    /// <summary>Read as Python's int(x, 0) (gunicorn's auto_int): 0o22, 0x12, 18, and a bare leading 0 as octal.</summary>
    public bool AutoInt { get; init; }

    public override string TypeName => "int";

    protected override int ConvertText(string? text)
    {
        string value = text ?? "";
        int n = AutoInt ? ParseAuto(value) : int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int parsed)
            ? parsed
            : throw new SettingException($"invalid int value: '{value}'");
        return n >= Min ? n : throw new SettingException($"must be at least {Min}, not {n}");
    }

    protected override int ConvertJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => ConvertText(PythonText.Scalar(value)),
        JsonValueKind.True => ConvertText("1"),
        JsonValueKind.False => ConvertText("0"),
        JsonValueKind.String => ConvertText(value.GetString()),
        _ => throw new SettingException($"invalid int value: {PythonText.Scalar(value)}"),
    };

    protected override string FormatValue(int value) => PythonText.Int(value);

    private static int ParseAuto(string value)
    {
        string v = value.Trim().ToLowerInvariant();
        try
        {
            return v.StartsWith("0o", StringComparison.Ordinal) ? Convert.ToInt32(v[2..], 8)
                : v.StartsWith("0x", StringComparison.Ordinal) ? Convert.ToInt32(v[2..], 16)
                : v.Length > 1 && v[0] == '0' ? Convert.ToInt32(v[1..], 8)
                : int.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new SettingException($"invalid auto_int value: '{value}'", e);
        }
    }
}
