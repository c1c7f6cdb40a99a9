using System.Globalization;

namespace Sysmon.Elastic.Generation;

/// <summary>
/// One day of one workstation: boot (drivers, the smss → wininit → services / winlogon → userinit → explorer
/// trees), the user's applications started in the morning, then a day of activity drawn with fixed weights
/// (browsing, mail, Teams, image loads, registry, files, Windows services, the occasional rarer event) until the
/// day's event budget is spent, and the applications closed in the evening (<paramref name="duringDay"/> adds to
/// the day while they still run). Every host runs the same binaries, so
/// in a fleet only what an intruder brings is rare.
/// </summary>
public static class Workday
{
    private static readonly (string Name, string Ip)[] Sites =
    [
        ("www.office.example", "198.51.100.10"), ("outlook.office365.example", "198.51.100.11"), ("teams.microsoft.example", "198.51.100.12"),
        ("intranet.corp.example", "10.20.250.20"), ("news.example", "198.51.100.30"), ("cdn.jsdelivr.example", "198.51.100.31"),
        ("login.microsoftonline.example", "198.51.100.13"), ("www.wikipedia.example", "198.51.100.40"), ("github.example", "198.51.100.41"),
    ];

    private static readonly (string Name, string Ip) Update = ("ctldl.windowsupdate.example", "198.51.100.200");

    public static void Run(SimulatedHost h, DateTime day, int budget, bool firstDay, Action<SimulatedHost>? duringDay = null)
    {
        var target = h.Events.Count + budget;
        var t = day.AddHours(7).AddMinutes(h.Random.Next(0, 40)).AddMilliseconds(h.Random.Next(0, 60_000));
        DateTime Next(int maxMs = 1500) => t = t.AddMilliseconds(h.Random.Next(5, maxMs));

        if (firstDay)
        {
            h.Raw(16, Next(), new() { ["Configuration"] = @"C:\Windows\sysmon-config.xml", ["ConfigurationFileHash"] = "SHA256=" + new Binary("sysmon-config", "1", "", "", "").Sha256 });
        }
        h.Raw(4, Next(), new() { ["State"] = "Started", ["Version"] = "15.14", ["SchemaVersion"] = "4.90" });
        foreach (var driver in Binaries.Drivers) h.LoadDriver(Next(), driver);
        var smss = h.Start(Next(), h.SystemProcess, Binaries.Smss, @"\SystemRoot\System32\smss.exe");
        h.Start(Next(), smss, Binaries.Csrss, @"%SystemRoot%\system32\csrss.exe ObjectDirectory=\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1");
        var wininit = h.Start(Next(), smss, Binaries.Wininit, "wininit.exe");
        var services = h.Start(Next(), wininit, Binaries.Services, @"C:\Windows\system32\services.exe");
        h.Start(Next(), wininit, Binaries.Lsass, @"C:\Windows\system32\lsass.exe");
        Proc? dcom = null;
        foreach (var group in new[] { "DcomLaunch -p", "netsvcs -p", "LocalServiceNetworkRestricted -p", "NetworkService -p" })
        {
            var svc = h.Start(Next(), services, Binaries.Svchost, @"C:\Windows\system32\svchost.exe -k " + group);
            dcom ??= svc;
        }
        h.Start(Next(), services, Binaries.Defender, "\"" + Binaries.Defender.Path + "\"");
        var winlogon = h.Start(Next(), smss, Binaries.Winlogon, "winlogon.exe");
        t = t.AddSeconds(h.Random.Next(20, 90));
        var userinit = h.Start(Next(), winlogon, Binaries.Userinit, @"C:\Windows\system32\userinit.exe", h.User);
        var explorer = h.Start(Next(), userinit, Binaries.Explorer, @"C:\Windows\Explorer.EXE");
        // The domain's logon script: PowerShell runs on every host every morning, so it is not rare in itself.
        var logon = h.Start(Next(), userinit, Binaries.PowerShell, @"powershell.exe -NoProfile -ExecutionPolicy Bypass -File \\corp.example\NETLOGON\logon.ps1");
        h.LoadImage(Next(200), logon, @"C:\Windows\System32\amsi.dll");
        h.Terminate(Next(5000), logon);
        h.Terminate(Next(), userinit);
        h.Start(Next(), dcom!, Binaries.WmiPrvSe, @"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding", SimulatedHost.SystemUser);
        h.Start(Next(), dcom!, Binaries.UsoWorker, @"C:\Windows\System32\MoUsoCoreWorker.exe -Embedding", SimulatedHost.SystemUser);

        // The morning: every user application once.
        t = day.AddHours(8).AddMinutes(h.Random.Next(0, 20));
        foreach (var app in Binaries.UserApps)
        {
            var p = h.Start(Next(20_000), explorer, app, CommandLine(app, h));
            for (var i = 0; i < 3; i++) h.LoadImage(Next(200), p, Binaries.SystemDlls[h.Random.Next(Binaries.SystemDlls.Length)]);
            if (app == Binaries.Cmd) h.Start(Next(100), p, Binaries.Conhost, @"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1");
        }
        if (firstDay) Coverage(h, day.AddHours(12));

        var start = day.AddHours(8.5);
        const double workSeconds = 9.5 * 3600;
        while (h.Events.Count < target)
        {
            t = start.AddSeconds(h.Random.NextDouble() * workSeconds);
            Activity(h, t);
        }

        duringDay?.Invoke(h); // while the day's applications still run
        t = day.AddHours(18).AddMinutes(h.Random.Next(0, 30));
        foreach (var app in Binaries.UserApps)
        {
            if (h.Running(app) is { } p) h.Terminate(Next(3000), p);
        }
    }

