using System.Text.Json;
using CreditPolicy.Rules;
using NodaTime;

namespace CreditPolicy.Server.Endpoints;

/// <summary>Since when each version of the terms has been served, across reloads, and the <c>GET /v1/rules</c> body.</summary>
/// <remarks>
/// A reload replaces the whole catalogue, but a version whose digest it did not change has served since it first did:
/// after an edit of the 2027 version only, the 2026 version still shows the instant it started serving.
/// </remarks>
internal sealed class RulesStatusView
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };

    private readonly ReloadingCreditPolicy _policy;
    private readonly IClock _clock;
    private volatile Dictionary<(string Version, string Digest), Instant> _since;

    public RulesStatusView(ReloadingCreditPolicy policy, IClock clock)
    {
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        var status = policy.Status;
        _since = status.Catalogue.Versions.ToDictionary(Key, _ => status.LoadedAt);
        policy.Reloaded += OnReloaded;
    }

    private static (string, string) Key(RuleSet v) => (v.Identity.TermsVersion ?? "", v.Identity.Digest);

    private void OnReloaded(object? sender, ReloadAttempt attempt)
    {
        if (attempt.Outcome != ReloadOutcome.Replaced) return;
        var status = _policy.Status;
        var before = _since;
        _since = status.Catalogue.Versions.ToDictionary(Key, v => before.TryGetValue(Key(v), out var since) ? since : status.LoadedAt);
    }

    /// <summary>The body of <c>GET /v1/rules</c>.</summary>
    public byte[] Json()
    {
        var status = _policy.Status;
        var since = _since;
        var catalogue = status.Catalogue;
        var inForce = catalogue.InForceAt(_clock.GetCurrentInstant());
        using var buffer = new MemoryStream(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteBoolean("healthy", status.IsHealthy);
            w.WriteString("digest", catalogue.Identity.Digest);
            w.WriteString("tzdb", catalogue.TimeZones.Version);
            w.WriteString("servingSince", RuleCatalogue.Format(status.LoadedAt));
            w.WriteStartArray("versions");
            foreach (var v in catalogue.Versions)
            {
                w.WriteStartObject();
                w.WriteString("termsVersion", v.Identity.TermsVersion);
                if (v.EffectiveFrom is { } from) w.WriteString("effectiveFrom", RuleCatalogue.Format(from));
                else w.WriteNull("effectiveFrom");
                w.WriteString("digest", v.Identity.Digest);
                w.WriteNumber("rules", v.Rules.Count);
                w.WriteBoolean("inForce", ReferenceEquals(v, inForce));
                w.WriteString("servingSince", RuleCatalogue.Format(since.TryGetValue(Key(v), out var s) ? s : status.LoadedAt));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (status.LastAttempt is { } attempt)
            {
                w.WriteStartObject("lastReload");
                w.WriteString("at", RuleCatalogue.Format(attempt.At));
                w.WriteString("result", attempt.Outcome.ToString().ToLowerInvariant());
                w.WriteStartArray("problems");
                foreach (var p in attempt.Problems)
                {
                    w.WriteStartObject();
                    w.WriteString("file", p.File);
                    if (p.Workflow is not null) w.WriteString("workflow", p.Workflow);
                    if (p.Rule is not null) w.WriteString("rule", p.Rule);
                    if (p.Line is { } line) w.WriteNumber("line", line);
                    w.WriteString("message", p.Message);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("lastReload");
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
