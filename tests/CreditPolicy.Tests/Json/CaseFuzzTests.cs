using System.Globalization;
using System.Text;
using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Tests.Cli;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Json;

/// <summary>
/// Valid cases written at random (seeded), then mutated: as JSON (drop fields, change types, flip signs, swap values,
/// duplicate grants, rename fields, cut the text) and as bytes (flip, insert and delete bytes, invalid UTF-8 included).
/// Nothing escapes the reader or the evaluator; an invalid case is never decided; a valid one is decided the same way
/// after a round trip through its canonical form and whatever the order of its grants; and no use by anyone but the
/// holder, of credits the holder does not hold, or of more than asked, is ever permitted.
/// </summary>
public sealed class CaseFuzzTests
{
    private const int Seed = 777;

    private const int JsonMutants = 3_000;

    private const int ByteMutants = 3_000;

    private static readonly JToken[] Replacements =
    [
        "x", "", "2026-11-25T10:00:00Z", "open", "usage", "acct_1", 1.5m, -3, 0, 79228162514264337593543950335m, true, false,
        JValue.CreateNull(), new JArray(), new JObject(), new JArray(1, 2), new JObject { ["a"] = 1 },
    ];

    private static readonly string[] Zones = ["Etc/UTC", "America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Lord_Howe", "Pacific/Kiritimati", "America/St_Johns"];

    [Fact]
    public void ReadCase_MutatedJson_NeverThrowsAndInvalidCasesNeverDecide()
    {
        var r = new Random(Seed);
        int invalid = 0, valid = 0;
        for (var i = 0; i < JsonMutants; i++)
        {
            var json = RandomCase(r);
            var mutations = Enumerable.Range(0, r.Next(1, 4)).Select(_ => Mutate(json, r)).ToArray();
            var text = TestJson.Write(json, indented: r.Next(2) == 0);
            if (r.Next(5) == 0) text = CutText(text, r);
            var context = $"seed {Seed}, mutant {i} ({string.Join(", ", mutations)})";

            if (Check(Encoding.UTF8.GetBytes(text), context)) valid++;
            else invalid++;
        }

        Assert.True(invalid > JsonMutants / 2 && valid > JsonMutants / 20, $"{invalid} invalid, {valid} still valid");
    }

    [Fact]
    public void ReadCase_MutatedBytes_NeverThrowsAndInvalidCasesNeverDecide()
    {
        var r = new Random(Seed + 1);
        int invalid = 0, valid = 0;
        for (var i = 0; i < ByteMutants; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(TestJson.Write(RandomCase(r))).ToList();
            var mutations = new List<string>();
            for (var m = r.Next(1, 4); m > 0; m--) mutations.Add(MutateBytes(bytes, r));
            var context = $"seed {Seed + 1}, byte mutant {i} ({string.Join(", ", mutations)})";

            if (Check(bytes.ToArray(), context)) valid++;
            else invalid++;
        }

        Assert.True(invalid > ByteMutants / 2 && valid > ByteMutants / 100, $"{invalid} invalid, {valid} still valid");
    }

    [Fact]
    public async Task Evaluate_MutatedJson_ExitsWithBadInputOrADecisionAndNeverAStackTrace()
    {
        var r = new Random(Seed + 2);
        var path = Path.Combine(TestCases.TempDirectory(), "case.json");
        for (var i = 0; i < 25; i++)
        {
            var json = RandomCase(r);
            Mutate(json, r);
            var bytes = Encoding.UTF8.GetBytes(TestJson.Write(json, indented: true)).ToList();
            if (i % 4 == 0) MutateBytes(bytes, r);
            await File.WriteAllBytesAsync(path, bytes.ToArray());
            var read = BundledRules.Catalogue.ReadCase(bytes.ToArray());

            var (exit, stdout, stderr) = await CliRunner.Run("", "evaluate", path, "--rules", TestPaths.Rules, "--compact");

            var context = $"seed {Seed + 2}, mutant {i}: exit {exit}{Environment.NewLine}{stderr}{Environment.NewLine}{Encoding.UTF8.GetString(bytes.ToArray())}";
            Assert.True(exit == (read.IsValid ? 0 : 2), context);
            Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
            if (read.IsValid) Assert.Equal(DecisionJson.Serialize(BundledRules.Engine.Decide(read.Case!), indented: false) + "\n", stdout);
            else Assert.Equal("", stdout);
        }
    }

