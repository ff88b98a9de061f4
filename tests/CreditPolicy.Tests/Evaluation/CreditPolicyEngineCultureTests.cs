using System.Globalization;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Evaluation;

/// <summary>A decision does not depend on the host's culture (issue 8): string comparisons and sorts in rules are ordinal, and nothing formats a value with the culture.</summary>
/// <remarks>
/// The test project runs with <c>InvariantGlobalization</c> off (ICU loaded), so the cultures set here are real:
/// <see cref="CurrentCulture_SetInATest_TakesEffect"/> proves it, or every other test here would pass vacuously.
/// </remarks>
public sealed class CreditPolicyEngineCultureTests
{
    public static TheoryData<string> Cultures => ["", "de-DE", "tr-TR", "en-US", "ja-JP"];

    private static readonly Lazy<EdgeCase[]> Generated = new(() => new EdgeCaseGenerator(4242).GenerateMany(400).ToArray());

    private static readonly string[] Every = ["use", "refund", "cashOut", "transfer", "sell", "closeAccount", "restore", "expirations", "reload", "balance"];

    /// <summary>The bundled rules plus note rules that use every string operation rules have, for every request type: a note that fires is listed in a permit's reasons.</summary>
    private static readonly Lazy<CreditPolicyEngine> StringRules = new(() =>
    {
        using var rules = new TempRuleDirectory();
        rules.AddRule("reporting.json", Note("id-before-b", "c.Account.Id < \"B\""));
        rules.AddRule("reporting.json", Note("first-grant-by-id-is-b", "c.Grants.Count() > 0 && c.Grants.OrderBy(x => x.Id).First().Id == \"B\""));
        rules.AddRule("reporting.json", Note("last-grant-by-id-descending", "c.Grants.Count() > 1 && c.Grants.OrderByDescending(x => x.HolderAccountId).ThenBy(x => x.Id).Last().Id < \"i\""));
        rules.AddRule("reporting.json", Note("id-starts-with-acct", "c.Account.Id.StartsWith(\"acct\")"));
        rules.AddRule("reporting.json", Note("id-ends-with-1", "c.Account.Id.EndsWith(\"1\") || c.Account.Id.Contains(\"I\")"));
        rules.AddRule("reporting.json", Note("id-compares-before-i", "string.Compare(c.Account.Id, \"i\") < 0 && string.CompareOrdinal(c.Account.Id, \"I\") > 0"));
        rules.AddRule("reporting.json", Note("upper-i", "c.Grants.Any(x => x.Id.ToUpperInvariant() == \"I\" || x.Id.ToLowerInvariant() == \"i\")"));
        rules.AddRule("reporting.json", Note("trimmed-equal", "c.Grants.Any(x => x.Id.Trim().Equals(\"e\")) || string.Equals(c.Account.Id, \"ACCT_1\")"));
        return new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(rules.Load()));
    });

    private static JObject Note(string name, string expression) => new()
    {
        ["RuleName"] = name,
        ["SuccessEvent"] = $"Note {name}.",
        ["Expression"] = expression,
        ["Properties"] = new JObject { ["clause"] = "B.1", ["scope"] = "request", ["appliesTo"] = new JArray(Every), ["effect"] = "note" },
    };

    private static T InCulture<T>(string name, Func<T> run)
    {
        var before = CultureInfo.CurrentCulture;
        var beforeUi = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = name.Length == 0 ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo(name);
        try
        {
            return run();
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
            CultureInfo.CurrentUICulture = beforeUi;
        }
    }

    [Fact]
    public void CurrentCulture_SetInATest_TakesEffect()
    {
        Assert.Equal("32,5", InCulture("de-DE", () => 32.5m.ToString()));
        Assert.Equal("İ", InCulture("tr-TR", () => "i".ToUpper()));
        Assert.True(InCulture("", () => string.Compare("a", "B")) < 0);
        Assert.True(string.CompareOrdinal("a", "B") > 0);
    }

    /// <summary>What the culture-sensitive reading of each note rule would say, against the ordinal one the rules must give.</summary>
    public static TheoryData<string, string, string[], bool> OrdinalCases() => new()
    {
        // 'a' (U+0061) sorts after 'B' (U+0042) ordinally; every culture puts it first.
        { "id-before-b", "a", [], false },
        { "id-before-b", "A", [], true },
        { "first-grant-by-id-is-b", "acct_1", ["a", "B"], true },
        { "first-grant-by-id-is-b", "acct_1", ["b", "B"], true },
        // A soft hyphen is ignored by culture comparison, never by an ordinal one.
        { "id-starts-with-acct", "\u00ADacct_1", [], false },
        { "id-starts-with-acct", "acct_1", [], true },
        { "id-compares-before-i", "J", [], true },
        { "id-compares-before-i", "j", [], false },
    };

    [Theory]
    [MemberData(nameof(OrdinalCases))]
    public void Decide_StringComparisonsAndSortsInRules_AreOrdinalUnderEveryCulture(string rule, string accountId, string[] grantIds, bool fires)
    {
        var builder = new CaseBuilder().Account("id", accountId);
        foreach (var id in grantIds) builder.Usage(id, 1m, "2026-06-01T00:00:00Z", holder: accountId);
        var @case = builder.Of("balance");

        foreach (var culture in Cultures)
        {
            var decision = InCulture(culture, () => StringRules.Value.Decide(@case));

            Assert.Equal(Outcome.Permit, decision.Outcome);
            Assert.True(fires == decision.Reasons.Any(r => r.Rule == rule), $"culture '{culture}': {rule} {(fires ? "did not fire" : "fired")}");
        }
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void Decide_GeneratedCases_SameBytesAsUnderTheInvariantCulture(string culture)
    {
        var cases = Generated.Value;
        var engines = new[] { BundledRules.AlwaysInForce, StringRules.Value };
        var fired = 0;
        foreach (var g in cases)
        {
            foreach (var engine in engines)
            {
                var invariant = InCulture("", () => Decide(engine, g.Text));
                var local = InCulture(culture, () => Decide(engine, g.Text));
                Assert.True(invariant == local, $"{g.Origin} under '{culture}':{Environment.NewLine}invariant: {invariant}{Environment.NewLine}{culture}: {local}");
                if (engine == StringRules.Value && local.Contains("\"rule\":\"id-", StringComparison.Ordinal)) fired++;
            }
        }

        // The note rules fire on some cases and not others, so agreement is not agreement on nothing.
        Assert.InRange(fired, 1, cases.Length - 1);
    }

    private static string Decide(CreditPolicyEngine engine, string json) =>
        DecisionJson.Serialize(engine.Decide(TestCases.Read(json, engine.Catalogue)), indented: false);
}
