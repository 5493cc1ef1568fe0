using Sharpicorn.Cli;

namespace Sharpicorn.Tests.Cli;

public sealed class AsgiSettingsTests
{
    private static ServerSettings Parse(params string[] args) => CommandLine.Parse(args, _ => null);

    [Theory]
    [InlineData("asgi")]
    [InlineData("uvicorn.workers.UvicornWorker")]
    [InlineData("uvicorn_worker.UvicornWorker")]
    public void WorkerClass_AsgiSpellings_AreSharpicornsAsgi(string workerClass)
    {
        ServerSettings s = Parse("-k", workerClass, "app:app");
        Assert.Equal("asgi", s.WorkerClass);
        Assert.True(s.ForcesAsgi);
        Assert.Empty(s.Warnings);
    }

    [Fact]
    public void Interface_Default_IsAutoAndForcesNothing()
    {
        ServerSettings s = Parse("app:app");
        Assert.Equal("auto", s.Interface);
        Assert.False(s.ForcesAsgi);
    }

    [Fact]
    public void AsgiSettings_Given_AreApplied()
    {
        ServerSettings s = Parse("--interface", "ASGI", "--asgi-loop", "asyncio", "--asgi-lifespan", "off", "--root-path", "/api",
            "--asgi-disconnect-grace-period", "5", "--websocket-max-message-size", "1024", "app:app");
        Assert.True(s.ForcesAsgi);
        Assert.Equal("asyncio", s.AsgiLoop);
        Assert.Equal("off", s.AsgiLifespan);
        Assert.Equal("/api", s.RootPath);
        Assert.Equal(5, s.AsgiDisconnectGracePeriod);
        Assert.Equal(1024, s.WebsocketMaxMessageSize);
        Assert.Empty(s.Warnings);
    }

    [Fact]
    public void WebsocketMaxMessageSize_Default_Is16MiB() => Assert.Equal(16 * 1024 * 1024, Parse("app:app").WebsocketMaxMessageSize);
}
