using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Yarp.ReverseProxy.Configuration;

// Usage: dotnet BareProxy.dll --port 4543 --cert tls.crt --key tls.key --destination http://127.0.0.1:9001
// Same runtime settings as the gateway (workstation GC), so the difference to it is the gateway's own work.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
var certificate = X509Certificate2.CreateFromPemFile(builder.Configuration["cert"]!, builder.Configuration["key"]!);
builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.ListenLocalhost(int.Parse(builder.Configuration["port"]!, CultureInfo.InvariantCulture), listen => listen.UseHttps(certificate))
);
builder
    .Services.AddReverseProxy()
    .LoadFromMemory(
        [
            new RouteConfig
            {
                RouteId = "all",
                ClusterId = "backend",
                Match = new RouteMatch { Path = "/{**path}" },
            },
        ],
        [
            new ClusterConfig
            {
                ClusterId = "backend",
                Destinations = new Dictionary<string, DestinationConfig> { ["stub"] = new() { Address = builder.Configuration["destination"]! } },
            },
        ]
    );
var app = builder.Build();
app.MapReverseProxy();
app.Run();
