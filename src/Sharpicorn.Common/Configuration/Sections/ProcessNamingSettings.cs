namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Process Naming" section.</summary>
internal static class ProcessNamingSettings
{
    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "proc_name", Section = Section.ProcessNaming, Flags = ["-n", "--name"], Meta = "STRING",
            Help = "The name in process titles: \"sharpicorn: master [NAME]\".",
            Default = null, DefaultOrigin = "gunicorn's default (the app module names the process)",
            Set = (s, v) => s.ProcName = v, Get = s => s.ProcName,
            Notes = "Titles start with `sharpicorn:` where gunicorn's start with `gunicorn:`.",
        },
        new StringSetting
        {
            Name = "default_proc_name", Section = Section.ProcessNaming,
            Help = "gunicorn's internal fallback for proc_name, set from the app module.",
            Default = "gunicorn", DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.AcceptedWithWarning,
            Reason = "has no effect: process titles fall back to the app module",
            Show = s => s.Values.TryGetValue("default_proc_name", out object? v) ? (string?)v ?? "None" : s.AppModule ?? "gunicorn",
        },
    ];
}
