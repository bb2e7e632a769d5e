using System.Globalization;
using DrsGraph.Emulator.Drs;

namespace DrsGraph.Emulator.Jobs;

/// <summary>Creates jobs: the seeded demo data and jobs asked for through the control API.</summary>
public static class JobFactory
{
    /// <summary>The project of the API pages' examples, which holds the demo data.</summary>
    public const string DemoProjectId = "054ba152d480d55b2f5dc0069e7ddef0";

    private const string Region = "eu-de";

    // Source -> target engine pairs DRS supports, with db_type spellings from docs/drs-api.md.
    private static readonly (string Source, string Target, int SourcePort, int TargetPort, string Engine)[] Pairs =
    [
        ("mysql", "mysql", 3306, 3306, "mysql"),
        ("mysql", "taurus", 3306, 3306, "mysql"),
        ("mysql", "kafka", 3306, 9092, "mysql"),
        ("mongodb", "mongodb", 8635, 8635, "mongodb"),
        ("postgresql", "postgresql", 5432, 5432, "postgresql"),
        ("gaussdbv5", "gaussdbv5", 8000, 8000, "gaussdbv5"),
        ("gaussdbv5ha", "gaussdbv5ha", 8000, 8000, "gaussdbv5ha"),
    ];

    private static readonly string[] People = ["lws", "linxiaolu", "mkr", "ttn", "jdo", "pfa", "ewa", "hkl", "rsz", "ovn"];

    /// <summary>
    /// A job that enters <paramref name="status"/> at <paramref name="enteredAt"/> (its history is back-dated
    /// so detail times make sense).
    /// </summary>
    public static JobDefinition Create(
        string id, string projectId, string? name, string status, string taskMode, bool frozen,
        DateTimeOffset enteredAt, int seed, double timeScale)
    {
        var rng = new Random(seed ^ StableHash(id));
        var deleted = status == JobStatuses.Deleted;
        var planStatus = deleted ? JobStatuses.ReleaseResourceComplete : status;
        var (segments, full) = JobPlans.Build(planStatus, taskMode, rng, timeScale);
        var anchor = enteredAt - JobPlans.OffsetOf(segments, planStatus);
        return new JobDefinition
        {
            Id = id,
            ProjectId = projectId,
            Name = name ?? GeneratedName(rng),
            TaskMode = taskMode,
            Anchor = anchor,
            Segments = segments,
            FullDuration = full,
            FrozenAt = frozen ? enteredAt : null,
            Deleted = deleted,
            DelayBaseMs = rng.Next(0, 3000),
            DelayAmplitudeMs = rng.Next(0, 20000),
            DelayPeriodSeconds = rng.Next(60, 900),
            DelayPhase = rng.NextDouble() * 2 * Math.PI,
            Profile = GeneratedProfile(projectId, rng),
        };
    }

    /// <summary>The demo data: the pages' example jobs, then <paramref name="generated"/> jobs spread over every stage.</summary>
    public static List<JobDefinition> Seed(DateTimeOffset epoch, int seed, int generated, double timeScale)
    {
        var jobs = ExampleJobs(epoch, seed, timeScale);
        var rng = new Random(seed);
        var ids = new HashSet<string>(jobs.Select(j => j.Id), StringComparer.Ordinal);

        // Fates weighted towards healthy jobs, as in a real fleet.
        (string Status, int Weight)[] fates =
        [
            (JobStatuses.IncreTransferStarted, 40), (JobStatuses.FullTransferComplete, 12), (JobStatuses.WaitingForStart, 4),
            (JobStatuses.CreateFailed, 5), (JobStatuses.StartJobFailed, 5), (JobStatuses.FullTransferFailed, 7),
            (JobStatuses.IncreTransferFailed, 8), (JobStatuses.Pausing, 6), (JobStatuses.ReleaseResourceComplete, 10),
            (JobStatuses.Deleted, 3),
        ];
        var totalWeight = fates.Sum(f => f.Weight);

        for (var n = 0; n < generated; n++)
        {
            var id = NewId(rng);
            while (!ids.Add(id))
            {
                id = NewId(rng);
            }

            var pick = rng.Next(totalWeight);
            var fate = fates.First(f => (pick -= f.Weight) < 0).Status;
            var mode = fate switch
            {
                JobStatuses.FullTransferComplete => TaskModes.Full,
                JobStatuses.FullTransferFailed => rng.Next(2) == 0 ? TaskModes.Full : TaskModes.FullIncremental,
                _ => rng.Next(10) switch { < 6 => TaskModes.FullIncremental, < 8 => TaskModes.Full, _ => TaskModes.Incremental },
            };
            if (TaskModes.Refuses(mode, fate) is not null)
            {
                // Every fate here is reachable by a full-and-incremental job.
                mode = TaskModes.FullIncremental;
            }

            var job = Create(id, DemoProjectId, null, fate, mode, frozen: false, epoch, seed, timeScale);

            // Place "now" anywhere on the plan, so the fleet covers every stage at start-up.
            var stage = rng.Next(job.Segments.Count);
            var before = TimeSpan.Zero;
            for (var i = 0; i < stage; i++)
            {
                before += job.Segments[i].Duration;
            }

            var within = job.Segments[stage].Duration == Segment.Forever
                ? TimeSpan.FromSeconds(rng.Next(60, 86_400) * timeScale)
                : job.Segments[stage].Duration * rng.NextDouble();
            jobs.Add(job with { Anchor = epoch - before - within });
        }

        return jobs;
    }

