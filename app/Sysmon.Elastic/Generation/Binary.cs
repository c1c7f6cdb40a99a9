using System.Security.Cryptography;
using System.Text;

namespace Sysmon.Elastic.Generation;

/// <summary>An executable or library of the simulated fleet, with the version metadata Sysmon reports and hashes
/// derived from its path and version (the same binary version has the same hashes on every host).</summary>
public sealed class Binary
{
    public Binary(string path, string version, string description, string product, string company, string? originalFileName = null, bool signed = true,
        string? hashSeed = null)
    {
        Path = path;
        Version = version;
        Description = description;
        Product = product;
        Company = company;
        OriginalFileName = originalFileName ?? System.IO.Path.GetFileName(path.Replace('\\', '/'));
        Signed = signed;
        // The same file copied elsewhere keeps its hashes: hashSeed names the content when the path does not.
        var seed = Encoding.UTF8.GetBytes(hashSeed ?? path.ToLowerInvariant() + "|" + version);
#pragma warning disable CA5350, CA5351 // Sysmon reports MD5 and SHA-1; these fill its fields, they protect nothing.
        Sha256 = Convert.ToHexString(SHA256.HashData(seed));
        Sha1 = Convert.ToHexString(SHA1.HashData(seed));
        Md5 = Convert.ToHexString(MD5.HashData(seed));
        Imphash = Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes("imports|" + System.IO.Path.GetFileName(path.Replace('\\', '/')).ToLowerInvariant())));
#pragma warning restore CA5350, CA5351
    }

    public string Path { get; }
    public string Name => System.IO.Path.GetFileName(Path.Replace('\\', '/'));
    public string Version { get; }
    public string Description { get; }
    public string Product { get; }
    public string Company { get; }
    public string OriginalFileName { get; }
    public bool Signed { get; }
    public string Sha256 { get; }
    public string Sha1 { get; }
    public string Md5 { get; }
    public string Imphash { get; }

    /// <summary>The Hashes field as Sysmon writes it (upper-case hex, the configured algorithms).</summary>
    public string Hashes => $"SHA1={Sha1},MD5={Md5},SHA256={Sha256},IMPHASH={Imphash}";

    public string SignatureStatus => Signed ? "Valid" : "Unavailable";

    public string Signature => Signed ? (Company == "Microsoft Corporation" ? "Microsoft Windows" : Company) : "-";
}

/// <summary>The software every simulated Windows 11 workstation runs: the same set on every host, so that only
/// what an attacker brings is rare across the fleet.</summary>
public static class Binaries
{
    private const string Ms = "Microsoft Corporation";
    private const string Win = "Microsoft® Windows® Operating System";
    private const string Os = "10.0.22621.3085 (WinBuild.160101.0800)";

    public static readonly Binary Smss = new(@"C:\Windows\System32\smss.exe", Os, "Windows Session Manager", Win, Ms);
    public static readonly Binary Csrss = new(@"C:\Windows\System32\csrss.exe", Os, "Client Server Runtime Process", Win, Ms);
    public static readonly Binary Wininit = new(@"C:\Windows\System32\wininit.exe", Os, "Windows Start-Up Application", Win, Ms);
    public static readonly Binary Winlogon = new(@"C:\Windows\System32\winlogon.exe", Os, "Windows Logon Application", Win, Ms);
    public static readonly Binary Services = new(@"C:\Windows\System32\services.exe", Os, "Services and Controller app", Win, Ms);
    public static readonly Binary Lsass = new(@"C:\Windows\System32\lsass.exe", Os, "Local Security Authority Process", Win, Ms);
    public static readonly Binary Svchost = new(@"C:\Windows\System32\svchost.exe", Os, "Host Process for Windows Services", Win, Ms);
    public static readonly Binary Userinit = new(@"C:\Windows\System32\userinit.exe", Os, "Userinit Logon Application", Win, Ms);
    public static readonly Binary Explorer = new(@"C:\Windows\explorer.exe", Os, "Windows Explorer", Win, Ms);
    public static readonly Binary Defender = new(@"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24010.12-0\MsMpEng.exe", "4.18.24010.12 (WinBuild.160101.0800)", "Antimalware Service Executable", Win, Ms);
    public static readonly Binary WmiPrvSe = new(@"C:\Windows\System32\wbem\WmiPrvSE.exe", Os, "WMI Provider Host", Win, Ms);
    public static readonly Binary Chrome = new(@"C:\Program Files\Google\Chrome\Application\chrome.exe", "121.0.6167.140", "Google Chrome", "Google Chrome", "Google LLC");
    public static readonly Binary Edge = new(@"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe", "121.0.2277.98", "Microsoft Edge", "Microsoft Edge", Ms);
    public static readonly Binary Outlook = new(@"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE", "16.0.17126.20132", "Microsoft Outlook", "Microsoft Office", Ms);
    public static readonly Binary Word = new(@"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE", "16.0.17126.20132", "Microsoft Word", "Microsoft Office", Ms);
    public static readonly Binary Excel = new(@"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE", "16.0.17126.20132", "Microsoft Excel", "Microsoft Office", Ms);
    public static readonly Binary Teams = new(@"C:\Program Files\WindowsApps\MSTeams_24004.1307.2669.7070_x64__8wekyb3d8bbwe\ms-teams.exe", "24004.1307.2669.7070", "Microsoft Teams", "Microsoft Teams", Ms);
    public static readonly Binary Notepad = new(@"C:\Windows\System32\notepad.exe", Os, "Notepad", Win, Ms);
    public static readonly Binary Cmd = new(@"C:\Windows\System32\cmd.exe", Os, "Windows Command Processor", Win, Ms);
    public static readonly Binary Conhost = new(@"C:\Windows\System32\conhost.exe", Os, "Console Window Host", Win, Ms);
    public static readonly Binary PowerShell = new(@"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", Os, "Windows PowerShell", Win, Ms, "PowerShell.EXE");
    public static readonly Binary UsoWorker = new(@"C:\Windows\System32\MoUsoCoreWorker.exe", Os, "MoUSO Core Worker Process", Win, Ms);

    /// <summary>What a user starts from explorer during the day.</summary>
    public static readonly Binary[] UserApps = [Chrome, Edge, Outlook, Word, Excel, Teams, Notepad, Cmd];

    public static readonly string[] SystemDlls =
    [
        @"C:\Windows\System32\ntdll.dll", @"C:\Windows\System32\kernel32.dll", @"C:\Windows\System32\KernelBase.dll",
        @"C:\Windows\System32\user32.dll", @"C:\Windows\System32\advapi32.dll", @"C:\Windows\System32\crypt32.dll",
        @"C:\Windows\System32\ws2_32.dll", @"C:\Windows\System32\winhttp.dll", @"C:\Windows\System32\amsi.dll",
        @"C:\Windows\System32\combase.dll", @"C:\Windows\System32\ole32.dll", @"C:\Windows\System32\dnsapi.dll",
    ];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Binary> Libraries = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A Windows DLL by path, its version metadata and hashes made once (image loads are frequent).</summary>
    public static Binary Library(string path) => Libraries.GetOrAdd(path, static p =>
        new Binary(p, Os, System.IO.Path.GetFileNameWithoutExtension(p.Replace('\\', '/')), Win, Ms));

    public static readonly string[] Drivers =
    [
        @"C:\Windows\System32\drivers\SysmonDrv.sys", @"C:\Windows\System32\drivers\WdFilter.sys", @"C:\Windows\System32\drivers\tcpip.sys",
    ];
}
