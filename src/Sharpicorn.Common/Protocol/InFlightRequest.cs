namespace Sharpicorn.Protocol;

/// <summary>A request a worker's thread is running: its method, path and start (monotonic ms, <see cref="Platform.MonotonicClock"/>).</summary>
internal readonly record struct InFlightRequest(string Method, string Path, long StartedAt);
