using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.Security.Revocation;
using Platform.Security.Tokens;
using Platform.Storage;
using Platform.Storage.Audit;
using Platform.Storage.Database;
using RecordingsService.Alerts;
using RecordingsService.Audio;
using RecordingsService.Audit;
using RecordingsService.Configuration;
using RecordingsService.LiveEvents;
using RecordingsService.Recordings;
using RecordingsService.Retention;
using RecordingsService.Storage;
using RecordingsService.Twilio;
using RecordingsService.Webhooks;
using ServiceDefaults.Alerts;
using ServiceDefaults.Redis;

namespace RecordingsService;

internal static class RecordingsServiceExtensions
{
    public static WebApplicationBuilder AddRecordingsService(this WebApplicationBuilder builder, RecordingsSettings settings)
    {
        var services = builder.Services;
        services.AddSingleton(settings.Service);
        services.AddSingleton(settings.Twilio);
        services.AddSingleton(settings.AccessAlerts);
        services.AddRedis(settings.Service.Redis);
        services.AddServiceDatabase(provider => new RecordingsDatabase(
            settings.Database,
            provider.GetRequiredService<ILogger<RecordingsDatabase>>()
        ));
        services.AddSingleton<IRecordingStore, RecordingStore>();
        services.AddAudit<RecordingsDatabase>(settings.Audit);
        services.AddStorageFaultHandling();
        services.AddSingleton<RecordingWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<RecordingWriter>());
        services.AddSingleton<RecordingChanges>();
        services.AddSingleton<WebhookSpool>();
        services.AddHostedService(provider => provider.GetRequiredService<WebhookSpool>());
        services.AddHealthChecks().AddCheck<WebhookSpoolHealthCheck>("webhook-spool", HealthStatus.Degraded);
        services.AddSingleton<TwilioSignature>();
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<RefusedCallbacks>();
        services.AddHostedService(provider => provider.GetRequiredService<RefusedCallbacks>());
        services.AddSingleton<SecondaryTokenCallbacks>();
        services.AddAlerts(settings.Alerts);
        services.AddSingleton<AccessAlerts>();
        services.AddSingleton<AudioAccessAudit>();
        services.AddHostedService(provider => provider.GetRequiredService<SecondaryTokenCallbacks>());
        services.AddSingleton<ListViews>();
        services.AddHostedService(provider => provider.GetRequiredService<ListViews>());
        services.AddSingleton<LiveEventHub>();
        services.AddHostedService(provider => provider.GetRequiredService<LiveEventHub>());
        if (settings.Service.Redis is not null)
        {
            services.AddSingleton<RedisRecordingEvents>();
            services.AddSingleton<IRecordingEvents>(provider => provider.GetRequiredService<RedisRecordingEvents>());
            services.AddHostedService(provider => provider.GetRequiredService<RedisRecordingEvents>());
        }
        else
        {
            services.AddSingleton<IRecordingEvents, InProcessRecordingEvents>();
        }
        services
            .AddHttpClient(TwilioRecordings.HttpClientName, client => client.Timeout = settings.Twilio.Timeout)
            .AddHttpMessageHandler(() => new TwilioApiBaseHandler(settings.Twilio.ApiBaseUrl));
        services.AddSingleton<ITwilioRecordings, TwilioRecordings>();
        services.AddSingleton<RetentionJob>();
        services.AddHostedService(provider => provider.GetRequiredService<RetentionJob>());

        // The service checks every token itself, as the gateway does (defence in depth).
        services.AddPlatformJwtBearer(settings.Verifier);
        services.AddPlatformAuthorization();
        services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapRecordingsService(this WebApplication app)
    {
        app.MapWebhooks();
        app.MapRecordingsApi();
        app.MapAudio();
        app.MapAuditLog("/api/audit/recordings", PlatformPolicies.Admin)
            .WithName("RecordingsAudit")
            .WithSummary("Who listed, viewed, played, downloaded or deleted recordings, newest first");
        app.MapLiveEvents();
        app.MapOpenApi();
        return app;
    }
}
