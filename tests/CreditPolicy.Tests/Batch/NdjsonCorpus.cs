using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Batch;

/// <summary>Writes NDJSON corpora from the bundled example: accounts, amounts and request types vary by line; some lines are broken on purpose.</summary>
internal static class NdjsonCorpus
{
    // Parsed once: a corpus of 60,000 lines would otherwise read and parse the file 60,000 times.
    private static readonly Lazy<JObject> Example = new(() => JObject.Parse(File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json")), new JsonLoadSettings()));

    private static readonly string[] Requests = ["use", "refund", "balance", "expirations", "reload", "closeAccount", "use", "use"];

    /// <summary>Line <paramref name="i"/> (0-based) of the corpus; every 97th line is not a valid case.</summary>
    public static string Line(int i)
    {
        if (i % 97 == 13) return i % 2 == 0 ? "{\"asOf\": \"not an instant\"}" : "this is not json";
        var o = (JObject)Example.Value.DeepClone();
        var account = $"acct_{i % 5000}";
        o["account"]!["id"] = account;
        foreach (var g in (JArray)o["grants"]!) g["holderAccountId"] = account;
        var type = Requests[i % Requests.Length];
        o["request"] = type switch
        {
            "use" => new JObject { ["type"] = "use", ["amount"] = decimal.Round(0.5m + i % 130 * 0.25m, 2), ["requestedBy"] = account },
            "refund" => new JObject { ["type"] = "refund", ["grantId"] = "g1" },
            _ => new JObject { ["type"] = type },
        };
        return o.ToString(Formatting.None);
    }

    /// <summary>Writes <paramref name="count"/> lines to a temporary file and returns its path.</summary>
    public static string Write(int count)
    {
        var path = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N") + ".ndjson");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new StreamWriter(path);
        for (var i = 0; i < count; i++) writer.Write(Line(i) + "\n");
        return path;
    }

    /// <summary>The first <paramref name="count"/> lines as NDJSON text, each ending in a line feed.</summary>
    public static string Text(int count) => string.Concat(Enumerable.Range(0, count).Select(i => Line(i) + "\n"));

    /// <summary>The first <paramref name="count"/> lines as a stream of UTF-8 bytes, as the batch commands read them.</summary>
    public static MemoryStream Stream(int count) => Bytes(Text(count));

    /// <summary>NDJSON text as a stream of UTF-8 bytes.</summary>
    public static MemoryStream Bytes(string ndjson) => new(System.Text.Encoding.UTF8.GetBytes(ndjson), writable: false);

    /// <summary>Whether line <paramref name="i"/> is one of the deliberately broken ones.</summary>
    public static bool IsBroken(int i) => i % 97 == 13;
}
