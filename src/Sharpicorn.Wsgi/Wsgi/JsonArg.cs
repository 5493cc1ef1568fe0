using System.Text.Json;

namespace Sharpicorn.Wsgi;

/// <summary>One argument of a <see cref="MasterHooks"/> event: an int, null, a string or a list of ints.</summary>
internal readonly struct JsonArg
{
    private readonly long? _number;
    private readonly string? _text;
    private readonly IReadOnlyList<int>? _list;

    private JsonArg(long? number, string? text, IReadOnlyList<int>? list)
    {
        _number = number;
        _text = text;
        _list = list;
    }

    public static JsonArg Null => default;

    public static JsonArg From(long? number) => new(number, null, null);

    public static JsonArg From(string text) => new(null, text, null);

    public static JsonArg From(IReadOnlyList<int> list) => new(null, null, list);

    public void Write(Utf8JsonWriter w)
    {
        if (_number is long n)
        {
            w.WriteNumberValue(n);
        }
        else if (_text is not null)
        {
            w.WriteStringValue(_text);
        }
        else if (_list is not null)
        {
            w.WriteStartArray();
            foreach (int i in _list)
            {
                w.WriteNumberValue(i);
            }
            w.WriteEndArray();
        }
        else
        {
            w.WriteNullValue();
        }
    }
}
