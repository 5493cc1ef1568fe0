using System.Text.Json;
using Sharpicorn.Cli;

namespace Sharpicorn.Configuration;

/// <summary>
/// One setting, declared once: its gunicorn name and flags, type and validator, default and where
/// that default comes from, help text, and what sharpicorn does with it. The command line,
/// GUNICORN_CMD_ARGS, the config-file reader, --print-config, --help and the docs are all built
/// from these declarations (<see cref="SettingsRegistry"/>).
/// </summary>
internal abstract class Setting
{
    /// <summary>gunicorn's name, as a config file and --print-config spell it.</summary>
    public required string Name { get; init; }

    /// <summary>gunicorn's section (<see cref="Configuration.Section"/>).</summary>
    public required string Section { get; init; }

    /// <summary>The command-line flags, short first, aliases included; empty for config-file-only settings.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>The value's placeholder in --help (argparse's metavar).</summary>
    public string? Meta { get; init; }

    /// <summary>One line: what the setting does.</summary>
    public required string Help { get; init; }

    /// <summary>Where the default comes from ("gunicorn's default", or why sharpicorn's own differs).</summary>
    public required string DefaultOrigin { get; init; }

    /// <summary>The default as the docs show it, when it depends on the environment (cwd, $PORT, the current user).</summary>
    public string? DefaultDoc { get; init; }

    public SettingStatus Status { get; init; } = SettingStatus.Supported;

    /// <summary>For a refused or warned setting: why a non-default value is not honoured. A clause, no final period.</summary>
    public string? Reason { get; init; }

    /// <summary>What sharpicorn does instead, when there is something to say. A sentence, no final period.</summary>
    public string? Instead { get; init; }

    /// <summary>For a supported setting: how sharpicorn's behaviour differs from gunicorn's, for the docs.</summary>
    public string? Notes { get; init; }

    /// <summary>Refused for now, but planned (TLS, HTTP/2, PROXY, server hooks): the refusal says "yet".</summary>
    public bool Planned { get; init; }

    /// <summary>sharpicorn's own setting, not one of gunicorn's.</summary>
    public bool SharpicornOnly { get; init; }

    /// <summary>The warning for this setting is logged by the code that would use it, not at startup.</summary>
    public bool WarnsItself { get; init; }

    /// <summary>A refused value that changes nothing given the other settings (gunicorn ignores it there too), so it is accepted.</summary>
    public Func<ServerSettings, bool>? Harmless { get; init; }

    public virtual CliAction Action => CliAction.Store;

    /// <summary>"int", "string", ...: the type as the docs name it.</summary>
    public abstract string TypeName { get; }

    /// <summary>The default as gunicorn prints it (Python's str()).</summary>
    public abstract string DefaultText { get; }

    /// <summary>"-b/--bind", argparse's label in errors; the name for a config-file-only setting.</summary>
    public string Label => Flags.Count > 0 ? string.Join('/', Flags) : Name;

    public bool IsHook => Section is Configuration.Section.ServerHooks or Configuration.Section.DirtyArbiterHooks;

    /// <summary>Converts and validates one command-line value (or, for a switch, null). Throws <see cref="SettingException"/>.</summary>
    public abstract object? FromText(string? text);

    /// <summary>Converts and validates a value a config file set. Throws <see cref="SettingException"/>.</summary>
    public abstract object? FromJson(JsonElement value);

    /// <summary>Combines two occurrences of the flag in one source: the later wins, or both are kept for an appended list.</summary>
    public virtual object? Merge(object? previous, object? next) => next;

    /// <summary>Stores a converted value.</summary>
    public abstract void Assign(ServerSettings settings, object? value);

    /// <summary>Whether the current value is gunicorn's default.</summary>
    public abstract bool IsDefault(ServerSettings settings);

    /// <summary>The current value as --print-config shows it (Python's str()).</summary>
    public abstract string Print(ServerSettings settings);
}
