using CreditPolicy.Rules;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Tests.Rules;

/// <summary>Loading several versions of the terms, and choosing the version that decides a case.</summary>
public sealed class RuleCatalogueTests
{
    private static readonly Lazy<RuleCatalogue> Example = new(() => RuleCatalogue.Load(TestPaths.VersionedRules));

    public static TheoryData<string, string?> InstantsAndVersionInForce() => new()
    {
        { "2026-11-23T23:59:59.999999999Z", null },
        { "2026-11-24T00:00:00Z", TestPaths.CurrentVersion },
        { "2027-06-30T23:59:59.999999999Z", TestPaths.CurrentVersion },
        { "2027-07-01T00:00:00Z", TestPaths.LaterVersion },
        { "2031-01-01T00:00:00Z", TestPaths.LaterVersion },
    };

    [Fact]
    public void Load_VersioningExample_HoldsEveryVersionInOrderOfTakingEffect()
    {
        var catalogue = Example.Value;

        Assert.True(catalogue.IsVersioned);
        Assert.Equal([TestPaths.CurrentVersion, TestPaths.LaterVersion], catalogue.Versions.Select(v => v.Identity.TermsVersion));
        Assert.Equal([Instant.FromUtc(2026, 11, 24, 0, 0), Instant.FromUtc(2027, 7, 1, 0, 0)], catalogue.Versions.Select(v => v.EffectiveFrom!.Value));
        Assert.Null(catalogue.Identity.TermsVersion);
        Assert.DoesNotContain(catalogue.Identity.Digest, catalogue.Versions.Select(v => v.Identity.Digest));
        Assert.Equal(RuleSet.Load(TestPaths.Version(TestPaths.VersionedRules, TestPaths.CurrentVersion)).Identity, catalogue.Find(TestPaths.CurrentVersion)!.Identity);
    }

    [Fact]
    public void Load_BundledRules_AreOneVersionInForceAtEveryInstant()
    {
        // The terms state no effective date, so the bundled rules must not invent one (issue 9).
        var catalogue = RuleCatalogue.Load(TestPaths.Rules);

        var version = Assert.Single(catalogue.Versions);
        Assert.False(catalogue.IsVersioned);
        Assert.Equal(TestPaths.CurrentVersion, version.Identity.TermsVersion);
        Assert.Null(version.EffectiveFrom);
        Assert.Same(version, catalogue.InForceAt(Instant.MinValue));
        Assert.Same(version, catalogue.InForceAt(Instant.FromUtc(2025, 1, 1, 0, 0)));
    }

    [Fact]
    public void Load_VersioningExample_EveryFileOfTheIllustrativeVersionSaysItIsAnIllustration()
    {
        // The example must never be mistaken for a real version of the terms.
        var folder = TestPaths.Version(TestPaths.VersionedRules, TestPaths.LaterVersion);
        foreach (var file in Directory.GetFiles(folder, "*.json"))
        {
            var o = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(file));
            var texts = Path.GetFileName(file) switch
            {
                "terms.json" => new[] { (string?)o["title"], (string?)o["description"] },
                "vocabulary.json" => [(string?)o["description"]],
                _ => [(string?)o["Description"]],
            };
            Assert.All(texts, t => Assert.Contains("not a real version of the terms", t, StringComparison.OrdinalIgnoreCase));
            Assert.All(texts, t => Assert.Contains("illustration", t, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Theory]
    [MemberData(nameof(InstantsAndVersionInForce))]
    public void InForceAt_Instant_IsTheLatestVersionEffectiveAtOrBeforeIt(string instant, string? expected)
    {
        var version = Example.Value.InForceAt(InstantPattern.ExtendedIso.Parse(instant).Value);

        Assert.Equal(expected, version?.Identity.TermsVersion);
    }

    [Fact]
    public void Load_SingleVersionDirectoryWithoutEffectiveFrom_IsInForceAtEveryInstant()
    {
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
        File.WriteAllText(Path.Combine(dir, "terms.json"), """{ "termsVersion": "2026-11-24", "title": "as in 0.1" }""");

        var catalogue = RuleCatalogue.Load(dir);

        var version = Assert.Single(catalogue.Versions);
        Assert.False(catalogue.IsVersioned);
        Assert.Null(version.EffectiveFrom);
        Assert.Equal(version.Identity, catalogue.Identity);
        Assert.Same(version, catalogue.InForceAt(Instant.FromUtc(1990, 1, 1, 0, 0)));
    }

    [Fact]
    public void Load_OneVersionWithABadRule_FailsNamingVersionFileWorkflowAndRule()
    {
        var dir = TestPaths.CopyRules(TestPaths.VersionedRules);
        var expiry = Path.Combine(TestPaths.Version(dir, TestPaths.LaterVersion), "expiry.json");
        File.WriteAllText(expiry, File.ReadAllText(expiry).Replace("\"g.Kind == \\\"usage\\\"\"", "\"g.Kind == \\\"usage\\\" && g.Remainin > 0\"", StringComparison.Ordinal));

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(dir));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("versions/2027-07-01/expiry.json:9: workflow 'expiry', rule 'usage-credit-expiry': Expression: a grant (g) has no member 'Remainin'; did you mean 'Remaining'? (at character 24 of \"g.Kind == \"usage\" && g.Remainin > 0\")", problem.ToString());
    }

    [Fact]
    public void Load_FolderNameDiffersFromTermsVersion_Fails()
    {
        var dir = TestPaths.CopyRules(TestPaths.VersionedRules);
        Directory.Move(TestPaths.Version(dir, TestPaths.CurrentVersion), TestPaths.Version(dir, "current"));

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(dir));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("versions/current/terms.json: termsVersion \"2026-11-24\" differs from its folder's name 'current'; name the folder after the version", problem.ToString());
    }

