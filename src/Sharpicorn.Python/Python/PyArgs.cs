namespace Sharpicorn.Python;

/// <summary>A vectorcall's arguments (METH_FASTCALL | METH_KEYWORDS), borrowed for the call.</summary>
internal readonly ref struct PyArgs(ReadOnlySpan<nint> positional, nint keywordNames, ReadOnlySpan<nint> keywordValues)
{
    public ReadOnlySpan<nint> Positional { get; } = positional;

    /// <summary>A tuple of the keyword names, or 0 when there are none.</summary>
    public nint KeywordNames { get; } = keywordNames;

    public ReadOnlySpan<nint> KeywordValues { get; } = keywordValues;
}
