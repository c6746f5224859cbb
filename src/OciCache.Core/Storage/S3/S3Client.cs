using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;
using Amazon.S3;

namespace OciCache.Storage.S3;

/// <summary>Builds the S3 client from <see cref="S3StorageOptions"/>, with the settings Ceph RGW needs.</summary>
internal static class S3Client
{
    public static AmazonS3Client Create(S3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = options.Endpoint,
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // The SDK's default flexible checksums (in trailers) make RGW answer 400 XAmzContentSHA256Mismatch.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 2,
        };
        if (options.CaFile.Length > 0)
        {
            config.HttpClientFactory = new TrustingFactory(X509Certificate2.CreateFromPemFile(options.CaFile));
        }

        var secret = options.ReadSecretKey();
        AWSCredentials credentials = options.AccessKey.Length > 0 ? new BasicAWSCredentials(options.AccessKey, secret) : new AnonymousAWSCredentials();
        return new AmazonS3Client(credentials, config);
    }

    /// <summary>HTTP clients that trust <c>Storage:S3:CaFile</c> besides the system's authorities, for this client only.</summary>
    private sealed class TrustingFactory(X509Certificate2 authority) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = clientConfig.Timeout ?? TimeSpan.FromMinutes(5),
        };

        private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
            {
                return false; // a name mismatch or no certificate is never forgiven
            }

            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(authority);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
            }

            return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        }
    }
}
