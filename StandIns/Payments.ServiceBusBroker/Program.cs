using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Payments.ServiceBusBroker;

// dotnet run --project StandIns/Payments.ServiceBusBroker -- --port 5672
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.Sources.Clear();
builder.Configuration
    .AddJsonFile(Path.Combine(AppContext.BaseDirectory, BrokerConfiguration.FileName), optional: false)
    .AddEnvironmentVariables()
    .AddCommandLine(args, BrokerConfiguration.SwitchMappings.ToDictionary());
builder.Services.AddHostedService<BrokerService>();

using var app = builder.Build();
await app.RunAsync();
