using Microsoft.Extensions.DependencyInjection;

namespace ServiceDefaults.Alerts;

public static class AlertsExtensions
{
    public static IServiceCollection AddAlerts(this IServiceCollection services, AlertSettings settings)
    {
        services.AddSingleton(settings);
        services.AddHttpClient(AlertSender.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        services.AddSingleton<AlertSender>();
        services.AddHostedService(provider => provider.GetRequiredService<AlertSender>());
        return services;
    }
}
