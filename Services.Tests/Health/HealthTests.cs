using System.Net;
using AuthService.Configuration;
using RecordingsService.Configuration;
using Services.Tests.Infrastructure;

namespace Services.Tests.Health;

public sealed class HealthTests
{
    [Fact]
    public async Task AuthService_AnswersHealth()
    {
        await using var factory = new ServiceFactory<AuthSettings>();
        using var client = factory.CreateClient();

        using var live = await client.GetAsync("/health");
        using var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("{\"status\":\"Healthy\"}", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task RecordingsService_AnswersHealth()
    {
        await using var factory = new ServiceFactory<RecordingsSettings>();
        using var client = factory.CreateClient();

        using var live = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("{\"status\":\"Healthy\"}", await live.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownPath_IsProblemJson()
    {
        await using var factory = new ServiceFactory<RecordingsSettings>();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
