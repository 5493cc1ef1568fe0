using System.Runtime.InteropServices;

namespace Sharpicorn.Platform;

/// <summary>
/// .NET-owned signal handlers that only hand the signal number on (the loop that owns the state
/// acts on it), plus signals that are swallowed so their default action (often: terminate)
/// never runs.
/// </summary>
internal sealed class SignalRegistrations(List<PosixSignalRegistration> registrations) : IDisposable
{
    public static SignalRegistrations Create(IEnumerable<int> handled, Action<int> onSignal, IEnumerable<int>? ignored = null)
    {
        var list = handled.Select(s => PosixSignalRegistration.Create((PosixSignal)s, ctx =>
        {
            ctx.Cancel = true;
            onSignal(s);
        })).ToList();
        list.AddRange((ignored ?? []).Select(s => PosixSignalRegistration.Create((PosixSignal)s, static ctx => ctx.Cancel = true)));
        return new SignalRegistrations(list);
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in registrations)
        {
            r.Dispose();
        }
    }
}
