using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Payments.Core;
using Payments.Core.Queues;
using Payments.Functions;

// The Functions door: Core's handlers behind [Function] methods (Cards/, Queues/), with Service Bus
// in place of the Host's storage queues for background messages.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services.AddPayments(builder.Configuration);
builder.Services.Replace(ServiceDescriptor.Singleton<IMessageSender, ServiceBusMessageSender>());

builder.Build().Run();
