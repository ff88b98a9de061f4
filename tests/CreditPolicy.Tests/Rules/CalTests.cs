using CreditPolicy.Rules;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Tests.Rules;

public sealed class CalTests
{
    private static readonly LocalDateTimePattern Local = LocalDateTimePattern.ExtendedIso;

    /// <summary>start instant, period, zone, expected instant: calendar arithmetic on the local date-time in the zone.</summary>
    public static TheoryData<string, string, string, string> PlusInZoneCases => new()
    {
        // One calendar year, same local time.
        { "2025-11-21T09:00:00Z", "P1Y", "Etc/UTC", "2026-11-21T09:00:00Z" },
        // Across a leap year the year is 366 days of elapsed time, still one calendar year.
        { "2027-03-01T00:00:00Z", "P1Y", "Etc/UTC", "2028-03-01T00:00:00Z" },
        // 10:00 EDT + 6 calendar months is 10:00 EST: 15:00Z, not 14:00Z.
        { "2025-06-01T14:00:00Z", "P6M", "America/New_York", "2025-12-01T15:00:00Z" },
        // Feb 29 + one year is Feb 28, same local time (Paris is +01:00 in February).
        { "2024-02-29T09:00:00Z", "P1Y", "Etc/UTC", "2025-02-28T09:00:00Z" },
        { "2024-02-29T08:00:00Z", "P1Y", "Europe/Paris", "2025-02-28T08:00:00Z" },
        // P18M is eighteen months from the start, not P1Y then P6M (which would clamp Feb 29 to Feb 28 first).
        { "2024-02-29T00:00:00Z", "P18M", "Etc/UTC", "2025-08-29T00:00:00Z" },
        { "2025-06-01T14:00:00Z", "P18M", "America/New_York", "2026-12-01T15:00:00Z" },
        { "2025-08-31T12:00:00Z", "P18M", "Etc/UTC", "2027-02-28T12:00:00Z" },
        // 2025-03-08T02:30 EST; 2026-03-08T02:30 does not exist in New York: it moves forward by the gap to 03:30 EDT.
        { "2025-03-08T07:30:00Z", "P1Y", "America/New_York", "2026-03-08T07:30:00Z" },
        // 2024-11-02T01:30 EDT; 2025-11-02T01:30 happens twice in New York: the earlier (EDT, -04:00) wins.
        { "2024-11-02T05:30:00Z", "P1Y", "America/New_York", "2025-11-02T05:30:00Z" },
        // +14:00 and +13:00 zones: the local date is a day ahead of UTC.
        { "2025-12-31T09:30:00Z", "P1Y", "Pacific/Kiritimati", "2026-12-31T09:30:00Z" },
        { "2025-01-01T10:30:00Z", "P1M", "Pacific/Kiritimati", "2025-02-01T10:30:00Z" },
        { "2025-06-15T11:00:00Z", "P1Y", "Pacific/Apia", "2026-06-15T11:00:00Z" },
        // Samoa skipped 2011-12-30 entirely (-10:00 to +14:00): a year after 2010-12-30T12:00 local is 2011-12-31T12:00 +14.
        { "2010-12-30T22:00:00Z", "P1Y", "Pacific/Apia", "2011-12-30T22:00:00Z" },
        // Kiritimati skipped 1994-12-31 (-10:00 to +14:00).
        { "1993-12-31T22:00:00Z", "P1Y", "Pacific/Kiritimati", "1994-12-31T22:00:00Z" },
    };

    [Theory]
    [MemberData(nameof(PlusInZoneCases))]
    public void PlusInZone_CalendarPeriodInZone_GivesLocalCalendarResult(string start, string period, string zone, string expected)
    {
        var result = Cal.PlusInZone(CaseBuilder.At(start), period, zone);

        Assert.Equal(CaseBuilder.At(expected), result);
    }

    [Fact]
    public void PlusInZone_LeapDay_KeepsLocalTimeOnFebruary28()
    {
        var start = new LocalDateTime(2024, 2, 29, 23, 45).InZoneStrictly(Zone("America/Los_Angeles")).ToInstant();

        var result = Cal.PlusInZone(start, "P1Y", "America/Los_Angeles");

        Assert.Equal("2025-02-28T23:45:00", Local.Format(result.InZone(Zone("America/Los_Angeles")).LocalDateTime));
    }

