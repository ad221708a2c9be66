namespace Payments.Tests.Infrastructure;

public static class LoopbackPorts
{
    /// <summary>A loopback port nobody listens on (taken and released at once): a dependency that is down.</summary>
    public static int Closed()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
