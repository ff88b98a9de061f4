namespace CreditPolicy;

/// <summary>Configures the <see cref="ICreditPolicy"/> registered by <see cref="CreditPolicyServiceCollectionExtensions.AddCreditPolicy"/>.</summary>
public sealed class CreditPolicyOptions
{
    /// <summary>The default of <see cref="MaxStepsPerDecision"/>: one million.</summary>
    public const long DefaultMaxStepsPerDecision = Rules.StepBudget.DefaultLimit;

    /// <summary>The directory holding <c>terms.json</c> and the rule files, or <c>versions/</c> with one such folder per version of the terms. Required; relative paths resolve against the current directory.</summary>
    public string RulesDirectory { get; set; } = "";

    /// <summary>Whether to watch <see cref="RulesDirectory"/> and reload the rules when a file in it changes. Default: true.</summary>
    /// <remarks>A changed rule set serves only once it loads, compiles and passes every scenario; until then the last good set keeps serving.</remarks>
    public bool WatchForChanges { get; set; } = true;

    /// <summary>How long the directory must be quiet after a change before the rules reload, so that an edit of several files reloads once. Default: 500 ms.</summary>
    public TimeSpan ReloadDebounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The default poll while <see cref="WatchForChanges"/> is on and <see cref="PollInterval"/> is not set: every 30 seconds.</summary>
    public static readonly TimeSpan DefaultSafetyPollInterval = TimeSpan.FromSeconds(30);

    /// <summary>How often to compare the directory's content and reload when it changed. Default: null, meaning every 30 seconds (<see cref="DefaultSafetyPollInterval"/>) while <see cref="WatchForChanges"/> is on, and never otherwise.</summary>
    /// <remarks>
    /// Change notifications can be lost (an overflowing queue, network shares, some containers), so watching is backed by
    /// this poll; set a shorter interval where notifications do not work at all. A poll reads the directory (at most
    /// 16 MiB of JSON) and compares a sha256; only a difference reloads.
    /// </remarks>
    public TimeSpan? PollInterval { get; set; }

    /// <summary>The most work the rules may do in one decision, in steps; more makes the decision indeterminate. Default one million.</summary>
    /// <remarks>
    /// A step is one element visited by a sequence operator in a rule expression, one call of a lambda passed to
    /// one, or one grant summed by a fact such as <c>c.Available</c>. The bundled rules take a few steps per grant;
    /// the budget is there for a rule that does quadratic or worse work on a case with many grants.
    /// </remarks>
    public long MaxStepsPerDecision { get; set; } = DefaultMaxStepsPerDecision;

    /// <summary>A NodaTime tz database file (<c>.nzd</c>) to compute expiries with instead of the one NodaTime carries; null (the default) for the bundled one.</summary>
    /// <remarks>
    /// Time-zone rules change (Africa/Casablanca did in 2026); a newer database is loaded without a new release. Its version
    /// (for example <c>2026f</c>) is part of every decision's <c>rules</c>, and of its id. Download files from https://nodatime.org/tzdb/.
    /// </remarks>
    public string? TimeZoneDatabasePath { get; set; }
}
