using NodaTime;

namespace CreditPolicy.Cli.Generation;

/// <summary>How a <see cref="CaseGenerator"/> spreads its cases; every default gives a realistic book.</summary>
internal sealed record GeneratorOptions
{
    /// <summary>The defaults.</summary>
    public static GeneratorOptions Default { get; } = new();

    /// <summary>Where <c>asOf</c> is centred (within three years either side) for terms in force at every instant. Default 2027-01-01T00:00:00Z.</summary>
    public Instant Anchor { get; init; } = Instant.FromUtc(2027, 1, 1, 0, 0);

    /// <summary>The share of cases whose <c>asOf</c> lies before the earliest version takes effect (so no terms are in force), or far from <see cref="Anchor"/> for terms in force at every instant. Default 0.</summary>
    public double OutsideVersions { get; init; }

    /// <summary>The share of cases, when the rules hold several versions, whose account pins one (<c>account.termsVersion</c>) whatever their <c>asOf</c>. Default 0.05.</summary>
    public double Pinned { get; init; } = 0.05;

    /// <summary>How many distinct accounts the book's cases are drawn from; most cases are about different accounts, a few accounts recur. Default 1,000,000.</summary>
    public int Accounts { get; init; } = 1_000_000;

    /// <summary>The share of cases about a large account, with 1,000 to <see cref="MaxGrants"/> grants. Default 0.001.</summary>
    public double LargeAccounts { get; init; } = 0.001;

    /// <summary>The most grants a case has (at most 30,000; a case also stays under the 8 MiB case limit). Default 5,000.</summary>
    public int MaxGrants { get; init; } = 5_000;

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (OutsideVersions is < 0 or > 1 || double.IsNaN(OutsideVersions)) problems.Add($"{nameof(OutsideVersions)} must be from 0 to 1, got {OutsideVersions}");
        if (Pinned is < 0 or > 1 || double.IsNaN(Pinned)) problems.Add($"{nameof(Pinned)} must be from 0 to 1, got {Pinned}");
        if (LargeAccounts is < 0 or > 1 || double.IsNaN(LargeAccounts)) problems.Add($"{nameof(LargeAccounts)} must be from 0 to 1, got {LargeAccounts}");
        if (Accounts < 1) problems.Add($"{nameof(Accounts)} must be at least 1, got {Accounts}");
        if (MaxGrants is < 1 or > 30_000) problems.Add($"{nameof(MaxGrants)} must be from 1 to 30,000, got {MaxGrants}");
        return problems;
    }
}
