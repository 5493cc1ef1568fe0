using System.Text.Json;

namespace Sharpicorn.Configuration;

/// <summary>A str setting (gunicorn's validate_string and friends); None is null.</summary>
internal sealed class StringSetting : Setting<string?>
{
    /// <summary>The accepted values, as argparse's choices: anything else is "invalid choice".</summary>
    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>Compare choices ignoring case, and store them lower-cased.</summary>
    public bool IgnoreCase { get; init; }

    /// <summary>A comma-separated list, printed as a Python list (gunicorn's validate_string_to_addr_list and _to_list).</summary>
    public bool CommaList { get; init; }

    /// <summary>What a Python bool in a config file means (False, True), for a setting whose validator maps it (gunicorn's validate_http2_cleartext); null: a bool is its str().</summary>
    public (string False, string True)? BoolMeans { get; init; }

    /// <summary>Where an optional-value flag is given bare, the value it means (argparse const).</summary>
    public string? Const { get; init; }

    public override CliAction Action => Const is null ? CliAction.Store : CliAction.OptionalValue;

    public override string TypeName => CommaList ? "comma-separated list" : Choices is null ? "string" : "choice";

    protected override string? ConvertText(string? text)
    {
        string value = text ?? Const ?? "";
        if (Choices is null)
        {
            return value;
        }
        string candidate = IgnoreCase ? value.ToLowerInvariant() : value;
        return Choices.Contains(candidate)
            ? candidate
            : throw new SettingException($"invalid choice: '{value}' (choose from {string.Join(", ", Choices)})");
    }

    protected override string? ConvertJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True when BoolMeans is { } b => ConvertText(b.True),
        JsonValueKind.False when BoolMeans is { } b => ConvertText(b.False),
        JsonValueKind.Array => ConvertText(string.Join(',', value.EnumerateArray().Select(PythonText.Scalar))),
        _ => ConvertText(PythonText.Scalar(value)),
    };

    protected override string FormatValue(string? value) => value is null ? "None"
        : CommaList ? PythonText.List(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        : value;
}
