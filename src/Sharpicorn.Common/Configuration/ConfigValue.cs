namespace Sharpicorn.Configuration;

/// <summary>
/// How the config-file script marks values JSON has no type for: a class object becomes
/// {"__class__": "module.Name"}, a function {"__callable__": "qualname"}.
/// </summary>
internal static class ConfigValue
{
    public const string ClassKey = "__class__";
    public const string CallableKey = "__callable__";
}