    [Fact]
    public void Load_VersionWithoutEffectiveFrom_Fails()
    {
        var dir = TestPaths.CopyRules(TestPaths.VersionedRules);
        File.WriteAllText(Path.Combine(TestPaths.Version(dir, TestPaths.LaterVersion), "terms.json"), """{ "termsVersion": "2027-07-01" }""");

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(dir));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("versions/2027-07-01/terms.json", problem.File);
        Assert.StartsWith("effectiveFrom: required when the directory holds several versions", problem.Message);
    }

    [Fact]
    public void Load_EffectiveFromWithoutOffset_FailsNamingTheLine()
    {
        var dir = TestPaths.CopyRules(TestPaths.VersionedRules);
        File.WriteAllText(Path.Combine(TestPaths.Version(dir, TestPaths.LaterVersion), "terms.json"), "{\n  \"termsVersion\": \"2027-07-01\",\n  \"effectiveFrom\": \"2027-07-01\"\n}");

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(dir));

        Assert.Contains(ex.Problems, p => p.ToString() == "versions/2027-07-01/terms.json:3: effectiveFrom: expected an ISO-8601 instant with offset such as \"2026-11-24T00:00:00Z\", got \"2027-07-01\"");
    }

    [Fact]
    public void Load_TwoVersionsTakingEffectAtTheSameInstant_Fails()
    {
        var dir = TestPaths.CopyRules(TestPaths.VersionedRules);
        var terms = Path.Combine(TestPaths.Version(dir, TestPaths.LaterVersion), "terms.json");
        File.WriteAllText(terms, File.ReadAllText(terms).Replace("2027-07-01T00:00:00Z", "2026-11-24T00:00:00Z", StringComparison.Ordinal));

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(dir));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("versions: versions 2026-11-24 and 2027-07-01 both take effect at 2026-11-24T00:00:00Z; which one is in force would be ambiguous", problem.ToString());
    }

    [Fact]
    public void Load_RuleFileBesideVersions_Fails()
    {
        var dir = TestPaths.CopyRules(TestPaths.VersionedRules);
        File.Copy(Path.Combine(TestPaths.Version(dir, TestPaths.CurrentVersion), "use.json"), Path.Combine(dir, "use.json"));

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(dir));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("use.json", problem.File);
        Assert.Contains("move this file into the version it belongs to", problem.Message);
    }

    [Fact]
    public void Load_VersionsFolderWithoutVersions_Fails()
    {
        var dir = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "versions"));

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(dir));

        Assert.StartsWith("no versions", Assert.Single(ex.Problems).Message);
    }

    [Fact]
    public void RuleSetLoad_DirectoryOfSeveralVersions_FailsPointingToTheCatalogue()
    {
        var ex = Assert.Throws<RuleSetLoadException>(() => RuleSet.Load(TestPaths.VersionedRules));

        Assert.Contains("RuleCatalogue.Load", Assert.Single(ex.Problems).Message);
    }
}
