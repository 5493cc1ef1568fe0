using Sharpicorn.Cli;

namespace Sharpicorn.Http;

/// <summary>
/// gunicorn's leniency switches that change a request head before Kestrel parses it
/// (<see cref="HeadScanner"/>). All off by default, and then nothing is rewritten.
/// </summary>
internal sealed record HeadRules
{
    /// <summary>casefold_http_method: the method is upper-cased in the line Kestrel is handed.</summary>
    public bool CasefoldMethod { get; init; }

    /// <summary>permit_unconventional_http_version: HTTP/x.y other than 1.0 and 1.1 is handed to Kestrel as 1.0 (below) or 1.1 (above).</summary>
    public bool PermitVersion { get; init; }

    /// <summary>strip_header_spaces: spaces and tabs between a header's name and its colon are removed.</summary>
    public bool StripHeaderSpaces { get; init; }

    /// <summary>permit_obsolete_folding: a continuation line is joined to its header with one space.</summary>
    public bool PermitFolding { get; init; }

    /// <summary>limit_request_field_size, measured on a folded field's lines as sent (gunicorn's header_length); 0 is none.</summary>
    public int LimitFieldSize { get; init; }

    /// <summary>gunicorn's max_buffer_headers (limit_request_fields × (limit_request_field_size + 2) + 4): a head still unfinished beyond it is left to Kestrel's own limits.</summary>
    public long MaxHeadBytes { get; init; } = (100L * 8192) + 4;

    /// <summary>Whether header lines (not only the request line) may need rewriting.</summary>
    public bool RewritesHeaders => StripHeaderSpaces || PermitFolding;

    /// <summary>Whether the request line may need rewriting beyond encoding its target.</summary>
    public bool RewritesLine => CasefoldMethod || PermitVersion;

    public static HeadRules From(ServerSettings s) => new()
    {
        CasefoldMethod = s.CasefoldHttpMethod,
        PermitVersion = s.PermitUnconventionalHttpVersion,
        StripHeaderSpaces = s.StripHeaderSpaces,
        PermitFolding = s.PermitObsoleteFolding,
        LimitFieldSize = s.LimitRequestFieldSize > 0 ? s.LimitRequestFieldSize : 8190,
        MaxHeadBytes = ((long)Math.Clamp(s.LimitRequestFields <= 0 ? 32768 : s.LimitRequestFields, 1, 32768) * ((s.LimitRequestFieldSize > 0 ? s.LimitRequestFieldSize : 8190) + 2)) + 4,
    };
}
