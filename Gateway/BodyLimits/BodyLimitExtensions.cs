namespace Gateway.BodyLimits;

internal static class BodyLimitExtensions
{
    /// <summary>After routing: the limit depends on the matched route.</summary>
    public static WebApplication UseRequestBodyLimits(this WebApplication app)
    {
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        return app;
    }
}
