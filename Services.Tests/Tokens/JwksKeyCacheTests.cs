using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Security.Tokens;
using Services.Tests.Infrastructure;

namespace Services.Tests.Tokens;

/// <summary>The JWKS reader every verifier uses, against the real AuthService.</summary>
public sealed class JwksKeyCacheTests
{
    [Fact]
    public async Task AuthServiceDownAtStart_KeysAreReadWithinSecondsOfItComingUp_NotAtTheNextRefresh()
    {
        await using var auth = new AuthHost();
        var clients = new FlakyClients(auth, failures: 2);
        using var keys = new JwksKeyCache(
            clients,
            new JwksOptions(new Uri("http://localhost/.well-known/jwks.json"), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1)),
            TimeProvider.System,
            NullLogger<JwksKeyCache>.Instance
        );

        var started = DateTime.UtcNow;
        await keys.StartAsync(CancellationToken.None);
        // Two failed reads (at once, then after 1 s), the third after 2 s more succeeds: about 3 s, not 30.
        await Wait.UntilAsync(() => keys.HasKeys, TimeSpan.FromSeconds(15), "the cache has read the keys after two failures");

        Assert.Equal(3, clients.Attempts);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(15));
        Assert.False(keys.ExecuteTask!.IsFaulted);
        await keys.StopAsync(CancellationToken.None);
    }

    /// <summary>Answers 503 for the first <paramref name="failures"/> reads, then passes to the AuthService.</summary>
    private sealed class FlakyClients(AuthHost auth, int failures) : IHttpClientFactory
    {
        private readonly int _failures = failures;
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public HttpClient CreateClient(string name) =>
            new(new Flaky(this, auth.Server.CreateHandler())) { BaseAddress = new Uri("http://localhost") };

        private sealed class Flaky(FlakyClients owner, HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                Interlocked.Increment(ref owner._attempts) <= owner._failures
                    ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable))
                    : base.SendAsync(request, cancellationToken);
        }
    }
}
