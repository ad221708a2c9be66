using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Payments.Core.Http;
using Payments.Core.Messaging;
using Payments.Core.Paypal;
using Payments.Core.Purchases;

namespace Payments.Core.Invoices;

public static class InvoicesModule
{
    /// <summary>Group invoices: options, store, use cases, API and event handling (the deadline sweep's timer is the host's).</summary>
    public static IServiceCollection AddInvoices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<InvoiceOptions>().Bind(configuration.GetSection(InvoiceOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<InvoiceOptions>, InvoiceOptionsValidation>();
        services.AddSingleton<InvoiceStore>();
        services.AddTransient<InvoicePricing>();
        services.AddTransient<InvoiceEmails>();
        services.AddTransient<InvoiceService>();
        services.AddTransient<InvoiceFunding>();
        services.AddTransient<InvoiceClosing>();
        services.AddTransient<InvoicePaymentService>();
        services.AddTransient<InvoicePaymentSync>();
        services.AddTransient<InvoiceRefunds>();
        services.AddTransient<InvoiceDeadlineSweep>();
        // Shares paid through PayPal: PayPal event handling finds these orders through IPaypalOrderOwner (custom_id "inv:").
        services.AddTransient<InvoicePaypalCalls>();
        services.AddTransient<InvoicePaypalSync>();
        services.AddTransient<InvoicePaypalPayments>();
        services.AddTransient<IPaypalOrderOwner, InvoicePaypalOrders>();
        services.AddTransient<InvoicesApi>();
        // Beside the warehouse's order: the same kind of work (an email once, waiting out an SMTP outage), so no queue of its own.
        services.AddMessageHandler<InvoiceEmailHandler>(QueueNames.Fulfilment, InvoiceEmails.MessageType);
        // Invoice payments are PaymentIntents too: their events reach Purchases' handlers, which hand them here.
        services.AddTransient<IPaymentIntentOwner, InvoicePaymentIntents>();
        services.AddSingleton<IEventRelevance, InvoicePaymentRelevance>();
        return services;
    }

    public static IEndpointRouteBuilder MapInvoices(this IEndpointRouteBuilder api) => api.Capability("Group invoices", InvoicesApi.Map);
}
