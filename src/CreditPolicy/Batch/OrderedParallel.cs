using System.Threading.Channels;

namespace CreditPolicy.Batch;

/// <summary>Runs work over a stream on several cores while keeping results in input order and memory bounded.</summary>
/// <remarks>
/// The source is read in batches; each batch is processed on the thread pool; results are handed to the
/// sink strictly in input order. At most <c>parallelism * 2</c> batches are in flight, so memory does not
/// grow with the length of the input: a ten-million-line file uses what a ten-thousand-line one does.
/// </remarks>
internal static class OrderedParallel
{
    /// <summary>Processes every item of <paramref name="source"/> with <paramref name="work"/> and passes the results to <paramref name="sink"/> in input order.</summary>
    /// <param name="source">The input, read once, lazily, on one thread.</param>
    /// <param name="work">The per-item work; runs concurrently on up to <paramref name="parallelism"/> threads.</param>
    /// <param name="sink">Receives each result in input order, on one thread at a time.</param>
    /// <param name="parallelism">How many batches are processed at once (at least 1).</param>
    /// <param name="batchSize">How many items a batch holds (at least 1).</param>
    /// <param name="cancellationToken">Stops reading and processing.</param>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="parallelism"/> or <paramref name="batchSize"/> is below 1.</exception>
    public static Task RunAsync<TIn, TOut>(
        IEnumerable<TIn> source,
        Func<TIn, TOut> work,
        Action<TOut> sink,
        int parallelism,
        int batchSize = 256,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return RunAsync(
            source,
            work,
            (result, _) =>
            {
                sink(result);
                return ValueTask.CompletedTask;
            },
            parallelism,
            batchSize,
            cancellationToken);
    }

    /// <summary>As <see cref="RunAsync{TIn, TOut}(IEnumerable{TIn}, Func{TIn, TOut}, Action{TOut}, int, int, CancellationToken)"/>, with a sink that writes asynchronously (to a network stream, say): while it waits, no further batch starts beyond those in flight.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="parallelism"/> or <paramref name="batchSize"/> is below 1.</exception>
    public static async Task RunAsync<TIn, TOut>(
        IEnumerable<TIn> source,
        Func<TIn, TOut> work,
        Func<TOut, CancellationToken, ValueTask> sink,
        int parallelism,
        int batchSize = 256,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);

        using var gate = new SemaphoreSlim(parallelism);
        var pending = Channel.CreateBounded<Task<TOut[]>>(new BoundedChannelOptions(parallelism * 2)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        var producer = Task.Run(
            async () =>
            {
                try
                {
                    var batch = new List<TIn>(batchSize);
                    foreach (var item in source)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        batch.Add(item);
                        if (batch.Count < batchSize) continue;
                        await pending.Writer.WriteAsync(Start(batch.ToArray(), work, gate, cancellationToken), cancellationToken).ConfigureAwait(false);
                        batch.Clear();
                    }

                    if (batch.Count > 0)
                    {
                        await pending.Writer.WriteAsync(Start(batch.ToArray(), work, gate, cancellationToken), cancellationToken).ConfigureAwait(false);
                    }

                    pending.Writer.Complete();
                }
                catch (Exception ex)
                {
                    pending.Writer.Complete(ex);
                }
            },
            cancellationToken);

        await foreach (var next in pending.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var result in await next.ConfigureAwait(false))
            {
                await sink(result, cancellationToken).ConfigureAwait(false);
            }
        }

        await producer.ConfigureAwait(false);
    }

    /// <summary>Processes <paramref name="source"/> in batches with <paramref name="work"/> (one call per batch) and passes each batch's result to <paramref name="sink"/> in input order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="parallelism"/> or <paramref name="batchSize"/> is below 1.</exception>
    public static async Task RunBatchesAsync<TIn, TOut>(
        IEnumerable<TIn> source,
        Func<TIn[], TOut> work,
        Action<TOut> sink,
        int parallelism,
        int batchSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        await RunBatchesAsync(
            source,
            work,
            (result, _) =>
            {
                sink(result);
                return ValueTask.CompletedTask;
            },
            parallelism,
            batchSize,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="RunBatchesAsync{TIn, TOut}(IEnumerable{TIn}, Func{TIn[], TOut}, Action{TOut}, int, int, CancellationToken)"/>, with a sink that writes asynchronously.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="parallelism"/> or <paramref name="batchSize"/> is below 1.</exception>
    public static async Task RunBatchesAsync<TIn, TOut>(
        IEnumerable<TIn> source,
        Func<TIn[], TOut> work,
        Func<TOut, CancellationToken, ValueTask> sink,
        int parallelism,
        int batchSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await RunAsync(Batches(source, batchSize), work, sink, parallelism, batchSize: 1, cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<T[]> Batches<T>(IEnumerable<T> source, int size)
    {
        var batch = new List<T>(size);
        foreach (var item in source)
        {
            batch.Add(item);
            if (batch.Count < size) continue;
            yield return batch.ToArray();
            batch.Clear();
        }

        if (batch.Count > 0) yield return batch.ToArray();
    }

    private static Task<TOut[]> Start<TIn, TOut>(TIn[] batch, Func<TIn, TOut> work, SemaphoreSlim gate, CancellationToken cancellationToken) =>
        Task.Run(
            async () =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var results = new TOut[batch.Length];
                    for (var i = 0; i < batch.Length; i++) results[i] = work(batch[i]);
                    return results;
                }
                finally
                {
                    gate.Release();
                }
            },
            cancellationToken);
}
