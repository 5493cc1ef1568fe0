using System.Text;
using System.Text.RegularExpressions;

namespace Sharpicorn.Arbiter;

/// <summary>
/// A reload_extra_files glob, read as Python's glob.glob(pattern, recursive=True) reads it:
/// <c>*</c> and <c>?</c> stay within one path segment, <c>[...]</c> is a set (<c>[!...]</c> its
/// complement), <c>**</c> as a whole segment spans any number of directories, and a wildcard never
/// matches a name starting with '.'. Matched against absolute paths; built once, without reflection
/// (the regex is interpreted, not compiled).
/// </summary>
internal sealed class GlobPattern
{
    private readonly Regex _regex;

    public GlobPattern(string pattern, string startDirectory)
    {
        string full = Path.GetFullPath(pattern, startDirectory);
        string[] segments = full.Split('/');
        int first = Array.FindIndex(segments, IsPattern);
        BaseDirectory = string.Join('/', segments[..first]);
        if (BaseDirectory.Length == 0)
        {
            BaseDirectory = "/";
        }
        string[] rest = segments[first..];
        Recursive = rest.Length > 1;
        var re = new StringBuilder("^").Append(Regex.Escape(BaseDirectory.TrimEnd('/') + "/"));
        for (int i = 0; i < rest.Length; i++)
        {
            bool last = i == rest.Length - 1;
            if (rest[i] == "**")
            {
                re.Append(last ? "(?!\\.)[^/]+(?:/(?!\\.)[^/]+)*" : "(?:(?!\\.)[^/]+/)*");
                continue;
            }
            Segment(re, rest[i]);
            if (!last)
            {
                re.Append('/');
            }
        }
        _regex = new Regex(re.Append('$').ToString(), RegexOptions.CultureInvariant);
    }

    /// <summary>The deepest directory without a wildcard: everything the pattern can match is under it.</summary>
    public string BaseDirectory { get; }

    /// <summary>Whether matches may lie below <see cref="BaseDirectory"/>'s own entries.</summary>
    public bool Recursive { get; }

    /// <summary>gunicorn's util.is_glob_pattern: any of <c>*</c>, <c>?</c>, <c>[</c>.</summary>
    public static bool IsPattern(string entry) => entry.AsSpan().IndexOfAny("*?[") >= 0;

    public bool IsMatch(string path) => _regex.IsMatch(path);

    /// <summary>The files that match now (expanded again on every check, so files created later count).</summary>
    public IEnumerable<string> Expand() => !Directory.Exists(BaseDirectory) ? []
        : Directory.EnumerateFiles(BaseDirectory, "*", new EnumerationOptions { RecurseSubdirectories = Recursive, IgnoreInaccessible = true, AttributesToSkip = 0 })
            .Where(IsMatch);

    private static void Segment(StringBuilder re, string segment)
    {
        if (segment.Length > 0 && segment[0] is '*' or '?' or '[')
        {
            re.Append("(?!\\.)");
        }
        for (int i = 0; i < segment.Length; i++)
        {
            char c = segment[i];
            int close = c == '[' ? segment.IndexOf(']', i + 2) : -1;
            if (c == '*')
            {
                re.Append("[^/]*");
            }
            else if (c == '?')
            {
                re.Append("[^/]");
            }
            else if (close > i)
            {
                string set = segment[(i + 1)..close];
                bool negate = set.StartsWith('!');
                re.Append(negate ? "[^/" : "[").Append(Regex.Escape(negate ? set[1..] : set).Replace("]", "\\]", StringComparison.Ordinal)).Append(']');
                i = close;
            }
            else
            {
                re.Append(Regex.Escape(c.ToString()));
            }
        }
    }
}
