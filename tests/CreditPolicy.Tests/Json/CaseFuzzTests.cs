using Bogus;
using CreditPolicy.Cli.Generation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Tests.Cli;
using CreditPolicy.Tests.Oracle;
using Newtonsoft.Json.Linq;
using NodaTime;

namespace CreditPolicy.Tests.Json;

/// <summary>
/// Valid generated cases, mutated at random (seeded): as JSON text (drop fields, change types, flip signs, swap values,
/// duplicate grants, rename fields, cut the text) and as records (the same, past the reader). No exception escapes, no
/// invalid case is ever permitted, and a mutated case that is still valid is decided as the oracle decides it.
/// </summary>
public sealed class CaseFuzzTests
{
    private const int Seed = 777;

    private const int JsonMutants = 6_000;

    private const int RecordMutants = 6_000;

    private static readonly JToken[] Replacements =
    [
        "x", "", "2026-11-25T10:00:00Z", "open", "usage", "acct_1", 1.5m, -3, 0, 79228162514264337593543950335m, true, false,
        JValue.CreateNull(), new JArray(), new JObject(), new JArray(1, 2), new JObject { ["a"] = 1 },
    ];

    [Fact]
    public void Read_MutatedJson_NeverThrowsAndInvalidCasesNeverDecide()
    {
        var generator = new CaseGenerator(Seed);
        var r = new Randomizer(Seed);
        int invalid = 0, valid = 0;
        for (var i = 0; i < JsonMutants; i++)
        {
            var original = generator.Generate(i);
            var json = (JObject)original.Json.DeepClone();
            var mutations = Enumerable.Range(0, r.Number(1, 3)).Select(_ => Mutate(json, r)).ToArray();
            var text = CaseJsonWriter.ToJson(json, indented: r.Bool());
            if (r.Bool(0.1f)) text = CutText(text, r);

            CaseReadResult read;
            try
            {
                read = CaseJson.Read(text);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"seed {Seed}, mutant {i} ({string.Join(", ", mutations)}): CaseJson.Read threw {ex}{Environment.NewLine}{text}");
            }

            if (!read.IsValid)
            {
                invalid++;
                Assert.Null(read.Case);
                Assert.NotEmpty(read.Problems);
                Assert.All(read.Problems, p => Assert.True(p.Path.Length > 0 && p.Message.Length > 0, $"mutant {i}: a problem without a path or message"));
                continue;
            }

            valid++;
            Decide(read.Case!, $"seed {Seed}, mutant {i} ({string.Join(", ", mutations)})");
        }

