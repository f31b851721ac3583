using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Serilog.Events;
using Serilog.Parsing;

namespace ServiceDefaults.Logging;

/// <summary>
/// One line per request: method, path (never the query string), status, elapsed, client IP and user. Headers are
/// not logged, so Authorization, cookies and X-Twilio-Signature never reach the log. Written straight as one Serilog
/// event built from its six properties (Serilog.AspNetCore's middleware collects them through an ambient diagnostic
/// context that costs every request several allocations and async-local writes).
/// </summary>
internal sealed class RequestLogMiddleware(RequestDelegate next, Serilog.ILogger logger)
{
    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse(
        "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms from {ClientIp} as {User}"
    );

    private static readonly ScalarValue Anonymous = new("-");
    private static readonly ScalarValue Unnamed = new("(unnamed)");
    private static readonly ScalarValue NoAddress = new(null);

    private readonly Serilog.ILogger _logger = logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RequestLog");

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            Write(context, started, 500, exception);
            throw;
        }

        Write(context, started, context.Response.StatusCode, exception: null);
    }

    private void Write(HttpContext context, long started, int status, Exception? exception)
    {
        var level =
            exception is not null || status >= 500 ? LogEventLevel.Error
            : status == 200
            && (Health.HealthEndpoints.IsProbe(context.Request.Path) || context.GetEndpoint()?.Metadata.GetMetadata<RoutineRequest>() is not null)
                ? LogEventLevel.Verbose
            : LogEventLevel.Information;
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        var user = context.User.Identity is { IsAuthenticated: true } identity
            ? identity.Name is { } name
                ? new ScalarValue(name)
                : Unnamed
            : Anonymous;
        var address = context.Connection.RemoteIpAddress is { } ip ? new ScalarValue(ip.ToString()) : NoAddress;
        // Capacity leaves room for what enrichers add (service, source, request and connection ids).
        var properties = new Dictionary<string, LogEventPropertyValue>(capacity: 12)
        {
            ["RequestMethod"] = new ScalarValue(context.Request.Method),
            ["RequestPath"] = new ScalarValue(context.Request.Path.Value ?? "/"),
            ["StatusCode"] = new ScalarValue(status),
            ["Elapsed"] = new ScalarValue(Stopwatch.GetElapsedTime(started).TotalMilliseconds),
            ["ClientIp"] = address,
            ["User"] = user,
        };
        var activity = Activity.Current;
        _logger.Write(
            LogEvent.UnstableAssembleFromParts(
                DateTimeOffset.UtcNow,
                level,
                exception,
                Template,
                properties,
                activity?.TraceId ?? default,
                activity?.SpanId ?? default
            )
        );
    }
}
