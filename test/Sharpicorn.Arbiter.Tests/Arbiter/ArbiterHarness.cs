using Microsoft.Extensions.Time.Testing;
using Sharpicorn.Arbiter;
using Sharpicorn.Cli;
using Sharpicorn.Logging;
using Sharpicorn.Platform;
using Sharpicorn.Protocol;
using ArbiterLoop = Sharpicorn.Arbiter.Arbiter;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>
/// An arbiter on fakes and a fake clock, driven one event at a time on the test's thread:
/// every test is deterministic and takes milliseconds, whatever timeouts it covers.
/// </summary>
internal sealed class ArbiterHarness : IDisposable
{
    private readonly string _logPath = Path.Combine(Path.GetTempPath(), $"sharpicorn-arbiter-{Guid.NewGuid():N}.log");
    private readonly ErrorLog _log;

    public ArbiterHarness(Action<ServerSettings>? configure = null, Func<ServerSettings>? reload = null, IArbiterHooks? hooks = null)
    {
        configure?.Invoke(Settings);
        _log = new ErrorLog(_logPath, LogLevel.Debug);
        Arbiter = new ArbiterLoop(Settings, _log, Processes, Time, reload ?? (() => Settings)) { Hooks = hooks };
    }

    public ServerSettings Settings { get; } = new();

    public FakeTimeProvider Time { get; } = new();

    public FakeProcessApi Processes { get; } = new();

    public ArbiterLoop Arbiter { get; }

    /// <summary>True once a Step said the arbiter is done.</summary>
    public bool Done { get; private set; }

    public string Log => File.ReadAllText(_logPath);

    public long NowMs => MonotonicClock.NowMs(Time);

    public IReadOnlyList<FakeChild> Spawned => Processes.Spawned;

    public FakeChild Worker(int age) => Processes.Spawned.Single(c => c.Age == age);

    public void Start() => Done = Arbiter.Start();

    public void Step(ArbiterEvent e)
    {
        Assert.False(Done, "the arbiter already stopped");
        Done = Arbiter.Step(e);
    }

    /// <summary>Moves the clock on, then lets the loop see a tick.</summary>
    public void Tick(TimeSpan advance)
    {
        Time.Advance(advance);
        Step(new ArbiterEvent(ArbiterEventKind.Tick));
    }

    /// <summary>Ticks every 500 ms (as the real loop does) until <paramref name="total"/> has passed.</summary>
    public void TickFor(TimeSpan total)
    {
        for (TimeSpan t = TimeSpan.Zero; t < total; t += TimeSpan.FromMilliseconds(500))
        {
            Tick(TimeSpan.FromMilliseconds(500));
        }
    }

    public void Signal(int signal) => Step(new ArbiterEvent(ArbiterEventKind.Signal, Signal: signal));

    public void Send(FakeChild worker, WorkerMessage message, long payload = 0) =>
        Step(new ArbiterEvent(ArbiterEventKind.Message, Age: worker.Age, Message: message, Payload: payload));

    public void Booted(FakeChild worker) => Send(worker, WorkerMessage.Booted);

    /// <summary>A heartbeat saying the worker made progress just now.</summary>
    public void Alive(FakeChild worker) => Send(worker, WorkerMessage.Heartbeat, NowMs);

    public void Exit(FakeChild worker, ChildExit exit)
    {
        worker.Exit = exit;
        Step(new ArbiterEvent(ArbiterEventKind.Exited, Age: worker.Age));
    }

    /// <summary>Starts the configured workers and reports each one booted.</summary>
    public void StartBooted()
    {
        Start();
        foreach (FakeChild c in Spawned.ToList())
        {
            Booted(c);
        }
    }

    public IReadOnlyList<int> SignalsTo(FakeChild worker) => Processes.SignalsTo(worker);

    public IReadOnlyList<FakeChild> Live => [.. Spawned.Where(c => c.Reaps == 0)];

    public void Dispose()
    {
        _log.Dispose();
        File.Delete(_logPath);
    }
}
