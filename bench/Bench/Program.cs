using Bench;

// Usage: dotnet Bench.dll <scenario> --key value ...   (bench/run.sh passes everything)
var options = Options.Parse(args.Skip(1));
return args.FirstOrDefault() switch
{
    "webhooks" => await Webhooks.RunAsync(options),
    "live" => await LiveEvents.RunAsync(options),
    "signin-flood" => await SignInFlood.RunAsync(options),
    "idle" => await IdleConnections.RunAsync(options),
    "spray" => await AddressSpray.RunAsync(options),
    "webhook-noise" => await WebhookNoise.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("scenarios: webhooks | live | signin-flood | idle | spray | webhook-noise");
    return 64;
}