    /// <summary>Reads the bytes and, when they are a case, decides it and holds the decision to the invariants; true when the case was valid.</summary>
    private static bool Check(byte[] bytes, string context)
    {
        CaseReadResult read;
        try
        {
            read = BundledRules.Catalogue.ReadCase(bytes);
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{context}: ReadCase threw {ex}{Environment.NewLine}{Encoding.UTF8.GetString(bytes)}");
        }

        if (!read.IsValid)
        {
            Assert.Null(read.Case);
            Assert.NotEmpty(read.Problems);
            Assert.All(read.Problems, p => Assert.True(p.Path.Length > 0 && p.Message.Length > 0 && p.Line > 0 && p.Column > 0, $"{context}: a problem without a path, message or place: {p}"));
            return false;
        }

        var c = read.Case!;
        Decision decision;
        try
        {
            decision = BundledRules.Engine.Decide(c);
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{context}: Decide threw {ex}");
        }

        var bytesOut = DecisionJson.Serialize(decision, indented: false);
        if (decision.IsPermitted && c.Request.Type == "use")
        {
            var holder = c.Account.Id;
            Assert.True((string?)c.Request.Get("requestedBy") == holder, $"{context}: a use by {c.Request.Get("requestedBy")} was permitted on {holder}'s account");
            Assert.Equal((decimal)c.Request.Get("amount")!, decision.Allocations.Sum(a => a.Amount));
            foreach (var allocation in decision.Allocations)
            {
                var grant = c.Grants.Single(g => g.Id == allocation.GrantId);
                Assert.True((string?)grant.Get("holderAccountId") == holder, $"{context}: grant {grant.Id} of {grant.Get("holderAccountId")} was drawn for {holder}");
                Assert.True(allocation.Amount > 0m && allocation.Amount <= grant.Remaining, $"{context}: {allocation} beyond the grant's remaining {grant.Remaining}");
            }
        }

        // The canonical form is the same case: read back, it is decided to the same bytes (record included).
        var again = BundledRules.Catalogue.ReadCase(Encoding.UTF8.GetBytes(CanonicalCase.Serialize(c)));
        Assert.True(again.IsValid, $"{context}: the canonical form does not read back: {string.Join("; ", again.Problems)}");
        Assert.True(bytesOut == DecisionJson.Serialize(BundledRules.Engine.Decide(again.Case!), indented: false), $"{context}: the canonical form is decided otherwise");
        return true;
    }

