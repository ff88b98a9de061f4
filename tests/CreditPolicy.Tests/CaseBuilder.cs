using System.Globalization;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Tests;

/// <summary>Builds cases for evaluator tests as JSON and reads them against a catalogue's vocabulary: an open account <c>acct_1</c> in <c>Etc/UTC</c>, decided at 2026-11-25T10:00:00Z, under the bundled terms, unless told otherwise.</summary>
internal sealed class CaseBuilder(RuleCatalogue? catalogue = null)
{
    public const string AccountId = "acct_1";

    private readonly RuleCatalogue _catalogue = catalogue ?? BundledRules.Catalogue;
    private readonly List<JObject> _grants = [];
    private readonly JObject _account = new() { ["id"] = AccountId, ["status"] = "open" };
    private string _asOf = "2026-11-25T10:00:00Z";

    /// <summary>Parses an ISO-8601 instant such as <c>2026-11-25T10:00:00Z</c>.</summary>
    public static Instant At(string iso) => InstantPattern.ExtendedIso.Parse(iso).GetValueOrThrow();

    public CaseBuilder AsOf(Instant asOf) => AsOf(InstantPattern.ExtendedIso.Format(asOf));

    public CaseBuilder AsOf(string iso)
    {
        _asOf = iso;
        return this;
    }

    public CaseBuilder InZone(string zone)
    {
        _account["timeZone"] = zone;
        return this;
    }

    public CaseBuilder ClosedAt(string iso)
    {
        _account["status"] = "closed";
        _account["closedAt"] = iso;
        return this;
    }

    /// <summary>Sets any account attribute, for example one a test vocabulary declares.</summary>
    public CaseBuilder Account(string name, JToken value)
    {
        _account[name] = value;
        return this;
    }

    public CaseBuilder PinnedTo(string termsVersion) => Account("termsVersion", termsVersion);

    public CaseBuilder WithMaintenance(
        bool enabled = true, decimal threshold = 10m, decimal reloadAmount = 50m, bool paymentMethodOnFile = true,
        string? optedOutAt = null, decimal pendingReloadAmount = 0m)
    {
        _account["balanceMaintenance"] = new JObject
        {
            ["enabled"] = enabled,
            ["threshold"] = threshold,
            ["reloadAmount"] = reloadAmount,
            ["paymentMethodOnFile"] = paymentMethodOnFile,
            ["optedOutAt"] = optedOutAt,
            ["pendingReloadAmount"] = pendingReloadAmount,
        };
        return this;
    }

    /// <summary>A purchased usage grant, issued when it was confirmed unless <paramref name="issuedAt"/> says otherwise.</summary>
    public CaseBuilder Usage(string id, decimal remaining, string confirmedAt, decimal? amount = null, string? issuedAt = null, string holder = AccountId) =>
        With(Grant(id, "usage", remaining, issuedAt ?? confirmedAt, amount, holder, confirmedAt: confirmedAt, source: "purchase"));

    /// <summary>A purchased usage grant with no Confirmation Notice yet.</summary>
    public CaseBuilder UnconfirmedPurchase(string id, decimal remaining, string issuedAt) =>
        With(Grant(id, "usage", remaining, issuedAt, source: "purchase"));

    /// <summary>A usage grant added by the Balance Maintenance Service (no Confirmation Notice).</summary>
    public CaseBuilder Reloaded(string id, decimal remaining, string issuedAt) =>
        With(Grant(id, "usage", remaining, issuedAt, source: "balanceMaintenance"));

    public CaseBuilder Promotional(string id, decimal remaining, string issuedAt, string? expiresAt = null, string holder = AccountId) =>
        With(Grant(id, "promotional", remaining, issuedAt, holder: holder, expiresAt: expiresAt, source: "promotion"));

    /// <summary>A grant as JSON, with the attributes the bundled vocabulary declares.</summary>
    public static JObject Grant(
        string id, string kind, decimal remaining, string issuedAt, decimal? amount = null, string holder = AccountId,
        string? confirmedAt = null, string? expiresAt = null, string? source = null)
    {
        var g = new JObject
        {
            ["id"] = id,
            ["kind"] = kind,
            ["holderAccountId"] = holder,
            ["amount"] = amount ?? remaining,
            ["remaining"] = remaining,
            ["issuedAt"] = issuedAt,
        };
        if (confirmedAt is not null) g["confirmedAt"] = confirmedAt;
        if (expiresAt is not null) g["expiresAt"] = expiresAt;
        if (source is not null) g["source"] = source;
        return g;
    }

    public CaseBuilder With(JObject grant)
    {
        _grants.Add(grant);
        return this;
    }

    /// <summary>The case as JSON text, with the given request.</summary>
    public string Json(JObject request) => TestJson.Write(new JObject
    {
        ["asOf"] = _asOf,
        ["account"] = _account.DeepClone(),
        ["grants"] = new JArray(_grants.Select(g => g.DeepClone())),
        ["request"] = request,
    });

    /// <summary>The case with the given request, read against the catalogue; fails the test when it is not valid.</summary>
    public CreditCase Request(JObject request) => TestCases.Read(Json(request), _catalogue);

    public CreditCase Use(decimal amount, string requestedBy = AccountId) =>
        Request(new JObject { ["type"] = "use", ["amount"] = amount, ["requestedBy"] = requestedBy });

    public CreditCase Naming(string type, string grantId) => Request(new JObject { ["type"] = type, ["grantId"] = grantId });

    public CreditCase Of(string type) => Request(new JObject { ["type"] = type });

    public CreditCase Expirations(string? until = null) =>
        Request(until is null ? new JObject { ["type"] = "expirations" } : new JObject { ["type"] = "expirations", ["until"] = until });

    public CreditCase Transfer(string grantId, string toAccountId, decimal amount, string type = "transfer") =>
        Request(new JObject { ["type"] = type, ["grantId"] = grantId, ["toAccountId"] = toAccountId, ["amount"] = amount });
}

/// <summary>Writes JSON for tests with decimals exactly as they are held (Json.NET would write 20m as 20.0).</summary>
internal static class TestJson
{
    public static string Write(JToken token, bool indented = false)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        using (var w = new MoneyWriter(sw) { Formatting = indented ? Formatting.Indented : Formatting.None })
        {
            token.WriteTo(w);
        }

        return sw.ToString();
    }

    private sealed class MoneyWriter(TextWriter writer) : JsonTextWriter(writer)
    {
        public override void WriteValue(decimal value) => WriteRawValue(value.ToString(CultureInfo.InvariantCulture));

        public override void WriteValue(decimal? value)
        {
            if (value is { } v) WriteValue(v);
            else WriteNull();
        }
    }
}
