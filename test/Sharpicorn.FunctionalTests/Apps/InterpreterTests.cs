using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Apps;

/// <summary>The app sees exactly the world its interpreter sees: sys.prefix, sys.executable, a venv's packages.</summary>
public sealed class InterpreterTests
{
    [Theory]
    [MemberData(nameof(PythonWorld.Interpreters), MemberType = typeof(PythonWorld))]
    public void Venv_FromVirtualEnvVariable_PrefixAndPackagesAreTheVenvs(string kind)
    {
        string venv = PythonWorld.Venv(kind);
        using var s = ServerProcess.Start(["wsgi_basic:venv_app"], new Dictionary<string, string> { ["VIRTUAL_ENV"] = venv });
        JsonElement e = JsonDocument.Parse(RawHttp.Get(s.Port, "/").Body).RootElement;
        Assert.Equal(venv, e.GetProperty("prefix").GetString());
        Assert.Equal(venv, e.GetProperty("marker").GetString());
        Assert.StartsWith(venv, e.GetProperty("executable").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PythonWorld.Interpreters), MemberType = typeof(PythonWorld))]
    public void PythonFlag_BeatsVirtualEnv(string kind)
    {
        string venv = PythonWorld.Venv(kind);
        string python = PythonWorld.Python(kind);
        using var s = ServerProcess.Start(["--python", python, "wsgi_basic:venv_app"], new Dictionary<string, string> { ["VIRTUAL_ENV"] = venv });
        JsonElement e = JsonDocument.Parse(RawHttp.Get(s.Port, "/").Body).RootElement;
        Assert.NotEqual(venv, e.GetProperty("prefix").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("marker").ValueKind);
    }

    [Fact]
    public void SharpicornPythonVariable_Used()
    {
        using var s = ServerProcess.Start(["wsgi_basic:venv_app"], new Dictionary<string, string> { ["SHARPICORN_PYTHON"] = Repo.DebianPython });
        JsonElement e = JsonDocument.Parse(RawHttp.Get(s.Port, "/").Body).RootElement;
        Assert.Equal("/usr", e.GetProperty("prefix").GetString());
    }
}
