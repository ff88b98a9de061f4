namespace CreditPolicy.Tests.Docs;

/// <summary>README.md and docs/*.md read once: each page's fenced blocks and its lines outside them.</summary>
internal static class DocPages
{
    private static readonly Lazy<IReadOnlyList<DocPage>> All = new(Read);

    /// <summary>Every page, README.md first, then docs/*.md in ordinal order; paths relative to the repository root with '/'.</summary>
    public static IReadOnlyList<DocPage> Pages => All.Value;

    /// <summary>The page at a path relative to the repository root.</summary>
    public static DocPage Page(string file) => Pages.Single(p => p.File == file);

    private static IReadOnlyList<DocPage> Read()
    {
        var root = TestPaths.RepositoryRoot;
        var docs = Path.Combine(root, "docs");
        var files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.Exists(docs) ? Directory.GetFiles(docs, "*.md").Order(StringComparer.Ordinal) : []);
        return files.Select(f => Parse(Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllLines(f))).ToArray();
    }

    /// <summary>Splits a page into its fenced blocks (<c>```info</c> … <c>```</c>) and the lines outside them.</summary>
    public static DocPage Parse(string file, string[] lines)
    {
        var blocks = new List<DocBlock>();
        var prose = new List<(int Line, string Text)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                prose.Add((i + 1, lines[i]));
                continue;
            }

            var indent = lines[i].Length - lines[i].TrimStart().Length;
            var info = lines[i].Trim()[3..].Trim();
            var end = i + 1;
            while (end < lines.Length && !lines[end].TrimStart().StartsWith("```", StringComparison.Ordinal)) end++;
            var body = lines[(i + 1)..end].Select(l => l.Length >= indent && l[..indent].Trim().Length == 0 ? l[indent..] : l.TrimStart());
            blocks.Add(new DocBlock(file, blocks.Count, info, string.Join("\n", body), i + 2));
            i = end;
        }

        return new DocPage(file, blocks, prose);
    }
}

/// <summary>One page of the documentation.</summary>
/// <param name="File">The path relative to the repository root, with '/'.</param>
/// <param name="Blocks">Its fenced blocks, in order.</param>
/// <param name="Prose">Its lines outside fenced blocks, with their 1-based numbers.</param>
internal sealed record DocPage(string File, IReadOnlyList<DocBlock> Blocks, IReadOnlyList<(int Line, string Text)> Prose);

/// <summary>A fenced block of a page.</summary>
/// <param name="File">The page.</param>
/// <param name="Index">Its 0-based position among the page's blocks.</param>
/// <param name="Info">The info string after the opening fence (<c>console</c>, <c>csharp run</c>, <c>text</c>…).</param>
/// <param name="Text">Its lines, without the fences and the fence's indentation.</param>
/// <param name="Line">The 1-based line of its first line in the page.</param>
internal sealed record DocBlock(string File, int Index, string Info, string Text, int Line)
{
    /// <summary>The first word of the info string: the language.</summary>
    public string Language => Info.Split(' ', 2)[0];

    /// <summary>Where the block is, for a failure message.</summary>
    public string Where => $"{File}:{Line} ({Info} block {Index})";
}
