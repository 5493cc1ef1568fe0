using System.Text;

namespace Sharpicorn.Control;

/// <summary>
/// readline's everyday keys for `sharpicorn ctl`'s prompt on a terminal: arrows, Home/End,
/// history (Up/Down, kept in a file as gunicornc keeps ~/.gunicornc_history), Ctrl-A/E/U/K/W,
/// Ctrl-D on an empty line for end of input, Ctrl-C as KeyboardInterrupt. Off a terminal,
/// plain Console.ReadLine.
/// </summary>
internal sealed class LineEditor(string? historyFile)
{
    /// <summary>readline's default history length is unlimited; this keeps the file small.</summary>
    private const int MaxHistory = 1000;

    private readonly List<string> _history = Load(historyFile);

    /// <summary>A line, or null at end of input. Throws <see cref="OperationCanceledException"/> on Ctrl-C.</summary>
    public string? ReadLine(string prompt)
    {
        Console.Out.Write(prompt);
        Console.Out.Flush();
        if (Console.IsInputRedirected)
        {
            return Console.ReadLine();
        }
        bool treat = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            return Edit(prompt);
        }
        finally
        {
            Console.TreatControlCAsInput = treat;
        }
    }

    public void Remember(string line)
    {
        if (line.Length > 0 && (_history.Count == 0 || _history[^1] != line))
        {
            _history.Add(line);
            if (_history.Count > MaxHistory)
            {
                _history.RemoveAt(0);
            }
        }
    }

    public void Save()
    {
        if (historyFile is null)
        {
            return;
        }
        try
        {
            File.WriteAllLines(historyFile, _history);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // gunicornc ignores a history file it cannot write.
        }
    }

    private static List<string> Load(string? file)
    {
        try
        {
            return file is not null && File.Exists(file) ? [.. File.ReadAllLines(file).TakeLast(MaxHistory)] : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private string? Edit(string prompt)
    {
        var line = new StringBuilder();
        int cursor = 0;
        int recall = _history.Count;
        string draft = "";
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            bool ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Out.Write('\n');
                return line.ToString();
            }
            if (ctrl && key.Key == ConsoleKey.C)
            {
                Console.Out.Write('\n');
                throw new OperationCanceledException();
            }
            if (ctrl && key.Key == ConsoleKey.D)
            {
                if (line.Length == 0)
                {
                    return null;
                }
                if (cursor < line.Length)
                {
                    line.Remove(cursor, 1);
                }
            }
            else if (key.Key == ConsoleKey.Backspace)
            {
                if (cursor > 0)
                {
                    line.Remove(--cursor, 1);
                }
            }
            else if (key.Key == ConsoleKey.Delete)
            {
                if (cursor < line.Length)
                {
                    line.Remove(cursor, 1);
                }
            }
            else if (key.Key == ConsoleKey.LeftArrow || (ctrl && key.Key == ConsoleKey.B))
            {
                cursor = Math.Max(0, cursor - 1);
            }
            else if (key.Key == ConsoleKey.RightArrow || (ctrl && key.Key == ConsoleKey.F))
            {
                cursor = Math.Min(line.Length, cursor + 1);
            }
            else if (key.Key == ConsoleKey.Home || (ctrl && key.Key == ConsoleKey.A))
            {
                cursor = 0;
            }
            else if (key.Key == ConsoleKey.End || (ctrl && key.Key == ConsoleKey.E))
            {
                cursor = line.Length;
            }
            else if (ctrl && key.Key == ConsoleKey.U)
            {
                line.Remove(0, cursor);
                cursor = 0;
            }
            else if (ctrl && key.Key == ConsoleKey.K)
            {
                line.Length = cursor;
            }
            else if (ctrl && key.Key == ConsoleKey.W)
            {
                int start = cursor;
                while (start > 0 && line[start - 1] == ' ')
                {
                    start--;
                }
                while (start > 0 && line[start - 1] != ' ')
                {
                    start--;
                }
                line.Remove(start, cursor - start);
                cursor = start;
            }
            else if (key.Key is ConsoleKey.UpArrow or ConsoleKey.DownArrow || (ctrl && key.Key is ConsoleKey.P or ConsoleKey.N))
            {
                bool up = key.Key is ConsoleKey.UpArrow or ConsoleKey.P;
                if (recall == _history.Count)
                {
                    draft = line.ToString();
                }
                recall = Math.Clamp(recall + (up ? -1 : 1), 0, _history.Count);
                line.Clear().Append(recall == _history.Count ? draft : _history[recall]);
                cursor = line.Length;
            }
            else if (!ctrl && key.KeyChar >= ' ')
            {
                line.Insert(cursor++, key.KeyChar);
            }
            // Redraw the line and put the cursor back where it belongs.
            Console.Out.Write("\r" + prompt + line + "\x1b[K");
            if (line.Length > cursor)
            {
                Console.Out.Write($"\x1b[{line.Length - cursor}D");
            }
            Console.Out.Flush();
        }
    }
}
