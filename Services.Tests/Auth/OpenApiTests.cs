using Services.Tests.Infrastructure;

namespace Services.Tests.Auth;

public sealed class OpenApiTests
{
    [Fact]
    public async Task OpenApiDocument_DescribesThePublicAuthApi()
    {
        await using var host = new AuthHost();
        using var client = host.Client();

        var document = await client.GetStringAsync("/openapi/v1.json");

        foreach (var path in new[] { "/api/auth/login", "/api/auth/refresh", "/api/auth/logout", "/api/auth/me", "/api/users", "/api/users/{username}", "/api/audit/auth", "/.well-known/jwks.json" })
        {
            Assert.Contains($"\"{path}\"", document, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("/internal/revocations", document, StringComparison.Ordinal);
    }
}
