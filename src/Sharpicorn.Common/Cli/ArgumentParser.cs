// Design notes
// ------------
// gunicorn's command line is Python's argparse, so this follows argparse's rules rather than
// inventing stricter ones: a long flag may be shortened to any unambiguous prefix
// ("--error-log" is --error-logfile); an ambiguous one is an error that lists the candidates;
// "--flag=value", "-bVALUE" and "-b VALUE" all work; a value that looks like a flag is not
// taken as one ("expected one argument"). An unknown flag is collected and reported by name
// after the whole line is read, and the word after it stays a positional, so
// "--bogus VALUE app:app" says "unrecognized arguments: --bogus", as argparse does.
using System.Text.RegularExpressions;
using Sharpicorn.Configuration;

namespace Sharpicorn.Cli;

/// <summary>gunicorn's command line, parsed by argparse's rules into one <see cref="ParsedArguments"/> per source.</summary>
internal static partial class ArgumentParser
{
    private const string Help = "--help";
    private const string Version = "--version";

    /// <summary>Every option string: the settings' flags, then -h/--help and -v/--version.</summary>
    private static readonly Dictionary<string, Setting?> Options = BuildOptions();

    /// <summary>The labels of the two flags that are not settings.</summary>
    private static readonly Dictionary<string, string> Builtins = new(StringComparer.Ordinal)
    {
        ["-h"] = Help,
        ["--help"] = Help,
        ["-v"] = Version,
        ["--version"] = Version,
    };

    public static ParsedArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new ParsedArguments();
        var unrecognized = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                parsed.Positionals.AddRange(args.Skip(i + 1));
                break;
            }
            if (!LooksLikeOption(arg))
            {
                parsed.Positionals.Add(arg);
                continue;
            }
            (string? option, string? explicitValue) = Resolve(arg);
            if (option is null)
            {
                if (arg.Contains(' ', StringComparison.Ordinal))
                {
                    parsed.Positionals.Add(arg);
                }
                else
                {
                    unrecognized.Add(arg);
                }
                continue;
            }
            if (Builtins.TryGetValue(option, out string? builtin))
            {
                _ = builtin == Help ? parsed.Help = true : parsed.Version = true;
                continue;
            }
            Setting setting = Options[option]!;
            string? text;
            switch (setting.Action)
            {
                case CliAction.Switch:
                    text = explicitValue is null ? null : throw new UsageException($"argument {setting.Label}: ignored explicit argument '{explicitValue}'");
                    break;
                case CliAction.OptionalValue:
                    text = explicitValue ?? (i + 1 < args.Count && !LooksLikeOption(args[i + 1]) ? args[++i] : null);
                    break;
                default:
                    text = explicitValue ?? (i + 1 < args.Count && !LooksLikeOption(args[i + 1])
                        ? args[++i]
                        : throw new UsageException($"argument {setting.Label}: expected one argument"));
                    break;
            }
            try
            {
                parsed.Add(setting, setting.FromText(text));
            }
            catch (SettingException e)
            {
                throw new UsageException($"argument {setting.Label}: {e.Message}", e);
            }
        }
        if (unrecognized.Count > 0)
        {
            throw new UsageException("unrecognized arguments: " + string.Join(' ', unrecognized));
        }
        return parsed;
    }

    /// <summary>Finds the option an argument names, with the value it carries inline; (null, null) for an unknown flag. argparse's _parse_optional.</summary>
    private static (string? Option, string? Value) Resolve(string arg)
    {
        if (Options.ContainsKey(arg))
        {
            return (arg, null);
        }
        int eq = arg.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0 && Options.ContainsKey(arg[..eq]))
        {
            return (arg[..eq], arg[(eq + 1)..]);
        }
        var matches = new List<(string Option, string? Value)>();
        if (arg.StartsWith("--", StringComparison.Ordinal))
        {
            string prefix = eq > 0 ? arg[..eq] : arg;
            string? value = eq > 0 ? arg[(eq + 1)..] : null;
            matches.AddRange(Options.Keys.Where(o => o.StartsWith(prefix, StringComparison.Ordinal)).Select(o => (o, value)));
        }
        else
        {
            // "-bVALUE": a short flag with its value attached; or a prefix of a long single-dash option (there are none).
            string shortOption = arg[..2];
            foreach (string o in Options.Keys)
            {
                if (o == shortOption)
                {
                    matches.Add((o, arg[2..]));
                }
                else if (o.StartsWith(arg, StringComparison.Ordinal))
                {
                    matches.Add((o, null));
                }
            }
        }
        return matches.Count switch
        {
            0 => (null, null),
            1 => matches[0],
            _ => throw new UsageException($"ambiguous option: {arg} could match {string.Join(", ", matches.Select(m => m.Option))}"),
        };
    }

    /// <summary>argparse's test for an 'O' argument: a dash, more than a dash, and not a negative number.</summary>
    private static bool LooksLikeOption(string arg) =>
        arg.Length > 1 && arg[0] == '-' && (Options.ContainsKey(arg) || !NegativeNumber().IsMatch(arg));

    private static Dictionary<string, Setting?> BuildOptions()
    {
        var options = new Dictionary<string, Setting?>(StringComparer.Ordinal);
        foreach (Setting s in SettingsRegistry.All)
        {
            foreach (string flag in s.Flags)
            {
                options.Add(flag, s);
            }
        }
        foreach (string builtin in new[] { "-h", "--help", "-v", "--version" })
        {
            options.Add(builtin, null);
        }
        return options;
    }

    [GeneratedRegex(@"^-\d+$|^-\d*\.\d+$")]
    private static partial Regex NegativeNumber();
}
