using System.Diagnostics.Metrics;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy.Server.Telemetry;

/// <summary>The server's metrics, as OpenTelemetry instruments on one meter; <c>/metrics</c> exports them as Prometheus text.</summary>
/// <remarks>
/// Names as Prometheus shows them: <c>creditpolicy_decisions_total{endpoint,outcome}</c>,
/// <c>creditpolicy_decision_clauses_total{outcome,clause}</c> (a decision citing a clause twice counts once, as in
/// <c>sweep</c>'s summary), <c>creditpolicy_decision_duration_seconds</c> (histogram: reading the case and deciding it,
/// per endpoint), <c>creditpolicy_invalid_cases_total{endpoint}</c>, <c>creditpolicy_reloads_total{result}</c>,
/// <c>creditpolicy_rules_serving{terms_version,digest}</c> (1 for each version served, 0 for one served before) and
/// <c>creditpolicy_rules_healthy</c> (0 while the directory holds a rejected edit).
/// </remarks>
internal sealed class ServerMetrics
{
    /// <summary>The meter's name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "CreditPolicy.Server";

    // Decision latencies are tens of microseconds to milliseconds; OpenTelemetry's default buckets are for milliseconds.
    private static readonly double[] DurationBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

    private readonly Counter<long> _decisions;
    private readonly Counter<long> _clauses;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _invalid;
    private readonly Counter<long> _reloads;
    private readonly ICreditPolicyStatus _status;
    private readonly object _servedGate = new();
    private readonly HashSet<(string Version, string Digest)> _served = [];

    public ServerMetrics(IMeterFactory meters, ICreditPolicyStatus status)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _status = status ?? throw new ArgumentNullException(nameof(status));
        var meter = meters.Create(MeterName);
        _decisions = meter.CreateCounter<long>("creditpolicy.decisions", "{decision}", "Decisions answered, by endpoint and outcome.");
        _clauses = meter.CreateCounter<long>("creditpolicy.decision.clauses", "{decision}", "Decisions citing a clause, by outcome and clause (once per decision).");
        _duration = meter.CreateHistogram("creditpolicy.decision.duration", "s", "Time to read a case and decide it, by endpoint.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _invalid = meter.CreateCounter<long>("creditpolicy.invalid_cases", "{case}", "Cases refused as not valid (400, or an error line of a batch), by endpoint.");
        _reloads = meter.CreateCounter<long>("creditpolicy.reloads", "{reload}", "Reload attempts of the rule directory, by result: replaced, unchanged or rejected.");
        meter.CreateObservableGauge("creditpolicy.rules.serving", ObserveServing, "{version}", "1 for each version of the terms being served (with its digest), 0 for one served earlier.");
        meter.CreateObservableGauge("creditpolicy.rules.healthy", () => _status.Status.IsHealthy ? 1 : 0, "{bool}", "0 while the rule directory holds an edit that was rejected (the last good rules keep serving), else 1.");
    }

    /// <summary>Counts one decision and its latency.</summary>
    public void Decided(string endpoint, Decision decision, TimeSpan elapsed)
    {
        Decided(endpoint, decision.Outcome, Clauses(decision), elapsed);
    }

    /// <summary>Counts one decision, by the clauses it cites, and its latency.</summary>
    public void Decided(string endpoint, Outcome outcome, IEnumerable<string> clauses, TimeSpan elapsed)
    {
        var name = DecisionJson.OutcomeName(outcome);
        _decisions.Add(1, new("endpoint", endpoint), new("outcome", name));
        foreach (var clause in clauses) _clauses.Add(1, new("outcome", name), new("clause", clause));
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("endpoint", endpoint));
    }

    /// <summary>Counts one case refused as not valid.</summary>
    public void Invalid(string endpoint) => _invalid.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));

    /// <summary>Counts one reload attempt.</summary>
    public void Reloaded(ReloadAttempt attempt) =>
        _reloads.Add(1, new KeyValuePair<string, object?>("result", attempt.Outcome.ToString().ToLowerInvariant()));

    /// <summary>The distinct clauses a decision cites, in order.</summary>
    public static IEnumerable<string> Clauses(Decision decision) =>
        decision.Reasons.Select(r => r.Clause).OfType<string>().Distinct(StringComparer.Ordinal);

    private IEnumerable<Measurement<int>> ObserveServing()
    {
        var serving = _status.Status.Catalogue.Versions.Select(v => (v.Identity.TermsVersion ?? "", v.Identity.Digest)).ToHashSet();
        (string Version, string Digest)[] all;
        lock (_servedGate)
        {
            // A version no longer served reports 0 rather than vanishing: a cumulative exporter would repeat its last 1.
            _served.UnionWith(serving);
            all = _served.ToArray();
        }

        return all.Select(v => new Measurement<int>(serving.Contains(v) ? 1 : 0, new("terms_version", v.Version), new("digest", v.Digest)));
    }
}
