using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Payments.Core.Invoices;

public static class InvoiceServiceCollectionExtensions
{
    /// <summary>Group invoices: options, store, use cases, API and event handling (the deadline sweep's timer is the host's).</summary>
    public static IServiceCollection AddInvoices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<InvoiceOptions>().Bind(configuration.GetSection(InvoiceOptions.Section));
        services.AddSingleton<InvoiceStore>();
        services.AddTransient<InvoicePricing>();
        services.AddTransient<InvoiceEmails>();
        services.AddTransient<InvoiceEmailHandler>();
        services.AddTransient<InvoiceService>();
        services.AddTransient<InvoiceFunding>();
        services.AddTransient<InvoiceClosing>();
        services.AddTransient<InvoicePaymentService>();
        services.AddTransient<InvoicePaymentSync>();
        services.AddTransient<InvoiceRefunds>();
        services.AddTransient<InvoiceDeadlineSweep>();
        services.AddTransient<InvoicesApi>();
        return services;
    }
}
