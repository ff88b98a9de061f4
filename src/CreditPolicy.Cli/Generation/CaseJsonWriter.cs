using System.Globalization;

using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Cli.Generation;

/// <summary>How <see cref="CaseJsonWriter"/> spells a case; every style reads back as the same case.</summary>
/// <param name="LocalOffsets">Write instants with the account zone's offset at that instant (<c>2026-11-25T05:00:00-05:00</c>) rather than <c>Z</c>.</param>
/// <param name="OmitDefaults">Leave out fields whose value is the contract's default (<c>timeZone</c> <c>Etc/UTC</c>, the kind's default <c>source</c>, zero pending reloads, nulls).</param>
internal sealed record CaseJsonStyle(bool LocalOffsets = false, bool OmitDefaults = true)
{
    /// <summary>Instants in UTC, defaults left out.</summary>
    public static CaseJsonStyle Default { get; } = new();
}

/// <summary>Writes cases in the contract's JSON (what the case reader reads), with decimals exactly as they are held.</summary>
/// <remarks>
/// Json.NET prints the decimal <c>20m</c> as <c>20.0</c>; here amounts keep their own digits and scale
/// (<c>20</c>, <c>12.50</c>, <c>0.0001</c>), so a case written and read back is the same case.
/// </remarks>
internal static class CaseJsonWriter
{
    /// <summary>The case as a JSON object (decimals as decimal values, instants as ISO-8601 strings).</summary>
    public static JObject ToJObject(CreditCase @case, CaseJsonStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(@case);
        style ??= CaseJsonStyle.Default;
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(@case.Account.TimeZone) ?? DateTimeZone.Utc;
        JToken When(Instant i)
        {
            var local = i.InZone(zone).ToOffsetDateTime();

            // An offset with seconds (local mean time, before 1900 in most zones) has no RFC 3339 spelling: use UTC.
            return new JValue(style.LocalOffsets && local.Offset.Seconds % 60 == 0
                ? OffsetDateTimePattern.Rfc3339.Format(local)
                : InstantPattern.ExtendedIso.Format(i));
        }

        var root = new JObject { ["asOf"] = When(@case.AsOf) };
        var a = @case.Account;
        var account = new JObject { ["id"] = a.Id, ["status"] = a.Status };
        if (a.ClosedAt is { } closed) account["closedAt"] = When(closed);
        else if (!style.OmitDefaults) account["closedAt"] = JValue.CreateNull();
        if (!style.OmitDefaults || a.TimeZone != "Etc/UTC") account["timeZone"] = a.TimeZone;
        if (a.BalanceMaintenance is { } m)
        {
            var bm = new JObject
            {
                ["enabled"] = m.Enabled,
                ["threshold"] = m.Threshold,
                ["reloadAmount"] = m.ReloadAmount,
            };
            if (!style.OmitDefaults || m.PaymentMethodOnFile) bm["paymentMethodOnFile"] = m.PaymentMethodOnFile;
            if (m.OptedOutAt is { } optedOut) bm["optedOutAt"] = When(optedOut);
            else if (!style.OmitDefaults) bm["optedOutAt"] = JValue.CreateNull();
            if (!style.OmitDefaults || m.PendingReloadAmount != 0m) bm["pendingReloadAmount"] = m.PendingReloadAmount;
            account["balanceMaintenance"] = bm;
        }

        root["account"] = account;
        var grants = new JArray();
        foreach (var g in @case.Grants)
        {
            var grant = new JObject
            {
                ["id"] = g.Id,
                ["kind"] = g.Kind,
                ["holderAccountId"] = g.HolderAccountId,
                ["amount"] = g.Amount,
                ["remaining"] = g.Remaining,
                ["issuedAt"] = When(g.IssuedAt),
            };
            if (g.ConfirmedAt is { } confirmed) grant["confirmedAt"] = When(confirmed);
            if (g.ExpiresAt is { } expires) grant["expiresAt"] = When(expires);
            var defaultSource = g.Kind == GrantKinds.Promotional ? GrantSources.Promotion : GrantSources.Purchase;
            if (!style.OmitDefaults || g.Source != defaultSource) grant["source"] = g.Source;
            grants.Add(grant);
        }

        root["grants"] = grants;
        var r = @case.Request;
        var request = new JObject { ["type"] = r.Type };
        if (r.Amount is { } amount) request["amount"] = amount;
        if (r.RequestedBy is { } by) request["requestedBy"] = by;
        if (r.GrantId is { } grantId) request["grantId"] = grantId;
        if (r.ToAccountId is { } to) request["toAccountId"] = to;
        if (r.Until is { } until) request["until"] = When(until);
        root["request"] = request;
        return root;
    }

    /// <summary>The case as JSON text.</summary>
    public static string ToJson(CreditCase @case, CaseJsonStyle? style = null, bool indented = false) =>
        ToJson(ToJObject(@case, style), indented);

    /// <summary>Any JSON token as text, with decimals written exactly (<c>20</c>, not <c>20.0</c>).</summary>
    public static string ToJson(JToken token, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(token);
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var writer = new ExactDecimalWriter(text) { Formatting = indented ? Formatting.Indented : Formatting.None })
        {
            token.WriteTo(writer);
        }

        return text.ToString();
    }

    private sealed class ExactDecimalWriter(TextWriter text) : JsonTextWriter(text)
    {
        public override void WriteValue(decimal value) => WriteRawValue(value.ToString(CultureInfo.InvariantCulture));

        public override void WriteValue(decimal? value)
        {
            if (value is { } v) WriteValue(v);
            else WriteNull();
        }
    }
}
