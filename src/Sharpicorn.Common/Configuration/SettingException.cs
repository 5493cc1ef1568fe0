namespace Sharpicorn.Configuration;

/// <summary>A value a setting's validator refuses; the message is argparse's wording without the "argument X:" prefix.</summary>
internal sealed class SettingException : Exception
{
    public SettingException()
    {
    }

    public SettingException(string message)
        : base(message)
    {
    }

    public SettingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
