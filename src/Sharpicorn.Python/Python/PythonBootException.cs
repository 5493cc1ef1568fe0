namespace Sharpicorn.Python;

/// <summary>Python could not be found, loaded or initialised: gunicorn's boot error (exit 3).</summary>
internal sealed class PythonBootException : Exception
{
    public PythonBootException()
    {
    }

    public PythonBootException(string message)
        : base(message)
    {
    }

    public PythonBootException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
