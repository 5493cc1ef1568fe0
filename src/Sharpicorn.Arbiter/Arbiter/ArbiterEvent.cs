using Sharpicorn.Protocol;

namespace Sharpicorn.Arbiter;

/// <summary>
/// One thing that happened, queued for the arbiter's loop: signal handlers, pipe readers and
/// exit watchers only enqueue these. A worker is named by its age, which is never reused.
/// </summary>
internal readonly record struct ArbiterEvent(ArbiterEventKind Kind, int Signal = 0, int Age = 0, WorkerMessage Message = default, long Payload = 0, string? File = null, WorkerStats? Stats = null, Action? Run = null);
