using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.BodyLimits;

public sealed class BodyLimitTests : IAsyncLifetime
{
    private const int TenMegabytes = 10 * 1024 * 1024;
    private FakeBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await FakeBackend.StartAsync();
        _backend.Handler = async context =>
        {
            // Read the whole body, as a service would, and say how much arrived.
            var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            await context.Response.WriteAsJsonAsync(new { received = buffer.Length });
        };
        var url = _backend.Url.ToString();
        _gateway = await GatewayHost.StartAsync(new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = url, ["AUTH_SERVICE_URLS"] = url });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task TenMegabytes_IsForwarded()
    {
        using var client = _gateway.CreateClient();
        using var response = await client.PutAsync("/api/users/someone", new ByteArrayContent(new byte[TenMegabytes]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"\"received\":{TenMegabytes}", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenMegabytesPlusOne_Returns413ProblemAndReachesNoBackend()
    {
        using var client = _gateway.CreateClient();
        // As careful clients do, wait for "100 Continue" before sending a large body: the refusal comes first.
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/users/someone")
        {
            Content = new ByteArrayContent(new byte[TenMegabytes + 1]),
        };
        request.Headers.ExpectContinue = true;
        using var response = await client.SendAsync(request);

        await AssertTooLargeAsync(response);
        Assert.Empty(_backend.Requests);
    }

    [Theory]
    [InlineData("/api/auth/login", 4 * 1024)]
    [InlineData("/webhooks/recording", 64 * 1024)]
    public async Task SmallRoutes_RefuseBodiesAboveTheirOwnLimit(string path, int limit)
    {
        using var client = _gateway.CreateClient();
        using var accepted = await client.PostAsync(path, new ByteArrayContent(new byte[limit]));
        using var tooLarge = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(new byte[limit + 1]) };
        tooLarge.Headers.ExpectContinue = true;
        using var refused = await client.SendAsync(tooLarge);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        await AssertTooLargeAsync(refused);
        Assert.Single(_backend.Requests);
    }

    [Fact]
    public async Task ChunkedBodyAboveLimit_Returns413()
    {
        using var client = _gateway.CreateClient();
        // No Content-Length: the limit can only be enforced while the body streams through.
        var content = new StreamContent(new MemoryStream(new byte[(64 * 1024) + 1]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/recording") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        await AssertTooLargeAsync(response);
    }

    [Theory]
    [InlineData("/api/auth/login", "1.1")]
    [InlineData("/api/auth/login/", "1.1")]
    [InlineData("/api/auth/login", "2.0")]
    public async Task ChunkedOrHttp2SignInBodyAboveItsLimit_Returns413_AndReachesNoBackend(string path, string version)
    {
        using var client = _gateway.CreateClient(Version.Parse(version));
        // A JSON body with no declared length: the sign-in limit must hold while the rate limiter reads the username.
        var json = "{\"username\":\"vera\",\"password\":\"" + new string('x', 5 * 1024) + "\"}";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (version == "1.1")
        {
            request.Headers.TransferEncodingChunked = true;
        }

        using var response = await client.SendAsync(request);

        await AssertTooLargeAsync(response);
        Assert.Empty(_backend.Requests);
    }

    private static async Task AssertTooLargeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(413, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
    }
}
