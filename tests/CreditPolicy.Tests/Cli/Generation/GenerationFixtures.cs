using System.Collections.Concurrent;
using CreditPolicy.Cli.Generation;
using CreditPolicy.Rules;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Cli.Generation;

/// <summary>The rule catalogues the generator is tested against, and samples of their generated cases, made once per run.</summary>
internal static class GenerationFixtures
{
    public const string Bundled = "bundled";
    public const string Versioned = "versioned";
    public const string EveryType = "every-type";
    public const string Renamed = "renamed";

    private static readonly ConcurrentDictionary<string, Lazy<RuleCatalogue>> Catalogues = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<(string, int, int), Lazy<GeneratedCase[]>> Generated = new();

    /// <summary>The catalogue of a name: the bundled terms, the versioning example, the bundled terms with a vocabulary using
    /// every attribute type (plus a kind and a request type), or with its kinds, a request type and an attribute renamed.</summary>
    public static RuleCatalogue Catalogue(string name) => Catalogues.GetOrAdd(name, n => new Lazy<RuleCatalogue>(() => n switch
    {
        Bundled => BundledRules.Catalogue,
        Versioned => RuleCatalogue.Load(TestPaths.VersionedRules),
        EveryType => RuleCatalogue.Load(EveryTypeRules()),
        Renamed => RuleCatalogue.Load(RenamedRules()),
        _ => throw new ArgumentOutOfRangeException(nameof(name), n, "no such catalogue"),
    })).Value;

    /// <summary>The first <paramref name="count"/> cases of a seed for a catalogue, generated on every core.</summary>
    public static GeneratedCase[] Sample(string name, int seed, int count) => Generated.GetOrAdd((name, seed, count), key => new Lazy<GeneratedCase[]>(() =>
    {
        var generator = new CaseGenerator(Catalogue(key.Item1), key.Item2);
        var cases = new GeneratedCase[key.Item3];
        Parallel.For(0, cases.Length, i => cases[i] = generator.Generate(i));
        return cases;
    })).Value;

    /// <summary>The samples a vocabulary's tests look at: a few seeds, a few thousand cases each.</summary>
    public static IReadOnlyList<GeneratedCase> Samples(string name) => name switch
    {
        Bundled => [.. Sample(Bundled, 4242, 2000), .. Sample(Bundled, 7, 2000)],
        Versioned => [.. Sample(Versioned, 4242, 1500)],
        EveryType => [.. Sample(EveryType, 4242, 1000), .. Sample(EveryType, 99, 1000)],
        _ => [.. Sample(name, 4242, 800)],
    };

