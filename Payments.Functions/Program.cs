using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Core;

// The Functions door: Core's handlers behind [Function] methods (Cards/, Queues/). Core sends
// background messages through Service Bus (ServiceBusConnection), which the triggers in Queues/ receive.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services.AddPayments(builder.Configuration);
// As in the Host: problem+json answers carry the request's traceId (Payments.Tests.Http.UnhandledErrorTests).
builder.Services.AddProblemDetails();

builder.Build().Run();
