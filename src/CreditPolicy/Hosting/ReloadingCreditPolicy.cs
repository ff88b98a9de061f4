using CreditPolicy.Records;
using System.Security.Cryptography;
using System.Text;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Scenarios;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CreditPolicy;

/// <summary>An evaluator over a rule directory that reloads the rules when they change, serving only rules that load, compile and pass every scenario.</summary>
/// <remarks>
/// <para>The rules served are one immutable snapshot behind a single reference. A decision reads that reference once
/// and finishes on the snapshot it read, whatever happens meanwhile; every decision names the version that decided it
/// in <see cref="Decision.Rules"/>.</para>
/// <para>A change in the directory (seen by a file watcher, by polling, or asked for with <see cref="ReloadAsync"/>)
/// loads the whole directory in the background, compiles every rule of every version and runs every scenario, as
/// <c>creditpolicy check</c> does. Only if all of that passes does the new snapshot replace the old, in one reference
/// swap. A bad edit leaves the last good rules serving, is logged as an error with every problem, and shows in
/// <see cref="Status"/> until a later reload succeeds.</para>
/// <para>Register it with <see cref="CreditPolicyServiceCollectionExtensions.AddCreditPolicy"/>, or create and dispose it directly.</para>
/// </remarks>
public sealed partial class ReloadingCreditPolicy : ICreditPolicy, ICreditPolicyStatus, IDisposable
{
    private readonly string _directory;
    private readonly IDecisionSink? _sink;
    private readonly long _maxSteps;
    private readonly TimeZoneDatabase _timeZones;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan? _pollInterval;
    private readonly ILogger<ReloadingCreditPolicy> _logger;
    private readonly IClock _clock;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _stoppingToken;
    private readonly Timer _debounceTimer;
    private readonly Timer? _pollTimer;
    private readonly FileSystemWatcher? _watcher;
    private volatile CreditPolicyStatus _status;
    private string? _lastFingerprint;
    private int _disposed;

    /// <summary>Loads and checks the rules in <see cref="CreditPolicyOptions.RulesDirectory"/> and starts watching it as the options say.</summary>
    /// <param name="options">The rule directory and how to watch it; read once, here.</param>
    /// <param name="logger">Where reloads and rejected edits are logged.</param>
    /// <param name="clock">Stamps <see cref="CreditPolicyStatus.LoadedAt"/> and <see cref="ReloadAttempt.At"/>; never consulted by a decision, whose only "now" is the case's <c>asOf</c>.</param>
    /// <param name="sink">Receives every decision, stamped with its record, before it is returned; optional.</param>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    /// <exception cref="ArgumentException">Thrown when <see cref="CreditPolicyOptions.RulesDirectory"/> is empty, a debounce or poll interval is negative or zero, or the step budget is not positive.</exception>
    /// <exception cref="RuleSetLoadException">Thrown when the rules do not load, or a scenario fails or a rule lacks scenarios, listing every problem.</exception>
    /// <exception cref="InvalidDataException">Thrown when <see cref="CreditPolicyOptions.TimeZoneDatabasePath"/> is not a readable NodaTime tz database.</exception>
    public ReloadingCreditPolicy(CreditPolicyOptions options, ILogger<ReloadingCreditPolicy> logger, IClock clock, IDecisionSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.RulesDirectory, nameof(options));
        if (options.ReloadDebounce < TimeSpan.Zero) throw new ArgumentException("ReloadDebounce must not be negative.", nameof(options));
        if (options.PollInterval is { } poll && poll <= TimeSpan.Zero) throw new ArgumentException("PollInterval must be positive when set.", nameof(options));

