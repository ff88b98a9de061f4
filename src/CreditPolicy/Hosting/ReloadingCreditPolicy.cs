using CreditPolicy.Evaluation;
using CreditPolicy.FileSystem;
using CreditPolicy.Records;
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
/// <para>Watching covers the directory's own entry too: deleting and recreating it, or swapping a link to it
/// (<c>ln -sfn v2 current</c>, the usual atomic deploy), is seen through a watch on its parent, and the directory is
/// watched anew wherever it now resolves. Because change notifications can be lost (an overflowing queue, a network file
/// system), watching also compares the directory's content every 30 seconds unless <see cref="CreditPolicyOptions.PollInterval"/>
/// says otherwise. <see cref="CreditPolicyStatus.IsHealthy"/> reflects the latest attempt: once the directory again holds
/// the rules being served, or new rules that pass, it is healthy.</para>
/// <para>The directory is read as <see cref="RuleDirectorySnapshot"/> describes: only regular files, within size and count
/// limits, links only inside it; whatever is refused rejects the edit. A reload never blocks on a file and never throws
/// out of a background callback.</para>
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
    private readonly bool _watch;
    private readonly object _watchGate = new();
    private FileSystemWatcher? _parentWatcher;
    private FileSystemWatcher? _rootWatcher;
    private (string RealPath, FileIdentity? Identity)? _rootWatched;
    private volatile bool _rewatch;
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

        _directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.RulesDirectory));
        _debounce = options.ReloadDebounce;
        _pollInterval = options.PollInterval ?? (options.WatchForChanges ? CreditPolicyOptions.DefaultSafetyPollInterval : null);
        _logger = logger;
        _clock = clock;
        _sink = sink;
        _maxSteps = options.MaxStepsPerDecision > 0 ? options.MaxStepsPerDecision : throw new ArgumentException("MaxStepsPerDecision must be greater than zero.", nameof(options));
        _stoppingToken = _stopping.Token;
        _timeZones = options.TimeZoneDatabasePath is { } tzdb ? TimeZoneDatabase.Load(tzdb) : TimeZoneDatabase.Bundled;
        _watch = options.WatchForChanges;

        _debounceTimer = new Timer(_ => _ = ReloadQuietlyAsync(), null, Timeout.Infinite, Timeout.Infinite);

        // Held while the rules first load: a change seen meanwhile reloads after, never against a half-built evaluator.
        _reloading.Wait();
        var started = false;
        try
        {
            // Watch before reading, so that nothing written after the read goes unnoticed.
            if (_watch)
            {
                WatchParent();
                Rewatch();
            }

            var tree = RuleDirectorySnapshot.Read(_directory);
            _lastFingerprint = tree.Fingerprint;
            var (catalogue, problems) = LoadAndCheck(_directory, tree, _timeZones);
            if (catalogue is null) throw new RuleSetLoadException(options.RulesDirectory, problems);
            _status = new CreditPolicyStatus(catalogue, clock.GetCurrentInstant(), null);
            LogLoaded(_logger, _directory, Describe(catalogue), catalogue.Identity.Digest);
            started = true;
        }
        finally
        {
            if (!started)
            {
                // Nothing is returned to dispose: stop what was started, and let a reload already waiting give up.
                _stopping.Cancel();
                StopWatching();
                _debounceTimer.Dispose();
            }

            _reloading.Release();
        }

        if (_pollInterval is { } interval) _pollTimer = new Timer(_ => _ = PollAsync(), null, interval, Timeout.InfiniteTimeSpan);
    }

    /// <inheritdoc />
    public RuleCatalogue Catalogue => _status.Catalogue;

    /// <summary>The most steps the rules may take in one decision before it is indeterminate (<see cref="CreditPolicyOptions.MaxStepsPerDecision"/>).</summary>
    public long MaxStepsPerDecision => _maxSteps;

    /// <inheritdoc />
    public CreditPolicyStatus Status => _status;

    /// <inheritdoc />
    public Json.CaseReadResult ReadCase(ReadOnlySpan<byte> utf8Json) => Catalogue.ReadCase(utf8Json);

    /// <inheritdoc />
    public Json.CaseReadResult ReadCase(string json) => Catalogue.ReadCase(json);

    /// <inheritdoc />
    public Decision Decide(CreditCase @case) => Decide(@case, null);

    /// <inheritdoc />
    public Explanation Explain(CreditCase @case)
    {
        var trace = new List<TraceEntry>();
        return new Explanation(Decide(@case, trace), trace);
    }

    private Decision Decide(CreditCase @case, List<TraceEntry>? trace)
    {
        // One snapshot for the whole decision: a case read before a reload is read again, and recorded, as it decides.
        var catalogue = _status.Catalogue;
        @case = PolicyEvaluator.AsDecidedBy(catalogue, @case);
        return DecisionRecords.StampAndWrite(@case, PolicyEvaluator.Evaluate(catalogue, @case, trace, _maxSteps), _sink);
    }

    /// <summary>Raised after every reload attempt (watched, polled or asked for), with the attempt, once <see cref="Status"/> shows it.</summary>
    /// <remarks>
    /// Handlers run one attempt at a time on the thread that reloaded, and should return quickly (count the attempt, say).
    /// An exception from a handler is logged and goes no further: observing a reload never stops one.
    /// </remarks>
    public event EventHandler<ReloadAttempt>? Reloaded;

    /// <inheritdoc />
    public async Task<ReloadAttempt> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Loading compiles every rule and runs every scenario: CPU work kept off the caller's context.
            var attempt = await Task.Run(Attempt, CancellationToken.None).ConfigureAwait(false);
            OnReloaded(attempt);
            return attempt;
        }
        finally
        {
            _reloading.Release();
        }
    }

    private void OnReloaded(ReloadAttempt attempt)
    {
        try
        {
            Reloaded?.Invoke(this, attempt);
        }
        catch (Exception ex)
        {
            LogObserverFailed(_logger, _directory, ex);
        }
    }

    /// <summary>Stops watching and polling; a reload already running finishes. Safe to call more than once.</summary>
    public void Dispose()
    {
        // A container disposes this once per service it was resolved as.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        StopWatching();
        _debounceTimer.Dispose();
        _pollTimer?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Loads a rule directory and runs its check; the catalogue only if everything passed, else every problem.</summary>
    internal static (RuleCatalogue? Catalogue, IReadOnlyList<RuleProblem> Problems) LoadAndCheck(string directory, TimeZoneDatabase timeZones) =>
        LoadAndCheck(directory, RuleDirectorySnapshot.Read(directory), timeZones);

    /// <summary>Checks one snapshot of a rule directory: the schemas, the rules and the scenarios all see the same bytes.</summary>
    internal static (RuleCatalogue? Catalogue, IReadOnlyList<RuleProblem> Problems) LoadAndCheck(string directory, RuleDirectorySnapshot tree, TimeZoneDatabase timeZones)
    {
        // The same gate as `creditpolicy check`: schemas, then load and compile, then scenarios and coverage.
        var schemaProblems = Schemas.RuleSchemas.ValidateDirectory(directory, tree);
        if (schemaProblems.Count > 0)
        {
            return (null, schemaProblems.Select(p => new RuleProblem(p.File, p.Workflow, p.Rule, p.Path == "$" || p.Message.StartsWith("not valid JSON", StringComparison.Ordinal) ? p.Message : $"{p.Path}: {p.Message}", p.Line)).ToArray());
        }

        RuleCatalogue candidate;
        try
        {
            candidate = RuleCatalogue.Load(directory, tree, timeZones);
        }
        catch (RuleSetLoadException ex)
        {
            return (null, ex.Problems);
        }

        // The schemas editors check files against must be the ones this version generates.
        var stale = Schemas.SchemaCatalog.Stale(candidate);
        if (stale.Count > 0) return (null, stale);
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
            // Watch first, wherever the directory now is, so that an edit made while this attempt reads is not missed.
            if (_watch) Rewatch();
            var tree = RuleDirectorySnapshot.Read(_directory);

            // What this attempt saw, refused or not: polling reloads only when the directory differs from it.
            Volatile.Write(ref _lastFingerprint, tree.Fingerprint);
            (candidate, problems) = LoadAndCheck(_directory, tree, _timeZones);
        }
        catch (Exception ex)
        {
            // A background reload must never take the service down: whatever went wrong, the last good rules keep
            // serving and the failure is reported.
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
            // The directory holds what is served (perhaps again, after a rejected edit was undone): healthy.
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

    /// <summary>Watches the directory's parent for the directory itself being created, deleted, renamed or swapped (a link replaced).</summary>
    private void WatchParent()
    {
        var parent = Path.GetDirectoryName(_directory);
        var name = Path.GetFileName(_directory);
        if (parent is null || name.Length == 0) return;
        try
        {
            var watcher = new FileSystemWatcher(parent)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Attributes,
            };
            var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            void OnEntry(string? entry, string? oldEntry)
            {
                if (!string.Equals(entry, name, comparison) && !string.Equals(oldEntry, name, comparison)) return;

                // The directory's entry changed: whatever the old watch was on is gone or elsewhere.
                _rewatch = true;
                ScheduleReload();
            }

            watcher.Created += (_, e) => OnEntry(e.Name, null);
            watcher.Deleted += (_, e) => OnEntry(e.Name, null);
            watcher.Changed += (_, e) => OnEntry(e.Name, null);
            watcher.Renamed += (_, e) => OnEntry(e.Name, e.OldName);
            watcher.Error += (_, e) => OnWatcherError(parent, e.GetException());
            watcher.EnableRaisingEvents = true;
            lock (_watchGate)
            {
                if (Volatile.Read(ref _disposed) == 1) watcher.Dispose();
                else _parentWatcher = watcher;
            }
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // For example the inotify limit reached: polling still notices changes.
            LogWatcherFailed(_logger, parent, ex);
        }
    }

    /// <summary>Watches the directory where it now resolves, unless that is already watched; never throws.</summary>
    private void Rewatch()
    {
        var wanted = RuleDirectorySnapshot.Locate(_directory);
        lock (_watchGate)
        {
            if (Volatile.Read(ref _disposed) == 1) return;
            if (!_rewatch && _rootWatcher is not null && Nullable.Equals(wanted, _rootWatched)) return;
            _rewatch = false;
            _rootWatcher?.Dispose();
            (_rootWatcher, _rootWatched) = (null, null);
            if (wanted is not { } target) return;
            try
            {
                var watcher = new FileSystemWatcher(target.RealPath)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                };
                watcher.Changed += (_, _) => ScheduleReload();
                watcher.Created += (_, _) => ScheduleReload();
                watcher.Deleted += (_, _) => ScheduleReload();
                watcher.Renamed += (_, _) => ScheduleReload();
                watcher.Error += (_, e) => OnWatcherError(target.RealPath, e.GetException());
                watcher.EnableRaisingEvents = true;
                (_rootWatcher, _rootWatched) = (watcher, target);
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                LogWatcherFailed(_logger, target.RealPath, ex);
            }
        }
    }

    private void OnWatcherError(string watched, Exception exception)
    {
        // Events were lost, or the watched folder went away: watch anew and reload to catch up.
        LogWatcherFailed(_logger, watched, exception);
        _rewatch = true;
        ScheduleReload();
    }

    private void StopWatching()
    {
        lock (_watchGate)
        {
            _parentWatcher?.Dispose();
            _rootWatcher?.Dispose();
            (_parentWatcher, _rootWatcher, _rootWatched) = (null, null, null);
        }
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
        catch (Exception ex)
        {
            // Nothing may escape a timer callback; Attempt reports every failure it can, so this is a last resort.
            LogReloadFailed(_logger, _directory, ex);
        }
    }

    private async Task PollAsync()
    {
        try
        {
            var tree = RuleDirectorySnapshot.Read(_directory);

            // A directory deleted and recreated with the same content needs watching anew, though nothing reloads.
            if (_watch) Rewatch();
            if (tree.Fingerprint != Volatile.Read(ref _lastFingerprint)) await ReloadQuietlyAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogReloadFailed(_logger, _directory, ex);
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

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "A handler of ReloadingCreditPolicy.Reloaded for {Directory} threw; the reload itself is done")]
    private static partial void LogObserverFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Reloading the credit policy rules in {Directory} failed unexpectedly; still serving the last good rules")]
    private static partial void LogReloadFailed(ILogger logger, string directory, Exception exception);
}
