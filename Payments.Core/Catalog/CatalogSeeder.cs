using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Payments.Core.Catalog;

public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>Loads the development products at start-up when they are missing. Off in production.</summary>
    public bool SeedDevelopmentProducts { get; set; }
}

/// <summary>The development seed: livestream 20.00, meet and greet 50.00, poster 100.00 (+5.00 shipping), USD.</summary>
public sealed class CatalogSeeder(ProductStore products, IOptions<CatalogOptions> options) : IHostedService
{
    public static readonly IReadOnlyList<Product> DevelopmentProducts =
    [
        new("livestream", "Livestream", 2000, "USD", ProductKind.Digital, 0, true),
        new("meet-and-greet", "Meet and greet", 5000, "USD", ProductKind.Service, 0, true),
        new("poster", "Poster", 10000, "USD", ProductKind.Physical, 500, true),
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.SeedDevelopmentProducts)
            return;
        // Insert if absent: a product an admin already set (even at this moment) is left as it is.
        foreach (var product in DevelopmentProducts)
            await products.TryInsertAsync(product, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
