namespace System.Tests.Infrastructure;

/// <summary>
/// Tests that run a whole system — the multi-replica system as processes (eight of them, with PostgreSQL and Redis) or
/// the containers of docker compose — take turns: on a two-core machine two such systems at once would measure each
/// other's load (a probe's timeout, a drain's deadline), not the platform.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WholeSystem
{
    public const string Name = "the multi-replica system";
}

/// <summary>
/// The trait of tests that deploy/test.sh runs after every other, on their own (the multi-replica system, the
/// containers): their load would slow the other tests' timed checks, and theirs would measure the others.
/// </summary>
public static class RunsAlone
{
    public const string Trait = "Runs";
    public const string Value = "alone";
}
