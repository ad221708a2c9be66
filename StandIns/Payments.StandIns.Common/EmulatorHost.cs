using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Payments.StandIns.Common;

/// <summary>How both emulators start their web host.</summary>
public static class EmulatorHost
{
    /// <summary>
    /// A builder listening on <paramref name="url"/> when given, else on <c>--urls</c>, else on
    /// <paramref name="defaultUrl"/> (the emulator's fixed local port).
    /// </summary>
    /// <param name="args">Host arguments and the emulator's settings (<c>--Webhook:Url=</c> and the like).</param>
    /// <param name="url">Where to listen; <c>http://127.0.0.1:0</c> picks a free port.</param>
    public static WebApplicationBuilder CreateBuilder(string[] args, string? url, string defaultUrl)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (url is not null)
        {
            builder.WebHost.UseUrls(url);
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(defaultUrl);
        }

        // Per-request framework logs would drown test output; startup lines stay.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        return builder;
    }
}
