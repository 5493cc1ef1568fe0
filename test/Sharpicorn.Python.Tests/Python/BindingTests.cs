using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Tests.Python;

[Collection("python")]
public sealed class BindingTests(PythonFixture fixture)
{
    private readonly PythonFixture _fixture = fixture;

    private static long RefCount(nint op) => CPython.Py_REFCNT(op);

    [Fact]
    public void OwnedRef_NewAndDispose_Balanced()
    {
        using GilScope gil = GilScope.Acquire();
        OwnedRef s = PyStr.FromString("a string no one else holds " + Guid.NewGuid());
        Assert.Equal(1, RefCount(s.Handle));
        OwnedRef second = s.Borrow().NewOwned();
        Assert.Equal(2, RefCount(s.Handle));
        second.Dispose();
        Assert.True(second.IsNull);
        Assert.Equal(1, RefCount(s.Handle));
        second.Dispose(); // a second Dispose is a no-op, not a double decref
        Assert.Equal(1, RefCount(s.Handle));
        s.Dispose();
    }

    [Fact]
    public void OwnedRef_Steal_TransfersOwnership()
    {
        using GilScope gil = GilScope.Acquire();
        using OwnedRef tuple = CPython.PyTuple_New(1).OrThrow();
        OwnedRef item = PyStr.FromString("stolen " + Guid.NewGuid());
        nint handle = item.Handle;
        CPython.PyTuple_SetItem(tuple.Handle, 0, item.Steal());
        Assert.True(item.IsNull);
        Assert.Equal(1, RefCount(handle));
    }

    [Fact]
    public void OwnedRef_MoveAndOrThrow_LeaveOneOwner()
    {
        using GilScope gil = GilScope.Acquire();
        OwnedRef first = PyStr.FromString("moved " + Guid.NewGuid());
        nint handle = first.Handle;
        using OwnedRef second = first.Move();
        Assert.True(first.IsNull);
        first.Dispose(); // nothing left to release
        using OwnedRef third = second.OrThrow();
        Assert.True(second.IsNull);
        Assert.Equal(handle, third.Handle);
        Assert.Equal(1, RefCount(handle));
    }

    [Fact]
    public void OrThrow_Null_ThrowsThePendingError()
    {
        using GilScope gil = GilScope.Acquire();
        var e = Assert.Throws<PythonException>(() =>
        {
            using OwnedRef missing = CPython.PyImport_ImportModule("no_such_module_here"u8).OrThrow();
        });
        Assert.Equal("ModuleNotFoundError", e.TypeName);
        Assert.True(CPython.PyErr_Occurred().IsNull);
    }

