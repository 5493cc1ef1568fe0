using Sharpicorn.Configuration;

namespace Sharpicorn.Cli;

/// <summary>One source of flags (the command line or GUNICORN_CMD_ARGS), converted and validated but not applied yet.</summary>
internal sealed class ParsedArguments
{
    /// <summary>Each setting given, with its value (an appended list holds every occurrence), in the order first given.</summary>
    public List<KeyValuePair<Setting, object?>> Values { get; } = [];

    public List<string> Positionals { get; } = [];

    public bool Help { get; set; }

    public bool Version { get; set; }

    public object? this[Setting setting] => Values.Find(kv => kv.Key == setting).Value;

    public bool Has(Setting setting) => Values.Exists(kv => kv.Key == setting);

    public void Add(Setting setting, object? value)
    {
        int i = Values.FindIndex(kv => kv.Key == setting);
        if (i < 0)
        {
            Values.Add(new(setting, value));
        }
        else
        {
            Values[i] = new(setting, setting.Merge(Values[i].Value, value));
        }
    }
}
