using CreditPolicy.Model;

namespace CreditPolicy.Records;

/// <summary>Writes each decision to several sinks, in registration order.</summary>
internal sealed class CompositeDecisionSink(IReadOnlyList<IDecisionSink> sinks) : IDecisionSink
{
    public void Write(CreditCase @case, Decision decision)
    {
        foreach (var sink in sinks) sink.Write(@case, decision);
    }
}
