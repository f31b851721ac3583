using System.Security.Cryptography;
using AuthService.Configuration;
using ServiceDefaults.Native;

namespace AuthService.Passwords;

/// <summary>
/// Runs bcrypt with bounded concurrency: at most HASHING_CONCURRENCY hashes at once and a short queue behind them.
/// Beyond that a request is told "busy" at once (503 with Retry-After), so a flood of sign-ins cannot starve the process;
/// the hashing threads run at a lower CPU priority, so it cannot starve the machine's other work either.
/// A sign-in from the user's own device (a valid device cookie naming the username) has a lane of its own, one thread
/// and a short queue, so a flood that fills the common lane neither delays nor refuses it.
/// </summary>
public sealed class PasswordHasher : IDisposable
{
    private readonly Lane _everyone;
    private readonly Lane _ownDevices;
    private readonly int _workFactor;

    public PasswordHasher(AuthSettings settings)
    {
        _everyone = new Lane("bcrypt", settings.HashingConcurrency);
        _ownDevices = new Lane("bcrypt-own-device", 1);
        _workFactor = settings.BcryptWorkFactor;
        // A hash of a random password: unknown users are checked against it, so they take as long as known ones.
        DummyHash = PasswordRules.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)), _workFactor);
    }

    public string DummyHash { get; }

    public int WorkFactor => _workFactor;

    /// <summary>Hashes running or waiting, in both lanes.</summary>
    public int InFlight => _everyone.InFlight + _ownDevices.InFlight;

    /// <param name="ownDevice">The attempt presents a valid device cookie for this username: it uses the own-device lane.</param>
    /// <returns>Null when busy; otherwise whether the password matches.</returns>
    public Task<bool?> VerifyAsync(string password, string hash, bool ownDevice, CancellationToken cancellationToken) =>
        (ownDevice ? _ownDevices : _everyone).RunAsync<bool?>(() => Verify(password, hash), cancellationToken);

    /// <param name="ownDevice">As for <see cref="VerifyAsync"/>: a stored hash upgraded at an own-device sign-in stays in its lane.</param>
    /// <returns>Null when busy; otherwise the new hash.</returns>
    public async Task<string?> HashAsync(string password, bool ownDevice, CancellationToken cancellationToken) =>
        await (ownDevice ? _ownDevices : _everyone).RunAsync<string?>(() => PasswordRules.Hash(password, _workFactor), cancellationToken);

    public void Dispose()
    {
        _everyone.Dispose();
        _ownDevices.Dispose();
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

    /// <summary>Hashing threads, as many slots as threads, and a queue of three times as many before "busy".</summary>
    private sealed class Lane(string name, int threads) : IDisposable
    {
        private readonly SemaphoreSlim _slots = new(threads, threads);
        private readonly BackgroundThreads _threads = new(name, threads);
        private readonly int _capacity = threads * 4;
        private int _inFlight;

        public int InFlight => Volatile.Read(ref _inFlight);

        public async Task<T?> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
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
    }
}
