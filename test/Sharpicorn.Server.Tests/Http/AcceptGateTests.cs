using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Http;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Http;

/// <summary>The accept gate's arithmetic, without sockets: who may accept, and when max_requests stops a worker.</summary>
public sealed class AcceptGateTests
{
    private static readonly Func<bool> Running = () => false;

    /// <summary>A request as Kestrel hands it over: its features fall back to its connection's (the gate's marker).</summary>
    private static WsgiRequest Request(FreshConnection? connection = null)
    {
        var f = new FeatureCollection();
        f.Set<IHttpRequestFeature>(new HttpRequestFeature());
        f.Set<IHttpResponseFeature>(new HttpResponseFeature());
        f.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        f.Set<IHttpConnectionFeature>(new HttpConnectionFeature());
        f.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature());
        if (connection is not null)
        {
            f.Set(connection);
        }
        return new WsgiRequest(f);
    }

    private static bool CanEnterNow(AcceptGate gate)
    {
        ValueTask<bool> t = gate.EnterAcceptAsync(Running, CancellationToken.None);
        return t.IsCompleted && t.Result;
    }

    [Fact]
    public async Task Sync_FreshConnectionHoldsTheSlot_UntilItsRequestCompletes()
    {
        var gate = new AcceptGate(sync: true, capacity: 1, maxRequests: 0, () => { });
        Assert.True(await gate.EnterAcceptAsync(Running, CancellationToken.None));
        FreshConnection c = gate.Accepted();

        // Kestrel asks again before the first request reached the pool: the slot is taken.
        ValueTask<bool> next = gate.EnterAcceptAsync(Running, CancellationToken.None);
        Assert.False(next.IsCompleted);
        gate.Dispatched(Request(c));
        Assert.False(next.IsCompleted);

        gate.Completed();
        Assert.True(await next);
    }

    [Fact]
    public async Task Sync_FreshConnectionClosesWithoutRequest_SlotReleased()
    {
        var gate = new AcceptGate(sync: true, capacity: 1, maxRequests: 0, () => { });
        Assert.True(await gate.EnterAcceptAsync(Running, CancellationToken.None));
        FreshConnection c = gate.Accepted();
        ValueTask<bool> next = gate.EnterAcceptAsync(Running, CancellationToken.None);

        gate.Closed(c);

        Assert.True(await next);
        Assert.Equal(0, gate.OpenConnections);
    }

    [Fact]
    public async Task Sync_FreshConnectionAnsweredByFront_SlotReleasedOnce()
    {
        var gate = new AcceptGate(sync: true, capacity: 1, maxRequests: 0, () => { });
        Assert.True(await gate.EnterAcceptAsync(Running, CancellationToken.None));
        FreshConnection c = gate.Accepted();
        ValueTask<bool> next = gate.EnterAcceptAsync(Running, CancellationToken.None);
        Assert.False(next.IsCompleted);

        // A health probe on a connection that stays open: no Python thread, so no slot.
        gate.AnsweredByFront(Request(c));
        Assert.True(await next);

        // Its close and a second probe give nothing back twice.
        gate.AcceptFailed();
        gate.AnsweredByFront(Request(c));
        gate.Closed(c);
        gate.Dispatched(Request());
        Assert.False(CanEnterNow(gate));
    }

    [Fact]
    public async Task Sync_IdleKeepAliveConnection_HoldsNoSlot()
    {
        var gate = new AcceptGate(sync: true, capacity: 1, maxRequests: 0, () => { });
        Assert.True(await gate.EnterAcceptAsync(Running, CancellationToken.None));
        FreshConnection c = gate.Accepted();
        gate.Dispatched(Request(c));
        gate.Completed();

        Assert.True(CanEnterNow(gate));
        // Its next request is an ordinary one: it takes a slot while it runs, and gives it back.
        gate.AcceptFailed();
        gate.Dispatched(Request(c));
        Assert.False(CanEnterNow(gate));
        gate.Completed();
        Assert.True(CanEnterNow(gate));
    }

    [Fact]
    public async Task Gthread_RequestsInProgressAtWorkerConnections_WaitsForACompletion()
    {
        var gate = new AcceptGate(sync: false, capacity: 2, maxRequests: 0, () => { });
        for (int i = 0; i < 2; i++)
        {
            Assert.True(await gate.EnterAcceptAsync(Running, CancellationToken.None));
            gate.Dispatched(Request(gate.Accepted()));
        }
        ValueTask<bool> next = gate.EnterAcceptAsync(Running, CancellationToken.None);
        Assert.False(next.IsCompleted);

        gate.Completed();

        Assert.True(await next);
    }

    [Fact]
    public async Task Gthread_IdleAndIncompleteConnections_DoNotCountAgainstWorkerConnections()
    {
        // A slowloris: many connections whose head never completes, so no request is dispatched.
        var gate = new AcceptGate(sync: false, capacity: 2, maxRequests: 0, () => { });
        for (int i = 0; i < 100; i++)
        {
            Assert.True(await gate.EnterAcceptAsync(Running, CancellationToken.None));
            gate.Accepted();
        }

        Assert.True(CanEnterNow(gate));
        Assert.Equal(100, gate.OpenConnections);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HardCap_OpenConnectionsAtCap_WaitsForAClose(bool sync)
    {
        var gate = new AcceptGate(sync, capacity: 1000, maxRequests: 0, () => { }, maxOpen: 3);
        var open = new List<FreshConnection>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await gate.EnterAcceptAsync(Running, CancellationToken.None));
            FreshConnection c = gate.Accepted();
            gate.Dispatched(Request(c));
            gate.Completed();
            open.Add(c);
        }
        ValueTask<bool> next = gate.EnterAcceptAsync(Running, CancellationToken.None);
        Assert.False(next.IsCompleted);

        gate.Closed(open[0]);

        Assert.True(await next);
    }

    [Theory]
    [InlineData(1024, 922)]
    [InlineData(20000, 18000)]
    [InlineData(100, 36)]
    [InlineData(int.MaxValue, int.MaxValue)]
    public void MaxOpenConnections_KeepsATenthOfTheDescriptors(int limit, int expected) =>
        Assert.Equal(expected, AcceptGate.MaxOpenConnections(limit));

    [Fact]
    public async Task Waiting_ListenerUnbound_AcceptLoopEnds()
    {
        var gate = new AcceptGate(sync: true, capacity: 1, maxRequests: 0, () => { });
        Assert.True(await gate.EnterAcceptAsync(Running, CancellationToken.None));
        gate.Accepted();
        bool unbound = false;
        ValueTask<bool> next = gate.EnterAcceptAsync(() => unbound, CancellationToken.None);

        unbound = true;
        gate.Wake();

        Assert.False(await next);
    }

    [Fact]
    public async Task MaxRequests_OneKeepAliveClient_StopsBeforeTheLimitAndNeverPastIt()
    {
        int reached = 0;
        var gate = new AcceptGate(sync: true, capacity: 1, maxRequests: 5, () => reached++);
        Assert.True(await gate.EnterAcceptAsync(Running, CancellationToken.None));
        FreshConnection c = gate.Accepted();
        int started = 0;
        while (!gate.Retired)
        {
            gate.Dispatched(Request(c));
            gate.Completed();
            started++;
        }
        // The open connection may still bring one request; the last response said close.
        Assert.Equal(4, started);
        Assert.Equal(1, reached);
        Assert.False(await gate.EnterAcceptAsync(Running, CancellationToken.None));
    }

    [Fact]
    public async Task MaxRequests_ManyConnections_StartedPlusOpenNeverExceedsTheLimit()
    {
        int reached = 0;
        var gate = new AcceptGate(sync: false, capacity: 1000, maxRequests: 10, () => reached++);
        var open = new List<FreshConnection>();
        while (await gate.EnterAcceptAsync(Running, CancellationToken.None))
        {
            open.Add(gate.Accepted());
        }
        Assert.Equal(10, open.Count);
        Assert.True(gate.Retired);

        // After the stop, each open connection brings at most one more request: 10 in all.
        foreach (FreshConnection c in open)
        {
            gate.Dispatched(Request(c));
        }
        Assert.Equal(1, reached);
    }

    [Fact]
    public void MaxRequests_Checkpoints_AtPowersOfTwo()
    {
        var seen = new List<long>();
        var gate = new AcceptGate(sync: false, capacity: 1000, maxRequests: 100, () => { }, seen.Add);
        for (int i = 0; i < 20; i++)
        {
            gate.Dispatched(Request());
        }
        Assert.Equal([1, 2, 4, 8, 16], seen);
    }
}
