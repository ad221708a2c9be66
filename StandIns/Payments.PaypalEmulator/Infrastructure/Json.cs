using System.Text.Encodings.Web;
using System.Text.Json;

namespace Payments.PaypalEmulator;

internal static class Json
{
    /// <summary>Compact, and no needless escapes (PayPal writes <c>'</c> and <c>&amp;</c> as they are).</summary>
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
