using Azure;

namespace Payments.Core.Storage;

public static class TableErrors
{
    public static bool IsConflict(this RequestFailedException ex) => ex.Status == 409;
    public static bool IsPreconditionFailed(this RequestFailedException ex) => ex.Status == 412;
    public static bool IsNotFound(this RequestFailedException ex) => ex.Status == 404;
}
