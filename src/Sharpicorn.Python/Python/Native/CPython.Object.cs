using Sharpicorn.Python.References;

namespace Sharpicorn.Python.Native;

/// <summary>
/// The object, string, container and module API, typed by ownership: a function that returns
/// a new reference returns <see cref="OwnedRef"/>, one that returns a borrowed reference
/// returns <see cref="BorrowedRef"/>, and a parameter the callee steals is a <see cref="StolenRef"/>.
/// A plain <c>nint</c> parameter is borrowed for the call, the C API's default.
/// </summary>
internal static unsafe partial class CPython
{
    private static delegate* unmanaged<nint, void> s_Py_IncRef;
    private static delegate* unmanaged<nint, void> s_Py_DecRef;
    private static delegate* unmanaged<nint, ulong> s_PyType_GetFlags;
    private static delegate* unmanaged<nint, byte*, nint> s_PyObject_GetAttrString;
    private static delegate* unmanaged<nint, nint, nint, nint> s_PyObject_Call;
    private static delegate* unmanaged<nint, nint*, nuint, nint, nint> s_PyObject_Vectorcall;
    private static delegate* unmanaged<nint, nint> s_PyObject_CallNoArgs;
    private static delegate* unmanaged<nint, nint> s_PyObject_GetIter;
    private static delegate* unmanaged<nint, nint> s_PyIter_Next;
    private static delegate* unmanaged<nint, nint> s_PyObject_Str;
    private static delegate* unmanaged<nint, nint, int> s_PyObject_IsInstance;
    private static delegate* unmanaged<nint, nint, nint, nint> s_PyCFunction_NewEx;

    private static delegate* unmanaged<byte*, nint, nint> s_PyUnicode_FromStringAndSize;
    private static delegate* unmanaged<byte*, nint, byte*, nint> s_PyUnicode_DecodeLatin1;
    private static delegate* unmanaged<nint, nint*, byte*> s_PyUnicode_AsUTF8AndSize;
    private static delegate* unmanaged<nint, nint> s_PyUnicode_AsLatin1String;
    private static delegate* unmanaged<byte*, nint> s_PyUnicode_InternFromString;
    private static delegate* unmanaged<byte*, nint, nint> s_PyBytes_FromStringAndSize;
    private static delegate* unmanaged<nint, byte**, nint*, int> s_PyBytes_AsStringAndSize;

    private static delegate* unmanaged<nint> s_PyDict_New;
    private static delegate* unmanaged<nint, nint> s_PyDict_Copy;
    private static delegate* unmanaged<nint, nint, nint, int> s_PyDict_SetItem;
    private static delegate* unmanaged<nint, byte*, nint, int> s_PyDict_SetItemString;
    private static delegate* unmanaged<nint, byte*, nint> s_PyDict_GetItemString;
    private static delegate* unmanaged<nint, nint> s_PyList_New;
    private static delegate* unmanaged<nint, nint> s_PyList_Size;
    private static delegate* unmanaged<nint, nint, nint> s_PyList_GetItem;
    private static delegate* unmanaged<nint, nint, nint, int> s_PyList_SetItem;
    private static delegate* unmanaged<nint, nint, int> s_PyList_Append;
    private static delegate* unmanaged<nint, nint> s_PyTuple_New;
    private static delegate* unmanaged<nint, nint> s_PyTuple_Size;
    private static delegate* unmanaged<nint, nint, nint> s_PyTuple_GetItem;
    private static delegate* unmanaged<nint, nint, nint, int> s_PyTuple_SetItem;
    private static delegate* unmanaged<long, nint> s_PyLong_FromLongLong;
    private static delegate* unmanaged<nint, long> s_PyLong_AsLongLong;

    private static delegate* unmanaged<byte*, nint> s_PyImport_ImportModule;
    private static delegate* unmanaged<nint, nint> s_PyModule_GetDict;
    private static delegate* unmanaged<byte*, int, nint, nint, nint, nint> s_PyRun_StringFlags;

