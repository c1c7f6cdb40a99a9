using System.Globalization;

namespace Sysmon.Elastic.Generation;

/// <summary>A running process of a simulated host, as Sysmon identifies it.</summary>
public sealed class Proc(string guid, int pid, Binary binary, string commandLine, string user, Proc? parent, string currentDirectory, string integrity)
{
    public string Guid { get; } = guid;
    public int Pid { get; } = pid;
    public Binary Binary { get; } = binary;
    public string Image => Binary.Path;
    public string CommandLine { get; } = commandLine;
    public string User { get; } = user;
    public Proc? Parent { get; } = parent;
    public string CurrentDirectory { get; } = currentDirectory;
    public string Integrity { get; } = integrity;
    public bool Exited { get; set; }
}

/// <summary>
/// One Windows workstation of the simulated fleet: its identity, its own random stream (so hosts are independent
/// and the output does not depend on generation order), the processes running on it, and the Sysmon events its
/// activity produces, each with the fields of its event id filled the way Sysmon fills them.
/// </summary>
public sealed class SimulatedHost
{
    /// <summary>A host's name and address, known before it is simulated.</summary>
    public readonly record struct HostAddress(string Name, string Ip);

    public static HostAddress AddressOf(int index) => new($"WKS-{index + 1:D4}.corp.example", $"10.20.{index / 250}.{index % 250 + 5}");

    public const string Domain = "CORP";
    public const string SystemUser = @"NT AUTHORITY\SYSTEM";
    private readonly Dictionary<Binary, Proc> _latest = [];
    private long _sequence;

    public SimulatedHost(int index, string userName, int seed)
    {
        Index = index;
        (Name, Ip) = AddressOf(index);
        User = $@"{Domain}\{userName}";
        Random = new Random(unchecked(seed * 7919 + index * 104729));
        LogonGuid = NewGuid();
        LogonId = "0x" + Random.Next(0x10000, 0xFFFFFF).ToString("X", CultureInfo.InvariantCulture);
        SystemProcess = new Proc(NewGuid(), 4, new Binary("System", "-", "-", "-", "-", signed: false), "", SystemUser, null, "", "System");
    }

    public int Index { get; }
    public string Name { get; }
    public string Ip { get; }
    public string User { get; }
    public Random Random { get; }
    public string LogonGuid { get; }
    public string LogonId { get; }
    public Proc SystemProcess { get; }
    public List<GeneratedEvent> Events { get; } = [];

    public Proc? Running(Binary binary) => _latest.TryGetValue(binary, out var p) && !p.Exited ? p : null;

    public string NewGuid()
    {
        Span<byte> b = stackalloc byte[16];
        Random.NextBytes(b);
        return "{" + new Guid(b).ToString("D") + "}";
    }

    private int NewPid() => 4 * Random.Next(64, 8000);

    public int EphemeralPort() => Random.Next(49152, 65535);

    public static string Time(DateTime t) => Sysmon.Ingest.Ecs.SysmonTime.FormatUtcTime(t);

    private void Add(int id, DateTime t, Dictionary<string, string> data)
    {
        data["UtcTime"] = Time(t);
        data.TryAdd("RuleName", "-");
        Events.Add(new GeneratedEvent(id, t, data) { Sequence = _sequence++ });
    }

    private static Dictionary<string, string> Of(Proc p) => new()
    {
        ["ProcessGuid"] = p.Guid, ["ProcessId"] = p.Pid.ToString(CultureInfo.InvariantCulture), ["Image"] = p.Image, ["User"] = p.User,
    };

