using System.Security.Cryptography;
using System.Text;
using CreditPolicy.FileSystem;

namespace CreditPolicy.Rules;

/// <summary>How much a rule directory may hold; <see cref="Default"/> is what every reader uses.</summary>
/// <param name="MaxFileBytes">The most bytes one JSON file may hold.</param>
/// <param name="MaxTotalBytes">The most bytes all JSON files of the directory may hold together.</param>
/// <param name="MaxEntries">The most files and folders (of any kind, hidden ones aside) the directory may hold.</param>
/// <param name="MaxDepth">The most levels of folders below the directory.</param>
internal sealed record RuleDirectoryLimits(int MaxFileBytes, long MaxTotalBytes, int MaxEntries, int MaxDepth)
{
    /// <summary>1 MiB per file, 16 MiB in all, 10,000 entries, 32 levels: the bundled rules hold 110 entries and 450 KiB.</summary>
    public static RuleDirectoryLimits Default { get; } = new(1 << 20, 16L << 20, 10_000, 32);
}

/// <summary>A whole rule directory read into memory once: every JSON file's path and bytes, its folders, and every entry that was refused, with why.</summary>
/// <remarks>
/// <para>Every reader of a rule directory (the schema check, the loader, the catalogue, the scenarios, the reload
/// fingerprint) works from one snapshot, so what is checked, compiled, tested and digested are the same bytes, read once.</para>
/// <para>What is read, and what is refused (each refusal a <see cref="RuleProblem"/> naming the entry, so the rules do not load):</para>
/// <list type="bullet">
/// <item>Only regular files are read, and only those whose name ends in <c>.json</c>. A FIFO, socket or device with such a
/// name is refused by its kind, without blocking (see <see cref="RegularFile"/>); other names are never opened.</item>
/// <item>Limits (<see cref="RuleDirectoryLimits.Default"/>): a file over 1 MiB, JSON files over 16 MiB together, more than
/// 10,000 entries or folders nested deeper than 32 levels are refused; reading stops one byte past a limit, so
/// <c>/dev/zero</c>-like content cannot exhaust memory.</item>
/// <item>Symbolic links inside the directory are followed when they resolve inside the directory's real path, and refused
/// (a file or a folder) when they resolve outside it, when they loop, and (for a <c>.json</c> name) when they dangle.
/// A link to a folder that contains it is refused rather than followed for ever. The directory itself may be a link:
/// deploying by swapping a link (<c>ln -sfn v2 current</c>) is the usual atomic switch, and each snapshot resolves it anew.</item>
/// <item>Entries whose name starts with <c>.</c> (<c>.git</c>, editors' lock and swap files such as <c>.#use.json</c>) are skipped.</item>
/// <item>A folder whose name ends in <c>.json</c> is refused: its author meant a file.</item>
/// </list>
/// <para>A snapshot can be narrowed to one folder (<see cref="Under"/>), whose paths and problems are then relative to it.</para>
/// </remarks>
internal sealed class RuleDirectorySnapshot
{
    private readonly Tree _tree;
    private readonly string _prefix;

    private RuleDirectorySnapshot(Tree tree, string prefix)
    {
        _tree = tree;
        _prefix = prefix;
    }

    /// <summary>The full path of the directory (or, for a narrowed snapshot, of its folder), as given: a link is not resolved here.</summary>
    public string Directory => _prefix.Length == 0 ? _tree.Directory : Path.Join(_tree.Directory, _prefix);

    /// <summary>The real path the snapshot was read from, every link resolved; null when the directory did not exist.</summary>
    public string? RealPath => _tree.RealPath;

    /// <summary>Which directory was read (device and inode, on Linux); a directory deleted and created again is another.</summary>
    public FileIdentity? Identity => _tree.Identity;

    /// <summary>Whether the directory (or the folder) existed and was read.</summary>
    public bool Exists => _tree.Missing is null && _tree.Folders.Contains(_prefix);

    /// <summary>Why the directory could not be read at all, for example "the rule directory does not exist"; null when it was.</summary>
    public string? Missing => _tree.Missing ?? (Exists ? null : "the rule directory does not exist");

