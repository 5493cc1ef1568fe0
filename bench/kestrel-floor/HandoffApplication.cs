using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace KestrelFloor;

/// <summary>Queues each request for a dedicated thread and gives Kestrel the task that thread completes.</summary>
internal sealed class HandoffApplication(HandoffPool pool) : IHttpApplication<FloorRequest>
{
    public FloorRequest CreateContext(IFeatureCollection contextFeatures) => new(contextFeatures);

    public Task ProcessRequestAsync(FloorRequest context)
    {
        pool.Dispatch(context);
        return context.Completion.Task;
    }

    public void DisposeContext(FloorRequest context, Exception? exception)
    {
    }
}
