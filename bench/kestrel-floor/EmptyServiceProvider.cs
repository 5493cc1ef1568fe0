namespace KestrelFloor;

/// <summary>Kestrel wants an IServiceProvider; with no DI container there is nothing to give.</summary>
internal sealed class EmptyServiceProvider : IServiceProvider
{
    public static readonly EmptyServiceProvider Instance = new();

    public object? GetService(Type serviceType) => null;
}
