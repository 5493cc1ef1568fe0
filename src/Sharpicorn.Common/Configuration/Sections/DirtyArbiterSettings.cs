namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Dirty Arbiters" and "Dirty Arbiter Hooks" sections (gunicorn 25's pool for long-running tasks).</summary>
internal static class DirtyArbiterSettings
{
    private const string Dirty = "a dirty app subclasses gunicorn.dirty.DirtyApp and its workers are called through gunicorn.dirty's client and binary protocol: gunicorn's own Python package, which sharpicorn does not ship, so there is nothing for such an app to import or be driven by";
    private const string DirtyInstead = "Run long tasks in a task queue (Celery, RQ) or a thread the app starts";

    public static readonly Setting[] All =
    [
        new ListSetting
        {
            Name = "dirty_apps", Section = Section.DirtyArbiters, Flags = ["--dirty-app"], Meta = "STRING",
            Help = "Apps (MODULE:CLASS) to load in the dirty worker pool. Repeatable.",
            Default = [], DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Reason = Dirty, Instead = DirtyInstead,
        },
        Int("dirty_workers", "--dirty-workers", "The number of dirty worker processes.", 0),
        Int("dirty_timeout", "--dirty-timeout", "Seconds a dirty task may run.", 300),
        Int("dirty_threads", "--dirty-threads", "Threads per dirty worker.", 1),
        Int("dirty_graceful_timeout", "--dirty-graceful-timeout", "Seconds dirty workers get to finish on shutdown.", 30),
        ServerHookSettings.Hook("on_dirty_starting", "OnDirtyStarting.on_dirty_starting", "arbiter", "Called just before the dirty arbiter starts.", Dirty, DirtyInstead, Section.DirtyArbiterHooks, planned: false),
        ServerHookSettings.Hook("dirty_post_fork", "DirtyPostFork.dirty_post_fork", "arbiter, worker", "Called just after a dirty worker was forked.", Dirty, DirtyInstead, Section.DirtyArbiterHooks, planned: false),
        ServerHookSettings.Hook("dirty_worker_init", "DirtyWorkerInit.dirty_worker_init", "worker", "Called after a dirty worker loaded its apps.", Dirty, DirtyInstead, Section.DirtyArbiterHooks, planned: false),
        ServerHookSettings.Hook("dirty_worker_exit", "DirtyWorkerExit.dirty_worker_exit", "arbiter, worker", "Called when a dirty worker exited.", Dirty, DirtyInstead, Section.DirtyArbiterHooks, planned: false),
    ];

    private static IntSetting Int(string name, string flag, string help, int gunicornDefault) => new()
    {
        Name = name,
        Section = Section.DirtyArbiters,
        Flags = [flag],
        Meta = "INT",
        Help = help,
        Default = gunicornDefault,
        DefaultOrigin = "gunicorn's default",
        Status = SettingStatus.Refused,
        Reason = Dirty,
        Instead = DirtyInstead,
    };
}