    /// <summary>A realistic ID: 8-4-4-4 hex, then 7 or 8 hex + "jb" + 3 or 2 of [0-9a-z].</summary>
    public static string NewId(Random rng)
    {
        const string hex = "0123456789abcdef";
        const string alnum = "0123456789abcdefghijklmnopqrstuvwxyz";
        string Pick(string from, int n) => string.Create(n, (from, rng), static (span, s) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = s.from[s.rng.Next(s.from.Length)];
            }
        });

        var shortHex = rng.Next(2) == 0;
        var suffix = rng.Next(4) == 0 ? Pick(alnum, shortHex ? 3 : 2) : Pick("0123456789", shortHex ? 3 : 2);
        return $"{Pick(hex, 8)}-{Pick(hex, 4)}-{Pick(hex, 4)}-{Pick(hex, 4)}-{Pick(hex, shortHex ? 7 : 8)}jb{suffix}";
    }

    /// <summary>FNV-1a: a hash that, unlike string.GetHashCode, is the same in every process.</summary>
    public static int StableHash(string s)
    {
        unchecked
        {
            var h = 2166136261u;
            foreach (var c in s)
            {
                h = (h ^ c) * 16777619u;
            }

            return (int)h;
        }
    }

    private static List<JobDefinition> ExampleJobs(DateTimeOffset epoch, int seed, double timeScale)
    {
        JobDefinition Example(string id, string status, string mode, string? name = null, bool quirk = false)
        {
            var job = Create(id, DemoProjectId, name, status, mode, frozen: false, epoch, seed, timeScale);

            // A job in a lasting status has been in it for a while; one in a passing status has just entered
            // it, so it keeps the page's status as long as possible for clients that test against it.
            if (job.Segments.First(s => s.Status == status).Duration == Segment.Forever)
            {
                job = job with { Anchor = job.Anchor - TimeSpan.FromHours(3) };
            }

            // The page shows a delay of 0 at seed time; from then on it moves (a wave starting at its trough).
            const double period = 300;
            var phase = (-Math.PI / 2) - (2 * Math.PI * (epoch - job.Anchor).TotalSeconds / period);
            return job with { ExampleProgressQuirk = quirk, FromApiPage = true, DelayBaseMs = 0, DelayAmplitudeMs = 4000, DelayPeriodSeconds = period, DelayPhase = phase };
        }

        var lws = Example("24834eb6-be30-464e-a299-f7aa730jb101", JobStatuses.StartJobing, TaskModes.FullIncremental, "DRS-3999-lws");
        var lxl = Example("140b5236-88ad-43c8-811c-1268453jb101", JobStatuses.Configuration, TaskModes.FullIncremental, "DRS-0042-linxiaolu");
        return
        [
            Example("9a470239-2308-4bb5-a6bc-1040402fjb21", JobStatuses.IncreTransferStarted, TaskModes.FullIncremental),
            Example("dc67695a-ee3e-49b8-a022-a099bd81jb21", JobStatuses.IncreTransferFailed, TaskModes.FullIncremental),
            Example("8d0e8e36-a618-490d-8a46-8c61ac9jb502", JobStatuses.IncreTransferStarted, TaskModes.FullIncremental),
            Example("edae91cb-5892-49b6-a529-4921fb26jb21", JobStatuses.IncreTransferStarted, TaskModes.FullIncremental),
            Example("f95c5d83-d0c9-42bd-b295-38c31cd1jb15", JobStatuses.FullTransferComplete, TaskModes.FullIncremental, quirk: true),
            lws with
            {
                Profile = ExampleProfile(
                    sourceIp: "172.22.74.56", targetIp: "172.21.176.219", instId: "3ef57dbcc8db478a9e346d26ef2575bfin01",
                    instName: "rds-lws-target", vpc: "0ff8df7b-f0e9-4b16-ac16-1db3dacb69e4", subnet: "f857d371-2f03-4622-85f6-2b7d42d0d82c",
                    instIp: "172.16.213.101", publicIp: "10.154.219.202", instStatus: null, objectSwitch: true,
                    alarm: new AlarmNotifyItem
                    {
                        TopicName = "drs-alarms-lws",
                        DelayTime = 300,
                        RtoDelay = 600,
                        RpoDelay = 900,
                        AlarmToUser = true,
                        Subscriptions = [new(["lws@example.com"], "email"), new(["+4915112345678"], "sms")],
                    }),
            },
            lxl with
            {
                Profile = ExampleProfile(
                    sourceIp: "192.168.0.27", targetIp: "192.168.0.131", instId: "e05a3679efe241d8b5dee80b17c1a863in01",
                    instName: "rds-1417-lxl", vpc: "65f0391c-0582-44a6-aa50-248f97ed82e1", subnet: "352ad828-3467-4f03-987a-c55a5a9dd417",
                    instIp: "192.168.0.229", publicIp: "10.154.219.72", instStatus: "ACTIVE", objectSwitch: false),
            },
        ];
    }

    private static DetailItem ExampleProfile(
        string sourceIp, string targetIp, string instId, string instName, string vpc, string subnet,
        string instIp, string publicIp, string? instStatus, bool objectSwitch, AlarmNotifyItem? alarm = null) => new()
        {
            Id = string.Empty,
            SourceEndpoint = new EndpointItem
            {
                Ip = sourceIp, Region = Region, DbType = "mysql", DbPort = 3306, SslLink = false, ProjectId = DemoProjectId, DbUser = "root",
            },
            TargetEndpoint = new EndpointItem
            {
                Ip = targetIp, Region = Region, DbType = "mysql", DbPort = 3306, SslLink = false, InstId = instId,
                ProjectId = DemoProjectId, InstName = instName, DbUser = "root", VpcId = vpc, SubnetId = subnet,
            },
            InstInfo = new InstInfoItem
            {
                Ip = instIp, Status = instStatus, InstType = "high", EngineType = "mysql", VolumeSize = 100, PublicIp = publicIp, StartTime = "0",
            },
            JobDirection = "up",
            DbUseType = "migration",
            NeedRestart = false,
            IsTargetReadonly = true,
            SpeedLimit = [],
            SchemaType = "Tungsten",
            ObjectSwitch = objectSwitch,
            ReplaceDefiner = true,
            MigrateUser = false,
            AzCode = "az2xahz",
            VpcId = vpc,
            SubnetId = subnet,
            SecurityGroupId = "d90c971b-4b9d-402c-9c59-5c239389b8dd",
            IssueCoupon = false,
            SupportIpV6 = false,

            // Not in the page's example, but the SDKs show them on every job; clients should see them here too.
            NodeNum = 1,
            NetType = "eip",
            Tags = [new TagItem("env", "demo")],
            AlarmNotify = alarm,
        };

    private static string GeneratedName(Random rng) =>
        string.Create(CultureInfo.InvariantCulture, $"DRS-{rng.Next(1, 10_000):D4}-{People[rng.Next(People.Length)]}");

    private static DetailItem GeneratedProfile(string projectId, Random rng)
    {
        string Uuid() => new Guid([.. Enumerable.Range(0, 16).Select(_ => (byte)rng.Next(256))]).ToString();
        string Ip(string prefix) => string.Create(CultureInfo.InvariantCulture, $"{prefix}.{rng.Next(0, 256)}.{rng.Next(2, 255)}");
        string Hex(int n) => string.Concat(Enumerable.Range(0, n).Select(_ => "0123456789abcdef"[rng.Next(16)]));

        var pair = Pairs[rng.Next(Pairs.Length)];
        var vpc = Uuid();
        var subnet = Uuid();
        var useType = rng.Next(10) switch { < 5 => "migration", < 9 => "sync", _ => "cloudDataGuard" };
        var ssl = rng.Next(4) == 0;
        var az = "eu-de-0" + rng.Next(1, 4).ToString(CultureInfo.InvariantCulture);
        var speedLimit = rng.Next(3) == 0
            ? new List<SpeedLimitItem> { new(rng.Next(1, 50).ToString(CultureInfo.InvariantCulture), "16:00", "23:59", true) }
            : [];
        var tags = new List<TagItem> { new("env", rng.Next(3) switch { 0 => "prod", 1 => "test", _ => "dev" }) };
        if (rng.Next(2) == 0)
        {
            tags.Add(new TagItem("owner", People[rng.Next(People.Length)]));
        }

        return new DetailItem
        {
            Id = string.Empty,
            Description = rng.Next(3) == 0 ? "Nightly replication to the " + pair.Target + " reporting instance" : null,
            SourceEndpoint = new EndpointItem
            {
                Ip = Ip("192.168"), Region = Region, DbType = pair.Source, DbPort = pair.SourcePort, SslLink = ssl,
                ProjectId = projectId, DbUser = pair.Source == "mongodb" ? "rwuser" : "root",
            },
            TargetEndpoint = new EndpointItem
            {
                Ip = Ip("172.16"), Region = Region, DbType = pair.Target, DbPort = pair.TargetPort, SslLink = ssl,
                InstId = Hex(32) + "in01", ProjectId = projectId, InstName = "rds-" + Hex(4) + "-target",
                DbUser = pair.Target == "kafka" ? null : "root", VpcId = vpc, SubnetId = subnet,
            },
            InstInfo = new InstInfoItem
            {
                Ip = Ip("172.16"), Status = rng.Next(2) == 0 ? "ACTIVE" : "active", InstType = rng.Next(3) switch { 0 => "micro", 1 => "medium", _ => "high" },
                EngineType = pair.Engine, VolumeSize = 100 * rng.Next(1, 6), PublicIp = rng.Next(2) == 0 ? Ip("10.154") : null, StartTime = "0",
            },
            JobDirection = rng.Next(5) == 0 ? "down" : "up",
            DbUseType = useType,
            NeedRestart = false,
            IsTargetReadonly = rng.Next(3) != 0,
            ConflictPolicy = useType == "sync" ? "overwrite" : null,
            SpeedLimit = speedLimit,
            SchemaType = pair.Source == "mysql" ? "Tungsten" : null,
            NodeNum = useType == "sync" ? rng.Next(1, 4) : 1,
            ObjectSwitch = rng.Next(2) == 0,
            ReplaceDefiner = true,
            MigrateUser = rng.Next(4) == 0,
            AzCode = az,
            VpcId = vpc,
            SubnetId = subnet,
            SecurityGroupId = Uuid(),
            NetType = rng.Next(3) switch { 0 => "vpn", 1 => "vpc", _ => "eip" },
            IssueCoupon = false,
            SupportIpV6 = false,
            Tags = tags,

            // Drawn last, so adding it left every other drawn field of the seed as it was.
            AlarmNotify = GeneratedAlarm(rng),
        };
    }

    /// <summary>Alarm notifications on about a third of the jobs, in the object shape of the SDKs.</summary>
    private static AlarmNotifyItem? GeneratedAlarm(Random rng)
    {
        if (rng.Next(3) != 0)
        {
            return null;
        }

        var person = People[rng.Next(People.Length)];
        var subscriptions = new List<SubscriptionItem> { new([person + "@example.com"], "email") };
        if (rng.Next(2) == 0)
        {
            subscriptions.Add(new SubscriptionItem(["+49151" + rng.Next(1_000_000, 10_000_000).ToString(CultureInfo.InvariantCulture)], "sms"));
        }

        return new AlarmNotifyItem
        {
            TopicName = "drs-alarms-" + person,
            DelayTime = 60 * rng.Next(1, 11),
            RtoDelay = 60 * rng.Next(1, 11),
            RpoDelay = 60 * rng.Next(1, 11),
            AlarmToUser = rng.Next(2) == 0,
            Subscriptions = subscriptions,
        };
    }
}