    private static string CommandLine(Binary app, SimulatedHost h) => app.Name switch
    {
        "chrome.exe" => "\"" + app.Path + "\" --profile-directory=Default",
        "msedge.exe" => "\"" + app.Path + "\" --single-argument https://intranet.corp.example/",
        "cmd.exe" => "\"" + app.Path + "\"",
        "notepad.exe" => "\"" + app.Path + "\" C:\\Users\\" + h.User[(SimulatedHost.Domain.Length + 1)..] + "\\Documents\\notes.txt",
        _ => "\"" + app.Path + "\"",
    };

    private static void Activity(SimulatedHost h, DateTime t)
    {
        var roll = h.Random.Next(100);
        var user = h.User[(SimulatedHost.Domain.Length + 1)..];
        Proc Any(params Binary[] choices)
        {
            foreach (var _ in choices)
            {
                var b = choices[h.Random.Next(choices.Length)];
                if (h.Running(b) is { } p) return p;
            }
            return h.Running(Binaries.Explorer) ?? h.Running(Binaries.Svchost)!;
        }
        switch (roll)
        {
            case < 35:
            {
                var browser = Any(Binaries.Chrome, Binaries.Edge);
                var site = Sites[h.Random.Next(Sites.Length)];
                h.Dns(t, browser, site.Name, site.Ip);
                h.Connect(t.AddMilliseconds(40), browser, site.Ip, 443, site.Name);
                if (h.Random.Next(10) == 0) h.CreateFile(t.AddSeconds(2), browser, $@"C:\Users\{user}\Downloads\document-{h.Random.Next(1000, 9999)}.pdf");
                break;
            }
            case < 45:
                h.Connect(t, Any(Binaries.Outlook), Sites[1].Ip, 443, Sites[1].Name);
                break;
            case < 53:
                h.Connect(t, Any(Binaries.Teams), Sites[2].Ip, 443, Sites[2].Name);
                break;
            case < 68:
                h.LoadImage(t, Any(Binaries.UserApps), Binaries.SystemDlls[h.Random.Next(Binaries.SystemDlls.Length)]);
                break;
            case < 78:
            {
                var p = Any(Binaries.Explorer, Binaries.Word, Binaries.Excel, Binaries.Chrome);
                var key = $@"HKU\S-1-5-21-1004336348-1177238915-682003330-{1000 + h.Index}\Software\Microsoft\Office\16.0\Common\Roaming\Identities\Value{h.Random.Next(20)}";
                if (h.Random.Next(8) == 0) h.Registry(12, t, p, "CreateKey", key[..key.LastIndexOf('\\')]);
                else h.Registry(13, t, p, "SetValue", key, "DWORD (0x0000000" + h.Random.Next(10) + ")");
                break;
            }
            case < 88:
            {
                var p = Any(Binaries.Word, Binaries.Excel, Binaries.Notepad);
                var ext = p.Binary == Binaries.Excel ? "xlsx" : p.Binary == Binaries.Word ? "docx" : "txt";
                h.CreateFile(t, p, $@"C:\Users\{user}\Documents\work-{h.Random.Next(100)}.{ext}");
                break;
            }
            case < 96:
            {
                var svc = Any(Binaries.Svchost, Binaries.UsoWorker, Binaries.Defender);
                h.Dns(t, svc, Update.Name, Update.Ip);
                h.Connect(t.AddMilliseconds(30), svc, Update.Ip, 443, Update.Name);
                break;
            }
            case < 99:
            {
                // A short-lived tool from the same set: a console, a note.
                var explorer = h.Running(Binaries.Explorer)!;
                var app = h.Random.Next(2) == 0 ? Binaries.Notepad : Binaries.Cmd;
                var p = h.Start(t, explorer, app, "\"" + app.Path + "\"");
                h.Terminate(t.AddSeconds(h.Random.Next(5, 600)), p);
                break;
            }
            default:
                Rare(h, RareIds[h.Random.Next(RareIds.Length)], t);
                break;
        }
    }

