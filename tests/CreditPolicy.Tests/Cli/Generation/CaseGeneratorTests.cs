using System.Text.Json;
using System.Text.RegularExpressions;
using CreditPolicy.Batch;
using CreditPolicy.Cli.Generation;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using CreditPolicy.Rules;
using NodaTime;
using static CreditPolicy.Tests.Cli.Generation.GenerationFixtures;

namespace CreditPolicy.Tests.Cli.Generation;

public sealed partial class CaseGeneratorTests
{
    private const int Seed = 4242;

    private static readonly Duration Tick = Duration.FromTicks(1);

    public static TheoryData<string> Vocabularies => new() { Bundled, Versioned, EveryType, Renamed };

    // ---- Validity and determinism ----------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void GenerateMany_EveryCase_ReadsBackValidAsOneLine(string vocabulary)
    {
        var catalogue = Catalogue(vocabulary);
        foreach (var g in Samples(vocabulary))
        {
            var read = catalogue.ReadCase(g.Json);
            Assert.True(read.IsValid, $"{vocabulary}: case {g.Index} of seed {g.Seed} is invalid: {string.Join("; ", read.Problems)}\n{g.Json}");
            Assert.DoesNotContain('\n', g.Json);
            Assert.DoesNotContain('\r', g.Json);
            Assert.True(System.Text.Encoding.UTF8.GetByteCount(g.Json) <= CaseLimits.MaxBytes, $"{vocabulary}: case {g.Index} of seed {g.Seed} exceeds the case limit");
        }
    }

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void GenerateMany_Sample_CoversEveryRequestTypeAndKind(string vocabulary)
    {
        var catalogue = Catalogue(vocabulary);
        var cases = Cases(vocabulary);

        var requestTypes = catalogue.Versions.SelectMany(v => v.RequestTypes).Distinct().Order(StringComparer.Ordinal);
        var kinds = catalogue.Versions.SelectMany(v => v.Kinds).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(requestTypes, cases.Select(c => c.Request.Type).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(kinds, cases.SelectMany(c => c.Grants).Select(g => g.Kind).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GenerateMany_SameSeed_GivesTheSameBytes()
    {
        var catalogue = Catalogue(Bundled);
        var first = new CaseGenerator(catalogue, Seed).GenerateMany(300).Select(g => g.Json).ToArray();
        var second = new CaseGenerator(catalogue, Seed).GenerateMany(300).Select(g => g.Json).ToArray();
        var reloaded = new CaseGenerator(RuleCatalogue.Load(TestPaths.Rules), Seed).GenerateMany(300).Select(g => g.Json).ToArray();
        var other = new CaseGenerator(catalogue, Seed + 1).GenerateMany(300).Select(g => g.Json).ToArray();

        Assert.Equal(first, second);
        Assert.Equal(first, reloaded);
        Assert.NotEqual(first, other);
        Assert.Equal(300, first.Distinct().Count());
    }

    [Fact]
    public void Generate_OneIndex_IsTheSameCaseAsInTheRun()
    {
        var run = Sample(Bundled, Seed, 2000);

        var alone = new CaseGenerator(Catalogue(Bundled), Seed).Generate(1737);

        Assert.Equal(1737, alone.Index);
        Assert.Equal(Seed, alone.Seed);
        Assert.Equal(run[1737].Json, alone.Json);
    }

    [Fact]
    public void Generate_NegativeIndexOrCount_Throws()
    {
        var generator = new CaseGenerator(Catalogue(Bundled), 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateMany(-1));
    }

    [Fact]
    public void Constructor_OptionsOutOfRange_ThrowsListingEveryProblem()
    {
        var options = new GeneratorOptions { OutsideVersions = 2, MaxGrants = 0, Accounts = 0 };

        var ex = Assert.Throws<ArgumentException>(() => new CaseGenerator(Catalogue(Bundled), 1, options));

        Assert.Contains("OutsideVersions must be from 0 to 1, got 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxGrants must be from 1 to 30,000, got 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Accounts must be at least 1, got 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_CheckNoCaseCanMeet_ThrowsNamingTheProblem()
    {
        using var rules = new TempRuleDirectory();
        rules.ReplaceText("vocabulary.json", "\"checks\": [", """
            "checks": [
              { "name": "never", "require": "c.AsOf < c.AsOf", "path": "asOf", "message": "cannot hold" },
            """);
        var generator = new CaseGenerator(RuleCatalogue.Of(rules.Load()), 3);

        var ex = Assert.Throws<InvalidOperationException>(() => generator.Generate(0));

        Assert.Contains("could not generate a valid case 0 of seed 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("asOf", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot hold", ex.Message, StringComparison.Ordinal);
    }

    // ---- Values by declared type -----------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void GenerateMany_Sample_GivesEveryOptionalAttributeAndLeavesItOut(string vocabulary)
    {
        var catalogue = Catalogue(vocabulary);
        var documents = Documents(vocabulary);
        foreach (var version in catalogue.Versions)
        {
            var contract = version.Contract;
            foreach (var (entity, select) in Objects(contract))
            {
                foreach (var a in entity.Attributes.Where(a => !a.Required && a.Structural == Structural.None))
                {
                    var objects = documents.SelectMany(select).ToArray();
                    Assert.True(objects.Any(o => o.TryGetProperty(a.Name, out var v) && v.ValueKind != JsonValueKind.Null), $"{vocabulary}: {entity.Path}.{a.Name} is never given");
                    Assert.True(objects.Any(o => !o.TryGetProperty(a.Name, out _)), $"{vocabulary}: {entity.Path}.{a.Name} is never left out");
                }
            }
        }

        Assert.Contains(documents, d => d.GetRawText().Contains(":null", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void GenerateMany_Sample_GivesEveryDeclaredValueAndKindDefaultsExplicitly(string vocabulary)
    {
        var contract = Catalogue(vocabulary).Versions[^1].Contract;
        var documents = Documents(vocabulary);
        foreach (var (entity, select) in Objects(contract))
        {
            foreach (var a in entity.Attributes.Where(a => a.Kind is AttributeKind.Enum or AttributeKind.Kind))
            {
                var seen = documents.SelectMany(select).Where(o => o.TryGetProperty(a.Name, out var v) && v.ValueKind == JsonValueKind.String)
                    .Select(o => o.GetProperty(a.Name).GetString()).ToHashSet(StringComparer.Ordinal);
                Assert.All(a.Values!, value => Assert.Contains(value, seen));
            }
        }

        // A kind's default given explicitly, and left for the kind to supply.
        var kindName = contract.Grant.Attributes.Single(a => a.Structural == Structural.GrantKind).Name;
        foreach (var kind in contract.Kinds)
        {
            foreach (var (name, value) in kind.Defaults)
            {
                var grants = documents.SelectMany(d => d.GetProperty("grants").EnumerateArray()).Where(g => g.GetProperty(kindName).GetString() == kind.Name).ToArray();
                Assert.Contains(grants, g => g.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() == (string)value);
                Assert.Contains(grants, g => !g.TryGetProperty(name, out _));
            }
        }
    }

    [Fact]
    public void GenerateMany_Sample_WritesDecimalsOfManyScalesAndInstantsInUtcAndLocalOffsets()
    {
        var scales = new HashSet<int>();
        int utc = 0, offset = 0, negative = 0;
        foreach (var g in Samples(EveryType))
        {
            foreach (Match m in DecimalField().Matches(g.Json))
            {
                var number = m.Groups[1].Value;
                scales.Add(number.Contains('.', StringComparison.Ordinal) ? number.Length - number.IndexOf('.', StringComparison.Ordinal) - 1 : 0);
                if (number.StartsWith('-')) negative++;
            }

            foreach (Match m in InstantText().Matches(g.Json))
            {
                if (m.Groups[1].Value == "Z") utc++;
                else offset++;
            }
        }

        Assert.Superset(new HashSet<int> { 0, 1, 2, 3, 4 }, scales);
        Assert.Contains(scales, s => s >= 8);
        Assert.True(utc > 1000 && offset > 1000, $"instants in UTC {utc}, with an offset {offset}");
        Assert.True(negative > 0, "no negative decimal where the bounds allow one (creditLimit)");
    }

    [Fact]
    public void GenerateMany_Sample_KeepsEveryValueWithinItsDeclaredBounds()
    {
        var contract = Catalogue(EveryType).Versions[0].Contract;
        var reloads = contract.Account.Find("reloadsToday")!;
        var lat = contract.Account.Find("address")!.Object!.Find("geo")!.Object!.Find("lat")!;
        var seenReloads = new HashSet<long>();
        foreach (var c in Cases(EveryType))
        {
            if (c.Account.Get("reloadsToday") is long n) seenReloads.Add(n);
            if (c.Account.Get("address") is CaseObject { Present: true } address && address.Get("geo") is CaseObject { Present: true } geo)
            {
                var value = (decimal)geo.Get("lat")!;
                Assert.InRange(value, lat.Minimum!.Value, lat.Maximum!.Value);
            }
        }

        // Reading back already refuses anything out of bounds; the bounds themselves are among the values given.
        Assert.Contains((long)reloads.Minimum!.Value, seenReloads);
        Assert.Contains((long)reloads.Maximum!.Value, seenReloads);
    }

    [Fact]
    public void GenerateMany_Sample_NestsObjectsPresentAndAbsentAndSetsUpToTheirLimit()
    {
        var cases = Cases(EveryType);
        var addresses = cases.Select(c => (CaseObject)c.Account.Get("address")!).ToArray();

        Assert.Contains(addresses, a => a.Present && ((CaseObject)a.Get("geo")!).Present);
        Assert.Contains(addresses, a => a.Present && !((CaseObject)a.Get("geo")!).Present);
        Assert.Contains(addresses, a => !a.Present);
        Assert.Contains(cases, c => ((StringSet)c.Account.Get("segments")!).Count == 3);
        Assert.Contains(cases, c => ((StringSet)c.Account.Get("labels")!).Count == 5);
        Assert.Contains(cases, c => ((StringSet)c.Account.Get("labels")!).Count == 0);
        Assert.Contains(cases, c => c.Request.Type == "gift" && ((StringSet)c.Request.Get("recipients")!).Count > 0);
    }

    [Fact]
    public void GenerateMany_Sample_MeetsTheDeclaredChecksOverNewAttributes()
    {
        var cases = Cases(EveryType);

        // Checks the generator was never told about in C#: a reopening after a closure, a VIP's limit, the gift limit.
        Assert.Contains(cases, c => c.Account.Get("reopenedAt") is Instant reopened && c.Account.Get("closedAt") is Instant closed && reopened >= closed);
        Assert.Contains(cases, c => c.Account.Get("vip") is true);
        Assert.All(cases.Where(c => c.Account.Get("vip") is true), c => Assert.NotNull(c.Account.Get("creditLimit")));
        Assert.Contains(cases, c => c.Request.Type == "gift" && (decimal)c.Request.Get("amount")! == 500m);
        Assert.All(cases.Where(c => c.Request.Type == "gift"), c => Assert.True((decimal)c.Request.Get("amount")! <= 500m));
    }

    // ---- Strings and ids -------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void GenerateMany_Sample_StringAttributesOftenRepeatTheAccountId(string vocabulary)
    {
        var cases = Cases(vocabulary);
        var contract = Catalogue(vocabulary).Versions[^1].Contract;
        foreach (var a in contract.Grant.Attributes.Where(a => a.Kind == AttributeKind.String && a.Structural == Structural.None && a.MaxLength >= 64))
        {
            var values = cases.SelectMany(c => c.Grants.Select(g => (Account: c.Account.Id, Value: g.Get(a.Name) as string))).Where(x => x.Value is not null).ToArray();
            var same = values.Count(x => x.Value == x.Account);
            Assert.True(same > values.Length / 3 && same < values.Length, $"{vocabulary}: grant.{a.Name} equals the account id in {same} of {values.Length} grants");
        }

        foreach (var type in contract.RequestTypes)
        {
            foreach (var a in contract.Requests[type].Fields.Attributes.Where(a => a.Kind == AttributeKind.String))
            {
                var values = cases.Where(c => c.Request.Type == type).Select(c => (Account: c.Account.Id, Value: c.Request.Get(a.Name) as string)).Where(x => x.Value is not null).ToArray();
                Assert.Contains(values, x => x.Value == x.Account);
                Assert.Contains(values, x => x.Value != x.Account);
            }
        }
    }

    [Fact]
    public void GenerateMany_Sample_GrantIdsWhoseOrdinalOrderIsNotTheNaturalOne()
    {
        var cases = Cases(Bundled);

        // "B" before "a", "g10" before "g9": ordinal order differs from case-insensitive and numeric order.
        Assert.Contains(cases, c => c.Grants.Any(x => c.Grants.Any(y =>
            Math.Sign(string.CompareOrdinal(x.Id, y.Id)) != Math.Sign(string.Compare(x.Id, y.Id, StringComparison.OrdinalIgnoreCase)))));
        Assert.Contains(cases, c => c.Grants.Any(g => g.Id == "g10") && c.Grants.Any(g => g.Id == "g9"));

        // The same letter precomposed and decomposed: two ids, never one.
        Assert.Contains(cases, c => c.Grants.Any(g => g.Id == "é") && c.Grants.Any(g => g.Id == "e\u0301"));
        Assert.Contains(cases, c => c.Grants.Any(g => g.Id.Any(char.IsSurrogate)));
        Assert.Contains(Samples(Bundled), g => g.Json.Contains("\\u", StringComparison.Ordinal));
    }

    [Fact]
    public void GenerateMany_Sample_SpreadsCasesOverManyAccountsAndShards()
    {
        var cases = Cases(Bundled);
        var byAccount = cases.GroupBy(c => c.Account.Id, StringComparer.Ordinal).Select(g => g.Count()).ToArray();

        Assert.True(byAccount.Length > cases.Count * 6 / 10, $"{byAccount.Length} accounts in {cases.Count} cases");
        Assert.True(byAccount.Max() < cases.Count / 100, $"one account has {byAccount.Max()} of {cases.Count} cases");
        Assert.Contains(byAccount, n => n > 1);
        for (var shards = 2; shards <= 8; shards *= 2)
        {
            var perShard = cases.GroupBy(c => NdjsonCases.ShardOf(c.Account.Id, default, shards)).Select(g => g.Count()).ToArray();
            Assert.Equal(shards, perShard.Length);
            Assert.True(perShard.Max() < cases.Count / shards * 1.2, $"{shards} shards split the book {string.Join(" / ", perShard)}");
        }

        // Most accounts hold a few grants; a few hold thousands.
        var grants = cases.Select(c => c.Grants.Count).Order().ToArray();
        Assert.InRange(grants[grants.Length / 2], 1, 8);
        Assert.Contains(grants, n => n >= 1000);
    }

    [Fact]
    public void Generate_LargeAccounts_StayValidAndUnderTheCaseLimit()
    {
        var catalogue = Catalogue(EveryType);
        var generator = new CaseGenerator(catalogue, Seed, new GeneratorOptions { LargeAccounts = 1, MaxGrants = 30_000 });

        var large = generator.GenerateMany(2).ToArray();

        Assert.All(large, g =>
        {
            var read = catalogue.ReadCase(g.Json);
            Assert.True(read.IsValid, string.Join("; ", read.Problems.Take(5)));
            Assert.True(read.Case!.Grants.Count >= 1000, $"case {g.Index}: {read.Case.Grants.Count} grants");
            Assert.Equal(read.Case.Grants.Count, read.Case.Grants.Select(x => x.Id).Distinct(StringComparer.Ordinal).Count());
        });
    }

    // ---- Time: versions, declared periods, calendar edges ----------------------------------------------------------

    [Fact]
    public void GenerateMany_VersionedRules_PutsAsOfWithinTheVersionsAndOnTheirBoundary()
    {
        var catalogue = Catalogue(Versioned);
        var first = catalogue.Versions[0].EffectiveFrom!.Value;
        var later = catalogue.Versions[1].EffectiveFrom!.Value;
        var cases = Cases(Versioned);

        Assert.All(cases, c => Assert.True(c.AsOf >= first, $"asOf {c.AsOf} is before the earliest version"));
        Assert.All(catalogue.Versions, v => Assert.True(cases.Count(c => catalogue.VersionFor(c) == v) > cases.Count / 4, $"{v.Identity.TermsVersion} decides too few cases"));
        Assert.Contains(cases, c => c.AsOf == later);
        Assert.Contains(cases, c => c.AsOf == later - Tick);
        Assert.Contains(cases, c => c.Account.TermsVersion is not null && c.Account.TermsVersion != catalogue.InForceAt(c.AsOf)!.Identity.TermsVersion);
    }

    [Fact]
    public void Generate_OutsideVersions_PutsAsOfBeforeTheEarliestVersion()
    {
        var catalogue = Catalogue(Versioned);
        var generator = new CaseGenerator(catalogue, Seed, new GeneratorOptions { OutsideVersions = 1, Pinned = 0 });

        var cases = generator.GenerateMany(100).Select(g => TestCases.Read(g.Json, catalogue)).ToArray();

        Assert.All(cases, c => Assert.Null(catalogue.VersionFor(c)));
    }

    [Fact]
    public void GenerateMany_BundledRules_PutsAsOfAroundTheAnchor()
    {
        var anchor = GeneratorOptions.Default.Anchor;
        var cases = Cases(Bundled);

        var near = cases.Count(c => c.AsOf >= anchor - Duration.FromDays(3 * 366) && c.AsOf < anchor + Duration.FromDays(3 * 366));

        Assert.True(near > cases.Count * 8 / 10, $"{near} of {cases.Count} within three years of the anchor");
        Assert.All(cases, c => Assert.InRange(c.AsOf, Instant.FromUtc(2008, 12, 1, 0, 0), Instant.FromUtc(2037, 2, 1, 0, 0)));
    }

    [Theory]
    [InlineData(Bundled, "2026-11-24", "P1Y", 200)]
    [InlineData(Versioned, "2027-07-01", "P6M", 30)]
    [InlineData(EveryType, "2026-11-24", "P90D", 30)]
    public void GenerateMany_Sample_PutsAsOfOnAndOneTickAroundTheDeclaredPeriods(string vocabulary, string version, string period, int atLeast)
    {
        // The edges as the rules define them: an instant of a grant plus the declared period, in the account's zone.
        var p = NodaTime.Text.PeriodPattern.NormalizingIso.Parse(period).Value;
        int at = 0, before = 0, after = 0;
        foreach (var c in Cases(vocabulary).Where(c => Catalogue(vocabulary).VersionFor(c)?.Identity.TermsVersion == version))
        {
            var zone = DateTimeZoneProviders.Tzdb[(string)c.Account.Get("timeZone")!];
            var edges = c.Grants.SelectMany(g => new[] { g.Get("confirmedAt"), g.Get("issuedAt") }).OfType<Instant>()
                .Select(i => i.InZone(zone).LocalDateTime.Plus(p).InZoneLeniently(zone).ToInstant()).ToHashSet();
            if (edges.Contains(c.AsOf)) at++;
            if (edges.Contains(c.AsOf + Tick)) before++;
            if (edges.Contains(c.AsOf - Tick)) after++;
        }

        Assert.True(at >= atLeast && before >= atLeast / 4 && after >= atLeast / 4, $"{vocabulary} {period}: asOf at an edge {at}, one tick before {before}, one tick after {after}");
    }

    [Fact]
    public void GenerateMany_Sample_HitsLeapDaysDaylightSavingGapsOverlapsAndTheSkippedDay()
    {
        int leap = 0, gap = 0, overlap = 0, skippedDay = 0, edgeInGap = 0;
        var oneYear = Period.FromYears(1);
        foreach (var c in Cases(Bundled))
        {
            var zoneId = (string)c.Account.Get("timeZone")!;
            var zone = DateTimeZoneProviders.Tzdb[zoneId];
            foreach (var g in c.Grants)
            {
                var start = ((Instant)(g.Get("confirmedAt") ?? g.Get("issuedAt"))!).InZone(zone).LocalDateTime;
                var end = start.Plus(oneYear);
                if (start.Month == 2 && start.Day == 29) leap++;
                var mapped = zone.MapLocal(end).Count;
                if (mapped == 0) gap++;
                if (mapped == 2) overlap++;
                if (mapped == 0 && Math.Abs((end.InZoneLeniently(zone).ToInstant() - c.AsOf).BclCompatibleTicks) <= 1) edgeInGap++;
                if (zoneId == "Pacific/Apia" && end.Date == new LocalDate(2011, 12, 30)) skippedDay++;
            }
        }

        Assert.True(leap > 100 && gap > 60 && overlap > 60 && skippedDay > 0 && edgeInGap > 10,
            $"leap {leap}, gap {gap}, overlap {overlap}, skipped day {skippedDay}, asOf at an expiry in a gap {edgeInGap}");
    }

    [Fact]
    public void GenerateMany_Sample_CoversEveryZoneTheDatabaseKnows()
    {
        var generator = new CaseGenerator(Catalogue(Bundled), Seed);

        var zones = Cases(Bundled).Select(c => (string)c.Account.Get("timeZone")!).Distinct().Order(StringComparer.Ordinal);

        Assert.Equal(generator.Zones.Order(StringComparer.Ordinal), zones);
        Assert.Equal(CaseGenerator.EdgeZones.Count, generator.Zones.Count);
    }

    // ---- Edges the rules see: balances and expiries ----------------------------------------------------------------

    [Fact]
    public void GenerateMany_Sample_PutsBalancesExactlyAtTheReloadThreshold()
    {
        var atThreshold = 0;
        var catalogue = Catalogue(Bundled);
        foreach (var g in Samples(Bundled))
        {
            var c = catalogue.ReadCase(g.Json).Case!;
            if (c.Request.Type != "reload" || c.Account.Get("balanceMaintenance") is not CaseObject { Present: true } m || m.Get("enabled") is not true) continue;
            var balance = BundledRules.Engine.Decide(TestCases.Read(AsBalanceRequest(g.Json))).Balance!.Total;
            if (balance + (decimal)m.Get("pendingReloadAmount")! == (decimal)m.Get("threshold")!) atThreshold++;
        }

        Assert.True(atThreshold >= 20, $"only {atThreshold} reload cases sit exactly at the threshold");
    }

    [Fact]
    public void GenerateMany_Sample_PutsAsOfExactlyAtExpiriesTheRulesCompute()
    {
        var atExpiry = 0;
        var catalogue = Catalogue(Bundled);
        foreach (var g in Samples(Bundled).Where(g => g.Json.Contains("\"type\":\"expirations\"", StringComparison.Ordinal)))
        {
            var decision = BundledRules.Engine.Decide(catalogue.ReadCase(g.Json).Case!);
            if (decision.Expirations.Any(e => e.ExpiresAt == decision.AsOf)) atExpiry++;
        }

        Assert.True(atExpiry >= 30, $"only {atExpiry} expirations requests have asOf exactly at an expiry");
    }

    // ---- Nothing of the terms in C# --------------------------------------------------------------------------------

    [Fact]
    public void GeneratorSources_HoldNoNameOrPeriodOfTheBundledTerms()
    {
        var contract = Catalogue(Bundled).Versions[0].Contract;
        var terms = contract.Entities().SelectMany(e => e.Attributes).SelectMany(a => (a.Values ?? []).Append(a.Name).Append(a.Member))
            .Concat(contract.RequestTypes)
            .Concat(contract.Kinds.SelectMany(k => k.Defaults.Values.OfType<string>().Append(k.Name)))
            .Concat(contract.Checks.Select(c => c.Name))
            .Concat(["P1Y", "P6M", "P12M"])
            .ToHashSet(StringComparer.Ordinal);
        var folder = Path.Combine(TestPaths.RepositoryRoot, "src", "CreditPolicy.Cli", "Generation");
        var found = new List<string>();
        foreach (var file in Directory.GetFiles(folder, "*.cs"))
        {
            var code = CommentLine().Replace(File.ReadAllText(file), "");
            found.AddRange(StringLiteral().Matches(code).Select(m => m.Groups[1].Value).Where(terms.Contains).Select(t => $"{Path.GetFileName(file)}: \"{t}\""));
        }

        Assert.True(terms.Count > 30, "the bundled vocabulary's names were not collected");
        Assert.Empty(found);
    }

    // ---- Helpers ---------------------------------------------------------------------------------------------------

    private static readonly SampleCache CaseCache = new();

    private static IReadOnlyList<CreditCase> Cases(string vocabulary) => CaseCache.Cases(vocabulary);

    private static IReadOnlyList<JsonElement> Documents(string vocabulary) => CaseCache.Documents(vocabulary);

    /// <summary>Each object shape of a contract with how to find its objects in a case document (top-level request fields only for their type).</summary>
    private static IEnumerable<(EntityContract Entity, Func<JsonElement, IEnumerable<JsonElement>> Select)> Objects(CaseContract contract)
    {
        yield return (contract.Account, d => [d.GetProperty("account")]);
        yield return (contract.Grant, d => d.GetProperty("grants").EnumerateArray());
        foreach (var type in contract.RequestTypes)
        {
            yield return (contract.Requests[type].Fields, d => d.GetProperty("request").GetProperty("type").GetString() == type ? [d.GetProperty("request")] : []);
        }

        foreach (var a in contract.Account.Attributes.Where(a => a.Object is not null))
        {
            yield return (a.Object!, d => d.GetProperty("account").TryGetProperty(a.Name, out var o) && o.ValueKind == JsonValueKind.Object ? [o] : []);
        }
    }

    private static string AsBalanceRequest(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        node["request"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "balance" };
        return node.ToJsonString();
    }

    [GeneratedRegex(@"""(?:amount|remaining|threshold|reloadAmount|pendingReloadAmount|creditLimit|lat|lon)"":(-?[0-9.]+)")]
    private static partial Regex DecimalField();

    [GeneratedRegex(@"""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(Z|[+-]\d\d:\d\d)""")]
    private static partial Regex InstantText();

    [GeneratedRegex(@"""((?:[^""\\\r\n]|\\.)*)""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"//.*$", RegexOptions.Multiline)]
    private static partial Regex CommentLine();

    /// <summary>The samples read back as cases and parsed as documents, once per vocabulary.</summary>
    private sealed class SampleCache
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<CreditCase[]>> _cases = new(StringComparer.Ordinal);
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<JsonElement[]>> _documents = new(StringComparer.Ordinal);

        public CreditCase[] Cases(string vocabulary) => _cases.GetOrAdd(vocabulary, v => new Lazy<CreditCase[]>(() =>
            Samples(v).AsParallel().AsOrdered().Select(g => TestCases.Read(g.Json, Catalogue(v))).ToArray())).Value;

        public JsonElement[] Documents(string vocabulary) => _documents.GetOrAdd(vocabulary, v => new Lazy<JsonElement[]>(() =>
            Samples(v).Select(g => JsonDocument.Parse(g.Json).RootElement).ToArray())).Value;
    }
}
