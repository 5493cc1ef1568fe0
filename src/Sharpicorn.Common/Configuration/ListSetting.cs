using System.Text.Json;

namespace Sharpicorn.Configuration;

/// <summary>A list of str (gunicorn's validate_list_string); its flag appends one item per occurrence.</summary>
internal sealed class ListSetting : Setting<IReadOnlyList<string>>
{
    /// <summary>Validates one item. Throws <see cref="SettingException"/>.</summary>
    public Func<string, string>? ValidateItem { get; init; }

    public override CliAction Action => CliAction.Append;

    public override string TypeName => "list of strings";

    public override object? Merge(object? previous, object? next) =>
        previous is IReadOnlyList<string> a && next is IReadOnlyList<string> b ? (IReadOnlyList<string>)[.. a, .. b] : next;

    protected override IReadOnlyList<string> ConvertText(string? text) => [Item(text ?? "")];

    protected override IReadOnlyList<string> ConvertJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => [],
        JsonValueKind.Array => [.. value.EnumerateArray().Select(v => Item(PythonText.Scalar(v)))],
        _ => [Item(PythonText.Scalar(value))],
    };

    protected override string FormatValue(IReadOnlyList<string> value) => PythonText.List(value);

    protected override bool Same(IReadOnlyList<string> a, IReadOnlyList<string> b) => a.SequenceEqual(b, StringComparer.Ordinal);

    private string Item(string item) => ValidateItem is null ? item : ValidateItem(item);
}