    private static delegate* unmanaged<nint, byte*, nint, nint> s_PyCapsule_New;
    private static delegate* unmanaged<nint, byte*, nint> s_PyCapsule_GetPointer;
    private static delegate* unmanaged<nint, nint, int> s_PyCapsule_SetContext;
    private static delegate* unmanaged<nint, nint> s_PyCapsule_GetContext;

    // Singletons and types (data symbols), borrowed for the life of the interpreter.
    public static nint Py_None { get; private set; }

    public static nint Py_True { get; private set; }

    public static nint Py_False { get; private set; }

    public static nint PyBytes_Type { get; private set; }

    public static nint PyList_Type { get; private set; }

    public static nint PyTuple_Type { get; private set; }

    public static nint PyUnicode_Type { get; private set; }

    public static void Py_IncRef(nint op) => s_Py_IncRef(op);

    public static void Py_DecRef(nint op) => s_Py_DecRef(op);

    /// <summary>ob_refcnt, for tests that check a reference was released (offset 0 in the GIL build).</summary>
    public static long Py_REFCNT(nint op) => *(long*)op;

    public static ulong PyType_GetFlags(nint type) => s_PyType_GetFlags(type);

    public static OwnedRef PyObject_GetAttrString(nint obj, scoped ReadOnlySpan<byte> utf8Name)
    {
        fixed (byte* p = NulTerminated(utf8Name, stackalloc byte[Math.Min(utf8Name.Length + 1, 256)]))
        {
            return new OwnedRef(s_PyObject_GetAttrString(obj, p));
        }
    }

    public static OwnedRef PyObject_Call(nint callable, nint args, nint kwargs) => new(s_PyObject_Call(callable, args, kwargs));

    /// <summary>True where the interpreter exports PyObject_Vectorcall (public from 3.9 on).</summary>
    public static bool HasVectorcall => s_PyObject_Vectorcall != null;

    public static OwnedRef PyObject_Vectorcall(nint callable, scoped ReadOnlySpan<nint> args)
    {
        fixed (nint* argv = args)
        {
            return new OwnedRef(s_PyObject_Vectorcall(callable, argv, (nuint)args.Length, 0));
        }
    }

    public static OwnedRef PyObject_CallNoArgs(nint callable) => new(s_PyObject_CallNoArgs(callable));

    public static OwnedRef PyObject_GetIter(nint obj) => new(s_PyObject_GetIter(obj));

    /// <summary>The next item, or null at the end (no error set) or on an error (error set).</summary>
    public static OwnedRef PyIter_Next(nint iterator) => new(s_PyIter_Next(iterator));

    public static OwnedRef PyObject_Str(nint obj) => new(s_PyObject_Str(obj));

    public static int PyObject_IsInstance(nint obj, nint type) => s_PyObject_IsInstance(obj, type);

    /// <summary>A builtin function over a PyMethodDef that lives as long as the process.</summary>
    public static OwnedRef PyCFunction_NewEx(nint methodDef, nint self, nint module) => new(s_PyCFunction_NewEx(methodDef, self, module));

    public static OwnedRef PyUnicode_FromStringAndSize(scoped ReadOnlySpan<byte> utf8)
    {
        fixed (byte* p = utf8)
        {
            return new OwnedRef(s_PyUnicode_FromStringAndSize(p, utf8.Length));
        }
    }

    public static OwnedRef PyUnicode_DecodeLatin1(scoped ReadOnlySpan<byte> latin1)
    {
        fixed (byte* p = latin1)
        {
            return new OwnedRef(s_PyUnicode_DecodeLatin1(p, latin1.Length, null));
        }
    }

    /// <summary>
    /// The UTF-8 form of a str, cached inside the str object: valid while the caller keeps
    /// <paramref name="str"/> alive. False with the error set for a non-str or an unencodable one.
    /// </summary>
    public static bool PyUnicode_AsUTF8AndSize(nint str, out ReadOnlySpan<byte> utf8)
    {
        nint size;
        byte* p = s_PyUnicode_AsUTF8AndSize(str, &size);
        utf8 = p == null ? default : new ReadOnlySpan<byte>(p, (int)size);
        return p != null;
    }

    public static OwnedRef PyUnicode_AsLatin1String(nint str) => new(s_PyUnicode_AsLatin1String(str));

