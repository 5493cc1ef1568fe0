namespace Sharpicorn.Python.Native;

internal static unsafe partial class CPython
{
    public static delegate* unmanaged<nint, void> Py_IncRef;
    public static delegate* unmanaged<nint, void> Py_DecRef;
    public static delegate* unmanaged<nint, ulong> PyType_GetFlags;
    public static delegate* unmanaged<nint, byte*, nint> PyObject_GetAttrString;
    public static delegate* unmanaged<nint, nint, nint, nint> PyObject_Call;
    public static delegate* unmanaged<nint, nint*, nuint, nint, nint> PyObject_Vectorcall;
    public static delegate* unmanaged<nint, nint> PyObject_CallNoArgs;
    public static delegate* unmanaged<nint, nint> PyObject_GetIter;
    public static delegate* unmanaged<nint, nint> PyIter_Next;
    public static delegate* unmanaged<nint, nint> PyObject_Str;
    public static delegate* unmanaged<nint, nint, int> PyObject_IsInstance;
    public static delegate* unmanaged<nint, nint, int, nint> PyCFunction_NewEx;

    // Strings and bytes.
    public static delegate* unmanaged<byte*, nint, nint> PyUnicode_FromStringAndSize;
    public static delegate* unmanaged<byte*, nint, byte*, nint> PyUnicode_DecodeLatin1;
    public static delegate* unmanaged<nint, nint*, byte*> PyUnicode_AsUTF8AndSize;
    public static delegate* unmanaged<nint, nint> PyUnicode_AsLatin1String;
    public static delegate* unmanaged<byte*, nint> PyUnicode_InternFromString;
    public static delegate* unmanaged<byte*, nint, nint> PyBytes_FromStringAndSize;
    public static delegate* unmanaged<nint, byte**, nint*, int> PyBytes_AsStringAndSize;

    // Containers and numbers.
    public static delegate* unmanaged<nint> PyDict_New;
    public static delegate* unmanaged<nint, nint> PyDict_Copy;
    public static delegate* unmanaged<nint, nint, nint, int> PyDict_SetItem;
    public static delegate* unmanaged<nint, byte*, nint, int> PyDict_SetItemString;
    public static delegate* unmanaged<nint, byte*, nint> PyDict_GetItemString;
    public static delegate* unmanaged<nint, nint> PyList_New;
    public static delegate* unmanaged<nint, nint> PyList_Size;
    public static delegate* unmanaged<nint, nint, nint> PyList_GetItem;
    public static delegate* unmanaged<nint, nint> PyTuple_New;
    public static delegate* unmanaged<nint, nint> PyTuple_Size;
    public static delegate* unmanaged<nint, nint, nint> PyTuple_GetItem;
    public static delegate* unmanaged<nint, nint, nint, int> PyTuple_SetItem;
    public static delegate* unmanaged<long, nint> PyLong_FromLongLong;
    public static delegate* unmanaged<nint, long> PyLong_AsLongLong;

    // Modules and code.
    public static delegate* unmanaged<byte*, nint> PyImport_ImportModule;
    public static delegate* unmanaged<nint, nint> PyModule_GetDict;
    public static delegate* unmanaged<byte*, int, nint, nint, nint, nint> PyRun_StringFlags;

    // Singletons and types (data symbols).
    public static nint Py_None;
    public static nint Py_True;
    public static nint Py_False;
    public static nint PyBytes_Type;
    public static nint PyList_Type;
    public static nint PyTuple_Type;
    public static nint PyUnicode_Type;

