using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Services.Tests.Infrastructure;

namespace Services.Tests.Tokens;

/// <summary>RFC 7515 §4.1.11 at the services' own verifiers: a token with a <c>crit</c> header is refused, even signed by the real key.</summary>
public sealed class CriticalHeaderTests
{
    [Fact]
    public async Task ATokenWithACriticalHeader_IsRefusedByTheRecordingsServiceAndTheAuthService_ItsTwinWithoutOneIsNot()
    {
        await using var host = new RecordingsHost();
        await host.StartAsync();
        var real = await host.AdminTokenAsync();

        var plain = Resign(real, host.Auth.KeysDirectory, critical: false);
        var critical = Resign(real, host.Auth.KeysDirectory, critical: true);

        using (var accepted = await host.Client(plain).GetAsync("/api/recordings"))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using (var refused = await host.Client(critical).GetAsync("/api/recordings"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var me = await host.Auth.SendAsync(HttpMethod.Get, "/api/auth/me", critical);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    // The same header and claims, signed again with the AuthService's own key, with a crit header added when asked.
    private static string Resign(string token, string keysDirectory, bool critical)
    {
        var parts = token.Split('.');
        var header = JsonSerializer
            .Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(parts[0]))!
            .ToDictionary(p => p.Key, p => (object)p.Value);
        if (critical)
        {
            header["crit"] = new[] { "urn:example:must-understand" };
            header["urn:example:must-understand"] = true;
        }

        var kid = header["kid"].ToString();
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(keysDirectory, kid + ".key.pem")));
        var signingInput = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + parts[1];
        var signature = key.SignData(
            Encoding.ASCII.GetBytes(signingInput),
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation
        );
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }
}
