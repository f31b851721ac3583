namespace RecordingsService.Recordings;

/// <summary>Recordings. In the service's database (SQLite or PostgreSQL).</summary>
public interface IRecordingStore
{
    /// <summary>
    /// Stores each recording unless the stored one has an equal or higher status rank (replays and late callbacks
    /// change nothing), all in one durable transaction.
    /// </summary>
    /// <returns>For each input, in order: the recording as now stored if it changed, else null.</returns>
    Task<IReadOnlyList<Recording?>> UpsertAsync(IReadOnlyList<Recording> recordings, CancellationToken cancellationToken = default);

    Task<Recording?> FindAsync(string sid, CancellationToken cancellationToken = default);

    Task<RecordingPage> ListAsync(RecordingQuery query, CancellationToken cancellationToken = default);

    /// <summary>Recordings changed at or after <paramref name="since"/>, oldest change first (a reconnecting dashboard's gap).</summary>
    Task<IReadOnlyList<Recording>> UpdatedSinceAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken = default);

    /// <summary>Recordings (not deleted) that started before <paramref name="cutoff"/>, oldest first.</summary>
    Task<IReadOnlyList<Recording>> OlderThanAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default);
}

/// <summary>A page of recordings, newest first, and the cursor of the next page (null: this is the last).</summary>
public sealed record RecordingPage(IReadOnlyList<Recording> Items, string? NextCursor);
