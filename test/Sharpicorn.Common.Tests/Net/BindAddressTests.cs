using Sharpicorn.Net;

namespace Sharpicorn.Tests.Net;

public sealed class BindAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:8000", "127.0.0.1", 8000)]
    [InlineData("localhost", "localhost", 8000)]
    [InlineData("[::1]:9000", "::1", 9000)]
    [InlineData("tcp://0.0.0.0:80", "0.0.0.0", 80)]
    [InlineData(":7000", "0.0.0.0", 7000)]
    [InlineData("", "0.0.0.0", 8000)]
    public void Parse_Tcp_HostAndPort(string value, string host, int port)
    {
        BindAddress a = BindAddress.Parse(value);
        Assert.Equal(host, a.Host);
        Assert.Equal(port, a.Port);
    }

    [Theory]
    [InlineData("unix:/tmp/s.sock")]
    [InlineData("unix:///tmp/s.sock")]
    public void Parse_Unix_Path(string value) => Assert.Equal("/tmp/s.sock", BindAddress.Parse(value).UnixPath?.TrimStart('/').Insert(0, "/"));

    [Fact]
    public void Parse_FileDescriptor_Number() => Assert.Equal(3, BindAddress.Parse("fd://3").FileDescriptor);

    [Theory]
    [InlineData("127.0.0.1:http", "'http' is not a valid port number.")]
    [InlineData("127.0.0.1:99999", "'99999' is not a valid port number.")]
    [InlineData("fd://x", "'x' is not a valid file descriptor.")]
    public void Parse_Bad_GunicornsMessage(string value, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => BindAddress.Parse(value)).Message);
}
