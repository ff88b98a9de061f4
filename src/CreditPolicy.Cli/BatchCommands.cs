using System.CommandLine;
using CreditPolicy.Batch;
using CreditPolicy.Evaluation;
using CreditPolicy.Rules;
using Spectre.Console;

namespace CreditPolicy.Cli;

/// <summary>The commands that stream NDJSON files of cases: <c>sweep</c> and <c>diff</c>.</summary>
internal sealed class BatchCommands(Stream stdin, TextWriter stdout, TextWriter stderr, RulesSearch rulesSearch, bool interactive, Stream? stdoutStream = null)
{
    public Command Sweep()
    {
        var cases = new Option<string>("--cases") { Description = "NDJSON file of cases, one per line (- for stdin).", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write one decision per line, in input order (- or omitted: stdout)." };
        var rules = Commands.RulesOption();
        var parallel = ParallelOption();
        var shard = new Option<string>("--shard") { Description = "i/n: evaluate only the i-th (0-based) of n shards, split by account id; the same split on every machine." };
        var summary = new Option<string>("--summary") { Description = "Also write the closing summary as JSON to this file." };
        var command = new Command("sweep", """
            Evaluate a whole book of accounts: NDJSON cases in, NDJSON decisions out in input order, on every core.
            Each output line is {"line":n,"accountId":...,"decision":{...}} or, for a line that is not a valid case,
            {"line":n,"error":{...}}; the run goes on. Progress (with rate and ETA) goes to stderr on a terminal; a
            closing summary (counts by outcome and clause) always does.
            """)
        {
            cases, output, rules, parallel, shard, summary,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!TryParseShard(parse.GetValue(shard), out var shardIndex, out var shardCount)) return ExitCodes.BadInput;
            if (!Commands.TryLoadRules(parse.GetValue(rules), rulesSearch, stderr, out var ruleSet, out _, parse.GetValue(Commands.TzdbOption))) return ExitCodes.BadInput;
            var inPath = parse.GetValue(cases)!;
            if (!Open(inPath, out var input, out var length)) return ExitCodes.BadInput;
            using (input)
            {
                var outPath = parse.GetValue(output);
                if (!TryCreate(outPath, out var writer)) return ExitCodes.BadInput;

                // Decisions are written as UTF-8 bytes: straight into the file or the process's stdout, never through text.
                var sink = ReferenceEquals(writer, stdout) ? stdoutStream ?? new TextWriterStream(stdout) : ((StreamWriter)writer).BaseStream;
                try
                {
                    var options = new SweepOptions(parse.GetValue(parallel), shardIndex, shardCount);
                    var policy = new CreditPolicyEngine(ruleSet!);
                    var result = await WithProgress(
                        "sweep",
                        length,
                        input,
                        progress => Batch.Sweep.RunAsync(policy, input!, sink, options, progress is null ? null : new Progress<SweepProgress>(p => progress(p.Lines)), ct));
                    stderr.WriteLine(result.ToString());
                    if (parse.GetValue(summary) is { } summaryPath)
                    {
                        try
                        {
                            File.WriteAllText(summaryPath, SummaryJson(result));
                        }
                        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                        {
                            stderr.WriteLine($"error: cannot write the summary {summaryPath}: {ex.Message}");
                            return ExitCodes.BadInput;
                        }
                    }

                    return ExitCodes.Ok;
                }
                finally
                {
                    if (!ReferenceEquals(writer, stdout)) await writer.DisposeAsync();
                }
            }
        });
        return command;
    }

    public Command Diff()
    {
        var before = new Option<string?>("--before") { Description = "The rule directory as it is now. " + RulesLocation.DefaultHelp };
        var after = new Option<string>("--after") { Description = "The rule directory with the edit.", Required = true };
        var cases = new Option<string>("--cases") { Description = "NDJSON file of cases (- for stdin), e.g. from 'creditpolicy generate'.", Required = true };
        var allow = new Option<bool>("--allow-changes") { Description = "Exit 0 even when decisions changed." };
        var examples = new Option<int>("--examples") { Description = "Example cases to show per group (default 3).", DefaultValueFactory = _ => 3 };
        var parallel = ParallelOption();
        var command = new Command("diff", """
            Evaluate every case under two rule sets and report how many decisions changed, grouped by
            (before outcome -> after outcome, rule, clause), with example case lines per group. Streams, so a
            million cases run in constant memory. Exits 1 when any decision changed, unless --allow-changes.
            """)
        {
            before, after, cases, allow, examples, parallel,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!Commands.TryLoadRules(parse.GetValue(before), rulesSearch, stderr, out var beforeSet, out _, parse.GetValue(Commands.TzdbOption))
                || !Commands.TryLoadRules(parse.GetValue(after)!, rulesSearch, stderr, out var afterSet, out _, parse.GetValue(Commands.TzdbOption)))
            {
                return ExitCodes.BadInput;
            }

            if (!Open(parse.GetValue(cases)!, out var input, out var length)) return ExitCodes.BadInput;
            using (input)
            {
                var options = new DiffOptions(parse.GetValue(parallel), Math.Max(0, parse.GetValue(examples)));
                var report = await WithProgress(
                    "diff",
                    length,
                    input,
                    progress => ImpactDiff.RunAsync(new CreditPolicyEngine(beforeSet!), new CreditPolicyEngine(afterSet!), input!, options, progress is null ? null : new Progress<long>(progress), ct));
                stdout.WriteLine($"before: {Describe(beforeSet!)}");
                stdout.WriteLine($"after:  {Describe(afterSet!)}");
                stdout.WriteLine(report.ToString());
                return report.Changed == 0 || parse.GetValue(allow) ? ExitCodes.Ok : ExitCodes.Failure;
            }
        });
        return command;
    }

    private static string Describe(RuleCatalogue catalogue) =>
        $"{string.Join(", ", catalogue.Versions.Select(v => v.Identity.TermsVersion))} ({catalogue.Identity.Digest})";

    internal static Option<int> ParallelOption() => new("--parallel", "-p")
    {
        Description = "How many cores to use; by default every core of this machine.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    private bool TryParseShard(string? text, out int index, out int count)
    {
        index = 0;
        count = 1;
        if (text is null) return true;
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out index) && int.TryParse(parts[1], out count) && count >= 1 && index >= 0 && index < count) return true;
        stderr.WriteLine($"error: --shard '{text}': expected i/n with 0 <= i < n, for example 0/4 (the first of four shards)");
        return false;
    }

    /// <summary>Opens the decisions' destination: standard output for none or <c>-</c>, else a new file; on failure says why on stderr.</summary>
    private bool TryCreate(string? path, out TextWriter writer)
    {
        writer = stdout;
        if (path is null or "-") return true;
        try
        {
            writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), new System.Text.UTF8Encoding(false)) { AutoFlush = false };
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"error: cannot write the decisions to {path}: {ex.Message}");
            return false;
        }
    }

    private bool Open(string path, out Stream? reader, out long? length)
    {
        length = null;
        if (path == "-")
        {
            reader = stdin;
            return true;
        }

        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            length = stream.CanSeek ? stream.Length : null;
            reader = stream;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot read the cases file {path}: {ex.Message}");
            reader = null;
            return false;
        }
    }

    /// <summary>Runs the work with a Spectre.Console progress bar on stderr when it is a terminal, otherwise plainly.</summary>
    private async Task<T> WithProgress<T>(string label, long? length, Stream? input, Func<Action<long>?, Task<T>> run)
    {
        if (!interactive) return await run(null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        T result = default!;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(label, maxValue: length ?? 1);
                task.IsIndeterminate = length is null;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                result = await run(lines =>
                {
                    var seconds = clock.Elapsed.TotalSeconds;
                    task.Description = $"{label}: {lines:N0} cases, {(seconds > 0 ? lines / seconds : 0):N0}/s";
                    if (input is FileStream { CanSeek: true } file) task.Value = file.Position;
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    private static string SummaryJson(SweepSummary s)
    {
        var o = new Newtonsoft.Json.Linq.JObject
        {
            ["lines"] = s.Lines,
            ["decided"] = s.Decided,
            ["errors"] = s.Errors,
            ["skipped"] = s.Skipped,
            ["byOutcome"] = new Newtonsoft.Json.Linq.JObject(Enum.GetValues<Model.Outcome>().Select(x => new Newtonsoft.Json.Linq.JProperty(DecisionJson.OutcomeName(x), s.ByOutcome.GetValueOrDefault(x)))),
            ["byClause"] = new Newtonsoft.Json.Linq.JObject(s.ByClause.Select(kv => new Newtonsoft.Json.Linq.JProperty(kv.Key, kv.Value))),
            ["seconds"] = Math.Round(s.Elapsed.TotalSeconds, 3),
        };
        return o.ToString();
    }

    /// <summary>Bytes written to a text writer (standard output captured by tests): decoded as UTF-8 as they come.</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private readonly System.Text.Decoder _decoder = new System.Text.UTF8Encoding(false, true).GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
            var n = _decoder.GetChars(buffer, chars, flush: false);
            writer.Write(chars, 0, n);
        }
    }
}
