namespace Sharpicorn.Wsgi;

/// <summary>
/// PATH_INFO and QUERY_STRING from the raw request target, as gunicorn derives them: the path
/// of an origin-form or absolute-form target, the query without the fragment, and the path
/// percent-decoded to bytes (urllib's unquote_to_bytes), each byte one latin-1 char.
/// </summary>
internal static class RequestTarget
{
    public static (string Path, string Query) Split(string raw)
    {
        string rest = raw;
        if (!rest.StartsWith('/') && rest.Contains("://", StringComparison.Ordinal))
        {
            // absolute-form: scheme://authority/path?query
            int authority = rest.IndexOf("://", StringComparison.Ordinal) + 3;
            int slash = rest.IndexOfAny(['/', '?', '#'], authority);
            rest = slash < 0 ? "" : rest[slash..];
        }
        int hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            rest = rest[..hash];
        }
        int q = rest.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? (rest, "") : (rest[..q], rest[(q + 1)..]);
    }

    /// <summary>Decodes %XX escapes into bytes; a '%' not followed by two hex digits stays as it is.</summary>
    public static int PercentDecode(ReadOnlySpan<char> path, Span<byte> into)
    {
        int o = 0;
        for (int i = 0; i < path.Length; i++)
        {
            char c = path[i];
            if (c == '%' && i + 2 < path.Length
                && Hex(path[i + 1]) is int hi && Hex(path[i + 2]) is int lo)
            {
                into[o++] = (byte)((hi << 4) | lo);
                i += 2;
            }
            else
            {
                into[o++] = (byte)c;
            }
        }
        return o;
    }

    private static int? Hex(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => null,
    };
}
