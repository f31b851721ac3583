namespace Gateway.Https;

internal static class HttpsExtensions
{
    public static WebApplication UseHttpsOnly(this WebApplication app)
    {
        app.UseMiddleware<HttpsRedirectMiddleware>();
        return app;
    }
}