    [Fact]
    public void PlusInZone_ResultInSpringForwardGap_MovesForwardByTheGap()
    {
        var ny = Zone("America/New_York");
        var start = new LocalDateTime(2025, 3, 8, 2, 30).InZoneStrictly(ny).ToInstant();
        Assert.Equal(CaseBuilder.At("2025-03-08T07:30:00Z"), start);

        var result = Cal.PlusInZone(start, "P1Y", "America/New_York").InZone(ny);

        Assert.Equal(new LocalDateTime(2026, 3, 8, 3, 30), result.LocalDateTime);
        Assert.Equal(Offset.FromHours(-4), result.Offset);
    }

    [Fact]
    public void PlusInZone_ResultInAutumnOverlap_ResolvesToEarlierOffset()
    {
        var ny = Zone("America/New_York");
        var start = new LocalDateTime(2024, 11, 2, 1, 30).InZoneStrictly(ny).ToInstant();

        var result = Cal.PlusInZone(start, "P1Y", "America/New_York").InZone(ny);

        Assert.Equal(new LocalDateTime(2025, 11, 2, 1, 30), result.LocalDateTime);
        Assert.Equal(Offset.FromHours(-4), result.Offset);
        Assert.Equal(CaseBuilder.At("2025-11-02T05:30:00Z"), result.ToInstant());
    }

    /// <summary>instant, zone, expected local date.</summary>
    public static TheoryData<string, string, string> DateInZoneCases => new()
    {
        { "2026-11-25T10:30:00Z", "Etc/UTC", "2026-11-25" },
        { "2026-11-25T10:30:00Z", "Pacific/Kiritimati", "2026-11-26" },
        { "2026-11-25T10:30:00Z", "Pacific/Apia", "2026-11-25" },
        { "2026-11-25T11:00:00Z", "Pacific/Apia", "2026-11-26" },
        { "2026-11-25T10:30:00Z", "Pacific/Pago_Pago", "2026-11-24" },
        { "2026-11-26T03:00:00Z", "America/Los_Angeles", "2026-11-25" },
        { "2026-11-26T07:59:59Z", "America/Los_Angeles", "2026-11-25" },
        { "2026-11-26T08:00:00Z", "America/Los_Angeles", "2026-11-26" },
        { "2026-11-25T23:59:59Z", "Europe/London", "2026-11-25" },
        { "2026-07-25T23:00:00Z", "Europe/London", "2026-07-26" },
    };

    [Theory]
    [MemberData(nameof(DateInZoneCases))]
    public void DateInZone_InstantNearMidnight_GivesLocalDateOfZone(string instant, string zone, string expected)
    {
        var date = Cal.DateInZone(CaseBuilder.At(instant), zone);

        Assert.Equal(LocalDatePattern.Iso.Parse(expected).Value, date);
    }

    public static TheoryData<string> InvalidPeriods => ["P1X", "1Y", "", "one year", "P1.5Y"];

    [Theory]
    [MemberData(nameof(InvalidPeriods))]
    public void PlusInZone_InvalidPeriod_ThrowsArgumentExceptionNamingIt(string period)
    {
        var ex = Assert.Throws<ArgumentException>(() => Cal.PlusInZone(CaseBuilder.At("2026-01-01T00:00:00Z"), period, "Etc/UTC"));

        Assert.Equal("isoPeriod", ex.ParamName);
        Assert.StartsWith($"\"{period}\" is not an ISO-8601 period", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> InvalidZones => ["Mars/Olympus", "", "EST5EDT4", "america/new_york"];

    [Theory]
    [MemberData(nameof(InvalidZones))]
    public void PlusInZone_InvalidZone_ThrowsArgumentExceptionNamingIt(string zone)
    {
        var ex = Assert.Throws<ArgumentException>(() => Cal.PlusInZone(CaseBuilder.At("2026-01-01T00:00:00Z"), "P1Y", zone));

        Assert.Equal("zoneId", ex.ParamName);
        Assert.StartsWith($"\"{zone}\" is not an IANA time zone id", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidZones))]
    public void DateInZone_InvalidZone_ThrowsArgumentException(string zone)
    {
        var ex = Assert.Throws<ArgumentException>(() => Cal.DateInZone(CaseBuilder.At("2026-01-01T00:00:00Z"), zone));

        Assert.Equal("zoneId", ex.ParamName);
    }

    [Fact]
    public void Earliest_TwoInstants_GivesTheEarlierEitherWayRound()
    {
        var a = CaseBuilder.At("2026-01-01T00:00:00Z");
        var b = a + Duration.Epsilon;

        Assert.Equal(a, Cal.Earliest(a, b));
        Assert.Equal(a, Cal.Earliest(b, a));
    }

    private static DateTimeZone Zone(string id) => DateTimeZoneProviders.Tzdb[id];
}
