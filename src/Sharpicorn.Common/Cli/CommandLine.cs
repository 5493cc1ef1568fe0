using System.Text;
using Sharpicorn.Configuration;

namespace Sharpicorn.Cli;

/// <summary>
/// gunicorn's configuration sources, in gunicorn's order of precedence: defaults (and
/// WEB_CONCURRENCY, FORWARDED_ALLOW_IPS, PORT), then the config file, then GUNICORN_CMD_ARGS,
/// then the command line. Every gunicorn setting is known (<see cref="SettingsRegistry"/>): a
/// supported one is applied, one set to a value sharpicorn cannot honour is refused with the
/// reason or warned about, never silently ignored.
/// </summary>
internal static class CommandLine
{
    public const string Usage = "usage: sharpicorn [OPTIONS] [APP_MODULE]";

    /// <summary>Reads the config file (when <paramref name="readConfig"/>), then GUNICORN_CMD_ARGS, then the command line. Throws <see cref="UsageException"/>.</summary>
    public static ServerSettings Parse(IReadOnlyList<string> args, Func<string, string?> env, bool readConfig = false) =>
        Parse(args, env, readConfig ? ConfigFile.Load : null);

    /// <summary>As <see cref="Parse(IReadOnlyList{string}, Func{string, string?}, bool)"/>, with the config-file loader (path, interpreter) given, so tests need no Python.</summary>
    internal static ServerSettings Parse(IReadOnlyList<string> args, Func<string, string?> env, Func<string, string?, List<(Setting Setting, object? Value)>>? loadConfig)
    {
        // gunicorn parses both lines before it runs the config file, so their errors come first.
        ParsedArguments cli = ArgumentParser.Parse(args);
        if (cli.Positionals.Count > 1)
        {
            throw new UsageException("unrecognized arguments: " + string.Join(' ', cli.Positionals.Skip(1)));
        }
        ParsedArguments? fromEnv = env("GUNICORN_CMD_ARGS") is { Length: > 0 } cmdArgs ? ArgumentParser.Parse(SplitShell(cmdArgs)) : null;
        if (fromEnv is { Positionals.Count: > 0 })
        {
            throw new UsageException("unrecognized arguments: " + string.Join(' ', fromEnv.Positionals));
        }

        var settings = new ServerSettings { ShowHelp = cli.Help, ShowVersion = cli.Version };
        if (settings.ShowHelp || settings.ShowVersion)
        {
            return settings;
        }
        if (env("WEB_CONCURRENCY") is { Length: > 0 } concurrency)
        {
            try
            {
                settings.Workers = (int)SettingsRegistry.Find("workers")!.FromText(concurrency)!;
            }
            catch (SettingException e)
            {
                throw new UsageException($"WEB_CONCURRENCY: {e.Message}", e);
            }
        }
        if (env("FORWARDED_ALLOW_IPS") is { Length: > 0 } allow)
        {
            settings.ForwardedAllowIps = allow;
        }
        if (loadConfig is not null && ConfigFile.Locate(cli, fromEnv) is string config)
        {
            Setting python = SettingsRegistry.Find("python")!;
            // The interpreter that runs the file may itself be named on either line.
            string? interpreter = (string?)(cli.Has(python) ? cli[python] : fromEnv?[python]);
            foreach ((Setting setting, object? value) in loadConfig(config, interpreter))
            {
                Assign(settings, setting, value, config);
            }
        }
        foreach (ParsedArguments source in fromEnv is null ? [cli] : new[] { fromEnv, cli })
        {
            foreach ((Setting setting, object? value) in source.Values)
            {
                Assign(settings, setting, value, null);
            }
        }
        if (cli.Positionals.Count == 1)
        {
            // The positional APP_MODULE wins over the config file's wsgi_app, as in gunicorn.
            settings.AppModule = cli.Positionals[0];
        }
        if (settings.Bind.Count == 0)
        {
            settings.Bind.Add(env("PORT") is { Length: > 0 } port ? "0.0.0.0:" + port : "127.0.0.1:8000");
        }
        Check(settings);
        return settings;
    }

