namespace Sharpicorn.Http;

/// <summary>How far a PROXY header has been read.</summary>
internal enum ProxyParseStatus
{
    /// <summary>What arrived so far is a valid beginning; read more.</summary>
    NeedMore,

    /// <summary>A whole, valid header.</summary>
    Valid,

    /// <summary>Not a header this port accepts, or a malformed one.</summary>
    Invalid,
}
