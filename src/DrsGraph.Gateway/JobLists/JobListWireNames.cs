using System.Text;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.JobLists;

/// <summary>
/// The gateway's enums as the list call's body spells them (docs/drs-api.md#listing-a-projects-jobs): the
/// reverse of <see cref="JobMapper"/>'s parsing, for the filters pushed down to DRS.
/// </summary>
public static class JobListWireNames
{
    /// <summary><c>INCRE_TRANSFER_FAILED</c> for <see cref="JobStatus.IncreTransferFailed"/>: DRS's statuses are the enum names in upper snake case.</summary>
    public static string Status(JobStatus status)
    {
        if (status == JobStatus.Unknown)
        {
            throw new ArgumentException("Unknown is not a DRS status and cannot be filtered on.", nameof(status));
        }

        var name = status.ToString();
        var wire = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                wire.Append('_');
            }

            wire.Append(char.ToUpperInvariant(name[i]));
        }

        return wire.ToString();
    }

    public static string UseType(DbUseType useType) => useType switch
    {
        DbUseType.Migration => "migration",
        DbUseType.Sync => "sync",
        DbUseType.CloudDataGuard => "cloudDataGuard",
        _ => throw new ArgumentException("Unknown is not a DRS use type.", nameof(useType)),
    };

    public static string NetType(NetType netType) => netType switch
    {
        Jobs.NetType.Vpn => "vpn",
        Jobs.NetType.Vpc => "vpc",
        Jobs.NetType.Eip => "eip",
        _ => throw new ArgumentException("Unknown is not a DRS network type.", nameof(netType)),
    };
}