    private static void Assign(ServerSettings settings, Setting setting, object? value, string? file)
    {
        setting.Assign(settings, value);
        settings.SetBy[setting.Name] = file;
    }

    /// <summary>Refuses a refused setting left at a value other than gunicorn's default; collects the warnings for warned ones.</summary>
    private static void Check(ServerSettings settings)
    {
        foreach ((string name, string? file) in settings.SetBy)
        {
            Setting setting = SettingsRegistry.Find(name)!;
            if (setting.Status == SettingStatus.Supported || setting.IsDefault(settings) || (setting.Harmless?.Invoke(settings) ?? false))
            {
                continue;
            }
            if (setting.Status == SettingStatus.Refused)
            {
                throw new UsageException(Refusal(setting, file));
            }
            if (!setting.WarnsItself)
            {
                settings.Warnings.Add(file is null
                    ? $"{setting.Label}{(setting.Action == CliAction.Switch ? "" : " " + setting.Print(settings))} {setting.Reason}"
                    : $"{file}: {setting.Name} = {setting.Print(settings)} {setting.Reason}");
            }
        }
    }

    /// <summary>"--statsd-host: statsd metrics are not supported yet. Remove it to start sharpicorn.", or the config file's form of it.</summary>
    internal static string Refusal(Setting setting, string? file)
    {
        string instead = setting.Instead is null ? "" : $" {setting.Instead}.";
        if (file is null)
        {
            return $"{setting.Label}: {setting.Reason}. Remove it to start sharpicorn.{instead}";
        }
        string reason = char.ToUpperInvariant(setting.Reason![0]) + setting.Reason[1..];
        return $"{file}: {(setting.IsHook ? "server hook" : "setting")} '{setting.Name}' is not supported by sharpicorn{(setting.Planned ? " yet" : "")}. {reason}. Remove it to start sharpicorn.{instead}";
    }

    /// <summary>shlex-like split for GUNICORN_CMD_ARGS: whitespace, single and double quotes.</summary>
    internal static List<string> SplitShell(string text)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            result.Add(current.ToString());
        }
        return result;
    }

    /// <summary>argparse's help layout: the flags that work, each with its help and default, then the gunicorn flags that are refused.</summary>
    public static string Help()
    {
        var sb = new StringBuilder();
        sb.Append(Usage).Append("\n\nA WSGI HTTP server: gunicorn's command line on Kestrel and embedded CPython.\n\n");
        sb.Append("positional arguments:\n  APP_MODULE            A WSGI application, as MODULE:VARIABLE or MODULE:FACTORY(ARGS).\n\noptions:\n");
        sb.Append("  -h, --help            show this help message and exit\n  -v, --version         show program's version number and exit\n");
        foreach (Setting s in SettingsRegistry.All.Where(s => s.Flags.Count > 0 && s.Status != SettingStatus.Refused))
        {
            string names = string.Join(", ", s.Flags.Select(n => s.Action == CliAction.Switch ? n : n + " " + (s.Meta ?? s.Name.ToUpperInvariant())));
            string help = s.Status == SettingStatus.AcceptedWithWarning ? $"Accepted, but it {s.Reason}." : s.Help;
            sb.Append("  ").Append(names.PadRight(22)).Append(names.Length >= 22 ? "\n" + new string(' ', 24) : "")
                .Append(help).Append(" [").Append(s.DefaultDoc ?? s.DefaultText).Append("]\n");
        }
        sb.Append("\ngunicorn flags sharpicorn refuses unless given gunicorn's default (docs/gunicorn-compat.md says why):\n");
        string refused = string.Join(", ", SettingsRegistry.All.Where(s => s.Status == SettingStatus.Refused).SelectMany(s => s.Flags));
        foreach (string line in Wrap(refused, 76))
        {
            sb.Append("  ").Append(line).Append('\n');
        }
        return sb.ToString();
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (string word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString().TrimEnd();
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : "").Append(word);
        }
        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}
