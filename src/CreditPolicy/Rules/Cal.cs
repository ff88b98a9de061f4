using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Rules;

/// <summary>Calendar helpers that rule expressions call as <c>Cal.Name(...)</c>.</summary>
/// <remarks>
/// <para>Calendar arithmetic happens on the local date-time in the account's zone, not on elapsed time: one calendar year
/// after 2024-02-29T09:00 in <c>Etc/UTC</c> is 2025-02-28T09:00 (NodaTime truncates to the last day of the month), and a
/// local time that falls in a daylight-saving gap moves forward by the length of the gap (02:30 on a spring-forward night
/// in New York becomes 03:30). An ambiguous local time (the autumn overlap) resolves to its earlier occurrence.</para>
/// <para>Zones come from the time-zone database the rules were loaded with (the bundled one, or the file given with
/// <c>--tzdb</c>). The methods here are what rules are checked against when they load; the evaluator runs each call with
/// that database (<see cref="CalRuntime"/>). <c>Cal.At</c> and <c>Cal.Date</c> take constant text only, parsed when
/// the rules load, so a malformed literal is a load error naming the rule, never a failure at decision time.</para>
/// </remarks>
internal static class Cal
{
    /// <summary>Adds an ISO-8601 period (such as <c>P1Y</c> or <c>P18M</c>) to an instant as a local date-time in a zone.</summary>
    /// <example><c>Cal.PlusInZone(g.IssuedAt, "P1Y", c.Account.TimeZone)</c></example>
    public static Instant PlusInZone(Instant start, string isoPeriod, string zoneId) => CalRuntime.PlusInZone(Model.TimeZoneDatabase.Bundled, start, CalRuntime.ParsePeriod(isoPeriod), zoneId);

    /// <summary>The local date of an instant in a zone, for example the day a charge is made.</summary>
    public static LocalDate DateInZone(Instant instant, string zoneId) => CalRuntime.DateInZone(Model.TimeZoneDatabase.Bundled, instant, zoneId);

    /// <summary>The earlier of two instants.</summary>
    public static Instant Earliest(Instant a, Instant b) => a <= b ? a : b;

    /// <summary>The later of two instants.</summary>
    /// <example><c>Cal.Latest(c.Account.ClosedAt.Value, g.IssuedAt)</c>: a grant issued after closure expires as it is issued, never before.</example>
    public static Instant Latest(Instant a, Instant b) => a >= b ? a : b;

    /// <summary>An instant written as ISO-8601 text with an offset, such as <c>Cal.At("2027-01-01T00:00:00Z")</c>; the text must be a constant.</summary>
    public static Instant At(string isoInstant) => CalRuntime.ParseInstant(isoInstant);

    /// <summary>A date written as ISO-8601 text, such as <c>Cal.Date("2027-01-01")</c>; the text must be a constant.</summary>
    public static LocalDate Date(string isoDate) => CalRuntime.ParseDate(isoDate);
}

/// <summary>What <see cref="Cal"/> calls in a compiled rule run as: with the rules' time-zone database, and with constant periods parsed once at load.</summary>
/// <remarks>Nothing here caches what a case supplies: a period or zone id taken from a case is parsed on each call, so no case can grow a cache.</remarks>
internal static class CalRuntime
{
    public static Instant PlusInZone(CaseFacts c, Instant start, string isoPeriod, string zoneId) =>
        PlusInZone(c.Case.Contract.TimeZones, start, ParsePeriod(isoPeriod), zoneId);

    public static Instant PlusInZone(CaseFacts c, Instant start, Period period, string zoneId) =>
        PlusInZone(c.Case.Contract.TimeZones, start, period, zoneId);

    public static LocalDate DateInZone(CaseFacts c, Instant instant, string zoneId) => DateInZone(c.Case.Contract.TimeZones, instant, zoneId);

    internal static Instant PlusInZone(Model.TimeZoneDatabase zones, Instant start, Period period, string zoneId)
    {
        var zone = Zone(zones, zoneId);
        var local = start.InZone(zone).LocalDateTime.Plus(period);
        return local.InZoneLeniently(zone).ToInstant();
    }

    internal static LocalDate DateInZone(Model.TimeZoneDatabase zones, Instant instant, string zoneId) => instant.InZone(Zone(zones, zoneId)).Date;

    /// <summary>Parses an ISO-8601 period.</summary>
    /// <exception cref="ArgumentException">Thrown when the text is not an ISO-8601 period.</exception>
    internal static Period ParsePeriod(string? isoPeriod)
    {
        if (isoPeriod is null || isoPeriod.Length > 64) throw new ArgumentException($"\"{isoPeriod}\" is not an ISO-8601 period such as P1Y or P18M.", nameof(isoPeriod));
        var result = PeriodPattern.NormalizingIso.Parse(isoPeriod);
        return result.Success ? result.Value : throw new ArgumentException($"\"{isoPeriod}\" is not an ISO-8601 period such as P1Y or P18M.", nameof(isoPeriod));
    }

    /// <exception cref="ArgumentException">Thrown when the text is not an ISO-8601 instant with offset.</exception>
    internal static Instant ParseInstant(string? text) =>
        text is not null && Json.ValueText.TryParseInstant(text, out var instant)
            ? instant
            : throw new ArgumentException(text is not null && Json.ValueText.TryParseDate(text, out _)
                ? $"\"{text}\" is a date; an instant needs a time and an offset, such as \"{text}T00:00:00Z\" (use Cal.Date for a date)."
                : $"\"{text}\" is not an ISO-8601 instant with offset such as \"2027-01-01T00:00:00Z\".", nameof(text));

    /// <exception cref="ArgumentException">Thrown when the text is not an ISO-8601 date.</exception>
    internal static LocalDate ParseDate(string? text) =>
        text is not null && Json.ValueText.TryParseDate(text, out var date)
            ? date
            : throw new ArgumentException($"\"{text}\" is not an ISO-8601 date such as \"2027-01-01\".", nameof(text));

    /// <exception cref="ArgumentException">Thrown when the id is not a zone the database knows.</exception>
    internal static DateTimeZone Zone(Model.TimeZoneDatabase zones, string? zoneId) =>
        zones.Find(zoneId) ?? throw new ArgumentException($"\"{zoneId}\" is not an IANA time zone id.", nameof(zoneId));
}
