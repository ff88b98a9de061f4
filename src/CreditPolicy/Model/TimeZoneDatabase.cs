using NodaTime;
using NodaTime.TimeZones;

namespace CreditPolicy.Model;

/// <summary>The time-zone database calendar arithmetic uses: NodaTime's bundled tz database, or a newer <c>.nzd</c> file an operator supplies.</summary>
/// <remarks>
/// Expiry instants are local date-times in the account's zone, so they depend on the zone's rules, which change (Africa/Casablanca
/// did in 2026). The database's version (for example <c>2026f</c>) is part of the identity of the rules every decision cites,
/// so a decision says which zone rules it was made with. A newer database is loaded without a new release with
/// <c>--tzdb FILE</c> or <c>CreditPolicyOptions.TimeZoneDatabasePath</c>; NodaTime publishes <c>.nzd</c> files at
/// https://nodatime.org/tzdb/.
/// </remarks>
public sealed class TimeZoneDatabase
{
    /// <summary>The most bytes a <c>.nzd</c> file may have (a full database is about 150 KB).</summary>
    public const int MaxFileBytes = 8 * 1024 * 1024;

    private TimeZoneDatabase(IDateTimeZoneProvider provider, string version, string? path)
    {
        Provider = provider;
        Version = version;
        Path = path;
    }

    /// <summary>The tz database NodaTime carries.</summary>
    public static TimeZoneDatabase Bundled { get; } = new(DateTimeZoneProviders.Tzdb, TzdbDateTimeZoneSource.Default.TzdbVersion, null);

    /// <summary>Resolves zone ids.</summary>
    public IDateTimeZoneProvider Provider { get; }

    /// <summary>The IANA release, for example <c>2026f</c>.</summary>
    public string Version { get; }

    /// <summary>The file it was loaded from; null for the bundled database.</summary>
    public string? Path { get; }

    /// <summary>Loads a NodaTime tz database file (<c>.nzd</c>).</summary>
    /// <exception cref="InvalidDataException">Thrown when the file cannot be read, is larger than <see cref="MaxFileBytes"/>, or is not a NodaTime tz database; the message names the file.</exception>
    public static TimeZoneDatabase Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!FileSystem.RegularFile.TryReadAll(full, MaxFileBytes, out var bytes, out var problem))
        {
            throw new InvalidDataException($"{path}: the tz database file {problem}");
        }

        try
        {
            var source = TzdbDateTimeZoneSource.FromStream(new MemoryStream(bytes, writable: false));
            source.Validate();
            return new TimeZoneDatabase(new DateTimeZoneCache(source), source.TzdbVersion, full);
        }
        catch (Exception ex) when (ex is IOException or NodaTime.Utility.InvalidNodaDataException or ArgumentException or NotSupportedException or InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a NodaTime tz database (.nzd): {ex.Message}", ex);
        }
    }

    /// <summary>The zone with this IANA id, or null when the database does not know it.</summary>
    public DateTimeZone? Find(string? id) => id is null ? null : Provider.GetZoneOrNull(id);

    /// <inheritdoc />
    public override string ToString() => Path is null ? $"tzdb {Version} (bundled)" : $"tzdb {Version} ({Path})";
}
