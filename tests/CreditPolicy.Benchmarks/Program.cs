using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/CreditPolicy.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(CreditPolicy.Benchmarks.DecisionBenchmarks).Assembly).Run(args);
