using System.Text.Json.Nodes;
using Gateway.ApiDocs;
using Gateway.Routing;

namespace Gateway.Tests.ApiDocs;

/// <summary>How the public document is put together from the services' documents and the route table.</summary>
public sealed class PublicApiDocumentTests
{
    [Theory]
    [InlineData("recordings", "/api/recordings/{sid}", "delete", "recordings-delete")]
    [InlineData("recordings", "/api/recordings/{sid}", "get", "recordings")]
    [InlineData("recordings", "/api/recordings/sync", "post", "recordings-sync")]
    [InlineData("recordings", "/api/recordings", "get", "recordings")]
    [InlineData("auth", "/api/auth/me", "get", "auth-me")]
    [InlineData("auth", "/api/auth/mfa/totp", "delete", "auth-mfa-disable")]
    [InlineData("auth", "/api/auth/mfa/totp", "get", "auth")]
    [InlineData("auth", "/api/users/{username}/mfa", "delete", "users")]
    public void AnOperation_IsPublishedUnderTheRouteRoutingWouldChoose(string cluster, string path, string method, string route)
    {
        Assert.Equal(route, GatewayRoutes.RouteFor(cluster, path, method)?.Id);
    }

    [Theory]
    [InlineData("auth", "/internal/revocations", "get")]
    [InlineData("auth", "/health/ready", "get")]
    [InlineData("recordings", "/api/users", "get")] // a route of the other cluster
    [InlineData("auth", "/.well-known/jwks.json", "delete")]
    public void AnOperationTheGatewayDoesNotForward_IsLeftOut(string cluster, string path, string method)
    {
        Assert.Null(GatewayRoutes.RouteFor(cluster, path, method));
    }

    [Fact]
    public void TwoServicesDescribingOneSchemaDifferently_IsAnError_NotAGuess()
    {
        static JsonObject Service(string type) =>
            new()
            {
                ["openapi"] = "3.1.1",
                ["paths"] = new JsonObject(),
                ["components"] = new JsonObject { ["schemas"] = new JsonObject { ["AuditPage"] = new JsonObject { ["type"] = type } } },
            };

        Assert.Throws<InvalidOperationException>(() =>
            PublicApiDocument.Merge(new Uri("https://calls.example.com"), [("auth", Service("object")), ("recordings", Service("array"))])
        );
        var same = PublicApiDocument.Merge(new Uri("https://calls.example.com/"), [("auth", Service("object")), ("recordings", Service("object"))]);
        Assert.Equal("https://calls.example.com", same["servers"]![0]!["url"]!.GetValue<string>());
    }
}
