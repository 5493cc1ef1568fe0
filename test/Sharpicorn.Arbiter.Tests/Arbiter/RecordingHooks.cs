using Sharpicorn.Arbiter;
using Sharpicorn.Cli;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>Master hooks that only record each call, in order, as "name(args)".</summary>
internal sealed class RecordingHooks : IArbiterHooks
{
    public List<string> Calls { get; } = [];

    public void PreFork(int age) => Calls.Add($"pre_fork({age})");

    public void Spawned(int age, int pid) => Calls.Add($"spawned({age})");

    public void Aborted(int pid) => Calls.Add($"aborted({pid})");

    public void ChildExit(int pid) => Calls.Add($"child_exit({pid})");

    public void NumWorkersChanged(int newValue, int? oldValue) => Calls.Add($"nworkers_changed({newValue}, {oldValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None"})");

    public void Reloaded(ServerSettings settings) => Calls.Add("reloaded");

    public void OnReload() => Calls.Add("on_reload");

    public void PreExec() => Calls.Add("pre_exec");

    public void OnExit() => Calls.Add("on_exit");
}
