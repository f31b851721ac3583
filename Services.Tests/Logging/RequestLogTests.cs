using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Services.Tests.Infrastructure;

namespace Services.Tests.Logging;

/// <summary>The request log shows what people and Twilio did, not what the processes ask each other every second.</summary>
public sealed class RequestLogTests
{
    [Fact]
    public async Task SuccessfulRevocationFeedPolls_StayOutOfTheRequestLog_WhileFailedOnesAndOtherRequestsAreIn()
    {
        await using var auth = new AuthHost();
        var sink = new CapturingSink();
        await using var host = auth.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<ILogEventSink>(sink))
        );
        using var client = host.CreateClient();

        using var poll = await client.GetAsync("/internal/revocations?since=0");
        using var badPoll = await client.GetAsync("/internal/revocations?since=x");
        using var me = await client.GetAsync("/api/auth/me");
        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badPoll.StatusCode);

        await Wait.UntilAsync(
            () => sink.RequestLines.Any(line => line.Path == "/api/auth/me"),
            TimeSpan.FromSeconds(5),
            "the request log has the /me line"
        );
        Assert.DoesNotContain(sink.RequestLines, line => line is { Path: "/internal/revocations", Status: 200 });
        Assert.Contains(sink.RequestLines, line => line is { Path: "/internal/revocations", Status: 400 });
    }

    private sealed class CapturingSink : ILogEventSink
    {
        private readonly ConcurrentQueue<(string Path, int Status)> _lines = new();

        public IReadOnlyList<(string Path, int Status)> RequestLines => [.. _lines];

        public void Emit(LogEvent logEvent)
        {
            // What reaches standard output: Information and above.
            if (
                logEvent.Level >= LogEventLevel.Information
                && logEvent.Properties.TryGetValue("RequestPath", out var path)
                && logEvent.Properties.TryGetValue("StatusCode", out var status)
                && logEvent.Properties.ContainsKey("Elapsed")
            )
            {
                _lines.Enqueue(
                    (((ScalarValue)path).Value?.ToString() ?? "", Convert.ToInt32(((ScalarValue)status).Value, CultureInfo.InvariantCulture))
                );
            }
        }
    }
}
