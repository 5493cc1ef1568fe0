// Design notes
// ------------
// ASGI's scope["headers"] is the request's fields "in the order they were received", a repeated
// field as separate pairs. Kestrel's header dictionary has neither: it enumerates its known
// headers first, in its own order, and files a repeated field's values under one key. So for
// HTTP/1.x the scope is built from the head's field lines as sent, which the front copies
// (HeadScanner) for ASGI workers. Kestrel has already accepted the head when they reach here,
// so every line is a valid field line, or (permit_obsolete_folding only) a continuation line:
//   - the name is what precedes the colon, less the spaces strip_header_spaces allows before it;
//   - the value is what follows, less leading and trailing spaces and tabs (RFC 9110 5.5), as
//     bytes: latin-1 as sent, never decoded;
//   - continuation lines join their field with one space, as the front hands them to Kestrel
//     (gunicorn's parse_headers): so a folded field is one pair, with the same value WSGI sees.
namespace Sharpicorn.Asgi;

/// <summary>Reads a request head's field lines as sent (each ending in CRLF, no empty line): one (name, value) per field, in order.</summary>
internal ref struct FieldLines
{
    /// <summary>RFC 9110's OWS: spaces and horizontal tabs.</summary>
    private static ReadOnlySpan<byte> Ows => " \t"u8;

    private ReadOnlySpan<byte> _rest;

    public FieldLines(ReadOnlySpan<byte> lines) => _rest = lines;

    /// <summary>The next field: its name as sent (case kept) and its value without surrounding whitespace, unfolded when it had continuation lines.</summary>
    public bool Next(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (!_rest.IsEmpty)
        {
            ReadOnlySpan<byte> line = TakeLine();
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || IsOws(line[0]))
            {
                // Not a field line; Kestrel accepts none, so this is only a guard.
                continue;
            }
            name = line[..colon].TrimEnd(Ows);
            value = line[(colon + 1)..];
            if (!_rest.IsEmpty && IsOws(_rest[0]))
            {
                value = Unfold(value);
            }
            value = value.Trim(Ows);
            return true;
        }
        name = default;
        value = default;
        return false;
    }

    private static bool IsOws(byte b) => b is (byte)' ' or (byte)'\t';

    private ReadOnlySpan<byte> TakeLine()
    {
        int crlf = _rest.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> line = crlf < 0 ? _rest : _rest[..crlf];
        _rest = crlf < 0 ? default : _rest[(crlf + 2)..];
        return line;
    }

    /// <summary>
    /// <paramref name="first"/> with the continuation lines that follow joined on: each time the
    /// value so far loses its trailing whitespace, then one space and the line without its own
    /// (what the front hands Kestrel with permit_obsolete_folding). Rare, so it allocates.
    /// </summary>
    private ReadOnlySpan<byte> Unfold(scoped ReadOnlySpan<byte> first)
    {
        // Each continuation line starts with whitespace, so " " + its trimmed text is never longer than it.
        byte[] joined = new byte[first.Length + _rest.Length];
        first.CopyTo(joined);
        int n = first.Length;
        while (!_rest.IsEmpty && IsOws(_rest[0]))
        {
            ReadOnlySpan<byte> part = TakeLine().Trim(Ows);
            n = joined.AsSpan(0, n).TrimEnd(Ows).Length;
            joined[n++] = (byte)' ';
            part.CopyTo(joined.AsSpan(n));
            n += part.Length;
        }
        return joined.AsSpan(0, n);
    }
}
