namespace Sharpicorn.Arbiter;

/// <summary>A worker process could not be started.</summary>
internal sealed class SpawnException : Exception
{
    public SpawnException()
    {
    }

    public SpawnException(string message)
        : base(message)
    {
    }

    public SpawnException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
