using System.Text;
using CreditPolicy.Model;
using NodaTime.TimeZones;

namespace CreditPolicy.Tests;

/// <summary>NodaTime tz database files (<c>.nzd</c>) for tests of <c>--tzdb</c> and <see cref="CreditPolicyOptions.TimeZoneDatabasePath"/>, made from the one NodaTime carries.</summary>
/// <remarks>
/// No .nzd file ships in a package, but NodaTime embeds its own as a resource. A copy whose version field names another
/// version (same length, so every other byte stays put) is a database that loads, validates and computes every expiry
/// as the bundled one does, yet is told apart in decisions: what an operator loading a newer release would see.
/// </remarks>
internal static class TestTimeZones
{
    private const string Resource = "NodaTime.TimeZones.Tzdb.nzd";

    /// <summary>The id of the version field of an nzd stream (NodaTime's <c>TzdbStreamFieldId.TzdbVersion</c>).</summary>
    private const byte VersionField = 2;

    /// <summary>The version <see cref="WithOtherVersion"/> writes: as long as the bundled one, and never a real release.</summary>
    public static string OtherVersion { get; } = "2099" + new string('z', TimeZoneDatabase.Bundled.Version.Length - 4);

    /// <summary>The bytes of the tz database NodaTime carries.</summary>
    public static byte[] BundledBytes()
    {
        using var stream = typeof(TzdbDateTimeZoneSource).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"NodaTime no longer embeds {Resource}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Writes the bundled database to a fresh file whose version field says <see cref="OtherVersion"/>, and returns its path.</summary>
    public static string WithOtherVersion()
    {
        var bytes = BundledBytes();
        var (at, length) = VersionString(bytes);
        var bundled = Encoding.UTF8.GetString(bytes, at, length);
        Assert.Equal(TimeZoneDatabase.Bundled.Version, bundled);
        Encoding.UTF8.GetBytes(OtherVersion).CopyTo(bytes, at);
        var path = Path.Combine(TestCases.TempDirectory(), $"tzdb{OtherVersion}.nzd");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes bytes that are not a tz database to a fresh <c>.nzd</c> file, and returns its path.</summary>
    public static string NotADatabase()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "broken.nzd");
        File.WriteAllBytes(path, [.. BundledBytes().AsSpan(0, 200)]);
        return path;
    }

    /// <summary>Where the version string's bytes are: after a 4-byte format version, fields of (id byte, 7-bit length, data); the version field's data is a 7-bit length and UTF-8.</summary>
    private static (int At, int Length) VersionString(byte[] nzd)
    {
        var i = 4;
        while (i < nzd.Length)
        {
            var id = nzd[i++];
            var length = Count(nzd, ref i);
            if (id == VersionField)
            {
                var end = i + length;
                var text = Count(nzd, ref i);
                Assert.Equal(end, i + text);
                return (i, text);
            }

            i += length;
        }

        throw new InvalidOperationException("the bundled tz database has no version field");
    }

    /// <summary>Reads a 7-bit encoded count, as NodaTime's writer writes one.</summary>
    private static int Count(byte[] bytes, ref int i)
    {
        var value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[i++];
            value |= (b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }
}
