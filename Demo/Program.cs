using Demo;
using ServiceDefaults.Configuration;

// The demo behind `bash deploy/run.sh --demo` and the compose file's demo profile: Twilio's REST API played by a
// stand-in, and sample callbacks posted through the gateway, so a new user sees a working dashboard without a Twilio
// account.
return await StartupGuard.RunAsync(async () =>
{
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.Logging.ClearProviders();
    var settings = builder.AddSettings(DemoSettings.Read);
    builder.WebHost.UseUrls($"http://{settings.ListenAddress}:{settings.StandInPort}");
    var app = builder.Build();
    TwilioStandIn.Map(app, settings);
    await app.StartAsync();

    var stopping = app.Lifetime.ApplicationStopping;
    using var poster = new CallbackPoster(settings);
    try
    {
        await PostSampleCallbacksAsync(settings, poster, stopping);
    }
    catch (OperationCanceledException) when (stopping.IsCancellationRequested)
    {
        // Stopped (Ctrl-C, docker stop) while callbacks were still to come: nothing is left half-done.
    }

    await app.WaitForShutdownAsync();
});

static async Task PostSampleCallbacksAsync(DemoSettings settings, CallbackPoster poster, CancellationToken stopping)
{
    var now = DateTimeOffset.UtcNow;
    var first = SampleRecordings.First(now);
    var arriving = SampleRecordings.Arriving(now + settings.LateAfter);
    foreach (var recording in first)
    {
        TwilioStandIn.Remember(recording);
    }

    await poster.WaitForGatewayAsync(stopping);
    var stored = 0;
    foreach (var recording in first)
    {
        stored += await poster.PostAsync(recording, recording.Status, stopping) == StatusCodes.Status204NoContent ? 1 : 0;
    }

    Console.WriteLine(
        $"""

          Demo mode: Twilio is simulated; nothing reaches twilio.com.
          - Twilio's REST API is a stand-in on http://{settings.ListenAddress}:{settings.StandInPort}: recordings' audio is generated
            here (tones, seekable), deletes and sync are answered here. Account {settings.AccountSid}, with a made-up token.
          - {stored} of {first.Count} signed sample callbacks were accepted by the gateway (a second run stores no duplicates);
            {arriving.Count} more arrive from {settings.LateAfter.TotalSeconds:0} s on, one every {settings.ArrivalInterval.TotalSeconds:0} s:
            watch the live badge.

        """
    );

    await Task.Delay(settings.LateAfter, stopping);
    foreach (var recording in arriving)
    {
        // First in progress, then completed a little later: the row appears, then changes. Twilio lists it from now.
        TwilioStandIn.Remember(recording);
        await poster.PostAsync(recording, "in-progress", stopping);
        await Task.Delay(settings.ArrivalInterval / 3, stopping);
        var status = await poster.PostAsync(recording, recording.Status, stopping);
        Console.WriteLine($"  Demo: a callback for {recording.Sid} ({recording.Duration} s) arrived ({status}).");
        await Task.Delay(settings.ArrivalInterval * 2 / 3, stopping);
    }

    Console.WriteLine("  Demo: all sample callbacks sent. The Twilio stand-in keeps answering until stopped.");
}
