using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Payments.PaypalEmulator;

/// <summary>
/// The emulator's own PKI, made at start: a root CA, an intermediate CA and the leaf that signs webhooks (CN
/// <c>messageverificationcerts.paypal.com-emulator</c>), all RSA 2048 / SHA-256. The cert URL serves the leaf then
/// the intermediate, as PayPal serves its leaf and issuing chain without the root; the root is at
/// <c>GET /_emulator/root-ca.pem</c>, for the product to trust in development only. Made once per process (three
/// RSA keys take seconds on a small machine): emulators started in one test run share them.
/// </summary>
internal sealed class Certificates
{
    private static readonly Lazy<Certificates> Shared = new(() => new Certificates(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The process's PKI.</summary>
    public static Certificates Instance => Shared.Value;

    public const string LeafCommonName = "messageverificationcerts.paypal.com-emulator";
    public const string AuthAlgorithm = "SHA256withRSA";

    private readonly RSA leafKey;

    private Certificates()
    {
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        using var rootKey = RSA.Create(2048);
        var rootRequest = new CertificateRequest("CN=Payments PayPal Emulator Root CA, O=Payments emulator", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        Root = rootRequest.CreateSelfSigned(notBefore, notBefore.AddYears(10));

        using var intermediateKey = RSA.Create(2048);
        var intermediateRequest = new CertificateRequest("CN=Payments PayPal Emulator Intermediate CA, O=Payments emulator", intermediateKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        intermediateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        using (var issued = intermediateRequest.Create(Root, notBefore, notBefore.AddYears(5), Serial()))
        {
            Intermediate = issued.CopyWithPrivateKey(intermediateKey);
        }

        leafKey = RSA.Create(2048);
        var leafRequest = new CertificateRequest($"CN={LeafCommonName}, O=Payments emulator, C=US", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafRequest.PublicKey, false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        Leaf = leafRequest.Create(Intermediate, notBefore, notBefore.AddYears(1), Serial());
        CertId = Ids.CertId();
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public X509Certificate2 Leaf { get; }

    /// <summary>The id in the cert URL, <c>CERT-xxxxxxxx-xxxxxxxx-xxxxxxxx</c> like PayPal's.</summary>
    public string CertId { get; }

    public string RootPem => Root.ExportCertificatePem() + "\n";

    /// <summary>What the cert URL serves: the leaf, then the intermediate.</summary>
    public string ChainPem => Leaf.ExportCertificatePem() + "\n" + Intermediate.ExportCertificatePem() + "\n";

    public string CertUrl(string baseUrl) => $"{baseUrl}/v1/notifications/certs/{CertId}";

    /// <summary>
    /// What PayPal signs: <c>transmission_id|transmission_time|webhook_id|crc32</c>, the CRC-32 of the raw body as
    /// an unsigned decimal.
    /// </summary>
    public static string SignedString(string transmissionId, string transmissionTime, string webhookId, ReadOnlySpan<byte> body) =>
        $"{transmissionId}|{transmissionTime}|{webhookId}|{Crc32.HashToUInt32(body).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The base64 RSA-SHA256 (PKCS#1 v1.5) signature of <see cref="SignedString"/>.</summary>
    public string Sign(string transmissionId, string transmissionTime, string webhookId, ReadOnlySpan<byte> body) =>
        Convert.ToBase64String(leafKey.SignData(
            Encoding.UTF8.GetBytes(SignedString(transmissionId, transmissionTime, webhookId, body)), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public bool Verify(string transmissionId, string transmissionTime, string webhookId, ReadOnlySpan<byte> body, string signature)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return false;
        }

        using var key = Leaf.GetRSAPublicKey()!;
        return key.VerifyData(Encoding.UTF8.GetBytes(SignedString(transmissionId, transmissionTime, webhookId, body)), bytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>A positive 128-bit serial (a set high bit would make it negative in DER).</summary>
    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }
}
