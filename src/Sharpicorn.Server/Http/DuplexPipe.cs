using System.IO.Pipelines;

namespace Sharpicorn.Http;

/// <summary>A connection's two directions, one of them replaced by a wrapper.</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