    [Fact]
    public void PyBytes_FilledThroughSpan_ReadBackThroughSpan()
    {
        using GilScope gil = GilScope.Acquire();
        using OwnedRef bytes = CPython.PyBytes_FromSize(5, out Span<byte> contents).OrThrow();
        "hello"u8.CopyTo(contents);
        Assert.True(CPython.PyBytes_AsStringAndSize(bytes.Handle, out ReadOnlySpan<byte> read));
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(read));
        using OwnedRef empty = CPython.PyBytes_FromStringAndSize([]).OrThrow();
        Assert.True(CPython.PyBytes_AsStringAndSize(empty.Handle, out ReadOnlySpan<byte> none));
        Assert.True(none.IsEmpty);
    }

    [Fact]
    public void PyList_SetItem_StealsTheItem()
    {
        using GilScope gil = GilScope.Acquire();
        using OwnedRef list = CPython.PyList_New(1).OrThrow();
        OwnedRef item = PyStr.FromString("in a list " + Guid.NewGuid());
        nint handle = item.Handle;
        Assert.Equal(0, CPython.PyList_SetItem(list.Handle, 0, item.Steal()));
        Assert.True(item.IsNull);
        Assert.Equal(handle, CPython.PyList_GetItem(list.Handle, 0).Handle);
        Assert.Equal(1, RefCount(handle));
    }

    [Fact]
    public void PyFunction_CalledFromPython_ReachesItsTargetWithContext()
    {
        var target = new RecordingTarget();
        using var pinned = new PyTarget(target);
        using GilScope gil = GilScope.Acquire();
        PyFunction function = PyFunction.Define("probe", 3);
        using OwnedRef self = pinned.NewSelf(42);
        using OwnedRef callable = function.Bind(self.Handle);
        using OwnedRef arg = PyStr.FromString("hello");
        using OwnedRef result = PyCall.One(callable.Handle, arg.Handle).OrThrow();
        Assert.Equal((3, 42L, 1), (target.Function, target.Context, target.Count));
        Assert.Equal("hello", PyStr.ToStringOrNull(result.Handle));
    }

    [Fact]
    public void PyFunction_TargetThrows_BecomesRuntimeError()
    {
        var target = new RecordingTarget { Throw = true };
        using var pinned = new PyTarget(target);
        using GilScope gil = GilScope.Acquire();
        using OwnedRef self = pinned.NewSelf(0);
        using OwnedRef callable = PyFunction.Define("probe", 0).Bind(self.Handle);
        using OwnedRef arg = PyStr.FromString("x");
        using OwnedRef result = PyCall.One(callable.Handle, arg.Handle);
        Assert.True(result.IsNull);
        PythonException e = PythonException.FetchPending();
        Assert.Equal(("RuntimeError", "target failed"), (e.TypeName, e.PythonMessage));
    }

    private sealed class RecordingTarget : IPyFunctionTarget
    {
        public int Function { get; private set; } = -1;

        public long Context { get; private set; }

        public int Count { get; private set; }

        public bool Throw { get; init; }

        public OwnedRef Call(int function, long context, PyArgs args)
        {
            if (Throw)
            {
                throw new InvalidOperationException("target failed");
            }
            (Function, Context, Count) = (function, context, args.Positional.Length);
            return new BorrowedRef(args.Positional[0]).NewOwned();
        }
    }

    [Fact]
    public void PythonException_RaisingCode_CarriesTypeMessageAndTraceback()
    {
        using GilScope gil = GilScope.Acquire();
        var e = Assert.Throws<PythonException>(() => PythonRuntime.RunInMain("def f():\n    return 1 / 0\nf()\n"));
        Assert.Equal("ZeroDivisionError", e.TypeName);
        Assert.Equal("division by zero", e.PythonMessage);
        Assert.StartsWith("Traceback (most recent call last):\n", e.Traceback, StringComparison.Ordinal);
        Assert.Contains("line 2, in f", e.Traceback, StringComparison.Ordinal);
        Assert.EndsWith("ZeroDivisionError: division by zero\n", e.Traceback, StringComparison.Ordinal);
        Assert.True(CPython.PyErr_Occurred().IsNull);
    }

    [Fact]
    public void PyStr_Latin1_RoundTripsAndRefusesWiderChars()
    {
        using GilScope gil = GilScope.Acquire();
        using OwnedRef s = PyStr.FromLatin1("caf\u00e9 \u00ff");
        Assert.Equal("caf\u00e9 \u00ff", PyStr.ToLatin1OrNull(s.Handle));
        using OwnedRef euro = PyStr.FromString("\u20ac");
        Assert.Null(PyStr.ToLatin1OrNull(euro.Handle));
        Assert.True(CPython.PyErr_Occurred().IsNull);
        using OwnedRef bytes = PyStr.Bytes("not a str"u8);
        Assert.Null(PyStr.ToLatin1OrNull(bytes.Handle));
    }

    [Fact]
    public void GilScope_ManyThreads_EachMutationSerialized()
    {
        using (GilScope.Acquire())
        {
            PythonRuntime.RunInMain("gil_counter = 0\n");
        }
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                using GilScope gil = GilScope.Acquire();
                PythonRuntime.RunInMain("gil_counter = gil_counter + 1\n");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        using (GilScope.Acquire())
        {
            using OwnedRef module = CPython.PyImport_ImportModule("__main__"u8).OrThrow();
            BorrowedRef value = CPython.PyDict_GetItemString(CPython.PyModule_GetDict(module.Handle).Handle, "gil_counter"u8);
            Assert.Equal(1600, CPython.PyLong_AsLongLong(value.Handle));
        }
    }

    [Fact]
    public void PythonThread_Detach_ReleasesForTheScopeOnly()
    {
        var thread = new PythonThread();
        bool inside = true, after = false;
        var detached = new ManualResetEventSlim();
        var proceed = new ManualResetEventSlim();
        var t = new Thread(() =>
        {
            thread.Attach();
            using (thread.Detach())
            {
                inside = thread.HoldsGil;
                detached.Set();
                proceed.Wait();
            }
            after = thread.HoldsGil;
            thread.Leave();
        });
        t.Start();
        detached.Wait();
        using (GilScope.Acquire())
        {
            // Reachable only because the other thread's scope gave the GIL up.
            using OwnedRef s = PyStr.FromString("ran while detached");
            Assert.False(s.IsNull);
        }
        proceed.Set();
        t.Join();
        Assert.False(inside);
        Assert.True(after);
    }

    [Fact]
    public void Runtime_SysPath_CopiedFromInterpreter()
    {
        InterpreterInfo info = PythonRuntime.Info!;
        Assert.Contains("/usr/lib/python3/dist-packages", info.Path);
        Assert.Equal("/usr", info.Prefix);
    }
}
