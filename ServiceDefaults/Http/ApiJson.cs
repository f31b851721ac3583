using System.Text.Json;

namespace ServiceDefaults.Http;

/// <summary>
/// How the services write JSON: the web defaults (camelCase) and times as ISO 8601 UTC with a Z. Every response
/// and every pushed event uses these options (services take them from <c>IOptions&lt;JsonOptions&gt;</c>).
/// </summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options) => options.Converters.Add(new UtcTimeConverter());
}
