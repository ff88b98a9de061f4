using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CreditPolicy.Tests.Docs;

/// <summary>
/// Holds README.md and docs/*.md to what the product does (issue 9): every <c>console</c> sample runs and prints what the
/// page shows, and every <c>csharp</c> sample compiles (and, marked <c>csharp run</c>, runs) against the library as built.
/// </summary>
/// <remarks>
/// <para>A <c>console</c> block is a shell session: a line starting with <c>$ </c> is a command, the lines after it are what
/// it prints (standard output and standard error together, as a terminal shows them). The block runs in bash, each
/// command after the one before in the same shell, from a copy of the repository's root (its <c>rules/</c> and
/// <c>examples/</c>), with <c>creditpolicy</c> the CLI as built for these tests. Paths under <c>/tmp/</c> lead to a folder
/// of the block's own, and <c>127.0.0.1:8181</c> (also <c>creditpolicy serve</c>'s default address) to a free port, so blocks
/// run in parallel and leave nothing behind. A
/// command ending in <c>&amp;</c> runs in the background; the block waits until it has printed the lines the page shows
/// (so a server is listening before the next command), and stops it when the block ends.</para>
/// <para>Compared after normalising what differs between runs (<see cref="Normalise"/>): sha256 digests, decision ids,
/// the library's version, durations and rates. A line <c>…</c> alone matches any number of lines; <c>…</c> inside a line
/// matches any text there.</para>
/// <para>A <c>csharp</c> block is a whole program (top-level statements with every <c>using</c> it needs; no implicit
/// usings) and must compile without warnings. A <c>csharp run</c> block is also run, from a copy of the repository's root,
/// and must exit 0 within a minute; when the next block is an <c>output</c> block, what the program printed must match it.</para>
/// <para>Other blocks (<c>sh</c>, <c>text</c>, <c>json</c>) are not run: use them for what depends on the machine.</para>
/// </remarks>
public sealed partial class DocSamplesTests : IClassFixture<DocSamplesTests.Runs>
{
    /// <summary>How long one block may take, all its commands together.</summary>
    private static readonly TimeSpan BlockTimeout = TimeSpan.FromSeconds(120);

    private static readonly string Root = TestPaths.RepositoryRoot;

    private readonly Runs _runs;

    public DocSamplesTests(Runs runs) => _runs = runs;

    public static TheoryData<string, int> ConsoleSamples() => Samples(b => b.Language == "console");

    public static TheoryData<string, int> CSharpSamples() => Samples(b => b.Language == "csharp");

    [Fact]
    public void Pages_ConsoleAndCSharpSamples_AreThere()
    {
        // A parser that found no samples would pass every theory vacuously.
        Assert.Contains(DocPages.Page("README.md").Blocks, b => b.Language == "console");
        Assert.True(ConsoleSamples().Count() >= 10, "fewer than 10 console samples in README.md and docs/");
        Assert.Contains(DocPages.Pages, p => p.Blocks.Any(b => b.Info == "csharp run"));
    }

    [Theory]
    [MemberData(nameof(ConsoleSamples))]
    public async Task ConsoleSample_RunFromTheRepository_PrintsWhatThePageShows(string file, int block)
    {
        var sample = DocPages.Page(file).Blocks[block];

        var run = await _runs.Console(sample);

        AssertMatches(Expected(sample), run, sample.Where);
    }

    [Theory]
    [MemberData(nameof(CSharpSamples))]
    public async Task CSharpSample_CompiledAgainstTheLibrary_CompilesAndRuns(string file, int block)
    {
        var page = DocPages.Page(file);
        var sample = page.Blocks[block];

        var (diagnostics, ran, exit, output) = await _runs.CSharp(sample);

        Assert.True(diagnostics.Count == 0, $"{sample.Where} does not compile cleanly:\n{string.Join("\n", diagnostics)}");
        if (!ran) return;
        Assert.True(exit == 0, $"{sample.Where} exited {exit}:\n{string.Join("\n", output)}");
        if (block + 1 < page.Blocks.Count && page.Blocks[block + 1] is { Language: "output" } shown)
        {
            AssertMatches(shown.Text.Split('\n').Select(Normalise).ToList(), output.Select(Normalise).ToList(), shown.Where);
        }
    }

