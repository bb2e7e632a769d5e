using DrsGraph.DrsClient.Wire;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Tests.Jobs;

public sealed class JobMapperTests
{
    [Theory]
    [InlineData("INCRE_TRANSFER_STARTED", JobStatus.IncreTransferStarted)]
    [InlineData("PAUSEING", JobStatus.Pausing)]
    [InlineData("pausing", JobStatus.Pausing)]
    [InlineData("SOMETHING_DRS_ADDS_NEXT_YEAR", JobStatus.Unknown)]
    [InlineData(null, JobStatus.Unknown)]
    public void Status_strings_map_to_the_enum_with_an_unknown_fallback(string? raw, JobStatus expected) =>
        Assert.Equal(expected, JobMapper.ParseStatus(raw));

    [Fact]
    public void Progress_sentinels_become_null_and_strings_numbers()
    {
        var progress = JobMapper.ToProgress(new JobProgressWire(
            "f95c5d83-d0c9-42bd-b295-38c31cd1jb15", "0", "-1", null, "FULL_INCR_TRANS", "FULL_TRANSFER_COMPLETE", "0", "0",
            new Dictionary<string, ProgressInfoWire> { ["struct"] = new("94%", null), ["data"] = new("100%", null) }, null, null));

        Assert.Equal(0, progress.Percent);
        Assert.Null(progress.IncrementalDelaySeconds);
        Assert.Null(progress.ProcessedAt);
        Assert.Equal(TaskMode.FullIncrTrans, progress.TaskMode);
        Assert.Equal(JobStatus.FullTransferComplete, progress.TransferStatus);
        Assert.Equal([new ProgressPhase("struct", ProgressPhaseKind.Structure, 94, null), new ProgressPhase("data", ProgressPhaseKind.Data, 100, null)], progress.Phases);
    }

    [Theory]
    [InlineData("94%", 94.0)]
    [InlineData("0", 0.0)]
    [InlineData("100", 100.0)]
    [InlineData("99.5", 99.5)]
    [InlineData("-5", null)]
    [InlineData("150", null)]
    [InlineData("99999999999999999999", null)]
    [InlineData("NaN", null)]
    [InlineData("soon", null)]
    public void A_percent_outside_0_to_100_is_not_one(string raw, double? expected) =>
        Assert.Equal(expected, JobMapper.ParsePercent(raw));

    [Fact]
    public void Epoch_millisecond_strings_become_utc_times()
    {
        Assert.Equal(new DateTime(2020, 12, 18, 7, 1, 59, DateTimeKind.Utc), JobMapper.ParseEpochMillis("1608274919000"));
        Assert.Null(JobMapper.ParseEpochMillis("0"));
        Assert.Null(JobMapper.ParseEpochMillis("soon"));
    }
}
