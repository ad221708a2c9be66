using Azure;

namespace Payments.Core.Storage;

public static class TableErrors
{
    /// <summary>Insert if absent, Table Storage's atomic "only once": false when the row already exists.</summary>
    public static async Task<bool> TryAddEntityAsync(this Azure.Data.Tables.TableClient table, Azure.Data.Tables.ITableEntity entity, CancellationToken ct)
    {
        try
        {
            await table.AddEntityAsync(entity, ct);
            return true;
        }
        catch (RequestFailedException ex) when (ex.IsConflict())
        {
            return false;
        }
    }

    public static bool IsConflict(this RequestFailedException ex) => ex.Status == 409;
    public static bool IsPreconditionFailed(this RequestFailedException ex) => ex.Status == 412;
    public static bool IsNotFound(this RequestFailedException ex) => ex.Status == 404;
}
