using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CreditPolicy.Model;
using Newtonsoft.Json;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Json;

/// <summary>Writes a case in one canonical JSON form and digests it: the same case model gives the same bytes, however its JSON was written.</summary>
/// <remarks>
/// The form is compact JSON with every field of the contract in contract order, absent optional fields as
/// <c>null</c>, defaults applied (a missing <c>timeZone</c> is <c>Etc/UTC</c>, a missing <c>source</c> is
/// the kind's default), instants in UTC as ISO-8601 (<c>2026-11-25T05:00:00-05:00</c> becomes
/// <c>2026-11-25T10:00:00Z</c>) and amounts exactly as the decimal holds them. Scale is kept on purpose:
/// <c>12.50</c> and <c>12.5</c> are different cases because the decision prints the amount it was given.
/// <see cref="CaseJson"/> reads the canonical form back to the same case.
/// </remarks>
public static class CanonicalCase
{
    /// <summary>The case as canonical JSON text, on one line.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="case"/> is null.</exception>
    public static string Serialize(CreditCase @case)
    {
        ArgumentNullException.ThrowIfNull(@case);
        var sb = new StringBuilder(512);
        using (var writer = new JsonTextWriter(new StringWriter(sb, CultureInfo.InvariantCulture)) { Formatting = Formatting.None })
        {
            Write(writer, @case);
        }

        return sb.ToString();
    }

    /// <summary><c>sha256:</c> and the lower-case hex sha256 of the case's canonical UTF-8 serialisation.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="case"/> is null.</exception>
    public static string Digest(CreditCase @case) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Serialize(@case))));

    /// <summary>Writes the case in canonical form to a JSON writer.</summary>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static void Write(JsonWriter w, CreditCase @case)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(@case);
        w.WriteStartObject();
        Property(w, "asOf", @case.AsOf);

        // A case built in code may break the model's nullability; it is still written, so it can be logged and digested.
        w.WritePropertyName("account");
        if (@case.Account is { } a)
        {
            w.WriteStartObject();
            Property(w, "id", a.Id);
            Property(w, "status", a.Status);
            Property(w, "closedAt", a.ClosedAt);
            Property(w, "timeZone", a.TimeZone);
            w.WritePropertyName("balanceMaintenance");
            if (a.BalanceMaintenance is { } m)
            {
                w.WriteStartObject();
                Property(w, "enabled", m.Enabled);
                Property(w, "threshold", m.Threshold);
                Property(w, "reloadAmount", m.ReloadAmount);
                Property(w, "paymentMethodOnFile", m.PaymentMethodOnFile);
                Property(w, "optedOutAt", m.OptedOutAt);
                Property(w, "pendingReloadAmount", m.PendingReloadAmount);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull();
            }

            w.WriteEndObject();
        }
        else
        {
            w.WriteNull();
        }

        w.WritePropertyName("grants");
        w.WriteStartArray();
        foreach (var g in @case.Grants ?? [])
        {
            if (g is null)
            {
                w.WriteNull();
                continue;
            }

            w.WriteStartObject();
            Property(w, "id", g.Id);
            Property(w, "kind", g.Kind);
            Property(w, "holderAccountId", g.HolderAccountId);
            Property(w, "amount", g.Amount);
            Property(w, "remaining", g.Remaining);
            Property(w, "issuedAt", g.IssuedAt);
            Property(w, "confirmedAt", g.ConfirmedAt);
            Property(w, "expiresAt", g.ExpiresAt);
            Property(w, "source", g.Source);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WritePropertyName("request");
        if (@case.Request is { } r)
        {
            w.WriteStartObject();
            Property(w, "type", r.Type);
            Property(w, "amount", r.Amount);
            Property(w, "requestedBy", r.RequestedBy);
            Property(w, "grantId", r.GrantId);
            Property(w, "toAccountId", r.ToAccountId);
            Property(w, "until", r.Until);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull();
        }

        w.WriteEndObject();
    }

    private static void Property(JsonWriter w, string name, string? value)
    {
        w.WritePropertyName(name);
        w.WriteValue(value);
    }

    private static void Property(JsonWriter w, string name, bool value)
    {
        w.WritePropertyName(name);
        w.WriteValue(value);
    }

    private static void Property(JsonWriter w, string name, decimal? value)
    {
        w.WritePropertyName(name);

        // Json.NET would print 20m as 20.0; the canonical form keeps the decimal's own digits and scale.
        if (value is { } d) w.WriteRawValue(d.ToString(CultureInfo.InvariantCulture));
        else w.WriteNull();
    }

    private static void Property(JsonWriter w, string name, Instant? value)
    {
        w.WritePropertyName(name);
        if (value is { } i) w.WriteValue(InstantPattern.ExtendedIso.Format(i));
        else w.WriteNull();
    }
}
