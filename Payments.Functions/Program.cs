using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Core;
using Payments.Core.Composition;
using Payments.Core.Http;
using Payments.Core.Telemetry;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Payments.Functions;

// The Functions door: Core's handlers behind [Function] methods (Cards/, Queues/). Core sends
// background messages through Service Bus (ServiceBusConnection), which the triggers in Queues/ receive.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
// Exceptions from binding and use cases become Core's problem+json, as in the Host.
builder.UseMiddleware<ApiErrorMiddleware>();
// Every function is Anonymous to the Functions host; each route's declared policy is applied here, from Core's declarations.
builder.UseMiddleware<RoutePolicyMiddleware>();

builder.Services.AddPayments(builder.Configuration);
// Traces and metrics as in the Host; the worker's invocation spans continue the host's trace context.
builder.Services.AddPaymentsTelemetry(builder.Configuration);
builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
builder.Services.AddSingleton(_ => new Lazy<RoutePolicyTable>(() => PaymentsApi.DeclaredRoutes(builder.Configuration)));
// As in the Host: problem+json answers carry the request's traceId (Payments.Tests.Http.UnhandledErrorTests).
builder.Services.AddProblemDetails();

builder.Build().Run();
