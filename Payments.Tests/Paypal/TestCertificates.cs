using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Payments.Tests.Paypal;

/// <summary>Certificate chains made in the test (a root and leaves signed by it), like PayPal's webhook certificates.</summary>
public static class TestCertificates
{
    public static X509Certificate2 Root(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>A signing certificate for <paramref name="key"/>, issued by <paramref name="issuer"/> (which holds its private key).</summary>
    public static X509Certificate2 Leaf(X509Certificate2 issuer, RSA key, DateTimeOffset notBefore, DateTimeOffset notAfter, string name = "messageverificationcerts.paypal.test")
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        return request.Create(issuer, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
    }
}