    /// <summary>Every entry refused, its file relative to this snapshot's folder with <c>/</c>, in path order.</summary>
    public IReadOnlyList<RuleProblem> Problems => _prefix.Length == 0
        ? _tree.Problems
        : _tree.Problems.Where(p => IsInside(p.File, _prefix)).Select(p => p with { File = p.File[(_prefix.Length + 1)..] }).ToArray();

    /// <summary>Whether a limit (entries or total bytes) stopped the read, so files after the one refused were not read: their absence from the snapshot says nothing.</summary>
    public bool Truncated => _tree.Truncated;

    /// <summary>sha256 over every folder, file (path and bytes) and refusal: equal fingerprints mean the same content was read.</summary>
    public string Fingerprint => _tree.Fingerprint;

    /// <summary>Reads a rule directory: its JSON files, its folders and every refusal, within <paramref name="limits"/>.</summary>
    /// <remarks>Never throws for what is on disk: a missing directory gives <see cref="Missing"/>, anything refused a problem.</remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="directory"/> is null.</exception>
    public static RuleDirectorySnapshot Read(string directory, RuleDirectoryLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var walker = new Walker(limits ?? RuleDirectoryLimits.Default);
        string? real = null;
        string? missing = null;
        FileIdentity? identity = null;
        try
        {
            real = RealPaths.Resolve(full);
            if (real is null) missing = "the rule directory does not exist";
            else if (Walker.KindOf(real, followLinks: true) is var kind && kind != FileKind.Directory) missing = $"the rule directory is {FileKinds.Describe(kind)}, not a folder";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            missing = "the rule directory cannot be resolved: " + ex.Message;
        }

        if (missing is null)
        {
            if (UnixFiles.IsAvailable && UnixFiles.TryStatus(real!, followLinks: true, out var status, out _)) identity = status.Identity;
            walker.Folders.Add("");
            walker.Walk(real!, "", 0, [real!]);
        }

        return new RuleDirectorySnapshot(new Tree(full, missing is null ? real : null, missing, identity, walker.Files, walker.Folders, walker.Problems, walker.Stopped), "");
    }

