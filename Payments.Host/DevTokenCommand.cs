using Payments.Core.Http;

namespace Payments.Host;

/// <summary>
/// <c>dotnet run --project Payments.Host -- token --sub user_1 [--role admin] [--email a@b.c]</c>
/// prints a bearer token signed with the development key (appsettings.Development.json).
/// </summary>
public static class DevTokenCommand
{
    public static int Run(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile("appsettings.Development.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var options = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();

        string? subject = null, email = null;
        var roles = new List<string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--sub": subject = args[i + 1]; break;
                case "--role": roles.Add(args[i + 1]); break;
                case "--email": email = args[i + 1]; break;
                default:
                    Console.Error.WriteLine($"Unknown option {args[i]}");
                    return 2;
            }
        }
        if (subject is null)
        {
            Console.Error.WriteLine("usage: token --sub USER_ID [--role admin] [--email EMAIL]");
            return 2;
        }
        Console.WriteLine(DevelopmentTokens.Mint(options, subject, roles, email));
        return 0;
    }
}
