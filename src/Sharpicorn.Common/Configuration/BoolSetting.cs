using System.Text.Json;

namespace Sharpicorn.Configuration;

/// <summary>A bool setting (gunicorn's validate_bool); its flag, if any, is a switch that sets <see cref="SwitchValue"/>. None is null.</summary>
internal sealed class BoolSetting : Setting<bool?>
{
    /// <summary>What the flag sets: true for argparse's store_true, false for --no-sendfile's store_const.</summary>
    public bool SwitchValue { get; init; } = true;

    public override CliAction Action => CliAction.Switch;

    public override string TypeName => "bool";

    protected override bool? ConvertText(string? text) => text is null ? SwitchValue : Parse(text);

    protected override bool? ConvertJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.String => Parse(value.GetString() ?? ""),
        _ => throw new SettingException($"Invalid type for casting: {PythonText.Scalar(value)}"),
    };

    protected override string FormatValue(bool? value) => value is bool b ? PythonText.Bool(b) : "None";

    private static bool Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw new SettingException($"Invalid boolean: {text}"),
    };
}
