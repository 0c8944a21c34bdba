using System.Runtime.ExceptionServices;

namespace SpikeLfp.Learning.Experiments;

/// <summary>
/// Runs independent training runs side by side, at most one per core (long iterations would otherwise make the
/// thread pool add threads, and every run would slow down). Each run is sequential, so its numbers do not depend
/// on how many run at once.
/// </summary>
internal static class SideBySide
{
    /// <summary>
    /// Results of <paramref name="run"/>(0 .. count-1), in index order. The first failure is rethrown as itself
    /// (not wrapped), so callers handle NumericalInstabilityException and cancellation as usual.
    /// </summary>
    public static T[] Run<T>(int count, Func<int, T> run, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var results = new T[count];
        try
        {
            var options = new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount };
            Parallel.For(0, count, options, i => results[i] = run(i));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return results;
    }
}
