using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Payments.Core.Email;

public static class EmailModule
{
    /// <summary>SMTP (a host or test may put its own <see cref="IEmailSender"/> first) and the sent-once record.</summary>
    public static IServiceCollection AddEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section));
        services.TryAddSingleton<IEmailSender, SmtpEmailSender>();
        services.AddSingleton<SentEmailStore>();
        services.AddSingleton<EmailOnce>();
        return services;
    }
}
