using Sharpicorn.Logging;
using Sharpicorn.Python;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>
/// One interpreter per test process (CPython cannot be re-initialised), Debian's python3, with
/// apps/inproc_app.py loaded and one Python request thread serving it. Requests go in through
/// fake features and come back as bytes, with no socket and no Kestrel.
/// </summary>
public sealed class WsgiFixture : IDisposable
{
    private static readonly TimeSpan RequestLimit = TimeSpan.FromSeconds(30);

    public WsgiFixture()
    {
        LogPath = Path.Combine(Path.GetTempPath(), "sharpicorn-wsgi-tests-" + Environment.ProcessId + ".log");
        Log = new ErrorLog(LogPath, LogLevel.Debug);
        string apps = Path.Combine(AppContext.BaseDirectory, "apps");
        PythonRuntime.Initialize(InterpreterInfo.Probe(TestUtilities.Repo.DebianPython), [apps], ["tests"]);
        WsgiApp app;
        using (GilScope.Acquire())
        {
            app = WsgiApp.Load("inproc_app:app", WriteErrors);
        }
        Pool = new PythonWorkerPool(app, new WorkerSettings { ErrorLog = Log, ServerSoftware = "sharpicorn/test" });
        Pool.Start();
    }

    /// <summary>Where wsgi.errors text goes: the error log unless a test swaps in another writer.</summary>
    internal Action<string>? ErrorsWriter { get; set; }

    private void WriteErrors(string text)
    {
        if (ErrorsWriter is { } writer)
        {
            writer(text);
        }
        else
        {
            Log.Raw(text);
        }
    }

    public string LogPath { get; }

    internal ErrorLog Log { get; }

    internal PythonWorkerPool Pool { get; }

    /// <summary>Runs one request to completion; false if the worker ended it by aborting the connection.</summary>
    internal bool Run(FakeRequest request)
    {
        Pool.Dispatch(request.Request);
        Task completion = request.Request.Completion.Task;
        Assert.True(((IAsyncResult)completion).AsyncWaitHandle.WaitOne(RequestLimit), "the request did not complete");
        return completion.IsCompletedSuccessfully;
    }

    internal static IReadOnlyList<byte[]> Whole(string body) => [System.Text.Encoding.Latin1.GetBytes(body)];

    /// <summary>The error log so far.</summary>
    public string LogText()
    {
        using var s = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    public void Dispose()
    {
        Log.Dispose();
        File.Delete(LogPath);
    }
}

[CollectionDefinition("wsgi")]
public sealed class WsgiCollection : ICollectionFixture<WsgiFixture>;
