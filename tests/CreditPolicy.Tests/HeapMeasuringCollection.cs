namespace CreditPolicy.Tests;

/// <summary>Tests that measure the process's live managed heap run alone: the allocations of tests running beside them would count as theirs.</summary>
[CollectionDefinition(nameof(HeapMeasuringCollection), DisableParallelization = true)]
public sealed class HeapMeasuringCollection;
