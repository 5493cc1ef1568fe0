namespace Sharpicorn.Configuration;

/// <summary>What sharpicorn does with a gunicorn setting.</summary>
internal enum SettingStatus
{
    /// <summary>Accepted and applied.</summary>
    Supported,

    /// <summary>Accepted, but a value other than gunicorn's default has no effect; a startup warning says so.</summary>
    AcceptedWithWarning,

    /// <summary>gunicorn's default value is accepted; any other value stops startup (exit 2) with the reason.</summary>
    Refused,
}
