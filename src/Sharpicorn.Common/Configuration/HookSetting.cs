using System.Text.Json;

namespace Sharpicorn.Configuration;

/// <summary>A server hook: a callable a config file defines. The value is its qualified name; gunicorn's default is a no-op.</summary>
internal sealed class HookSetting : Setting<string>
{
    /// <summary>The hook's parameters, as gunicorn calls it ("server, worker").</summary>
    public required string Arguments { get; init; }

    public override string TypeName => "callable";

    protected override string ConvertText(string? text) => text ?? "";

    protected override string ConvertJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object when value.TryGetProperty(ConfigValue.CallableKey, out JsonElement q) => q.GetString() ?? Name,
        JsonValueKind.String => value.GetString() ?? "",
        _ => throw new SettingException($"Value is not callable: {PythonText.Scalar(value)}"),
    };

    protected override string FormatValue(string value) => $"<{value}()>";
}
