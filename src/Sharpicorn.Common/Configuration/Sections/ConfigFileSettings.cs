namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Config File" section.</summary>
internal static class ConfigFileSettings
{
    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "config", Section = Section.ConfigFile, Flags = ["-c", "--config"], Meta = "CONFIG",
            Help = "The gunicorn config file to read: a path, or file:PATH.",
            Default = "./gunicorn.conf.py", DefaultOrigin = "gunicorn's default (read only when it exists)",
            Set = (s, v) => s.Config = v, Get = s => s.Config ?? "./gunicorn.conf.py",
            Notes = "The file is run by the target Python in a subprocess and its plain values (str, int, float, bool, list, dict, None), classes and functions are read back. `python:MODULE` configs are refused.",
        },
        new StringSetting
        {
            Name = "wsgi_app", Section = Section.ConfigFile,
            Help = "The WSGI application, MODULE:VARIABLE, when APP_MODULE is not given.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.AppModule = v, Get = s => s.AppModule,
            Notes = "A positional APP_MODULE on the command line wins over it, as in gunicorn.",
        },
    ];
}