    /// <summary>Where a rule directory is now, without reading it: its real path and identity, or null when it is not a folder.</summary>
    /// <remarks>What a watcher should watch: after <c>ln -sfn v2 current</c> the same path names another folder.</remarks>
    public static (string RealPath, FileIdentity? Identity)? Locate(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        try
        {
            var real = RealPaths.Resolve(directory);
            if (real is null || Walker.KindOf(real, followLinks: true) != FileKind.Directory) return null;
            FileIdentity? identity = UnixFiles.IsAvailable && UnixFiles.TryStatus(real, followLinks: true, out var status, out _) ? status.Identity : null;
            return (real, identity);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The snapshot of one folder inside this one; its paths and problems are relative to that folder.</summary>
    public RuleDirectorySnapshot Under(string folder) => new(_tree, Combine(_prefix, Normalise(folder)));

    /// <summary>Whether the folder (relative, with <c>/</c>) was read.</summary>
    public bool HasFolder(string folder) => _tree.Missing is null && _tree.Folders.Contains(Combine(_prefix, Normalise(folder)));

    /// <summary>The names of the folders directly inside a folder, in ordinal order.</summary>
    public IReadOnlyList<string> FoldersIn(string folder)
    {
        var at = Combine(_prefix, Normalise(folder));
        return _tree.Folders.Where(f => f.Length > 0 && Parent(f) == at).Select(f => f[(f.LastIndexOf('/') + 1)..]).ToArray();
    }

    /// <summary>The names of the JSON files directly inside a folder, in ordinal order.</summary>
    public IReadOnlyList<string> FilesIn(string folder)
    {
        var at = Combine(_prefix, Normalise(folder));
        return _tree.Files.Keys.Where(f => Parent(f) == at).Select(f => f[(f.LastIndexOf('/') + 1)..]).ToArray();
    }

    /// <summary>The JSON files anywhere under a folder, relative to it with <c>/</c>, in ordinal order.</summary>
    public IReadOnlyList<string> FilesUnder(string folder)
    {
        var at = Combine(_prefix, Normalise(folder));
        return _tree.Files.Keys.Where(f => at.Length == 0 || IsInside(f, at)).Select(f => at.Length == 0 ? f : f[(at.Length + 1)..]).ToArray();
    }

    /// <summary>The bytes of a JSON file read (relative, with <c>/</c>).</summary>
    /// <exception cref="FileNotFoundException">Thrown when the snapshot holds no such file.</exception>
    public byte[] Bytes(string file) =>
        _tree.Files.TryGetValue(Combine(_prefix, Normalise(file)), out var bytes)
            ? bytes
            : throw new FileNotFoundException($"The snapshot of {_tree.Directory} holds no file {Combine(_prefix, file)}.");

    private static string Normalise(string relative) => relative.Replace('\\', '/').Trim('/');

    private static string Combine(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + "/" + b;

    private static string Parent(string path) => path.LastIndexOf('/') is var i and >= 0 ? path[..i] : "";

    private static bool IsInside(string path, string folder) => path.Length > folder.Length + 1 && path[folder.Length] == '/' && path.StartsWith(folder, StringComparison.Ordinal);

    /// <summary>What one read found; narrowed snapshots share it.</summary>
    private sealed class Tree(
        string directory,
        string? realPath,
        string? missing,
        FileIdentity? identity,
        SortedDictionary<string, byte[]> files,
        SortedSet<string> folders,
        List<RuleProblem> problems,
        bool truncated)
    {
        public bool Truncated { get; } = truncated;

        public string Directory { get; } = directory;

        public string? RealPath { get; } = realPath;

        public string? Missing { get; } = missing;

        public FileIdentity? Identity { get; } = identity;

        public SortedDictionary<string, byte[]> Files { get; } = files;

        public SortedSet<string> Folders { get; } = folders;

        public IReadOnlyList<RuleProblem> Problems { get; } = problems.OrderBy(p => p.File, StringComparer.Ordinal).ToArray();

        // Computed at most a few times (once per racing thread), always to the same value.
        public string Fingerprint => _fingerprint ??= Compute();

        private string? _fingerprint;

        private string Compute()
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Add(string tag, string text)
            {
                sha.AppendData(Encoding.UTF8.GetBytes(tag + text));
                sha.AppendData([0]);
            }

            // The real path is left out: a link swapped to a copy of the same rules changes nothing served.
            if (Missing is not null) Add("missing:", Missing);
            foreach (var folder in Folders) Add("folder:", folder);
            foreach (var (file, bytes) in Files)
            {
                Add("file:", file);
                sha.AppendData(bytes);
                sha.AppendData([0]);
            }

            foreach (var problem in Problems) Add("refused:", problem.ToString());
            return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
        }
    }

    /// <summary>Walks the directory depth-first in ordinal order, reading JSON files and refusing what may not be read.</summary>
    private sealed class Walker(RuleDirectoryLimits limits)
    {
        private const string Json = ".json";
        private int _entries;
        private long _bytes;
        private bool _stopped;

        /// <summary>Whether a limit stopped the walk, so entries after the one that crossed it were not read.</summary>
        public bool Stopped => _stopped;
        private string _root = "";

        public SortedDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> Folders { get; } = new(StringComparer.Ordinal);

        public List<RuleProblem> Problems { get; } = [];

        public static FileKind KindOf(string path, bool followLinks)
        {
            if (UnixFiles.IsAvailable) return UnixFiles.TryStatus(path, followLinks, out var status, out _) ? status.Kind : FileKind.Unknown;
            if (!followLinks && new FileInfo(path).LinkTarget is not null) return FileKind.SymbolicLink;
            if (System.IO.Directory.Exists(path)) return FileKind.Directory;

            // Without statx a FIFO looks like a file; RegularFile refuses what it cannot read as one.
            return File.Exists(path) ? FileKind.Regular : FileKind.Unknown;
        }

        public void Walk(string realFolder, string relative, int depth, HashSet<string> ancestors)
        {
            if (depth == 0) _root = realFolder;
            var names = List(realFolder, relative);
            foreach (var name in names)
            {
                if (_stopped) return;
                try
                {
                    Visit(Path.Join(realFolder, name), relative.Length == 0 ? name : relative + "/" + name, name.EndsWith(Json, StringComparison.Ordinal), depth, ancestors);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Refuse(relative.Length == 0 ? name : relative + "/" + name, "cannot be read: " + ex.Message);
                }
            }
        }

        private string[] List(string realFolder, string relative)
        {
            var names = new List<string>();
            try
            {
                foreach (var path in System.IO.Directory.EnumerateFileSystemEntries(realFolder))
                {
                    var name = Path.GetFileName(path);
                    if (name.StartsWith('.')) continue;
                    if (++_entries > limits.MaxEntries)
                    {
                        Stop(relative.Length == 0 ? name : relative + "/" + name,
                            $"the rule directory holds more than {limits.MaxEntries} files and folders, the most it may hold; nothing more was read");
                        break;
                    }

                    names.Add(name);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Refuse(relative.Length == 0 ? "." : relative, "the folder cannot be listed: " + ex.Message);
            }

            names.Sort(StringComparer.Ordinal);
            return [.. names];
        }

        private void Visit(string path, string relative, bool isJson, int depth, HashSet<string> ancestors)
        {
            var kind = KindOf(path, followLinks: false);
            var target = path;
            if (kind == FileKind.SymbolicLink)
            {
                string? resolved;
                try
                {
                    resolved = RealPaths.Resolve(path);
                }
                catch (IOException ex)
                {
                    Refuse(relative, "is a symbolic link that cannot be resolved: " + ex.Message);
                    return;
                }

                if (resolved is null)
                {
                    if (isJson) Refuse(relative, $"is a symbolic link to {new FileInfo(path).LinkTarget}, which does not exist");
                    return;
                }

                kind = KindOf(resolved, followLinks: true);
                if (!RealPaths.IsWithin(resolved, _root))
                {
                    // Only what would be read matters: a link named notes.txt pointing anywhere is never opened.
                    if (isJson || kind == FileKind.Directory) Refuse(relative, $"is a symbolic link to {resolved}, outside the rule directory; links may point only inside it");
                    return;
                }

                target = resolved;
            }

            if (kind == FileKind.Directory)
            {
                if (isJson)
                {
                    Refuse(relative, "is a folder, but a name ending in .json is read as a file (terms, a rule file or a scenario)");
                    return;
                }

                if (ancestors.Contains(target))
                {
                    Refuse(relative, "is a symbolic link to a folder that contains it: a loop, not followed");
                    return;
                }

                if (depth + 1 > limits.MaxDepth)
                {
                    Refuse(relative, $"is nested deeper than {limits.MaxDepth} folders, the most a rule directory may hold; not read");
                    return;
                }

                Folders.Add(relative);
                ancestors.Add(target);
                Walk(target, relative, depth + 1, ancestors);
                ancestors.Remove(target);
                return;
            }

            if (!isJson) return;
            if (kind is not (FileKind.Regular or FileKind.Unknown))
            {
                Refuse(relative, RegularFile.NotRegular(kind));
                return;
            }

            if (!RegularFile.TryReadAll(target, limits.MaxFileBytes, out var bytes, out var problem))
            {
                Refuse(relative, problem!);
                return;
            }

            if (_bytes + bytes.Length > limits.MaxTotalBytes)
            {
                Stop(relative, $"takes the rule directory's JSON files past {RegularFile.Size(limits.MaxTotalBytes)} together, the most it may hold; nothing more was read");
                return;
            }

            _bytes += bytes.Length;
            Files[relative] = bytes;
        }

        private void Refuse(string relative, string message) => Problems.Add(new RuleProblem(relative, null, null, message));

        private void Stop(string relative, string message)
        {
            Refuse(relative, message);
            _stopped = true;
        }
    }
}
