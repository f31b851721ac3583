using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Logging;

/// <summary>
/// One logger per category, as the framework's own LoggerFactory keeps them. Serilog's factory builds a new logger
/// (and its caches) on every <c>CreateLogger</c>, and the framework asks for one per request (every authentication
/// handler is created per request): under load that was a measurable share of the gateway's allocations.
/// </summary>
internal sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, inner.CreateLogger);

    public void AddProvider(ILoggerProvider provider)
    {
        _loggers.Clear();
        inner.AddProvider(provider);
    }

    /// <summary>Disposing the inner factory flushes the background log sink.</summary>
    public void Dispose() => inner.Dispose();
}
