using System.Text.Json;

namespace Sharpicorn.Configuration;

/// <summary>A dict setting (gunicorn's validate_dict), config file only; nested values are kept as their JSON text.</summary>
internal sealed class DictSetting : Setting<IReadOnlyList<KeyValuePair<string, string>>>
{
    public override string TypeName => "dict";

    protected override IReadOnlyList<KeyValuePair<string, string>> ConvertText(string? text) =>
        throw new SettingException($"Value is not a dictionary: {text}");

    protected override IReadOnlyList<KeyValuePair<string, string>> ConvertJson(JsonElement value) => value.ValueKind == JsonValueKind.Object
        ? [.. value.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.GetRawText()))]
        : throw new SettingException($"Value is not a dictionary: {PythonText.Scalar(value)}");

    protected override string FormatValue(IReadOnlyList<KeyValuePair<string, string>> value) =>
        "{" + string.Join(", ", value.Select(kv => $"{PythonText.Repr(kv.Key)}: {PythonText.Repr(kv.Value)}")) + "}";

    protected override bool Same(IReadOnlyList<KeyValuePair<string, string>> a, IReadOnlyList<KeyValuePair<string, string>> b) => a.SequenceEqual(b);
}
