using Microsoft.AspNetCore.Http.Features;

namespace KestrelFloor;

/// <summary>One request in flight between Kestrel and a dedicated thread: a new one per request, as sharpicorn's WsgiRequest.</summary>
internal sealed class FloorRequest(IFeatureCollection features)
{
    public IFeatureCollection Features { get; } = features;

    /// <summary>Completed by the dedicated thread; Kestrel's continuation runs on the pool, never on that thread.</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
