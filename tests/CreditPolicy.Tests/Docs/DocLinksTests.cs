using System.Text;
using System.Text.RegularExpressions;

namespace CreditPolicy.Tests.Docs;

/// <summary>Every relative link in README.md and docs/*.md leads to a file or folder of the repository, and every #anchor to a heading there.</summary>
public sealed partial class DocLinksTests
{
    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (var page in DocPages.Pages) data.Add(page.File);
        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void RelativeLinks_OfEveryPage_ResolveToAFileAndAnchor(string file)
    {
        var page = DocPages.Page(file);
        var broken = new List<string>();
        var links = 0;
        foreach (var (line, text) in page.Prose)
        {
            foreach (Match link in Link().Matches(StripCode(text)))
            {
                var target = link.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
                links++;
                if (Problem(file, target) is { } problem) broken.Add($"{file}:{line}: ({target}) {problem}");
            }
        }

        Assert.True(links > 0 || file != "README.md", "README.md links to nothing: the link parser is broken");
        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void Problem_LinkToAMissingFileOrAnchor_IsReported()
    {
        Assert.Null(Problem("README.md", "docs/reference.md#limits"));
        Assert.Null(Problem("docs/reference.md", "../rules/vocabulary.json"));
        Assert.NotNull(Problem("README.md", "docs/no-such-page.md"));
        Assert.NotNull(Problem("README.md", "docs/reference.md#no-such-heading"));
        Assert.NotNull(Problem("docs/reference.md", "#no-such-heading"));
    }

    [Theory]
    [InlineData("Why was this decided? `explain`", "why-was-this-decided-explain")]
    [InlineData("On-disk limits and guarantees", "on-disk-limits-and-guarantees")]
    [InlineData("HTTP sidecar (`creditpolicy serve`)", "http-sidecar-creditpolicy-serve")]
    [InlineData("Sweep, diff & shards", "sweep-diff--shards")]
    public void Slug_Heading_IsGitHubsAnchor(string heading, string anchor) => Assert.Equal(anchor, Slug(heading));

    /// <summary>Why a link from <paramref name="file"/> does not resolve, or null when it does.</summary>
    private static string? Problem(string file, string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = hash < 0 ? target : target[..hash];
        var anchor = hash < 0 ? null : target[(hash + 1)..];
        var root = TestPaths.RepositoryRoot;
        var resolved = path.Length == 0
            ? Path.Combine(root, file)
            : Path.GetFullPath(Path.Combine(root, Path.GetDirectoryName(file) ?? "", Uri.UnescapeDataString(path)));
        if (!resolved.StartsWith(root, StringComparison.Ordinal)) return "leads outside the repository";
        if (!File.Exists(resolved) && !Directory.Exists(resolved)) return "no such file or folder";
        if (anchor is null) return null;
        if (!resolved.EndsWith(".md", StringComparison.Ordinal)) return "an anchor into a file that is not Markdown";
        return Anchors(resolved).Contains(anchor) ? null : "no heading has this anchor";
    }

    /// <summary>The anchors GitHub gives a page's headings: the slug, then slug-1, slug-2… for repeats.</summary>
    private static HashSet<string> Anchors(string path)
    {
        var page = DocPages.Parse(Path.GetFileName(path), File.ReadAllLines(path));
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, text) in page.Prose)
        {
            var heading = Heading().Match(text);
            if (!heading.Success) continue;
            var slug = Slug(heading.Groups["title"].Value);
            var n = seen.GetValueOrDefault(slug);
            seen[slug] = n + 1;
            anchors.Add(n == 0 ? slug : $"{slug}-{n}");
        }

        return anchors;
    }

    private static string Slug(string heading)
    {
        var text = Regex.Replace(heading, @"\[([^\]]*)\]\([^)]*\)", "$1").Trim().ToLowerInvariant();
        var slug = new StringBuilder();
        foreach (var ch in text)
        {
            if (char.IsLetterOrDigit(ch) || ch is '-' or '_') slug.Append(ch);
            else if (ch == ' ') slug.Append('-');
        }

        return slug.ToString();
    }

    private static string StripCode(string line) => InlineCode().Replace(line, "");

    [GeneratedRegex(@"(?<!!)\[[^\]]*\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}
