namespace Sharpicorn.Tests.TestUtilities;

/// <summary>
/// A fresh directory any user can read and enter (0755, and every directory above it lets others
/// through), for an app served by a worker that has dropped to another user (-u nobody). The
/// repository itself may sit under a 0700 directory (a clone in a `mktemp -d` directory), and
/// Directory.CreateTempSubdirectory makes 0700 directories, so neither will do.
/// </summary>
public sealed class WorldReadableDirectory : IDisposable
{
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public WorldReadableDirectory()
    {
        // $TMPDIR may itself be private; /tmp (1777) always lets others through.
        string parent = OthersCanEnter(Path.GetTempPath()) ? Path.GetTempPath() : "/tmp";
        FullName = Path.Combine(parent, "sharpicorn-world-" + Guid.NewGuid().ToString("N"));
        // Created with its mode, not chmod-ed afterwards, and set again in case the umask took bits away.
        Directory.CreateDirectory(FullName, DirMode);
        File.SetUnixFileMode(FullName, DirMode);
        if (!OthersCanEnter(FullName))
        {
            throw new InvalidOperationException($"{FullName} is not readable by other users");
        }
    }

    public string FullName { get; }

    /// <summary>Copies a file into the directory, readable by everyone (0644).</summary>
    public string Copy(string source)
    {
        string target = Path.Combine(FullName, Path.GetFileName(source));
        File.Copy(source, target, overwrite: true);
        File.SetUnixFileMode(target, FileMode);
        return target;
    }

    /// <summary>Copies a directory's files (not its subdirectories) into a new subdirectory; executables stay executable (0755).</summary>
    public string CopyFiles(string sourceDir, string name)
    {
        string target = Path.Combine(FullName, name);
        Directory.CreateDirectory(target, DirMode);
        File.SetUnixFileMode(target, DirMode);
        foreach (string file in Directory.GetFiles(sourceDir))
        {
            string copy = Path.Combine(target, Path.GetFileName(file));
            File.Copy(file, copy, overwrite: true);
            File.SetUnixFileMode(copy, File.GetUnixFileMode(file).HasFlag(UnixFileMode.UserExecute) ? DirMode : FileMode);
        }
        return target;
    }

    /// <summary>True when every directory from / down to <paramref name="dir"/> grants others read and execute.</summary>
    public static bool OthersCanEnter(string dir)
    {
        string full = Path.GetFullPath(dir);
        if (!File.GetUnixFileMode(full).HasFlag(UnixFileMode.OtherRead))
        {
            return false;
        }
        for (string? d = full; d is not null; d = Path.GetDirectoryName(d))
        {
            if (!File.GetUnixFileMode(d).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }
        return true;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullName, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
