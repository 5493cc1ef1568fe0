using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Workers;

/// <summary>What a WSGI worker loads beyond the app: nothing an ASGI server would need.</summary>
public sealed class WorkerFootprintTests
{
    [Fact]
    public void WsgiWorker_InterfaceDetected_WithoutImportingAsyncio()
    {
        // Telling WSGI from ASGI used to import asyncio, which imports ssl: libcrypto and about
        // 9 MiB of RSS in every WSGI worker.
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:app"]);
        HttpReply reply = RawHttp.Get(s.Port, "/pid");
        Assert.Equal(200, reply.Status);
        int pid = JsonDocument.Parse(reply.Body).RootElement.GetProperty("pid").GetInt32();
        string maps = File.ReadAllText($"/proc/{pid}/maps");
        Assert.Contains("libpython", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("_asyncio.cpython", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("_ssl.cpython", maps, StringComparison.Ordinal);
    }
}
