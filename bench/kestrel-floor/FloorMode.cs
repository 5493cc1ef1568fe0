namespace KestrelFloor;

internal enum FloorMode
{
    /// <summary>Answer on Kestrel's thread.</summary>
    Inline,

    /// <summary>Answer on a dedicated thread after sharpicorn's kind of hand-off.</summary>
    Handoff,

    /// <summary>Hand-off plus one GIL hold and a trivial Python call per request.</summary>
    Python,
}
