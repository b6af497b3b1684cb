using BenchmarkDotNet.Running;

namespace Condenser.Benchmarks;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project bench/Condenser.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