    public Proc Start(DateTime t, Proc parent, Binary binary, string commandLine, string? user = null, string integrity = "Medium", string? currentDirectory = null)
    {
        user ??= parent == SystemProcess ? SystemUser : parent.User;
        var p = new Proc(NewGuid(), NewPid(), binary, commandLine, user, parent, currentDirectory ?? (user == SystemUser ? @"C:\Windows\system32\" : $@"C:\Users\{UserName(user)}\"), user == SystemUser ? "System" : integrity);
        _latest[binary] = p;
        var d = Of(p);
        d["FileVersion"] = binary.Version;
        d["Description"] = binary.Description;
        d["Product"] = binary.Product;
        d["Company"] = binary.Company;
        d["OriginalFileName"] = binary.OriginalFileName;
        d["CommandLine"] = commandLine;
        d["CurrentDirectory"] = p.CurrentDirectory;
        d["LogonGuid"] = user == SystemUser ? "{00000000-0000-0000-e703-000000000000}" : LogonGuid;
        d["LogonId"] = user == SystemUser ? "0x3E7" : LogonId;
        d["TerminalSessionId"] = user == SystemUser ? "0" : "1";
        d["IntegrityLevel"] = p.Integrity;
        d["Hashes"] = binary.Hashes;
        d["ParentProcessGuid"] = parent.Guid;
        d["ParentProcessId"] = parent.Pid.ToString(CultureInfo.InvariantCulture);
        d["ParentImage"] = parent.Image;
        d["ParentCommandLine"] = parent.CommandLine;
        d["ParentUser"] = parent.User;
        Add(1, t, d);
        return p;
    }

    private static string UserName(string user) => user[(user.IndexOf('\\', StringComparison.Ordinal) + 1)..];

    public void Terminate(DateTime t, Proc p)
    {
        p.Exited = true;
        Add(5, t, Of(p));
    }

    public void LoadImage(DateTime t, Proc p, string dll)
    {
        var lib = Binaries.Library(dll);
        var d = Of(p);
        d["ImageLoaded"] = dll;
        d["FileVersion"] = lib.Version;
        d["Description"] = lib.Description;
        d["Product"] = lib.Product;
        d["Company"] = lib.Company;
        d["OriginalFileName"] = lib.OriginalFileName;
        d["Hashes"] = lib.Hashes;
        d["Signed"] = "true";
        d["Signature"] = "Microsoft Windows";
        d["SignatureStatus"] = "Valid";
        Add(7, t, d);
    }

    public void LoadDriver(DateTime t, string path)
    {
        var drv = new Binary(path, "10.0.22621.3085", "driver", "-", "Microsoft Corporation"); // three per boot: not worth a cache
        Add(6, t, new() { ["ImageLoaded"] = path, ["Hashes"] = drv.Hashes, ["Signed"] = "true", ["Signature"] = "Microsoft Windows", ["SignatureStatus"] = "Valid" });
    }

    /// <summary>A TCP connection; for an inbound one (<paramref name="initiated"/> false) pass the remote
    /// <paramref name="sourceIp"/> and this host's address as the destination.</summary>
    public void Connect(DateTime t, Proc p, string destinationIp, int destinationPort, string? destinationHost = null, bool initiated = true, string? sourceIp = null)
    {
        var d = Of(p);
        d["Protocol"] = "tcp";
        d["Initiated"] = initiated ? "true" : "false";
        d["SourceIsIpv6"] = "false";
        d["SourceIp"] = sourceIp ?? Ip;
        d["SourceHostname"] = sourceIp is null ? Name : "-";
        d["SourcePort"] = EphemeralPort().ToString(CultureInfo.InvariantCulture);
        d["SourcePortName"] = "-";
        d["DestinationIsIpv6"] = "false";
        d["DestinationIp"] = destinationIp;
        d["DestinationHostname"] = destinationHost ?? "-";
        d["DestinationPort"] = destinationPort.ToString(CultureInfo.InvariantCulture);
        d["DestinationPortName"] = destinationPort switch { 443 => "https", 80 => "http", 445 => "microsoft-ds", 53 => "domain", _ => "-" };
        Add(3, t, d);
    }

    public void Dns(DateTime t, Proc p, string name, string answer)
    {
        var d = Of(p);
        d["QueryName"] = name;
        d["QueryStatus"] = "0";
        d["QueryResults"] = "::ffff:" + answer + ";";
        Add(22, t, d);
    }

    public void CreateFile(DateTime t, Proc p, string path)
    {
        var d = Of(p);
        d["TargetFilename"] = path;
        d["CreationUtcTime"] = Time(t);
        Add(11, t, d);
    }

    public void Registry(int id, DateTime t, Proc p, string eventType, string target, string? details = null, string? newName = null)
    {
        var d = Of(p);
        d["EventType"] = eventType;
        d["TargetObject"] = target;
        if (id == 13) d["Details"] = details ?? "DWORD (0x00000001)";
        if (id == 14) d["NewName"] = newName ?? target + ".old";
        Add(id, t, d);
    }

    public void RemoteThread(DateTime t, Proc source, Proc target)
    {
        Add(8, t, new()
        {
            ["SourceProcessGuid"] = source.Guid, ["SourceProcessId"] = source.Pid.ToString(CultureInfo.InvariantCulture), ["SourceImage"] = source.Image,
            ["TargetProcessGuid"] = target.Guid, ["TargetProcessId"] = target.Pid.ToString(CultureInfo.InvariantCulture), ["TargetImage"] = target.Image,
            ["NewThreadId"] = Random.Next(1000, 20000).ToString(CultureInfo.InvariantCulture),
            ["StartAddress"] = "0x" + Random.NextInt64(0x7FF000000000, 0x7FFFFFFFFFFF).ToString("X16", CultureInfo.InvariantCulture),
            ["StartModule"] = "-", ["StartFunction"] = "-", ["SourceUser"] = source.User, ["TargetUser"] = target.User,
        });
    }

    public void ProcessAccess(DateTime t, Proc source, Proc target, string grantedAccess)
    {
        Add(10, t, new()
        {
            ["SourceProcessGUID"] = source.Guid, ["SourceProcessId"] = source.Pid.ToString(CultureInfo.InvariantCulture),
            ["SourceThreadId"] = Random.Next(1000, 20000).ToString(CultureInfo.InvariantCulture), ["SourceImage"] = source.Image,
            ["TargetProcessGUID"] = target.Guid, ["TargetProcessId"] = target.Pid.ToString(CultureInfo.InvariantCulture), ["TargetImage"] = target.Image,
            ["GrantedAccess"] = grantedAccess,
            ["CallTrace"] = @"C:\Windows\SYSTEM32\ntdll.dll+9d4c4|C:\Windows\System32\KERNELBASE.dll+2c13e|" + source.Image + "+1a2b",
            ["SourceUser"] = source.User, ["TargetUser"] = target.User,
        });
    }

    public void Raw(int id, DateTime t, Dictionary<string, string> data) => Add(id, t, data);

    public static Dictionary<string, string> Fields(Proc p) => Of(p);
}
