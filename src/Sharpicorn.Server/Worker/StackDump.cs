using System.Globalization;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Worker;

/// <summary>
/// The Python stacks of busy request threads, with the request each one serves. Taking a stack
/// needs the GIL; a thread stuck in C code may hold it forever, so the work runs on a helper
/// thread and the caller waits a bounded time.
/// </summary>
internal static class StackDump
{
    /// <summary>How long to wait for the GIL before reporting that a thread holds it (a guard, not a measurement).</summary>
    private static readonly TimeSpan GilWait = TimeSpan.FromSeconds(2);

    public static string Describe(PythonWorker thread, WsgiRequest request)
    {
        double seconds = (Environment.TickCount64 - request.StartTick) / 1000.0;
        return string.Create(CultureInfo.InvariantCulture, $"thread {thread.Name} serving {request.Method} {request.RawTarget} for {seconds:0.0} s");
    }

    /// <summary>The stack of one thread, or a line saying why there is none.</summary>
    public static string Stack(PythonWorkerPool pool, PythonWorker thread) =>
        WithGil(() => StackUnderGil(pool, thread)) ?? "  (no stack: the GIL was not released within 2 s; a thread is stuck in C code holding it)\n";

    /// <summary>
    /// The stack of <paramref name="thread"/>, then RequestTimeout raised inside it at its next
    /// bytecode, under one hold of the GIL: the stack is where the thread was stuck, and once the
    /// caller logs it the interrupt is in place. Null if the GIL could not be had (nothing raised).
    /// </summary>
    public static string? StackThenInterrupt(PythonWorkerPool pool, PythonWorker thread, WsgiRequest request) =>
        WithGil(() =>
        {
            string stack = StackUnderGil(pool, thread);
            // A thread changes requests only with the GIL: if this one is still current, the
            // exception lands in it and not in the next request.
            if (ReferenceEquals(thread.Current, request))
            {
                CPython.PyThreadState_SetAsyncExc(thread.ThreadIdent, pool.App.RequestTimeoutType);
            }
            return stack;
        });

    private static string StackUnderGil(PythonWorkerPool pool, PythonWorker thread)
    {
        using OwnedRef ident = CPython.PyLong_FromLongLong((long)thread.ThreadIdent);
        using OwnedRef stack = PyCall.One(pool.App.StackOf, ident.Handle);
        if (stack.IsNull)
        {
            return "  (no stack: " + PythonException.FetchPending().Message + ")\n";
        }
        return stack.Handle == CPython.Py_None ? "  (the thread has no Python frame)\n" : PyStr.ToStringOrEmpty(stack.Handle);
    }

    /// <summary>
    /// Runs <paramref name="work"/> with the GIL on a helper thread and waits for it at most
    /// <see cref="GilWait"/>; null when the GIL was not had by then (the helper still waits for
    /// it in the background and its result is dropped).
    /// </summary>
    public static T? WithGil<T>(Func<T?> work)
        where T : class
    {
        T? result = null;
        var t = new Thread(() =>
        {
            using GilScope gil = GilScope.Acquire();
            result = work();
        })
        {
            IsBackground = true,
            Name = "stack-dump",
        };
        t.Start();
        return t.Join(GilWait) ? result : null;
    }
}