    [Fact]
    public void AssertMatches_OutputThatDrifted_Fails()
    {
        // The comparison itself: a changed count is caught, "…" lines and in-line "…" stretch only as far as they may.
        List<string> run = ["$ creditpolicy check rules", "Schemas: 47 files follow their JSON Schemas.", "PASS a", "PASS b", "36 passed, 0 failed"];

        AssertMatches(["$ creditpolicy check rules", "Schemas: … files follow their JSON Schemas.", "…", "36 passed, 0 failed"], run, "ok");
        Assert.ThrowsAny<Exception>(() => AssertMatches(["$ creditpolicy check rules", "Schemas: 42 files follow their JSON Schemas.", "…", "36 passed, 0 failed"], run, "drift"));
        Assert.ThrowsAny<Exception>(() => AssertMatches(["$ creditpolicy check rules", "…", "32 passed, 0 failed"], run, "drift"));
        Assert.ThrowsAny<Exception>(() => AssertMatches(["$ creditpolicy check rules", "Schemas: 47 files follow their JSON Schemas.", "PASS a"], run, "missing lines"));
    }

    private static TheoryData<string, int> Samples(Func<DocBlock, bool> which)
    {
        var data = new TheoryData<string, int>();
        foreach (var block in DocPages.Pages.SelectMany(p => p.Blocks).Where(which)) data.Add(block.File, block.Index);
        return data;
    }

    /// <summary>The commands of a console block and what the page says each prints.</summary>
    private static IReadOnlyList<(string Command, List<string> Output)> Commands(DocBlock block)
    {
        var commands = new List<(string Command, List<string> Output)>();
        foreach (var line in block.Text.Split('\n'))
        {
            if (line.StartsWith("$ ", StringComparison.Ordinal)) commands.Add((line[2..].Trim(), []));
            else if (commands.Count > 0) commands[^1].Output.Add(line);
            else Assert.Fail($"{block.Where}: a console block starts with a command ('$ …'), not '{line}'");
        }

        return commands;
    }

    private static List<string> Expected(DocBlock block) =>
        Commands(block).SelectMany(c => new[] { "$ " + c.Command }.Concat(c.Output)).Select(Normalise).ToList();

    [GeneratedRegex("sha256:[0-9a-f]{64}")]
    private static partial Regex Sha();

    [GeneratedRegex("sha256:[0-9a-f]{4,}…")]
    private static partial Regex ShortSha();

    [GeneratedRegex("dec_[0-9a-f]{32}")]
    private static partial Regex DecisionId();

    [GeneratedRegex(@"\d+\.\d+\.\d+\+[0-9a-f]{7,40}")]
    private static partial Regex LibraryVersion();

    [GeneratedRegex(@"\b\d+(\.\d+)? (s|ms)\b")]
    private static partial Regex Duration();

    [GeneratedRegex(@"\(\d+ per second\)")]
    private static partial Regex Rate();

    /// <summary>What may differ between the page and a run: digests, decision ids, the build's version, durations and rates.</summary>
    private static string Normalise(string line)
    {
        line = Sha().Replace(line, "sha256:…");
        line = ShortSha().Replace(line, "sha256:…");
        line = DecisionId().Replace(line, "dec_…");
        line = LibraryVersion().Replace(line, "0.1.0+…");
        line = Rate().Replace(line, "(… per second)");
        line = Duration().Replace(line, "… $2");
        return line.TrimEnd();
    }

    /// <summary>Matches a run against the page: a line "…" alone stands for any lines, "…" in a line for any text.</summary>
    private static void AssertMatches(List<string> expected, List<string> actual, string where)
    {
        var memo = new Dictionary<(int, int), bool>();
        var patterns = expected.Select(e => e.Contains('…', StringComparison.Ordinal) && e.Trim() != "…"
            ? new Regex("^" + string.Join(".*", e.Split('…').Select(Regex.Escape)) + "$", RegexOptions.CultureInvariant)
            : null).ToArray();

        bool Match(int e, int a)
        {
            if (memo.TryGetValue((e, a), out var known)) return known;
            bool result;
            if (e == expected.Count) result = a == actual.Count;
            else if (expected[e].Trim() == "…") result = Match(e + 1, a) || (a < actual.Count && Match(e, a + 1));
            else result = a < actual.Count && (patterns[e]?.IsMatch(actual[a]) ?? expected[e] == actual[a]) && Match(e + 1, a + 1);
            memo[(e, a)] = result;
            return result;
        }

        if (Match(0, 0)) return;
        var first = FirstDifference(expected, actual, patterns);
        Assert.Fail($"{where} differs from what the commands print (first difference near page line {first + 1}).\n--- page:\n{string.Join("\n", expected)}\n--- run:\n{string.Join("\n", actual)}");
    }

