using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace DrsGraph.Benchmarks.Infrastructure;

/// <summary>The one configuration every benchmark runs with.</summary>
public static class BenchConfig
{
    /// <summary>
    /// BenchmarkDotNet's ShortRun (1 launch, 3 warm-up, 3 measured iterations), in process: the
    /// default toolchain generates and builds a project under this folder, which the repository's
    /// Directory.Build.props (warnings as errors, analyzers) would then judge. Short, so the whole
    /// suite runs in a few minutes on 2 cores; error bars are wider than a full run's, and reported.
    /// </summary>
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"))
        .AddDiagnoser(MemoryDiagnoser.Default);
}