    /// <summary>The bundled rules with a vocabulary that declares every attribute type: typed account attributes (enum, string,
    /// integer, boolean, instant, date, sets with and without values, an unbounded decimal, a second zone, an object nested
    /// two deep), grant attributes with a default, a new kind <c>referral</c> with its own defaults and expiry period, a new
    /// request type <c>gift</c> with fields of every type, named constants, and checks over the new attributes; rules use them.</summary>
    public static string EveryTypeRules()
    {
        var dir = TestPaths.CopyRules(TestPaths.Rules);
        Directory.Delete(Path.Combine(dir, "tests"), recursive: true);
        var vocabulary = JObject.Parse(File.ReadAllText(Path.Combine(dir, "vocabulary.json")));
        ((JObject)vocabulary["kinds"]!)["referral"] = JObject.Parse("""{ "description": "Referral credits.", "defaults": { "source": "promotion" } }""");
        Merge((JObject)vocabulary["account"]!, """
            {
              "customerType": { "type": "enum", "values": [ "consumer", "business" ], "default": "consumer" },
              "billingCountry": { "type": "string", "maxLength": 2 },
              "organisationId": { "type": "string", "maxLength": 40 },
              "reloadsToday": { "type": "integer", "minimum": 0, "maximum": 50 },
              "vip": { "type": "boolean", "default": false },
              "reopenedAt": { "type": "instant" },
              "birthday": { "type": "date" },
              "segments": { "type": "set", "values": [ "retail", "wholesale", "partner" ], "maxItems": 3 },
              "labels": { "type": "set", "maxItems": 5, "maxLength": 16 },
              "creditLimit": { "type": "decimal", "maximum": 100000 },
              "homeZone": { "type": "timeZone" },
              "address": {
                "type": "object",
                "attributes": {
                  "country": { "type": "string", "required": true, "maxLength": 2 },
                  "postcode": { "type": "string", "maxLength": 10 },
                  "verified": { "type": "boolean", "default": false },
                  "since": { "type": "date" },
                  "geo": {
                    "type": "object",
                    "attributes": {
                      "lat": { "type": "decimal", "required": true, "minimum": -90, "maximum": 90 },
                      "lon": { "type": "decimal", "required": true, "minimum": -180, "maximum": 180 }
                    }
                  }
                }
              }
            }
            """);
        Merge((JObject)vocabulary["grant"]!, """
            {
              "campaign": { "type": "string", "maxLength": 32 },
              "tier": { "type": "integer", "minimum": 1, "maximum": 5, "default": 1 },
              "tags": { "type": "set" }
            }
            """);
        ((JObject)vocabulary["requests"]!)["gift"] = JObject.Parse("""
            {
              "description": "Give credits to another account.",
              "fields": {
                "grantId": { "type": "grantId", "required": true },
                "toAccountId": { "type": "string", "required": true },
                "amount": { "type": "decimal", "required": true, "exclusiveMinimum": 0 },
                "note": { "type": "string", "maxLength": 20 },
                "wrapping": { "type": "enum", "values": [ "none", "paper", "box" ], "default": "none" },
                "deliverAt": { "type": "instant" },
                "deliverOn": { "type": "date" },
                "recipients": { "type": "set", "maxItems": 4 },
                "count": { "type": "integer", "minimum": 1 }
              }
            }
            """);
        vocabulary["constants"] = JObject.Parse("""
            {
              "GiftLimit": { "type": "decimal", "value": 500 },
              "BlockedCountries": { "type": "set", "value": [ "XX", "YY" ] },
              "GiftCutoff": { "type": "instant", "value": "2027-03-01T00:00:00Z" }
            }
            """);
        var checks = (JArray)vocabulary["checks"]!;
        checks.Add(JObject.Parse("""
            { "name": "reopened-after-closure", "require": "c.Account.ReopenedAt == null || c.Account.ClosedAt == null || c.Account.ReopenedAt.Value >= c.Account.ClosedAt.Value",
              "path": "account.reopenedAt", "message": "must not be before closedAt" }
            """));
        checks.Add(JObject.Parse("""
            { "name": "gift-within-limit", "appliesTo": [ "gift" ], "require": "c.Request.Amount <= GiftLimit", "path": "request.amount", "message": "must not exceed the gift limit" }
            """));
        checks.Add(JObject.Parse("""
            { "name": "vip-has-a-limit", "when": "c.Account.Vip", "require": "c.Account.CreditLimit != null", "path": "account.creditLimit", "message": "required for a VIP account" }
            """));
        File.WriteAllText(Path.Combine(dir, "vocabulary.json"), vocabulary.ToString(Formatting.Indented));

        var expiry = JObject.Parse(File.ReadAllText(Path.Combine(dir, "expiry.json")));
        ((JArray)expiry["Rules"]!).Add(JObject.Parse("""
            {
              "RuleName": "referral-expiry",
              "SuccessEvent": "Referral credits expire ninety days after issue.",
              "Expression": "g.Kind == \"referral\"",
              "Properties": { "clause": "B.1", "scope": "grant", "effect": "expiry", "expiresAt": "Cal.PlusInZone(g.IssuedAt, \"P90D\", c.Account.TimeZone)" }
            }
            """));
        File.WriteAllText(Path.Combine(dir, "expiry.json"), expiry.ToString(Formatting.Indented));
        File.WriteAllText(Path.Combine(dir, "gift.json"), """
            {
              "WorkflowName": "gift",
              "Rules": [
                {
                  "RuleName": "gift-denied",
                  "SuccessEvent": "Gifts above the limit, to a blocked country, by a business or after the cut-off are not allowed.",
                  "Expression": "c.Request.Amount > GiftLimit || BlockedCountries.Contains(c.Account.BillingCountry ?? \"\") || c.AsOf >= GiftCutoff || c.Account.CustomerType == \"business\"",
                  "Properties": { "clause": "B.2", "scope": "request", "appliesTo": [ "gift" ], "effect": "deny" }
                },
                {
                  "RuleName": "gift-permitted",
                  "SuccessEvent": "A small gift to another account before the cut-off.",
                  "Expression": "c.Request.Amount <= GiftLimit && c.AsOf < GiftCutoff && c.Request.ToAccountId != c.Account.Id && c.Account.Address.Country != \"XX\"",
                  "Properties": { "clause": "B.2", "scope": "request", "appliesTo": [ "gift" ], "effect": "permit" }
                }
              ]
            }
            """);
        return dir;
    }

    /// <summary>The bundled rules with their kinds renamed (<c>prepaid</c>, <c>bonus</c>), the <c>use</c> request renamed
    /// <c>spend</c> and <c>holderAccountId</c> renamed <c>ownerId</c>: a vocabulary no C# has heard of.</summary>
    public static string RenamedRules()
    {
        var dir = TestPaths.CopyRules(TestPaths.Rules);
        Directory.Delete(Path.Combine(dir, "tests"), recursive: true);
        foreach (var file in Directory.GetFiles(dir, "*.json"))
        {
            var text = File.ReadAllText(file)
                .Replace("\\\"usage\\\"", "\\\"prepaid\\\"", StringComparison.Ordinal)
                .Replace("\"usage\"", "\"prepaid\"", StringComparison.Ordinal)
                .Replace("\\\"promotional\\\"", "\\\"bonus\\\"", StringComparison.Ordinal)
                .Replace("\"promotional\"", "\"bonus\"", StringComparison.Ordinal)
                .Replace("\"use\"", "\"spend\"", StringComparison.Ordinal)
                .Replace("holderAccountId", "ownerId", StringComparison.Ordinal)
                .Replace("HolderAccountId", "OwnerId", StringComparison.Ordinal);
            File.WriteAllText(file, text);
        }

        return dir;
    }

    private static void Merge(JObject target, string json)
    {
        foreach (var p in JObject.Parse(json).Properties()) target[p.Name] = p.Value;
    }
}
