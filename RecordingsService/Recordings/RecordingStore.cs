using Dapper;
using RecordingsService.Storage;

namespace RecordingsService.Recordings;

internal sealed class RecordingStore(RecordingsDatabase database) : IRecordingStore
{
    private const string Columns =
        "sid AS Sid, account_sid AS AccountSid, call_sid AS CallSid, status AS Status, duration_seconds AS DurationSeconds, channels AS Channels, "
        + "source AS Source, start_time AS StartTime, sort_at AS SortAt, created_at AS CreatedAt, updated_at AS UpdatedAt, error_code AS ErrorCode";

    // Keeps what the newer callback does not say (a final callback may omit the start time, say).
    private const string Upsert = $"""
        INSERT INTO recordings (sid, account_sid, call_sid, status, status_rank, duration_seconds, channels, source, start_time, sort_at,
            created_at, updated_at, error_code)
        VALUES (@Sid, @AccountSid, @CallSid, @Status, @Rank, @DurationSeconds, @Channels, @Source, @StartTime, @SortAt, @Now, @Now, @ErrorCode)
        ON CONFLICT (sid) DO UPDATE SET
            status = excluded.status,
            status_rank = excluded.status_rank,
            duration_seconds = COALESCE(excluded.duration_seconds, recordings.duration_seconds),
            channels = COALESCE(excluded.channels, recordings.channels),
            source = COALESCE(excluded.source, recordings.source),
            start_time = COALESCE(excluded.start_time, recordings.start_time),
            sort_at = COALESCE(excluded.start_time, recordings.start_time, recordings.sort_at),
            error_code = COALESCE(excluded.error_code, recordings.error_code),
            updated_at = excluded.updated_at
        WHERE excluded.status_rank > recordings.status_rank
        RETURNING {Columns}
        """;

    public async Task<IReadOnlyList<Recording?>> UpsertAsync(IReadOnlyList<Recording> recordings, CancellationToken cancellationToken = default)
    {
        var changed = new List<Recording?>(recordings.Count);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var recording in recordings)
        {
            var now = recording.UpdatedAt.ToUnixTimeMilliseconds();
            var startTime = recording.StartTime?.ToUnixTimeMilliseconds();
            var row = await connection.QuerySingleOrDefaultAsync<Row>(
                Upsert,
                new
                {
                    recording.Sid,
                    recording.AccountSid,
                    recording.CallSid,
                    recording.Status,
                    Rank = RecordingStatus.Rank(recording.Status),
                    recording.DurationSeconds,
                    recording.Channels,
                    recording.Source,
                    StartTime = startTime,
                    SortAt = startTime ?? now,
                    Now = now,
                    recording.ErrorCode,
                },
                transaction
            );
            changed.Add(row?.ToRecording());
        }

        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    public async Task<Recording?> FindAsync(string sid, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM recordings WHERE sid = @sid", new { sid }))?.ToRecording();
    }

    public async Task<RecordingPage> ListAsync(RecordingQuery query, CancellationToken cancellationToken = default)
    {
        // Keyset pagination on (sort_at, sid), newest first: each page is an index range scan, however deep.
        // Only the filters in use appear in the SQL, so SQLite can pick the matching index.
        var conditions = new List<string>();
        if (query.AfterSortAt is not null)
        {
            conditions.Add("(sort_at < @AfterSortAt OR (sort_at = @AfterSortAt AND sid < @AfterSid))");
        }

        if (query.CallSid is not null)
        {
            conditions.Add("call_sid = @CallSid");
        }

        if (query.Status is not null)
        {
            conditions.Add("status = @Status");
        }

        if (query.From is not null)
        {
            conditions.Add("sort_at >= @From");
        }

        if (query.To is not null)
        {
            conditions.Add("sort_at <= @To");
        }

        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        var sql = $"SELECT {Columns} FROM recordings {where} ORDER BY sort_at DESC, sid DESC LIMIT @Take";
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (
            await connection.QueryAsync<Row>(
                sql,
                new
                {
                    query.AfterSortAt,
                    query.AfterSid,
                    query.CallSid,
                    query.Status,
                    From = query.From?.ToUnixTimeMilliseconds(),
                    To = query.To?.ToUnixTimeMilliseconds(),
                    Take = query.Limit + 1,
                }
            )
        ).ToList();
        var more = rows.Count > query.Limit;
        var page = rows.Take(query.Limit).ToList();
        return new RecordingPage([.. page.Select(r => r.ToRecording())], more ? RecordingQuery.EncodeCursor(page[^1].SortAt, page[^1].Sid) : null);
    }

    public async Task<IReadOnlyList<Recording>> UpdatedSinceAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM recordings WHERE updated_at >= @since ORDER BY updated_at, sid LIMIT @limit",
            new { since = since.ToUnixTimeMilliseconds(), limit }
        );
        return [.. rows.Select(r => r.ToRecording())];
    }

    public async Task<IReadOnlyList<Recording>> OlderThanAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM recordings WHERE sort_at < @cutoff AND status <> @deleted ORDER BY sort_at LIMIT @limit",
            new
            {
                cutoff = cutoff.ToUnixTimeMilliseconds(),
                deleted = RecordingStatus.Deleted,
                limit,
            }
        );
        return [.. rows.Select(r => r.ToRecording())];
    }

    private sealed record Row(
        string Sid,
        string AccountSid,
        string CallSid,
        string Status,
        long? DurationSeconds,
        long? Channels,
        string? Source,
        long? StartTime,
        long SortAt,
        long CreatedAt,
        long UpdatedAt,
        long? ErrorCode
    )
    {
        public Recording ToRecording() =>
            new(
                Sid,
                AccountSid,
                CallSid,
                Status,
                DurationSeconds is null ? null : (int)DurationSeconds.Value,
                Channels is null ? null : (int)Channels.Value,
                Source,
                StartTime is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(StartTime.Value),
                DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
                DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAt),
                ErrorCode is null ? null : (int)ErrorCode.Value
            );
    }
}
