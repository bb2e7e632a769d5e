using BenchmarkDotNet.Running;
using DrsGraph.Benchmarks.Infrastructure;

// bench/micro.sh runs every benchmark with the short in-process job; pass BenchmarkDotNet's own
// arguments (--filter '*Mapper*', --list flat) to run or list a subset.
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, BenchConfig.Create());
