using Sharpicorn.Logging;

namespace Sharpicorn.Tests.Logging;

/// <summary>gunicorn's atoms dict, as a Python access record's args carry it.</summary>
public sealed class AccessLogAtomsTests
{
    [Fact]
    public void Atoms_Entry_GunicornsKeysTextAndNumbers()
    {
        var entry = new AccessLogEntry
        {
            RemoteAddr = "10.0.0.1",
            Method = "GET",
            RawUri = "/p?q=1",
            Path = "/p",
            Query = "q=1",
            Protocol = "HTTP/1.1",
            Status = 404,
            BytesSent = 9,
            Started = new DateTimeOffset(2026, 11, 21, 23, 50, 7, TimeSpan.Zero),
            Duration = TimeSpan.FromMilliseconds(2500.25),
            RequestHeaders = () => [KeyValuePair.Create("User-Agent", "ua/1"), KeyValuePair.Create("X-Id", "a\"b")],
            ResponseHeaders = () => [KeyValuePair.Create("Content-Type", "text/plain")],
            Environ = new Dictionary<string, string> { ["app.User"] = "alice" },
        };
        Dictionary<string, (string? Text, long Number)> atoms = AccessLogFormat.Atoms(entry).ToDictionary(a => a.Key, a => (a.Text, a.Number));
        Assert.Equal("GET /p?q=1 HTTP/1.1", atoms["r"].Text);
        Assert.Equal("404", atoms["s"].Text);
        Assert.Equal("[21/Nov/2026:23:50:07 +0000]", atoms["t"].Text);
        Assert.Equal("2.500250", atoms["L"].Text);
        // B, T, D and M are numbers in gunicorn's dict, the rest text (escaping is SafeAtoms', in Python).
        Assert.Equal((null, 9L), atoms["B"]);
        Assert.Equal((null, 2L), atoms["T"]);
        Assert.Equal((null, 2500L), atoms["M"]);
        Assert.Equal((null, 2500250L), atoms["D"]);
        Assert.Equal("a\"b", atoms["{x-id}i"].Text);
        Assert.Equal("text/plain", atoms["{content-type}o"].Text);
        Assert.Equal("alice", atoms["{app.user}e"].Text);
    }
}