    private static void BindObjects()
    {
        Py_IncRef = (delegate* unmanaged<nint, void>)Export("Py_IncRef");
        Py_DecRef = (delegate* unmanaged<nint, void>)Export("Py_DecRef");
        PyType_GetFlags = (delegate* unmanaged<nint, ulong>)Export("PyType_GetFlags");
        PyObject_GetAttrString = (delegate* unmanaged<nint, byte*, nint>)Export("PyObject_GetAttrString");
        PyObject_Call = (delegate* unmanaged<nint, nint, nint, nint>)Export("PyObject_Call");
        // Public and exported from 3.9 on; absent before, when the tuple path is used.
        PyObject_Vectorcall = (delegate* unmanaged<nint, nint*, nuint, nint, nint>)OptionalExport("PyObject_Vectorcall");
        PyObject_CallNoArgs = (delegate* unmanaged<nint, nint>)Export("PyObject_CallNoArgs");
        PyObject_GetIter = (delegate* unmanaged<nint, nint>)Export("PyObject_GetIter");
        PyIter_Next = (delegate* unmanaged<nint, nint>)Export("PyIter_Next");
        PyObject_Str = (delegate* unmanaged<nint, nint>)Export("PyObject_Str");
        PyObject_IsInstance = (delegate* unmanaged<nint, nint, int>)Export("PyObject_IsInstance");
        PyCFunction_NewEx = (delegate* unmanaged<nint, nint, int, nint>)Export("PyCFunction_NewEx");

        PyUnicode_FromStringAndSize = (delegate* unmanaged<byte*, nint, nint>)Export("PyUnicode_FromStringAndSize");
        PyUnicode_DecodeLatin1 = (delegate* unmanaged<byte*, nint, byte*, nint>)Export("PyUnicode_DecodeLatin1");
        PyUnicode_AsUTF8AndSize = (delegate* unmanaged<nint, nint*, byte*>)Export("PyUnicode_AsUTF8AndSize");
        PyUnicode_AsLatin1String = (delegate* unmanaged<nint, nint>)Export("PyUnicode_AsLatin1String");
        PyUnicode_InternFromString = (delegate* unmanaged<byte*, nint>)Export("PyUnicode_InternFromString");
        PyBytes_FromStringAndSize = (delegate* unmanaged<byte*, nint, nint>)Export("PyBytes_FromStringAndSize");
        PyBytes_AsStringAndSize = (delegate* unmanaged<nint, byte**, nint*, int>)Export("PyBytes_AsStringAndSize");

        PyDict_New = (delegate* unmanaged<nint>)Export("PyDict_New");
        PyDict_Copy = (delegate* unmanaged<nint, nint>)Export("PyDict_Copy");
        PyDict_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Export("PyDict_SetItem");
        PyDict_SetItemString = (delegate* unmanaged<nint, byte*, nint, int>)Export("PyDict_SetItemString");
        PyDict_GetItemString = (delegate* unmanaged<nint, byte*, nint>)Export("PyDict_GetItemString");
        PyList_New = (delegate* unmanaged<nint, nint>)Export("PyList_New");
        PyList_Size = (delegate* unmanaged<nint, nint>)Export("PyList_Size");
        PyList_GetItem = (delegate* unmanaged<nint, nint, nint>)Export("PyList_GetItem");
        PyTuple_New = (delegate* unmanaged<nint, nint>)Export("PyTuple_New");
        PyTuple_Size = (delegate* unmanaged<nint, nint>)Export("PyTuple_Size");
        PyTuple_GetItem = (delegate* unmanaged<nint, nint, nint>)Export("PyTuple_GetItem");
        PyTuple_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Export("PyTuple_SetItem");
        PyLong_FromLongLong = (delegate* unmanaged<long, nint>)Export("PyLong_FromLongLong");
        PyLong_AsLongLong = (delegate* unmanaged<nint, long>)Export("PyLong_AsLongLong");

        PyImport_ImportModule = (delegate* unmanaged<byte*, nint>)Export("PyImport_ImportModule");
        PyModule_GetDict = (delegate* unmanaged<nint, nint>)Export("PyModule_GetDict");
        PyRun_StringFlags = (delegate* unmanaged<byte*, int, nint, nint, nint, nint>)Export("PyRun_StringFlags");

        Py_None = Export("_Py_NoneStruct");
        Py_True = Export("_Py_TrueStruct");
        Py_False = Export("_Py_FalseStruct");
        PyBytes_Type = Export("PyBytes_Type");
        PyList_Type = Export("PyList_Type");
        PyTuple_Type = Export("PyTuple_Type");
        PyUnicode_Type = Export("PyUnicode_Type");
    }

    public static bool HasTypeFlag(nint op, ulong flag) => (PyType_GetFlags(Py_TYPE(op)) & flag) != 0;
}