    public static OwnedRef PyUnicode_InternFromString(scoped ReadOnlySpan<byte> utf8)
    {
        fixed (byte* p = NulTerminated(utf8, stackalloc byte[Math.Min(utf8.Length + 1, 256)]))
        {
            return new OwnedRef(s_PyUnicode_InternFromString(p));
        }
    }

    public static OwnedRef PyBytes_FromStringAndSize(scoped ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            // A non-null pointer even for an empty span: NULL would mean "uninitialized".
            byte empty = 0;
            return new OwnedRef(s_PyBytes_FromStringAndSize(p == null ? &empty : p, data.Length));
        }
    }

    /// <summary>
    /// A new bytes object of <paramref name="length"/> bytes for the caller to fill through
    /// <paramref name="contents"/> before anything else sees it (PyBytes_FromStringAndSize(NULL, n)).
    /// </summary>
    public static OwnedRef PyBytes_FromSize(int length, out Span<byte> contents)
    {
        nint bytes = s_PyBytes_FromStringAndSize(null, length);
        if (bytes == 0)
        {
            contents = default;
            return default;
        }
        byte* p;
        nint n;
        s_PyBytes_AsStringAndSize(bytes, &p, &n);
        contents = new Span<byte>(p, (int)n);
        return new OwnedRef(bytes);
    }

    /// <summary>The contents of a bytes object, valid while the caller keeps it alive. False (error set) for a non-bytes.</summary>
    public static bool PyBytes_AsStringAndSize(nint bytes, out ReadOnlySpan<byte> contents)
    {
        byte* p;
        nint n;
        if (s_PyBytes_AsStringAndSize(bytes, &p, &n) != 0)
        {
            contents = default;
            return false;
        }
        contents = new ReadOnlySpan<byte>(p, (int)n);
        return true;
    }

    public static OwnedRef PyDict_New() => new(s_PyDict_New());

    public static OwnedRef PyDict_Copy(nint dict) => new(s_PyDict_Copy(dict));

    /// <summary>Sets dict[key] = value; neither is stolen (the dict takes its own references).</summary>
    public static int PyDict_SetItem(nint dict, nint key, nint value) => s_PyDict_SetItem(dict, key, value);

    public static int PyDict_SetItemString(nint dict, scoped ReadOnlySpan<byte> utf8Key, nint value)
    {
        fixed (byte* p = NulTerminated(utf8Key, stackalloc byte[Math.Min(utf8Key.Length + 1, 256)]))
        {
            return s_PyDict_SetItemString(dict, p, value);
        }
    }

    public static BorrowedRef PyDict_GetItemString(nint dict, scoped ReadOnlySpan<byte> utf8Key)
    {
        fixed (byte* p = NulTerminated(utf8Key, stackalloc byte[Math.Min(utf8Key.Length + 1, 256)]))
        {
            return new BorrowedRef(s_PyDict_GetItemString(dict, p));
        }
    }

    public static OwnedRef PyList_New(nint size) => new(s_PyList_New(size));

    public static nint PyList_Size(nint list) => s_PyList_Size(list);

    public static BorrowedRef PyList_GetItem(nint list, nint index) => new(s_PyList_GetItem(list, index));

    /// <summary>Stores <paramref name="item"/> at <paramref name="index"/>, stealing it (even on failure).</summary>
    public static int PyList_SetItem(nint list, nint index, StolenRef item) => s_PyList_SetItem(list, index, item.Handle);

    /// <summary>Appends <paramref name="item"/> (borrowed: the list takes its own reference); 0, or -1 with an error set.</summary>
    public static int PyList_Append(nint list, nint item) => s_PyList_Append(list, item);

    public static OwnedRef PyTuple_New(nint size) => new(s_PyTuple_New(size));

    public static nint PyTuple_Size(nint tuple) => s_PyTuple_Size(tuple);

    public static BorrowedRef PyTuple_GetItem(nint tuple, nint index) => new(s_PyTuple_GetItem(tuple, index));

    /// <summary>Stores <paramref name="item"/> at <paramref name="index"/>, stealing it (even on failure).</summary>
    public static int PyTuple_SetItem(nint tuple, nint index, StolenRef item) => s_PyTuple_SetItem(tuple, index, item.Handle);

    public static OwnedRef PyLong_FromLongLong(long value) => new(s_PyLong_FromLongLong(value));

    public static long PyLong_AsLongLong(nint obj) => s_PyLong_AsLongLong(obj);

    public static OwnedRef PyImport_ImportModule(scoped ReadOnlySpan<byte> utf8Name)
    {
        fixed (byte* p = NulTerminated(utf8Name, stackalloc byte[Math.Min(utf8Name.Length + 1, 256)]))
        {
            return new OwnedRef(s_PyImport_ImportModule(p));
        }
    }

    public static BorrowedRef PyModule_GetDict(nint module) => new(s_PyModule_GetDict(module));

    public static OwnedRef PyRun_StringFlags(string code, int start, nint globals, nint locals)
    {
        byte[] src = System.Text.Encoding.UTF8.GetBytes(code + "\0");
        fixed (byte* p = src)
        {
            return new OwnedRef(s_PyRun_StringFlags(p, start, globals, locals, 0));
        }
    }

    /// <summary>A capsule around <paramref name="pointer"/>; <paramref name="name"/> must outlive it (NUL-terminated, unmanaged).</summary>
    internal static OwnedRef PyCapsule_New(nint pointer, nint name) => new(s_PyCapsule_New(pointer, (byte*)name, 0));

    /// <summary>The capsule's pointer, or 0 with the error set if <paramref name="obj"/> is not a capsule of that name.</summary>
    internal static nint PyCapsule_GetPointer(nint obj, nint name) => s_PyCapsule_GetPointer(obj, (byte*)name);

    internal static int PyCapsule_SetContext(nint capsule, nint context) => s_PyCapsule_SetContext(capsule, context);

    internal static nint PyCapsule_GetContext(nint capsule) => s_PyCapsule_GetContext(capsule);

    private static void BindObjects()
    {
        s_Py_IncRef = (delegate* unmanaged<nint, void>)Export("Py_IncRef");
        s_Py_DecRef = (delegate* unmanaged<nint, void>)Export("Py_DecRef");
        s_PyType_GetFlags = (delegate* unmanaged<nint, ulong>)Export("PyType_GetFlags");
        s_PyObject_GetAttrString = (delegate* unmanaged<nint, byte*, nint>)Export("PyObject_GetAttrString");
        s_PyObject_Call = (delegate* unmanaged<nint, nint, nint, nint>)Export("PyObject_Call");
        // Public and exported from 3.9 on; absent before, when the tuple path is used.
        s_PyObject_Vectorcall = (delegate* unmanaged<nint, nint*, nuint, nint, nint>)OptionalExport("PyObject_Vectorcall");
        s_PyObject_CallNoArgs = (delegate* unmanaged<nint, nint>)Export("PyObject_CallNoArgs");
        s_PyObject_GetIter = (delegate* unmanaged<nint, nint>)Export("PyObject_GetIter");
        s_PyIter_Next = (delegate* unmanaged<nint, nint>)Export("PyIter_Next");
        s_PyObject_Str = (delegate* unmanaged<nint, nint>)Export("PyObject_Str");
        s_PyObject_IsInstance = (delegate* unmanaged<nint, nint, int>)Export("PyObject_IsInstance");
        s_PyCFunction_NewEx = (delegate* unmanaged<nint, nint, nint, nint>)Export("PyCFunction_NewEx");

        s_PyUnicode_FromStringAndSize = (delegate* unmanaged<byte*, nint, nint>)Export("PyUnicode_FromStringAndSize");
        s_PyUnicode_DecodeLatin1 = (delegate* unmanaged<byte*, nint, byte*, nint>)Export("PyUnicode_DecodeLatin1");
        s_PyUnicode_AsUTF8AndSize = (delegate* unmanaged<nint, nint*, byte*>)Export("PyUnicode_AsUTF8AndSize");
        s_PyUnicode_AsLatin1String = (delegate* unmanaged<nint, nint>)Export("PyUnicode_AsLatin1String");
        s_PyUnicode_InternFromString = (delegate* unmanaged<byte*, nint>)Export("PyUnicode_InternFromString");
        s_PyBytes_FromStringAndSize = (delegate* unmanaged<byte*, nint, nint>)Export("PyBytes_FromStringAndSize");
        s_PyBytes_AsStringAndSize = (delegate* unmanaged<nint, byte**, nint*, int>)Export("PyBytes_AsStringAndSize");

        s_PyDict_New = (delegate* unmanaged<nint>)Export("PyDict_New");
        s_PyDict_Copy = (delegate* unmanaged<nint, nint>)Export("PyDict_Copy");
        s_PyDict_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Export("PyDict_SetItem");
        s_PyDict_SetItemString = (delegate* unmanaged<nint, byte*, nint, int>)Export("PyDict_SetItemString");
        s_PyDict_GetItemString = (delegate* unmanaged<nint, byte*, nint>)Export("PyDict_GetItemString");
        s_PyList_New = (delegate* unmanaged<nint, nint>)Export("PyList_New");
        s_PyList_Size = (delegate* unmanaged<nint, nint>)Export("PyList_Size");
        s_PyList_GetItem = (delegate* unmanaged<nint, nint, nint>)Export("PyList_GetItem");
        s_PyList_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Export("PyList_SetItem");
        s_PyList_Append = (delegate* unmanaged<nint, nint, int>)Export("PyList_Append");
        s_PyTuple_New = (delegate* unmanaged<nint, nint>)Export("PyTuple_New");
        s_PyTuple_Size = (delegate* unmanaged<nint, nint>)Export("PyTuple_Size");
        s_PyTuple_GetItem = (delegate* unmanaged<nint, nint, nint>)Export("PyTuple_GetItem");
        s_PyTuple_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Export("PyTuple_SetItem");
        s_PyLong_FromLongLong = (delegate* unmanaged<long, nint>)Export("PyLong_FromLongLong");
        s_PyLong_AsLongLong = (delegate* unmanaged<nint, long>)Export("PyLong_AsLongLong");

        s_PyImport_ImportModule = (delegate* unmanaged<byte*, nint>)Export("PyImport_ImportModule");
        s_PyModule_GetDict = (delegate* unmanaged<nint, nint>)Export("PyModule_GetDict");
        s_PyRun_StringFlags = (delegate* unmanaged<byte*, int, nint, nint, nint, nint>)Export("PyRun_StringFlags");

        s_PyCapsule_New = (delegate* unmanaged<nint, byte*, nint, nint>)Export("PyCapsule_New");
        s_PyCapsule_GetPointer = (delegate* unmanaged<nint, byte*, nint>)Export("PyCapsule_GetPointer");
        s_PyCapsule_SetContext = (delegate* unmanaged<nint, nint, int>)Export("PyCapsule_SetContext");
        s_PyCapsule_GetContext = (delegate* unmanaged<nint, nint>)Export("PyCapsule_GetContext");

        Py_None = Export("_Py_NoneStruct");
        Py_True = Export("_Py_TrueStruct");
        Py_False = Export("_Py_FalseStruct");
        PyBytes_Type = Export("PyBytes_Type");
        PyList_Type = Export("PyList_Type");
        PyTuple_Type = Export("PyTuple_Type");
        PyUnicode_Type = Export("PyUnicode_Type");
    }

    public static bool HasTypeFlag(nint op, ulong flag) => (PyType_GetFlags(Py_TYPE(op)) & flag) != 0;

    /// <summary>
    /// <paramref name="text"/> followed by a NUL, in <paramref name="scratch"/> when it fits (a
    /// UTF-8 literal's own terminator is not part of its span, so one is always added).
    /// </summary>
    private static ReadOnlySpan<byte> NulTerminated(ReadOnlySpan<byte> text, Span<byte> scratch)
    {
        Span<byte> buf = text.Length < scratch.Length ? scratch : new byte[text.Length + 1];
        text.CopyTo(buf);
        buf[text.Length] = 0;
        return buf[..(text.Length + 1)];
    }
}
