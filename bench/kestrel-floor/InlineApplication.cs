using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace KestrelFloor;

/// <summary>Answers on Kestrel's thread: the cost of Kestrel alone.</summary>
internal sealed class InlineApplication : IHttpApplication<IFeatureCollection>
{
    public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

    public Task ProcessRequestAsync(IFeatureCollection context)
    {
        Hello.Write(context, Hello.Body);
        return Task.CompletedTask;
    }

    public void DisposeContext(IFeatureCollection context, Exception? exception)
    {
    }
}
