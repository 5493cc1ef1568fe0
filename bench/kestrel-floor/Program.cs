// Design notes
// ------------
// The floor of sharpicorn's design: Kestrel driven directly through IHttpApplication (no
// WebHost, no middleware, as src/Sharpicorn.Server/Http/KestrelFront.cs does), answering the
// 13 bytes bench/apps/hello.py answers, with the same headers (Content-Type: text/plain,
// Content-Length: 13, Kestrel's Date, no Server header). What sharpicorn adds on top (its
// connection middleware, head checks, accept gate, environ, access log, stats) is deliberately
// left out: whatever a variant here costs, sharpicorn cannot cost less.
//
//   --mode inline   answer on Kestrel's own thread: the cost of Kestrel alone.
//   --mode handoff  hand every request to one of N dedicated threads and back, with the same
//                   hand-off sharpicorn's PythonWorkerPool uses (a lock, a Stack of idle
//                   threads, a ManualResetEventSlim with spinCount 0 per thread, a
//                   TaskCompletionSource with RunContinuationsAsynchronously per request):
//                   Kestrel plus the cost of the hand-off alone.
//   --mode python   handoff, plus on the dedicated thread one GIL acquisition and a call of a
//                   Python function returning the body bytes (libpython through function
//                   pointers), released once per request as sharpicorn's threads do.
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KestrelFloor;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        FloorOptions? options = FloorOptions.Parse(args, out string? error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync("kestrel-floor: " + error + "\n" + FloorOptions.Usage).ConfigureAwait(false);
            return 2;
        }
        var kestrel = new KestrelServerOptions
        {
            AddServerHeader = false,
            AllowSynchronousIO = false,
            ApplicationServices = EmptyServiceProvider.Instance,
        };
        kestrel.Listen(new IPEndPoint(IPAddress.Loopback, options.Port), o => o.Protocols = HttpProtocols.Http1);
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        using var server = new KestrelServer(Options.Create(kestrel), transport, NullLoggerFactory.Instance);

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.TrySetResult();
        });
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.TrySetResult();
        });

        if (options.Mode == FloorMode.Inline)
        {
            await server.StartAsync(new InlineApplication(), CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            PythonHello? python = options.Mode == FloorMode.Python ? PythonHello.Start(options.LibPython, options.PythonHome) : null;
            var pool = new HandoffPool(options.Threads, python);
            pool.Start();
            await server.StartAsync(new HandoffApplication(pool), CancellationToken.None).ConfigureAwait(false);
        }
        Console.WriteLine($"kestrel-floor: listening on 127.0.0.1:{options.Port} ({options.Describe()})");
        await stop.Task.ConfigureAwait(false);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await server.StopAsync(grace.Token).ConfigureAwait(false);
        return 0;
    }
}
