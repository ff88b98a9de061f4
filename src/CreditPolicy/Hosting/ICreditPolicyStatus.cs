using CreditPolicy.Rules;
using NodaTime;

namespace CreditPolicy;

/// <summary>Health and control of an evaluator that reloads its rules: what it serves, since when, and how the last reload went.</summary>
public interface ICreditPolicyStatus
{
    /// <summary>The rules being served and the last reload attempt, as one consistent snapshot.</summary>
    CreditPolicyStatus Status { get; }

    /// <summary>Loads, compiles and checks the rule directory now, and serves it if every check passes; otherwise keeps serving the last good rules.</summary>
    /// <remarks>Reloads run one at a time; a call made while another runs waits for it and then reloads again.</remarks>
    /// <exception cref="OperationCanceledException">Thrown when <paramref name="cancellationToken"/> is cancelled before the reload starts.</exception>
    Task<ReloadAttempt> ReloadAsync(CancellationToken cancellationToken = default);
}

/// <summary>What an evaluator that reloads its rules is serving, and how its last reload went.</summary>
/// <param name="Catalogue">The rules being served: every version of the terms, with its identity.</param>
/// <param name="LoadedAt">When <paramref name="Catalogue"/> started serving.</param>
/// <param name="LastAttempt">The last reload attempt, or null when there was none since start-up.</param>
public sealed record CreditPolicyStatus(RuleCatalogue Catalogue, Instant LoadedAt, ReloadAttempt? LastAttempt)
{
    /// <summary>Whether the last reload attempt (if any) did not reject the rule directory: false means the directory holds an edit that is not being served.</summary>
    public bool IsHealthy => LastAttempt is not { Outcome: ReloadOutcome.Rejected };
}

/// <summary>One attempt to reload the rules.</summary>
/// <param name="At">When the attempt finished.</param>
/// <param name="Outcome">Whether the rules were replaced, unchanged or rejected.</param>
/// <param name="Problems">Why the rules were rejected: every load, compile and scenario problem, each naming its file; empty otherwise.</param>
public sealed record ReloadAttempt(Instant At, ReloadOutcome Outcome, IReadOnlyList<RuleProblem> Problems);

/// <summary>What a reload attempt did.</summary>
public enum ReloadOutcome
{
    /// <summary>The directory loaded, compiled and passed every scenario, and now serves.</summary>
    Replaced,
    /// <summary>The directory passed every check and holds the rules already served.</summary>
    Unchanged,
    /// <summary>The directory failed a check; the last good rules keep serving.</summary>
    Rejected,
}
