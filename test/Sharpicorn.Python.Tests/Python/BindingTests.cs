using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Tests.Python;

[Collection("python")]
public sealed unsafe class BindingTests(PythonFixture fixture)
{
    private readonly PythonFixture _fixture = fixture;

    private static long RefCount(nint op) => *(long*)op;

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
        using var tuple = new OwnedRef(CPython.PyTuple_New(1)).OrThrow();
        OwnedRef item = PyStr.FromString("stolen " + Guid.NewGuid());
        nint handle = item.Handle;
        CPython.PyTuple_SetItem(tuple.Handle, 0, item.Steal());
        Assert.True(item.IsNull);
        Assert.Equal(1, RefCount(handle));
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
        Assert.Equal(0, CPython.PyErr_Occurred());
    }

    [Fact]
    public void PyStr_Latin1_RoundTripsAndRefusesWiderChars()
    {
        using GilScope gil = GilScope.Acquire();
        using OwnedRef s = PyStr.FromLatin1("caf\u00e9 \u00ff");
        Assert.Equal("caf\u00e9 \u00ff", PyStr.ToLatin1OrNull(s.Handle));
        using OwnedRef euro = PyStr.FromString("\u20ac");
        Assert.Null(PyStr.ToLatin1OrNull(euro.Handle));
        Assert.Equal(0, CPython.PyErr_Occurred());
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
            fixed (byte* main = "__main__"u8)
            fixed (byte* name = "gil_counter"u8)
            {
                using var module = new OwnedRef(CPython.PyImport_ImportModule(main)).OrThrow();
                nint value = CPython.PyDict_GetItemString(CPython.PyModule_GetDict(module.Handle), name);
                Assert.Equal(1600, CPython.PyLong_AsLongLong(value));
            }
        }
    }

    [Fact]
    public void PythonThread_ReleaseAndReacquire_LetsOthersRun()
    {
        var thread = new PythonThread();
        bool holdsAfterAttach = false, holdsAfterRelease = true;
        var attached = new ManualResetEventSlim();
        var released = new ManualResetEventSlim();
        var done = new ManualResetEventSlim();
        var t = new Thread(() =>
        {
            thread.Attach();
            holdsAfterAttach = thread.HoldsGil;
            thread.Release();
            holdsAfterRelease = thread.HoldsGil;
            released.Set();
            done.Wait();
            thread.Reacquire();
            thread.Release();
        });
        t.Start();
        released.Wait();
        // The released GIL is free for this thread.
        using (GilScope.Acquire())
        {
            using OwnedRef s = PyStr.FromString("other thread ran");
            Assert.False(s.IsNull);
        }
        done.Set();
        t.Join();
        Assert.True(holdsAfterAttach);
        Assert.False(holdsAfterRelease);
    }

    [Fact]
    public void Runtime_SysPath_CopiedFromInterpreter()
    {
        InterpreterInfo info = PythonRuntime.Info!;
        Assert.Contains("/usr/lib/python3/dist-packages", info.Path);
        Assert.Equal("/usr", info.Prefix);
    }
}
