using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sharpicorn.Tests.TestUtilities;
using Xunit.Abstractions;

namespace Sharpicorn.Tests.Http;

/// <summary>
/// Connections that trickle a request head hold no Python thread and no worker_connections
/// slot: thousands of them do not keep a real client from being served (issue 9: 0 of 10 were).
/// </summary>
public sealed class SlowlorisTests(ITestOutputHelper output)
{
    private const int Trickling = 5000;
    private const int Batch = 250;

    [Fact]
    public async Task Slowloris_5000TricklingConnections_NormalRequestStillServed()
    {
        int fds = OpenFileSoftLimit();
        Assert.True(fds > Trickling + 200, $"this test needs {Trickling + 200} descriptors; the soft open-file limit is {fds} (ulimit -n)");
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        // The head timeout is long, so what is shown is the accept rule, not the timeout shedding them.
        using ServerProcess server = ServerProcess.Start(["-w", "2", "--threads", "4", "--header-timeout", "600", "--python", Repo.DebianPython, "wsgi_basic:app"]);
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        var sockets = new List<Socket>(Trickling);
        try
        {
            byte[] partial = Encoding.ASCII.GetBytes("GET /pid HTTP/1.1\r\nHost: t\r\n");
            while (sockets.Count < Trickling)
            {
                // Non-blocking connects, a batch at a time, then each sends the start of a head.
                Socket[] batch = [.. Enumerable.Range(0, Batch).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })];
                sockets.AddRange(batch);
                await Task.WhenAll(batch.Select(s => s.ConnectAsync(endPoint, deadline.Token).AsTask()));
                foreach (Socket s in batch)
                {
                    s.Send(partial);
                }
            }
            // A trickle: one more header line on every connection, its head still unfinished.
            byte[] more = Encoding.ASCII.GetBytes("X-Trickle: 1\r\n");
            foreach (Socket s in sockets)
            {
                s.Send(more);
            }

            var clock = Stopwatch.StartNew();
            HttpReply reply = await Task.Run(() => RawHttp.Get(server.Port, "/pid"), deadline.Token);
            clock.Stop();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"normal request answered in {clock.Elapsed.TotalMilliseconds:0} ms beside {Trickling} trickling connections"));

            Assert.Equal(200, reply.Status);
            // The trickling connections were held, not accepted and closed: none has an answer or an EOF.
            Assert.Equal(0, sockets.Count(s => s.Poll(0, SelectMode.SelectRead)));
        }
        finally
        {
            foreach (Socket s in sockets)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>This process's soft RLIMIT_NOFILE (the .NET runtime raises it to the hard limit at start).</summary>
    private static int OpenFileSoftLimit()
    {
        string line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        string soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return soft == "unlimited" ? int.MaxValue : int.Parse(soft, CultureInfo.InvariantCulture);
    }
}