        _directory = Path.GetFullPath(options.RulesDirectory);
        _debounce = options.ReloadDebounce;
        _pollInterval = options.PollInterval;
        _logger = logger;
        _clock = clock;
        _sink = sink;
        _maxSteps = options.MaxStepsPerDecision > 0 ? options.MaxStepsPerDecision : throw new ArgumentException("MaxStepsPerDecision must be greater than zero.", nameof(options));
        _stoppingToken = _stopping.Token;
        _timeZones = options.TimeZoneDatabasePath is { } tzdb ? TimeZoneDatabase.Load(tzdb) : TimeZoneDatabase.Bundled;
        if (_pollInterval is not null) _lastFingerprint = Fingerprint();
        var (catalogue, problems) = LoadAndCheck(_directory, _timeZones);
        if (catalogue is null) throw new RuleSetLoadException(options.RulesDirectory, problems);
        _status = new CreditPolicyStatus(catalogue, clock.GetCurrentInstant(), null);
        LogLoaded(_logger, _directory, Describe(catalogue), catalogue.Identity.Digest);

        _debounceTimer = new Timer(_ => _ = ReloadQuietlyAsync(), null, Timeout.Infinite, Timeout.Infinite);
        if (_pollInterval is { } interval) _pollTimer = new Timer(_ => _ = PollAsync(), null, interval, Timeout.InfiniteTimeSpan);
        if (options.WatchForChanges)
        {
            _watcher = new FileSystemWatcher(_directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Changed += (_, _) => ScheduleReload();
            _watcher.Created += (_, _) => ScheduleReload();
            _watcher.Deleted += (_, _) => ScheduleReload();
            _watcher.Renamed += (_, _) => ScheduleReload();
            _watcher.Error += (_, e) =>
            {
                LogWatcherFailed(_logger, _directory, e.GetException());
                ScheduleReload();
            };
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <inheritdoc />
    public RuleCatalogue Catalogue => _status.Catalogue;

    /// <summary>The most steps the rules may take in one decision before it is indeterminate (<see cref="CreditPolicyOptions.MaxStepsPerDecision"/>).</summary>
    public long MaxStepsPerDecision => _maxSteps;

    /// <inheritdoc />
    public CreditPolicyStatus Status => _status;

    /// <inheritdoc />
    public Decision Decide(CreditCase @case) => DecisionRecords.StampAndWrite(@case, PolicyEvaluator.Evaluate(_status.Catalogue, @case, null, _maxSteps), _sink);

    /// <inheritdoc />
    public Explanation Explain(CreditCase @case)
    {
        var trace = new List<TraceEntry>();
        var decision = DecisionRecords.StampAndWrite(@case, PolicyEvaluator.Evaluate(_status.Catalogue, @case, trace, _maxSteps), _sink);
        return new Explanation(decision, trace);
    }

    /// <inheritdoc />
    public async Task<ReloadAttempt> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Loading compiles every rule and runs every scenario: CPU work kept off the caller's context.
            return await Task.Run(Attempt, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>Stops watching and polling; a reload already running finishes. Safe to call more than once.</summary>
    public void Dispose()
    {
        // A container disposes this once per service it was resolved as.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        _watcher?.Dispose();
        _debounceTimer.Dispose();
        _pollTimer?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Loads a rule directory and runs its check; the catalogue only if everything passed, else every problem.</summary>
    internal static (RuleCatalogue? Catalogue, IReadOnlyList<RuleProblem> Problems) LoadAndCheck(string directory, TimeZoneDatabase timeZones)
    {
        // The same gate as `creditpolicy check`: schemas, then load and compile, then scenarios and coverage.
        var schemaProblems = Schemas.RuleSchemas.ValidateDirectory(directory);
        if (schemaProblems.Count > 0)
        {
            return (null, schemaProblems.Select(p => new RuleProblem(p.File, null, null, p.Path == "$" || p.Message.StartsWith("not valid JSON", StringComparison.Ordinal) ? p.Message : $"{p.Path}: {p.Message}", p.Line)).ToArray());
        }

        RuleCatalogue candidate;
        try
        {
            candidate = RuleCatalogue.Load(directory, timeZones);
        }
        catch (RuleSetLoadException ex)
        {
            return (null, ex.Problems);
        }

        var report = ScenarioRunner.Check(candidate);
        return report.Succeeded ? (candidate, []) : (null, report.Problems());
    }

    private ReloadAttempt Attempt()
    {
        var serving = _status;
        RuleCatalogue? candidate;
        IReadOnlyList<RuleProblem> problems;
        try
        {
            if (_pollInterval is not null) Volatile.Write(ref _lastFingerprint, Fingerprint());
            (candidate, problems) = LoadAndCheck(_directory, _timeZones);
        }
        catch (Exception ex)
        {
            // A file can vanish or be locked mid-edit, and a background reload must never take the service down:
            // whatever went wrong, the last good rules keep serving and the failure is reported.
            (candidate, problems) = (null, [new RuleProblem(_directory, null, null, $"could not be read: {ex.GetType().Name}: {ex.Message}")]);
        }

        var now = _clock.GetCurrentInstant();
        if (candidate is null)
        {
            var rejected = new ReloadAttempt(now, ReloadOutcome.Rejected, problems);
            _status = serving with { LastAttempt = rejected };
            LogRejected(_logger, _directory, serving.Catalogue.Identity.Digest, problems.Count, string.Concat(problems.Select(p => Environment.NewLine + "  " + p)));
            return rejected;
        }

        if (candidate.Identity == serving.Catalogue.Identity)
        {
            var unchanged = new ReloadAttempt(now, ReloadOutcome.Unchanged, []);
            _status = serving with { LastAttempt = unchanged };
            LogUnchanged(_logger, _directory, serving.Catalogue.Identity.Digest);
            return unchanged;
        }

        var replaced = new ReloadAttempt(now, ReloadOutcome.Replaced, []);
        _status = new CreditPolicyStatus(candidate, now, replaced);
        LogReplaced(_logger, _directory, Describe(candidate), candidate.Identity.Digest, serving.Catalogue.Identity.Digest);
        return replaced;
    }

    private void ScheduleReload()
    {
        try
        {
            _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while the watcher delivered a last event: nothing left to reload for.
        }
    }

    private async Task ReloadQuietlyAsync()
    {
        try
        {
            await ReloadAsync(_stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stoppingToken.IsCancellationRequested)
        {
            // Disposed before the reload started.
        }
    }

    private async Task PollAsync()
    {
        try
        {
            string? fingerprint;
            try
            {
                fingerprint = Fingerprint();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                fingerprint = null;
            }

            if (fingerprint is null || fingerprint != Volatile.Read(ref _lastFingerprint)) await ReloadQuietlyAsync().ConfigureAwait(false);
        }
        finally
        {
            try
            {
                _pollTimer!.Change(_pollInterval!.Value, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // Disposed while polling.
            }
        }
    }

    /// <summary>sha256 over the path and bytes of every file under the directory: what polling compares.</summary>
    private string Fingerprint()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.GetFiles(_directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(_directory, file)));
            sha.AppendData([0]);
            sha.AppendData(File.ReadAllBytes(file));
            sha.AppendData([0]);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Describe(RuleCatalogue catalogue) =>
        "terms " + string.Join(", ", catalogue.Versions.Select(v => v.Identity.TermsVersion));

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Credit policy rules loaded from {Directory}: {Versions} ({Digest})")]
    private static partial void LogLoaded(ILogger logger, string directory, string versions, string digest);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Credit policy rules in {Directory} reloaded: {Versions} ({Digest}) replace {PreviousDigest}")]
    private static partial void LogReplaced(ILogger logger, string directory, string versions, string digest, string previousDigest);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Credit policy rules in {Directory} changed but were rejected; still serving {Digest}. {Count} problem(s):{Problems}")]
    private static partial void LogRejected(ILogger logger, string directory, string digest, int count, string problems);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Credit policy rules in {Directory} checked again: unchanged ({Digest})")]
    private static partial void LogUnchanged(ILogger logger, string directory, string digest);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Watching {Directory} failed; reloading to catch up")]
    private static partial void LogWatcherFailed(ILogger logger, string directory, Exception exception);
}
