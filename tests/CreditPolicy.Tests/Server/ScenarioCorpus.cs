using System.Text.Json;

namespace CreditPolicy.Tests.Server;

/// <summary>The cases of every scenario file of a rule directory, as the bytes the file holds.</summary>
internal static class ScenarioCorpus
{
    /// <summary>The bundled rules' scenarios, and the versioning example's (its own and each version's), each with the rule directory to decide it under.</summary>
    public static IReadOnlyList<(string Rules, string File, byte[] Case)> All() =>
        Of(TestPaths.Rules).Concat(Of(TestPaths.VersionedRules)).ToArray();

    /// <summary>Every scenario under <paramref name="rules"/> (in any <c>tests/</c> folder), by file name.</summary>
    public static IEnumerable<(string Rules, string File, byte[] Case)> Of(string rules) =>
        Directory.GetFiles(rules, "*.json", SearchOption.AllDirectories)
            .Where(f => f.Split(Path.DirectorySeparatorChar).Contains("tests"))
            .Order(StringComparer.Ordinal)
            .Select(f => (rules, Path.GetRelativePath(rules, f), CaseOf(File.ReadAllBytes(f))));

    /// <summary>The bytes of a scenario's <c>case</c> object, exactly as written.</summary>
    public static byte[] CaseOf(byte[] scenario)
    {
        var reader = new Utf8JsonReader(scenario);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isCase = reader.ValueTextEquals("case"u8);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (isCase) return scenario[start..(int)reader.BytesConsumed];
        }

        throw new InvalidDataException("a scenario without a case");
    }
}
