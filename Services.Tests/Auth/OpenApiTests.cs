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

        foreach (
            var path in new[]
            {
                "/api/auth/login",
                "/api/auth/refresh",
                "/api/auth/logout",
                "/api/auth/me",
                "/api/users",
                "/api/users/{username}",
                "/api/audit/auth",
                "/.well-known/jwks.json",
            }
        )
        {
            Assert.Contains($"\"{path}\"", document, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("/internal/revocations", document, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/auth/login", "post", new[] { "200", "400", "401", "415", "503" })]
    [InlineData("/api/users", "post", new[] { "201", "400", "401", "403", "409" })]
    [InlineData("/api/users/{username}", "put", new[] { "200", "400", "404", "409" })]
    [InlineData("/api/users/{username}", "delete", new[] { "204", "404", "409" })]
    [InlineData("/api/audit/auth", "get", new[] { "200", "400", "403" })]
    public async Task OpenApiDocument_NamesWhatEachHandlerReturns(string path, string method, string[] statuses)
    {
        // Handlers return typed results, so the document (and the compiler) sees each outcome, errors included.
        await using var host = new AuthHost();
        using var client = host.Client();
        using var document = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var responses = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");

        foreach (var status in statuses)
        {
            Assert.True(responses.TryGetProperty(status, out _), $"{method} {path} does not declare {status}: {responses}");
        }

        Assert.Equal("application/problem+json", responses.GetProperty(statuses[^1]).GetProperty("content").EnumerateObject().Single().Name);
    }
}
