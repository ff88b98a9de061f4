using System.Collections.Concurrent;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Rules;

/// <summary>Calendar helpers that rule expressions may call as <c>Cal.Name(...)</c>.</summary>
/// <remarks>
/// Calendar arithmetic happens on the local date-time in the account's zone, not on elapsed time:
/// one calendar year after 2024-02-29T09:00 in <c>Etc/UTC</c> is 2025-02-28T09:00 (NodaTime truncates to the
/// last day of the month), and a local time that falls in a daylight-saving gap moves forward by the
/// length of the gap (for example 02:30 on a spring-forward night in New York becomes 03:30). An
/// ambiguous local time (the autumn overlap) resolves to its earlier occurrence.
/// </remarks>
public static class Cal
{
    private static readonly ConcurrentDictionary<string, Period> Periods = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, DateTimeZone> Zones = new(StringComparer.Ordinal);

    /// <summary>Adds an ISO-8601 period (such as <c>P1Y</c> or <c>P18M</c>) to an instant as a local date-time in a zone.</summary>
    /// <example><c>Cal.PlusInZone(g.IssuedAt, "P1Y", c.Account.TimeZone)</c></example>
    /// <exception cref="ArgumentException">Thrown when the period or the zone id is not valid.</exception>
    public static Instant PlusInZone(Instant start, string isoPeriod, string zoneId)
    {
        var zone = Zone(zoneId);
        var local = start.InZone(zone).LocalDateTime.Plus(Period(isoPeriod));
        return local.InZoneLeniently(zone).ToInstant();
    }

    /// <summary>The local date of an instant in a zone, for example the day a charge is made.</summary>
    /// <exception cref="ArgumentException">Thrown when the zone id is not valid.</exception>
    public static LocalDate DateInZone(Instant instant, string zoneId) => instant.InZone(Zone(zoneId)).Date;

    /// <summary>The earlier of two instants.</summary>
    public static Instant Earliest(Instant a, Instant b) => a <= b ? a : b;

    /// <summary>The later of two instants.</summary>
    /// <example><c>Cal.Latest(c.Account.ClosedAt.Value, g.IssuedAt)</c>: a grant issued after closure expires as it is issued, never before.</example>
    public static Instant Latest(Instant a, Instant b) => a >= b ? a : b;

    /// <summary>Parses an ISO-8601 period, caching the result; used at load time to check constant periods.</summary>
    /// <exception cref="ArgumentException">Thrown when the text is not an ISO-8601 period.</exception>
    internal static Period Period(string isoPeriod) => Periods.GetOrAdd(isoPeriod ?? "", static text =>
    {
        var result = PeriodPattern.NormalizingIso.Parse(text);
        return result.Success
            ? result.Value
            : throw new ArgumentException($"\"{text}\" is not an ISO-8601 period such as P1Y or P18M.", nameof(isoPeriod));
    });

    /// <summary>Resolves an IANA zone id, caching the result.</summary>
    /// <exception cref="ArgumentException">Thrown when the id is not a known IANA zone.</exception>
    internal static DateTimeZone Zone(string zoneId) => Zones.GetOrAdd(zoneId ?? "", static id =>
        DateTimeZoneProviders.Tzdb.GetZoneOrNull(id)
        ?? throw new ArgumentException($"\"{id}\" is not an IANA time zone id.", nameof(zoneId)));
}
