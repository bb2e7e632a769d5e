using DrsGraph.Emulator.Tests.Infrastructure;
using Newtonsoft.Json.Linq;
using Snapshooter.Xunit;

namespace DrsGraph.Emulator.Tests.Drs;

/// <summary>
/// The exact wire answers for the pages' example jobs at a fixed fake time: the contract other
/// projects test against. A change here is a change of the emulator's behaviour, reviewed as such.
/// </summary>
public sealed class ContractSnapshotTests(SharedEmulator emulator) : IClassFixture<SharedEmulator>
{
    private static readonly string[] Examples =
    [
        "9a470239-2308-4bb5-a6bc-1040402fjb21", "dc67695a-ee3e-49b8-a022-a099bd81jb21", "8d0e8e36-a618-490d-8a46-8c61ac9jb502",
        "edae91cb-5892-49b6-a529-4921fb26jb21", "f95c5d83-d0c9-42bd-b295-38c31cd1jb15", "24834eb6-be30-464e-a299-f7aa730jb101",
        "140b5236-88ad-43c8-811c-1268453jb101",
    ];

    [Fact]
    public async Task The_example_jobs_answer_exactly_as_snapshotted_on_all_three_endpoints()
    {
        var status = await emulator.Host.CallAsync("status", Examples);
        var progress = await emulator.Host.CallAsync("progress", Examples);
        var detail = await emulator.Host.CallAsync("detail", Examples);

        Snapshot.Match(new JObject
        {
            ["status"] = JToken.Parse(status.RawBody),
            ["progress"] = JToken.Parse(progress.RawBody),
            ["detail"] = JToken.Parse(detail.RawBody),
        });
    }
}