        Assert.True(invalid > JsonMutants / 2 && valid > JsonMutants / 20, $"{invalid} invalid, {valid} still valid");
    }

    [Fact]
    public void Decide_MutatedRecords_NeverThrowsNeverPermitsAnInvalidCase()
    {
        var generator = new CaseGenerator(Seed + 1);
        var r = new Randomizer(Seed + 1);
        int invalid = 0, valid = 0;
        for (var i = 0; i < RecordMutants; i++)
        {
            var c = generator.Generate(i).Case;
            var mutations = new List<string>();
            for (var m = r.Number(1, 3); m > 0; m--)
            {
                var (mutated, what) = Mutate(c, r);
                c = mutated;
                mutations.Add(what);
            }

            var context = $"seed {Seed + 1}, mutant {i} ({string.Join(", ", mutations)})";
            var problems = CaseValidator.Validate(c);
            var decision = Decide(c, context);
            if (problems.Count > 0)
            {
                invalid++;
                Assert.True(decision.Outcome == Outcome.Indeterminate, $"{context}: an invalid case was {decision.Outcome}: {string.Join("; ", problems)}");
                Assert.All(decision.Reasons, reason => Assert.Equal("evaluator:invalid-case", reason.Rule));
            }
            else
            {
                valid++;
            }
        }

        Assert.True(invalid > RecordMutants / 2 && valid > RecordMutants / 20, $"{invalid} invalid, {valid} still valid");
    }

    [Fact]
    public async Task Evaluate_MutatedJson_ExitsWithBadInputOrADecisionAndNeverAStackTrace()
    {
        var generator = new CaseGenerator(Seed + 2);
        var r = new Randomizer(Seed + 2);
        var path = Path.Combine(Path.GetTempPath(), $"creditpolicy-fuzz-{Guid.NewGuid():N}.json");
        try
        {
            for (var i = 0; i < 60; i++)
            {
                var json = (JObject)generator.Generate(i).Json.DeepClone();
                Mutate(json, r);
                var text = CaseJsonWriter.ToJson(json, indented: true);
                await File.WriteAllTextAsync(path, text);
                var valid = CaseJson.Read(text).IsValid;

                var (exit, stdout, stderr) = await CliRunner.Run("", "evaluate", path, "--rules", TestPaths.Rules, "--compact");

                Assert.True(exit == (valid ? 0 : 2), $"mutant {i}: exit {exit}{Environment.NewLine}{stderr}{Environment.NewLine}{text}");
                Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
                if (!valid) Assert.Equal("", stdout);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Decides a case that may be invalid: nothing may escape, and a valid case (in range of the calendar) must be decided as the oracle decides it.</summary>
    private static Decision Decide(CreditCase c, string context)
    {
        Decision decision;
        try
        {
            decision = BundledRules.AlwaysInForce.Decide(c);
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{context}: Decide threw {ex}");
        }

        if (CaseValidator.Validate(c).Count == 0)
        {
            Decision oracle;
            try
            {
                oracle = TermsOracle.Decide(c);
            }
            catch (Exception ex) when (ex is OverflowException or ArgumentOutOfRangeException)
            {
                // Sums beyond decimal, dates beyond the calendar: nobody can decide, and the evaluator must say so.
                Assert.True(decision.Outcome == Outcome.Indeterminate, $"{context}: the oracle cannot decide ({ex.GetType().Name}) but the rules said {decision.Outcome}");
                return decision;
            }

            var differences = DecisionComparer.Differences(decision, oracle);
            Assert.True(differences.Count == 0, $"{context}: the rules and the oracle disagree:{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", differences) + Environment.NewLine + CaseJsonWriter.ToJson(c, indented: true));
        }

        return decision;
    }

    internal static string Mutate(JObject root, Randomizer r)
    {
        var values = root.DescendantsAndSelf().OfType<JValue>().Where(v => v.Parent is JProperty).ToList();
        var properties = root.Descendants().OfType<JProperty>().ToList();
        var grants = root["grants"] as JArray;
        switch (r.Number(0, 10))
        {
            case 0 when properties.Count > 0:
            {
                var p = r.ListItem(properties);
                p.Remove();
                return $"dropped {p.Path}";
            }

            case 1 when values.Count > 0:
            {
                var v = r.ListItem(values);
                var path = v.Path;
                v.Replace(r.ArrayElement(Replacements).DeepClone());
                return $"changed the type of {path}";
            }

            case 2:
            {
                var numbers = values.Where(v => v.Type is JTokenType.Integer or JTokenType.Float).ToList();
                if (numbers.Count == 0) goto default;
                var v = r.ListItem(numbers);
                v.Value = -(decimal)v;
                return $"flipped the sign of {v.Path}";
            }

            case 3 when values.Count > 1:
            {
                var a = r.ListItem(values);
                var b = r.ListItem(values);
                (a.Value, b.Value) = (b.Value, a.Value);
                return $"swapped {a.Path} and {b.Path}";
            }

            case 4 when grants is { Count: > 0 }:
            {
                var copy = r.ListItem(grants.ToList()).DeepClone();
                if (r.Bool()) copy["id"] = "dup-" + r.Number(0, 9);
                grants.Add(copy);
                return "duplicated a grant";
            }

            case 5 when properties.Count > 0:
            {
                var p = r.ListItem(properties);
                var name = r.Bool() ? p.Name.ToUpperInvariant() : p.Name + "s";
                if (p.Parent is JObject parent && parent.ContainsKey(name)) goto default;
                p.Replace(new JProperty(name, p.Value));
                return $"renamed {p.Path} to {name}";
            }

            case 6 when root["request"] is JObject request:
            {
                request["type"] = r.ArrayElement(RequestTypes.All.Append("withdraw").Append("USE").ToArray());
                return "changed the request type";
            }

            case 7 when root["account"] is JObject account:
            {
                account["timeZone"] = r.ArrayElement(new[] { "Mars/Olympus", "UTC", "America/new_york", "+05:00", "Etc/GMT-14", "" });
                return "changed the time zone";
            }

            case 8:
            {
                var instants = values.Where(v => v.Type == JTokenType.String && ((string)v!).Contains('T', StringComparison.Ordinal)).ToList();
                if (instants.Count == 0) goto default;
                var v = r.ListItem(instants);
                v.Value = r.ArrayElement(new[] { "2026-11-25T10:00:00", "2026-02-30T00:00:00Z", "0001-01-01T00:00:00Z", "2026-11-25", "2026-11-25T10:00:00+25:00", "1999-12-31T23:59:59.9999999Z" });
                return $"changed the instant {v.Path}";
            }

            case 9:
            {
                root["unexpected"] = r.Bool() ? new JArray() : "field";
                return "added an unknown field";
            }

            default:
            {
                var numbers = values.Where(v => v.Type is JTokenType.Integer or JTokenType.Float).ToList();
                if (numbers.Count == 0) return "no change";
                var v = r.ListItem(numbers);
                v.Value = r.ArrayElement(new[] { 0m, 0.001m, 1e-28m, 79228162514264337593543950335m, -0.01m, 1e15m });
                return $"set {v.Path} to an extreme";
            }
        }
    }

    internal static string CutText(string text, Randomizer r) => r.Number(0, 2) switch
    {
        0 => text[..r.Number(0, text.Length - 1)],
        1 => text.Insert(r.Number(0, text.Length), r.ArrayElement(new[] { "{", "]", ",", "\"", "\\", "\u0000", "NaN", "//" })),
        _ => text.Remove(r.Number(0, text.Length - 1), 1),
    };

    private static (CreditCase Case, string What) Mutate(CreditCase c, Randomizer r)
    {
        var grants = c.Grants?.ToList() ?? [];
        var i = grants.Count > 0 ? r.Number(0, grants.Count - 1) : -1;
        if (i >= 0 && grants[i] is null) i = -1;
        CreditCase With(Grant g) => c with { Grants = grants.Select((x, j) => j == i ? g : x).ToArray() };
        switch (r.Number(0, 15))
        {
            case 0 when i >= 0: return (With(grants[i] with { Amount = -grants[i].Amount - 0.01m }), "negative amount");
            case 1 when i >= 0: return (With(grants[i] with { Remaining = grants[i].Amount + 0.01m }), "remaining above amount");
            case 2 when i >= 0: return (c with { Grants = grants.Append(grants[i]).ToArray() }, "duplicate grant");
            case 3 when i >= 0: return (With(grants[i] with { IssuedAt = c.AsOf + Duration.FromTicks(1) }), "issued after asOf");
            case 4 when i >= 0: return (With(grants[i] with { ConfirmedAt = grants[i].IssuedAt - Duration.FromTicks(1) }), "confirmed before issue");
            case 5 when i >= 0: return (With(grants[i] with { Kind = r.Bool() ? "gift" : null! }), "bad kind");
            case 6 when i >= 0: return (With(grants[i] with { HolderAccountId = r.Bool() ? "" : null! }), "no holder");
            case 7: return (c with { Account = c.Account with { Status = c.Account.Status == AccountStatuses.Open ? AccountStatuses.Closed : AccountStatuses.Open } }, "flipped status");
            case 8: return (c with { Account = c.Account with { ClosedAt = c.AsOf + Duration.FromTicks(1) } }, "closed after asOf");
            case 9: return (c with { Account = c.Account with { TimeZone = r.Bool() ? "Nowhere/Atlantis" : null! } }, "bad zone");
            case 10: return (c with { Request = c.Request with { Type = r.ArrayElement(RequestTypes.All.ToArray()) } }, "other request type, same fields");
            case 11: return (c with { Request = c.Request with { Amount = r.ArrayElement(new decimal?[] { 0m, -1m, null, 0.01m }) } }, "request amount");
            case 12: return (c with { Request = c.Request with { GrantId = r.Bool() ? "missing" : null } }, "request grant");
            case 13 when c.Account.BalanceMaintenance is { } m:
                return (c with { Account = c.Account with { BalanceMaintenance = m with { Threshold = -m.Threshold - 1m, ReloadAmount = -m.ReloadAmount } } }, "negative maintenance");
            case 14: return (r.Bool() ? c with { Grants = null! } : c with { Grants = grants.Append(null!).ToArray() }, "null grants");
            default:
                // A valid change: swap two amounts or move asOf by a tick; the oracle must still agree.
                if (i >= 0) return (With(grants[i] with { Remaining = Math.Min(grants[i].Amount, grants[i].Remaining + 0.01m) }), "remaining up a cent");
                return (c with { AsOf = c.AsOf + Duration.FromTicks(1) }, "asOf one tick later");
        }
    }
}
