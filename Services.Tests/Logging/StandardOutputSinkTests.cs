using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;
using ServiceDefaults.Logging;

namespace Services.Tests.Logging;

public sealed class StandardOutputSinkTests
{
    [Fact]
    public async Task ABatch_IsWrittenAsOneJsonLinePerEvent_AndReachesTheStreamWhenTheBatchEnds()
    {
        using var output = new MemoryStream();
        using var sink = new StandardOutputSink(new CompactJsonFormatter(), output);
        var template = new MessageTemplateParser().Parse("HTTP {RequestMethod} {RequestPath} responded {StatusCode}");
        LogEvent Line(string path, int status) =>
            new(
                DateTimeOffset.UnixEpoch,
                LogEventLevel.Information,
                null,
                template,
                [
                    new LogEventProperty("RequestMethod", new ScalarValue("GET")),
                    new LogEventProperty("RequestPath", new ScalarValue(path)),
                    new LogEventProperty("StatusCode", new ScalarValue(status)),
                ]
            );

        await sink.EmitBatchAsync([Line("/api/recordings", 200), Line("/api/users", 403)]);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("/api/recordings", first.RootElement.GetProperty("RequestPath").GetString());
        Assert.Equal(403, second.RootElement.GetProperty("StatusCode").GetInt32());
        Assert.False(Encoding.UTF8.GetString(output.ToArray()).StartsWith('\uFEFF'), "no byte-order mark in a log stream");
    }

    [Fact]
    public void TheLoggerFactory_KeepsOneLoggerPerCategory()
    {
        using var inner = new CountingFactory();
        using var factory = new CachingLoggerFactory(inner);

        var first = factory.CreateLogger("Gateway.Proxy");
        var again = factory.CreateLogger("Gateway.Proxy");
        var other = factory.CreateLogger("Gateway.Tls");

        Assert.Same(first, again);
        Assert.NotSame(first, other);
        Assert.Equal(2, inner.Created);
    }

    /// <summary>Like Serilog's factory: a new logger on every call.</summary>
    private sealed class CountingFactory : ILoggerFactory
    {
        public int Created { get; private set; }

        public ILogger CreateLogger(string categoryName)
        {
            Created++;
            return new FreshLogger();
        }

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() { }
    }

    private sealed class FreshLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        ) { }
    }
}
