using AuthService.Configuration;
using ServiceDefaults.Native;

namespace AuthService.Passwords;

/// <summary>
/// Runs bcrypt with bounded concurrency: at most HASHING_CONCURRENCY hashes at once and a short queue behind them.
/// Beyond that a request is told "busy" at once (503 with Retry-After), so a flood of sign-ins cannot starve the process;
/// the hashing threads run at a lower CPU priority, so it cannot starve the machine's other work either.
/// </summary>
public sealed class PasswordHasher : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly BackgroundThreads _threads;
    private readonly int _capacity;
    private readonly int _workFactor;
    private int _inFlight;

    public PasswordHasher(AuthSettings settings)
    {
        _slots = new SemaphoreSlim(settings.HashingConcurrency, settings.HashingConcurrency);
        _threads = new BackgroundThreads("bcrypt", settings.HashingConcurrency);
        _capacity = settings.HashingConcurrency * 4;
        _workFactor = settings.BcryptWorkFactor;
        // A hash of a random password: unknown users are checked against it, so they take as long as known ones.
        DummyHash = PasswordRules.Hash(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)), _workFactor);
    }

    public string DummyHash { get; }

    public int WorkFactor => _workFactor;

    /// <returns>Null when busy; otherwise whether the password matches.</returns>
    public Task<bool?> VerifyAsync(string password, string hash, CancellationToken cancellationToken) =>
        RunAsync<bool?>(() => Verify(password, hash), cancellationToken);

    /// <returns>Null when busy; otherwise the new hash.</returns>
    public async Task<string?> HashAsync(string password, CancellationToken cancellationToken) =>
        await RunAsync<string?>(() => PasswordRules.Hash(password, _workFactor), cancellationToken);

    private async Task<T?> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _inFlight) > _capacity)
        {
            Interlocked.Decrement(ref _inFlight);
            return default;
        }

        try
        {
            if (!await _slots.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken))
            {
                return default;
            }

            try
            {
                // bcrypt is CPU-bound by design: it runs on its own low-priority threads, so a flood of sign-ins
                // slows sign-ins down, not every other request on the machine.
                return await _threads.RunAsync(work);
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public void Dispose()
    {
        _threads.Dispose();
        _slots.Dispose();
    }

    private static bool Verify(string password, string hash)
    {
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }
}
