namespace Sharpicorn.Control;

/// <summary>gunicornc's ControlClientError: the message is what the client prints after "Error: ".</summary>
internal sealed class ControlClientException : Exception
{
    public ControlClientException()
    {
    }

    public ControlClientException(string message)
        : base(message)
    {
    }

    public ControlClientException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