    private static int FirstDifference(List<string> expected, List<string> actual, Regex?[] patterns)
    {
        var i = 0;
        while (i < expected.Count && i < actual.Count && expected[i].Trim() != "…" && (patterns[i]?.IsMatch(actual[i]) ?? expected[i] == actual[i])) i++;
        return i;
    }

    /// <summary>Compiles a C# sample as a console program against the test's own references (the library as built, its packages and the shared frameworks).</summary>
    private static (IReadOnlyList<string> Diagnostics, byte[]? Image) Compile(DocBlock block)
    {
        var tree = CSharpSyntaxTree.ParseText(block.Text, new CSharpParseOptions(LanguageVersion.Latest), path: block.File);
        var compilation = CSharpCompilation.Create(
            $"DocSample{block.Index}",
            [tree],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                {
                    // Version unification between the shared framework and package assemblies, as the SDK's own NoWarn.
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => $"line {block.Line + d.Location.GetLineSpan().StartLinePosition.Line}: {d.Id} {d.GetMessage(CultureInfo.InvariantCulture)}")
            .ToArray();
        return (problems, result.Success ? image.ToArray() : null);
    }

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        Directory.GetFiles(AppContext.BaseDirectory, "*.dll")
            .Concat(((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
            .Where(p => p.Length > 0 && File.Exists(p))
            .Where(p => !Path.GetFileName(p).StartsWith("DocSample", StringComparison.Ordinal))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
            .ToArray());

    /// <summary>Every sample's run, started together on first use and shared by the theory rows, in a temporary folder removed afterwards.</summary>
    public sealed class Runs : IDisposable
    {
        private readonly string _home = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", "docs-" + Guid.NewGuid().ToString("N"));
        private readonly SemaphoreSlim _slots = new(Math.Clamp(Environment.ProcessorCount, 2, 4));
        private readonly ConcurrentDictionary<DocBlock, Lazy<Task<List<string>>>> _console = new();
        private readonly ConcurrentDictionary<DocBlock, Lazy<Task<CSharpRun>>> _csharp = new();
        private readonly Lazy<string> _shims;
        private readonly Lazy<string> _app;
        private int _started;

        public Runs()
        {
            Directory.CreateDirectory(_home);
            _shims = new(WriteShims);
            _app = new(LinkApp);
        }

        private static string Dotnet =>
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

        /// <summary>The console block's commands and what they printed, starting every sample on first use.</summary>
        internal Task<List<string>> Console(DocBlock block)
        {
            StartAll();
            return Start(block).Value;
        }

        /// <summary>A C# sample's compiler warnings and errors and, for a <c>csharp run</c> sample that compiled, its exit code and output.</summary>
        internal Task<CSharpRun> CSharp(DocBlock block)
        {
            StartAll();
            return StartCSharp(block).Value;
        }

        /// <summary>Starts every console block and every C# sample at once, so that they share the machine's cores (bounded by the slots).</summary>
        private void StartAll()
        {
            if (Interlocked.Exchange(ref _started, 1) != 0) return;
            foreach (var block in DocPages.Pages.SelectMany(p => p.Blocks))
            {
                if (block.Language == "console") _ = Start(block).Value;
                else if (block.Language == "csharp") _ = StartCSharp(block).Value;
            }
        }

        private Lazy<Task<List<string>>> Start(DocBlock block) =>
            _console.GetOrAdd(block, b => new Lazy<Task<List<string>>>(() => Task.Run(() => RunConsole(b))));

        private Lazy<Task<CSharpRun>> StartCSharp(DocBlock block) =>
            _csharp.GetOrAdd(block, b => new Lazy<Task<CSharpRun>>(() => Task.Run(async () =>
            {
                var (diagnostics, image) = Compile(b);
                if (diagnostics.Count > 0 || !b.Info.Split(' ').Contains("run")) return new CSharpRun(diagnostics, false, 0, []);
                var (exit, output) = await Program(b, image!);
                return new CSharpRun(diagnostics, true, exit, output);
            })));

        /// <summary>Runs a compiled C# sample from a copy of the repository's root and returns its exit code and what it printed.</summary>
        private async Task<(int Exit, List<string> Output)> Program(DocBlock block, byte[] image)
        {
            var name = $"DocSample_{Guid.NewGuid():N}";
            var dll = Path.Combine(_app.Value, name + ".dll");
            await File.WriteAllBytesAsync(dll, image);
            File.Copy(Path.Combine(AppContext.BaseDirectory, "CreditPolicy.Tests.runtimeconfig.json"), Path.Combine(_app.Value, name + ".runtimeconfig.json"));
            var scratch = Scratch();
            var (exit, output) = await Bash(block, scratch, $"exec {Quote(Dotnet)} {Quote(dll)} 2>&1\n");
            return (exit, Lines(Unscratch(output, scratch, null)));
        }

        private async Task<List<string>> RunConsole(DocBlock block)
        {
            var scratch = Scratch();
            var commands = Commands(block);
            var port = commands.Any(c => c.Command.Contains("127.0.0.1:8181", StringComparison.Ordinal) || c.Command.Contains("creditpolicy serve", StringComparison.Ordinal))
                ? FreePort()
                : (int?)null;
            var mark = "\u001e" + Guid.NewGuid().ToString("N") + "\u001e";
            var script = new StringBuilder();
            script.Append("set -m\nexec 2>&1\n");
            script.Append($"export PATH={Quote(_shims.Value)}:\"$PATH\"\nunset CREDITPOLICY_RULES\n__s=0\n");
            if (port is { } free) script.Append($"export CREDITPOLICY_DOCS_URLS=http://127.0.0.1:{free}\n");
            for (var i = 0; i < commands.Count; i++)
            {
                var command = commands[i].Command.Replace("/tmp/", scratch + "/tmp/", StringComparison.Ordinal);
                if (port is { } p) command = command.Replace("127.0.0.1:8181", $"127.0.0.1:{p}", StringComparison.Ordinal);
                script.Append($"printf '%s%d\\n' '{mark}' {i}\n");
                if (command.EndsWith('&') && !command.EndsWith("&&", StringComparison.Ordinal))
                {
                    // In the background: wait for the lines the page shows (a server's "listening" line), then show them.
                    var lines = commands[i].Output.Count;
                    Assert.True(commands[i].Output.All(l => l.Trim() != "…"), $"{block.Where}: a background command's output may not use a '…' line");
                    var log = $".docs-background-{i}.log";
                    // The log exists before the background shell opens it, so the wait below never reads a missing file.
                    script.Append($": > {log}\n{{ {command[..^1]}\n}} >> {log} &\n");
                    script.Append($"__n=0; while [ \"$(wc -l < {log})\" -lt {lines} ] && [ $__n -lt 600 ]; do sleep 0.1; __n=$((__n+1)); done; head -n {lines} {log}\n");
                }
                else
                {
                    script.Append($"(exit $__s)\n{{ {command}\n}}\n__s=$?\n");
                }
            }

            // What the shell prints while stopping background commands ("Terminated") belongs to no command.
            script.Append($"printf '%s%d\\n' '{mark}' {commands.Count}\n");
            script.Append("{ for __j in $(jobs -p); do kill -TERM -- -$__j; done; wait; } 2>/dev/null\n");
            var (_, output) = await Bash(block, scratch, script.ToString());
            var parts = Unscratch(output, scratch, port).Split(mark);
            Assert.True(parts.Length == commands.Count + 2, $"{block.Where}: the shell stopped before its last command:\n{output}");
            var run = new List<string>();
            for (var i = 0; i < commands.Count; i++)
            {
                var text = parts[i + 1];
                text = text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];
                run.Add("$ " + commands[i].Command);
                run.AddRange(Lines(text).Select(Normalise));
            }

            return run;
        }

        /// <summary>Runs a bash script from <paramref name="scratch"/>, with stdin closed, and returns its exit code and output.</summary>
        private async Task<(int Exit, string Output)> Bash(DocBlock block, string scratch, string script)
        {
            await _slots.WaitAsync();
            try
            {
                var file = Path.Combine(scratch, ".docs-sample.sh");
                await File.WriteAllTextAsync(file, script);
                var start = new ProcessStartInfo("bash")
                {
                    WorkingDirectory = scratch,
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    StandardOutputEncoding = Encoding.UTF8,
                };
                start.ArgumentList.Add(file);
                start.Environment.Remove("CREDITPOLICY_RULES");
                start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
                start.Environment["DOTNET_NOLOGO"] = "1";
                using var process = Process.Start(start)!;
                process.StandardInput.Close();
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                using var timeout = new CancellationTokenSource(BlockTimeout);
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    Assert.Fail($"{block.Where} did not finish within {BlockTimeout.TotalSeconds} s; so far:\n{await output}");
                }

                return (process.ExitCode, await output + await error);
            }
            finally
            {
                _slots.Release();
            }
        }

        /// <summary>A fresh copy of the repository's root as samples see it: rules/, examples/, and tmp/ for their /tmp/.</summary>
        private string Scratch()
        {
            var scratch = Path.Combine(_home, "root-" + Guid.NewGuid().ToString("N"));
            foreach (var folder in new[] { "rules", "examples" })
            {
                var source = Path.Combine(Root, folder);
                foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
                {
                    var target = Path.Combine(scratch, folder, Path.GetRelativePath(source, file));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(file, target);
                }
            }

            Directory.CreateDirectory(Path.Combine(scratch, "tmp"));
            return scratch;
        }

        /// <summary>Puts back what a reader would see: /tmp/ for the block's own folder, the page's port, paths relative to the root.</summary>
        private static string Unscratch(string output, string scratch, int? port)
        {
            output = output.Replace(scratch + "/tmp/", "/tmp/", StringComparison.Ordinal)
                .Replace(scratch + "/", "", StringComparison.Ordinal)
                .Replace(scratch, ".", StringComparison.Ordinal)
                .Replace(Root + "/", "", StringComparison.Ordinal);
            return port is { } p ? output.Replace($"127.0.0.1:{p}", "127.0.0.1:8181", StringComparison.Ordinal) : output;
        }

        /// <summary>A folder holding <c>creditpolicy</c>: the CLI these tests were built with, as an installed tool would run it.</summary>
        private string WriteShims()
        {
            var shims = Path.Combine(_home, "bin");
            Directory.CreateDirectory(shims);
            var shim = Path.Combine(shims, "creditpolicy");
            // 'creditpolicy serve' without --urls listens on the default 127.0.0.1:8181: on the block's own port instead.
            var cli = $"{Quote(Dotnet)} {Quote(Path.Combine(AppContext.BaseDirectory, "CreditPolicy.Cli.dll"))}";
            File.WriteAllText(shim, $$"""
                #!/bin/sh
                if [ "$1" = serve ] && [ -n "${CREDITPOLICY_DOCS_URLS:-}" ]; then
                  case " $* " in *" --urls "*|*" --urls="*) ;; *) set -- "$@" --urls "$CREDITPOLICY_DOCS_URLS" ;; esac
                fi
                exec {{cli}} "$@"

                """);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            return shims;
        }

        /// <summary>A folder where compiled samples run beside links to every assembly of the test's output (the library and its packages).</summary>
        private string LinkApp()
        {
            var app = Path.Combine(_home, "app");
            Directory.CreateDirectory(app);
            foreach (var dll in Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
            {
                File.CreateSymbolicLink(Path.Combine(app, Path.GetFileName(dll)), dll);
            }

            return app;
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

        public void Dispose()
        {
            _slots.Dispose();
            try
            {
                Directory.Delete(_home, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    /// <summary>What became of a C# sample.</summary>
    /// <param name="Diagnostics">Its compiler warnings and errors.</param>
    /// <param name="Ran">Whether it was run (a <c>csharp run</c> sample that compiled).</param>
    /// <param name="Exit">Its exit code, when it ran.</param>
    /// <param name="Output">What it printed, standard output and standard error together, when it ran.</param>
    internal sealed record CSharpRun(IReadOnlyList<string> Diagnostics, bool Ran, int Exit, List<string> Output);

    private static List<string> Lines(string text) =>
        text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n').ToList();
}