    /// <summary>A valid case of the bundled vocabulary: an account, up to five grants (some held by another account), and a request of any type.</summary>
    private static JObject RandomCase(Random r)
    {
        var account = "acct_" + r.Next(10);
        var asOf = new DateTime(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc).AddMinutes(r.Next(-200_000, 200_000));
        string At(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        decimal Money() => decimal.Round((decimal)r.NextDouble() * 100m, r.Next(0, 3));
        var grants = new JArray();
        var count = r.Next(0, 6);
        for (var i = 0; i < count; i++)
        {
            var issued = asOf.AddDays(-r.Next(0, 800)).AddMinutes(-r.Next(0, 1440));
            var remaining = Money();
            var usage = r.Next(2) == 0;
            grants.Add(CaseBuilder.Grant(
                id: "g" + r.Next(100) + "_" + i,
                kind: usage ? "usage" : "promotional",
                remaining: remaining,
                issuedAt: At(issued),
                amount: remaining + Money(),
                holder: r.Next(6) == 0 ? "acct_other" : account,
                confirmedAt: usage && r.Next(4) != 0 ? At(issued.AddMinutes(r.Next(0, 3000))) : null,
                expiresAt: !usage && r.Next(2) == 0 ? At(issued.AddDays(r.Next(1, 500))) : null,
                source: usage ? (r.Next(5) == 0 ? "balanceMaintenance" : null) : null));
        }

        var closed = r.Next(8) == 0;
        var accountJson = new JObject { ["id"] = account, ["status"] = closed ? "closed" : "open", ["timeZone"] = Zones[r.Next(Zones.Length)] };
        if (closed) accountJson["closedAt"] = At(asOf.AddMinutes(-r.Next(0, 100_000)));
        if (r.Next(3) == 0)
        {
            accountJson["balanceMaintenance"] = new JObject
            {
                ["enabled"] = r.Next(2) == 0,
                ["threshold"] = Money(),
                ["reloadAmount"] = Money() + 1m,
                ["paymentMethodOnFile"] = r.Next(2) == 0,
                ["pendingReloadAmount"] = r.Next(2) == 0 ? 0m : Money(),
            };
        }

        var someGrant = grants.Count > 0 ? (string)grants[r.Next(grants.Count)]["id"]! : "g-none";
        var types = BundledRules.RuleSet.Contract.RequestTypes.ToArray();
        var type = grants.Count == 0 ? r.Next(3) switch { 0 => "use", 1 => "balance", _ => "closeAccount" } : types[r.Next(types.Length)];
        var request = new JObject { ["type"] = type };
        switch (type)
        {
            case "use":
                request["amount"] = Money() + 0.01m;
                request["requestedBy"] = r.Next(5) == 0 ? "acct_other" : account;
                break;
            case "refund" or "cashOut" or "restore":
                request["grantId"] = someGrant;
                break;
            case "transfer" or "sell":
                request["grantId"] = someGrant;
                request["toAccountId"] = "acct_other";
                request["amount"] = Money() + 0.01m;
                break;
            case "expirations" when r.Next(2) == 0:
                request["until"] = At(asOf.AddDays(r.Next(-100, 400)));
                break;
        }

        return new JObject { ["asOf"] = At(asOf), ["account"] = accountJson, ["grants"] = grants, ["request"] = request };
    }

    internal static string Mutate(JObject root, Random r)
    {
        var values = root.DescendantsAndSelf().OfType<JValue>().Where(v => v.Parent is JProperty).ToList();
        var properties = root.Descendants().OfType<JProperty>().ToList();
        var grants = root["grants"] as JArray;
        T Pick<T>(IReadOnlyList<T> items) => items[r.Next(items.Count)];
        switch (r.Next(0, 11))
        {
            case 0 when properties.Count > 0:
            {
                var p = Pick(properties);
                p.Remove();
                return $"dropped {p.Path}";
            }

            case 1 when values.Count > 0:
            {
                var v = Pick(values);
                var path = v.Path;
                v.Replace(Pick(Replacements).DeepClone());
                return $"changed the type of {path}";
            }

            case 2:
            {
                var numbers = values.Where(v => v.Type is JTokenType.Integer or JTokenType.Float).ToList();
                if (numbers.Count == 0) goto default;
                var v = Pick(numbers);
                v.Value = -(decimal)v;
                return $"flipped the sign of {v.Path}";
            }

            case 3 when values.Count > 1:
            {
                var a = Pick(values);
                var b = Pick(values);
                (a.Value, b.Value) = (b.Value, a.Value);
                return $"swapped {a.Path} and {b.Path}";
            }

            case 4 when grants is { Count: > 0 }:
            {
                var copy = Pick(grants.ToList()).DeepClone();
                if (r.Next(2) == 0) copy["id"] = "dup-" + r.Next(0, 9);
                grants.Add(copy);
                return "duplicated a grant";
            }

            case 5 when properties.Count > 0:
            {
                var p = Pick(properties);
                var name = r.Next(2) == 0 ? p.Name.ToUpperInvariant() : p.Name + "s";
                if (p.Parent is JObject parent && parent.ContainsKey(name)) goto default;
                p.Replace(new JProperty(name, p.Value));
                return $"renamed {p.Path} to {name}";
            }

            case 6 when root["request"] is JObject request:
            {
                request["type"] = Pick(BundledRules.RuleSet.Contract.RequestTypes.Append("withdraw").Append("USE").ToArray());
                return "changed the request type";
            }

            case 7 when root["account"] is JObject account:
            {
                account["timeZone"] = Pick(new[] { "Mars/Olympus", "UTC", "America/new_york", "+05:00", "Etc/GMT-14", "" });
                return "changed the time zone";
            }

            case 8:
            {
                var instants = values.Where(v => v.Type == JTokenType.String && ((string)v!).Contains('T', StringComparison.Ordinal)).ToList();
                if (instants.Count == 0) goto default;
                var v = Pick(instants);
                v.Value = Pick(new[] { "2026-11-25T10:00:00", "2026-02-30T00:00:00Z", "0001-01-01T00:00:00Z", "2026-11-25", "2026-11-25T10:00:00+25:00", "1999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59-05:00" });
                return $"changed the instant {v.Path}";
            }

            case 9:
            {
                root["unexpected"] = r.Next(2) == 0 ? new JArray() : "field";
                return "added an unknown field";
            }

            default:
            {
                var numbers = values.Where(v => v.Type is JTokenType.Integer or JTokenType.Float).ToList();
                if (numbers.Count == 0) return "no change";
                var v = Pick(numbers);
                v.Value = Pick(new[] { 0m, 0.001m, 1e-28m, 79228162514264337593543950335m, -0.01m, 1e15m });
                return $"set {v.Path} to an extreme";
            }
        }
    }

    internal static string CutText(string text, Random r) => r.Next(0, 3) switch
    {
        0 => text[..r.Next(0, text.Length)],
        1 => text.Insert(r.Next(0, text.Length + 1), new[] { "{", "]", ",", "\"", "\\", "\u0000", "NaN", "//", "\ufeff", "\\ud800", "\\udc00", "\\u0000" }[r.Next(12)]),
        _ => text.Remove(r.Next(0, text.Length), 1),
    };

    /// <summary>Flips, inserts or deletes one byte, favouring the bytes that matter to UTF-8 and JSON.</summary>
    private static string MutateBytes(List<byte> bytes, Random r)
    {
        byte[] interesting = [0x00, 0x09, 0x0A, 0x22, 0x27, 0x2C, 0x2F, 0x30, 0x5C, 0x7B, 0x7D, 0x7F, 0x80, 0xA0, 0xBF, 0xC0, 0xC1, 0xC3, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFE, 0xFF];
        var value = r.Next(3) == 0 ? (byte)r.Next(256) : interesting[r.Next(interesting.Length)];
        var at = r.Next(0, bytes.Count);
        switch (r.Next(3))
        {
            case 0 when bytes.Count > 0:
                bytes[at] = value;
                return $"byte {at} set to 0x{value:X2}";
            case 1:
                bytes.Insert(at, value);
                return $"0x{value:X2} inserted at {at}";
            default:
                if (bytes.Count == 0) return "no change";
                bytes.RemoveAt(at);
                return $"byte {at} deleted";
        }
    }
}