    /// <summary>The event ids the daily routine does not produce on its own.</summary>
    private static readonly int[] RareIds = [2, 8, 9, 10, 14, 15, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29];

    // The first day of every host shows each rarer event once, so that even a small fleet covers every event id.
    private static void Coverage(SimulatedHost h, DateTime noon)
    {
        var t = noon;
        foreach (var id in RareIds) Rare(h, id, t = t.AddSeconds(h.Random.Next(5, 120)));
        if (h.Index == 0) Rare(h, 255, t.AddSeconds(30));
    }

    private static void Rare(SimulatedHost h, int id, DateTime t)
    {
        var user = h.User[(SimulatedHost.Domain.Length + 1)..];
        var explorer = h.Running(Binaries.Explorer)!;
        var chrome = h.Running(Binaries.Chrome) ?? explorer;
        var svchost = h.Running(Binaries.Svchost)!;
        var downloads = $@"C:\Users\{user}\Downloads\";
        Dictionary<string, string> File(Proc p, string path, bool hashes = true)
        {
            var d = SimulatedHost.Fields(p);
            d["TargetFilename"] = path;
            if (hashes) d["Hashes"] = new Binary(path, "1", "", "", "").Hashes;
            return d;
        }
        switch (id)
        {
            case 2:
            {
                var d = File(chrome, downloads + "setup-notes.pdf", hashes: false);
                d["CreationUtcTime"] = SimulatedHost.Time(t.AddDays(-30));
                d["PreviousCreationUtcTime"] = SimulatedHost.Time(t);
                h.Raw(2, t, d);
                break;
            }
            case 8:
                // Benign injections exist too (accessibility and input helpers); the intruder's stands out by its source.
                h.RemoteThread(t, h.Running(Binaries.Csrss) ?? svchost, explorer);
                break;
            case 9:
            {
                var d = SimulatedHost.Fields(svchost);
                d["Device"] = @"\Device\HarddiskVolume3";
                h.Raw(9, t, d);
                break;
            }
            case 10:
                h.ProcessAccess(t, h.Running(Binaries.Defender) ?? svchost, h.Running(Binaries.Lsass) ?? svchost, "0x1000");
                break;
            case 14:
                h.Registry(14, t, explorer, "RenameKey", $@"HKU\S-1-5-21-1004336348-1177238915-682003330-{1000 + h.Index}\Software\Microsoft\Windows\CurrentVersion\Explorer\FeatureUsage\New Key #1",
                    newName: $@"HKU\S-1-5-21-1004336348-1177238915-682003330-{1000 + h.Index}\Software\Microsoft\Windows\CurrentVersion\Explorer\FeatureUsage\ShowJumpView");
                break;
            case 15:
            {
                var d = File(chrome, downloads + "quarterly-report.pdf:Zone.Identifier", hashes: false);
                d["CreationUtcTime"] = SimulatedHost.Time(t);
                d["Hash"] = "SHA256=" + new Binary("zone", "3", "", "", "").Sha256;
                d["Contents"] = "[ZoneTransfer]  ZoneId=3  HostUrl=https://news.example/quarterly-report.pdf  ";
                h.Raw(15, t, d);
                break;
            }
            case 17 or 18:
            {
                var d = SimulatedHost.Fields(id == 17 ? chrome : svchost);
                d["EventType"] = id == 17 ? "CreatePipe" : "ConnectPipe";
                d["PipeName"] = id == 17 ? $@"\mojo.{h.Random.Next(1000, 9999)}.{h.Random.Next(10000, 99999)}.{h.Random.NextInt64(1_000_000_000, 9_999_999_999)}" : @"\srvsvc";
                h.Raw(id, t, d);
                break;
            }
            case 19:
                h.Raw(19, t, new() { ["EventType"] = "WmiFilterEvent", ["Operation"] = "Created", ["User"] = SimulatedHost.SystemUser, ["EventNamespace"] = "\"root\\\\subscription\"",
                    ["Name"] = "\"SCM Event Log Filter\"", ["Query"] = "\"select * from MSFT_SCMEventLogEvent\"" });
                break;
            case 20:
                h.Raw(20, t, new() { ["EventType"] = "WmiConsumerEvent", ["Operation"] = "Created", ["User"] = SimulatedHost.SystemUser,
                    ["Name"] = "\"SCM Event Log Consumer\"", ["Type"] = "Log File", ["Destination"] = "\"C:\\\\Windows\\\\Logs\\\\scm.log\"" });
                break;
            case 21:
                h.Raw(21, t, new() { ["EventType"] = "WmiBindingEvent", ["Operation"] = "Created", ["User"] = SimulatedHost.SystemUser,
                    ["Consumer"] = "\"NTEventLogEventConsumer.Name=\\\"SCM Event Log Consumer\\\"\"", ["Filter"] = "\"__EventFilter.Name=\\\"SCM Event Log Filter\\\"\"" });
                break;
            case 23 or 26:
            {
                var d = File(explorer, downloads + $"old-{h.Random.Next(100)}.tmp");
                d["IsExecutable"] = "false";
                if (id == 23) d["Archived"] = "true";
                h.Raw(id, t, d);
                break;
            }
            case 24:
            {
                var d = SimulatedHost.Fields(h.Running(Binaries.Notepad) ?? explorer);
                d["Session"] = "1";
                d["ClientInfo"] = "user: " + h.User;
                d["Hashes"] = new Binary("clip" + h.Random.Next(100), "1", "", "", "").Hashes;
                d["Archived"] = "false";
                h.Raw(24, t, d);
                break;
            }
            case 25:
            {
                var d = SimulatedHost.Fields(h.Running(Binaries.Edge) ?? explorer);
                d["Type"] = "Image is locked for access";
                h.Raw(25, t, d);
                break;
            }
            case 27 or 29:
            {
                var d = File(chrome, downloads + (id == 27 ? "invoice-viewer.exe" : "ChromeSetup.exe"));
                h.Raw(id, t, d);
                break;
            }
            case 28:
            {
                var d = File(explorer, $@"C:\Users\{user}\AppData\Local\Temp\~DF{h.Random.Next(1000, 9999)}.tmp");
                d["IsExecutable"] = "false";
                h.Raw(28, t, d);
                break;
            }
            case 255:
                h.Raw(255, t, new() { ["ID"] = "DriverCommunication", ["Description"] = "Failed to retrieve events - Last error: The I/O operation has been aborted." });
                break;
        }
    }
}
