namespace Sysmon.Ingest.Tests.Fixtures;

/// <summary>
/// One realistic event per Sysmon event id (values modelled on real captures: the corpus, Elastic's test data,
/// Sysmon's documentation), as System fields plus EventData in manifest order. The tests render each into every
/// textual form and check that all forms map to the same ECS document.
/// </summary>
public sealed record SampleEvent(int Id, long RecordId, string UtcTime, IReadOnlyList<(string Name, string Value)> Data)
{
    public const string Computer = "WKS-0042.corp.example";
    public string TimeCreated => UtcTime.Replace(' ', 'T') + "4521Z";
    public int Version => Sysmon.Ingest.Catalogue.EventCatalogue.Default.Find(Id)!.Version;
    public int Level => Id == 255 ? 2 : 4;
}

public static class SampleEvents
{
    private const string Guid1 = "{8f2a3c1e-5b6d-6a3f-2a01-000000001e00}";
    private const string Guid2 = "{8f2a3c1e-5b60-6a3f-1c01-000000001e00}";
    private const string User = "CORP\\alice";
    private const string System = "NT AUTHORITY\\SYSTEM";

    public static readonly IReadOnlyList<SampleEvent> All =
    [
        new(1, 100001, "2026-01-05 10:00:01.123",
        [
            ("RuleName", "technique_id=T1059.001,technique_name=PowerShell"), ("UtcTime", "2026-01-05 10:00:01.123"),
            ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"),
            ("FileVersion", "10.0.19041.546 (WinBuild.160101.0800)"), ("Description", "Windows PowerShell"),
            ("Product", "Microsoft® Windows® Operating System"), ("Company", "Microsoft Corporation"),
            ("OriginalFileName", "PowerShell.EXE"),
            ("CommandLine", "powershell.exe -NoP -W Hidden -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA \"C:\\Users\\alice\\My Docs\\x.ps1\" "),
            ("CurrentDirectory", "C:\\Users\\alice\\Documents\\"), ("User", User),
            ("LogonGuid", "{8f2a3c1e-1234-6a3f-5e3a-0f0000000000}"), ("LogonId", "0xF3A5E"), ("TerminalSessionId", "1"),
            ("IntegrityLevel", "Medium"),
            ("Hashes", "SHA1=6CBCE4A295C163791B60FC23D285E6D84F28EE4C,MD5=7353F60B1739074EB17C5F4DDDEFE239,SHA256=DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C,IMPHASH=741776AACCFC5B71FF59832DCDCACE0F"),
            ("ParentProcessGuid", Guid2), ("ParentProcessId", "4412"),
            ("ParentImage", "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"),
            ("ParentCommandLine", "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n \"C:\\Users\\alice\\Downloads\\invoice.docm\" /o \"\""),
            ("ParentUser", User),
        ]),
        new(2, 100002, "2026-01-05 10:00:02.200",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:02.200"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe"),
            ("TargetFilename", "C:\\Users\\alice\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\upd.lnk"),
            ("CreationUtcTime", "2019-03-18 12:00:00.000"), ("PreviousCreationUtcTime", "2026-01-05 10:00:02.100"), ("User", User),
        ]),
        new(3, 100003, "2026-01-05 10:00:03.300",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:03.300"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe"), ("User", User), ("Protocol", "tcp"),
            ("Initiated", "true"), ("SourceIsIpv6", "false"), ("SourceIp", "10.20.30.40"), ("SourceHostname", "WKS-0042.corp.example"),
            ("SourcePort", "49712"), ("SourcePortName", "-"), ("DestinationIsIpv6", "false"), ("DestinationIp", "203.0.113.66"),
            ("DestinationHostname", "c2.bad.example"), ("DestinationPort", "443"), ("DestinationPortName", "https"),
        ]),
        new(4, 100004, "2026-01-05 10:00:04.400",
        [
            ("UtcTime", "2026-01-05 10:00:04.400"), ("State", "Started"), ("Version", "15.15"), ("SchemaVersion", "4.90"),
        ]),
        new(5, 100005, "2026-01-05 10:00:05.500",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:05.500"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"), ("User", User),
        ]),
        new(6, 100006, "2026-01-05 10:00:06.600",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:06.600"), ("ImageLoaded", "C:\\Windows\\System32\\drivers\\gdrv.sys"),
            ("Hashes", "SHA1=FE10018AF723986DB50701C8532DF5ED98B17C39,MD5=9AB9F3B75A2EB87FAFB1B7361BE9DFB3,SHA256=31F4CFB4C71DA44120752721103A16512444C13C2AC2D857A7E6F13CB679B427,IMPHASH=0E1A6B8A0AB1E4F0A8B4C5D6E7F80910"),
            ("Signed", "true"), ("Signature", "Giga-Byte Technology"), ("SignatureStatus", "Expired"),
        ]),
        new(7, 100007, "2026-01-05 10:00:07.700",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:07.700"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Windows\\System32\\rundll32.exe"), ("ImageLoaded", "C:\\Windows\\System32\\comsvcs.dll"),
            ("FileVersion", "2001.12.10941.16384 (WinBuild.160101.0800)"), ("Description", "COM+ Services"),
            ("Product", "Microsoft® Windows® Operating System"), ("Company", "Microsoft Corporation"), ("OriginalFileName", "comsvcs.dll"),
            ("Hashes", "SHA1=3B6E4F7F1F7B9C1E3C5D7A9B1C3E5F7A9B1C3D5E,MD5=0B5A8D0C1E2F3A4B5C6D7E8F9A0B1C2D,SHA256=A2E1B5F3C8D9E0F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F70819,IMPHASH=3E2F1D0C9B8A7968574635241302F1E0"),
            ("Signed", "true"), ("Signature", "Microsoft Windows"), ("SignatureStatus", "Valid"), ("User", User),
        ]),
        new(8, 100008, "2026-01-05 10:00:08.800",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:08.800"), ("SourceProcessGuid", Guid1), ("SourceProcessId", "6256"),
            ("SourceImage", "C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe"), ("TargetProcessGuid", Guid2), ("TargetProcessId", "1044"),
            ("TargetImage", "C:\\Windows\\explorer.exe"), ("NewThreadId", "7720"), ("StartAddress", "0x00000000027C0000"),
            ("StartModule", "-"), ("StartFunction", "-"), ("SourceUser", User), ("TargetUser", User),
        ]),
        new(9, 100009, "2026-01-05 10:00:09.900",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:09.900"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Users\\alice\\AppData\\Local\\Temp\\ninjacopy.exe"), ("Device", "\\Device\\HarddiskVolume2"), ("User", User),
        ]),
        new(10, 100010, "2026-01-05 10:00:10.010",
        [
            ("RuleName", "technique_id=T1003,technique_name=Credential Dumping"), ("UtcTime", "2026-01-05 10:00:10.010"),
            ("SourceProcessGUID", Guid1), ("SourceProcessId", "6256"), ("SourceThreadId", "3008"),
            ("SourceImage", "C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe"), ("TargetProcessGUID", "{8f2a3c1e-0001-6a3f-0c00-000000001e00}"),
            ("TargetProcessId", "664"), ("TargetImage", "C:\\Windows\\system32\\lsass.exe"), ("GrantedAccess", "0x1010"),
            ("CallTrace", "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2730e|UNKNOWN(00000000027C1A2B)"),
            ("SourceUser", User), ("TargetUser", System),
        ]),
        new(11, 100011, "2026-01-05 10:00:11.110",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:11.110"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"),
            ("TargetFilename", "C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe"), ("CreationUtcTime", "2026-01-05 10:00:11.100"), ("User", User),
        ]),
        new(12, 100012, "2026-01-05 10:00:12.120",
        [
            ("RuleName", "-"), ("EventType", "CreateKey"), ("UtcTime", "2026-01-05 10:00:12.120"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe"),
            ("TargetObject", "HKU\\S-1-5-21-1004336348-1177238915-682003330-1104\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"), ("User", User),
        ]),
        new(13, 100013, "2026-01-05 10:00:13.130",
        [
            ("RuleName", "technique_id=T1547.001,technique_name=Registry Run Keys"), ("EventType", "SetValue"),
            ("UtcTime", "2026-01-05 10:00:13.130"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe"),
            ("TargetObject", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater"), ("Details", "DWORD (0x0000002a)"), ("User", User),
        ]),
        new(14, 100014, "2026-01-05 10:00:14.140",
        [
            ("RuleName", "-"), ("EventType", "RenameKey"), ("UtcTime", "2026-01-05 10:00:14.140"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Windows\\regedit.exe"), ("TargetObject", "HKCU\\Software\\Classes\\ms-settings\\Shell\\Open\\command"),
            ("NewName", "HKCU\\Software\\Classes\\ms-settings\\Shell\\Open\\command2"), ("User", User),
        ]),
        new(15, 100015, "2026-01-05 10:00:15.150",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:15.150"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Program Files\\Mozilla Firefox\\firefox.exe"),
            ("TargetFilename", "C:\\Users\\alice\\Downloads\\invoice.docm:Zone.Identifier"), ("CreationUtcTime", "2026-01-05 10:00:14.000"),
            ("Hash", "SHA1=A1B2C3D4E5F60718293A4B5C6D7E8F9012345678,MD5=FBCCF14D504B7B2DBCB5A5BDA75BD93B,SHA256=EACD09517CE90D34BA562E7ED5F0C6CE3A3E9D5F7B4F3B7A4A2B1C0D9E8F7A6B,IMPHASH=00000000000000000000000000000000"),
            ("Contents", "[ZoneTransfer]  ZoneId=3  HostUrl=https://mail.example/attachment"), ("User", User),
        ]),
        new(16, 100016, "2026-01-05 10:00:16.160",
        [
            ("UtcTime", "2026-01-05 10:00:16.160"), ("Configuration", "C:\\Windows\\sysmonconfig.xml"),
            ("ConfigurationFileHash", "SHA256=4AC2D0E5F33C5B1E9D0E5B7B47A3E2C10FDB0B1A7E9D3C2B1A0F9E8D7C6B5A49"),
        ]),
        new(17, 100017, "2026-01-05 10:00:17.170",
        [
            ("RuleName", "-"), ("EventType", "CreatePipe"), ("UtcTime", "2026-01-05 10:00:17.170"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("PipeName", "\\MSSE-1337-server"), ("Image", "C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe"), ("User", User),
        ]),
        new(18, 100018, "2026-01-05 10:00:18.180",
        [
            ("RuleName", "-"), ("EventType", "ConnectPipe"), ("UtcTime", "2026-01-05 10:00:18.180"), ("ProcessGuid", Guid2), ("ProcessId", "4"),
            ("PipeName", "\\PSEXESVC"), ("Image", "System"), ("User", System),
        ]),
        new(19, 100019, "2026-01-05 10:00:19.190",
        [
            ("RuleName", "-"), ("EventType", "WmiFilterEvent"), ("UtcTime", "2026-01-05 10:00:19.190"), ("Operation", "Created"),
            ("User", User), ("EventNamespace", " \"root\\\\cimv2\""), ("Name", " \"Updater\""),
            ("Query", " \"SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA 'Win32_PerfFormattedData_PerfOS_System'\""),
        ]),
        new(20, 100020, "2026-01-05 10:00:20.200",
        [
            ("RuleName", "-"), ("EventType", "WmiConsumerEvent"), ("UtcTime", "2026-01-05 10:00:20.200"), ("Operation", "Created"),
            ("User", User), ("Name", " \"Updater\""), ("Type", "Command Line"),
            ("Destination", " \"C:\\\\Users\\\\alice\\\\AppData\\\\Local\\\\Temp\\\\upd.exe\""),
        ]),
        new(21, 100021, "2026-01-05 10:00:21.210",
        [
            ("RuleName", "-"), ("EventType", "WmiBindingEvent"), ("UtcTime", "2026-01-05 10:00:21.210"), ("Operation", "Created"),
            ("User", User), ("Consumer", " \"CommandLineEventConsumer.Name=\\\"Updater\\\"\""),
            ("Filter", " \"__EventFilter.Name=\\\"Updater\\\"\""),
        ]),
        new(22, 100022, "2026-01-05 10:00:22.220",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:22.220"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("QueryName", "www.msn.com"), ("QueryStatus", "0"),
            ("QueryResults", "type:  5 www-msn-com.a-0003.a-msedge.net;type:  5 a-0003.a-msedge.net;::ffff:204.79.197.203;2620:1ec:21::14;"),
            ("Image", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe"), ("User", User),
        ]),
        new(23, 100023, "2026-01-05 10:00:23.230",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:23.230"), ("ProcessGuid", Guid1), ("ProcessId", "6256"), ("User", User),
            ("Image", "C:\\Windows\\System32\\cmd.exe"), ("TargetFilename", "C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe"),
            ("Hashes", "SHA1=0D7B0E5C9A1F2B3C4D5E6F708192A3B4C5D6E7F8,MD5=5A1B2C3D4E5F60718293A4B5C6D7E8F9,SHA256=91F249717ECB311474E6857DBE078860281CD5AC8969E8C132687AB32621F05E,IMPHASH=F34D5F2D4577ED6D9CEEC516C1F5A744"),
            ("IsExecutable", "true"), ("Archived", "true"),
        ]),
        new(24, 100024, "2026-01-05 10:00:24.240",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:24.240"), ("ProcessGuid", Guid2), ("ProcessId", "2144"),
            ("Image", "C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe"), ("Session", "1"), ("ClientInfo", "user: CORP\\alice"),
            ("Hashes", "SHA256=7ADB1CF1A75973079C055F929573AE92557A8C0E5B0E38A6A5427E412FB73D59,IMPHASH=00000000000000000000000000000000"),
            ("Archived", "true"), ("User", User),
        ]),
        new(25, 100025, "2026-01-05 10:00:25.250",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:25.250"), ("ProcessGuid", Guid1), ("ProcessId", "6256"),
            ("Image", "C:\\Windows\\SysWOW64\\svchost.exe"), ("Type", "Image is replaced"), ("User", User),
        ]),
        new(26, 100026, "2026-01-05 10:00:26.260",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:26.260"), ("ProcessGuid", Guid1), ("ProcessId", "6256"), ("User", System),
            ("Image", "C:\\WindowsAzure\\Packages\\GuestAgent\\WindowsAzureGuestAgent.exe"),
            ("TargetFilename", "C:\\WindowsAzure\\Logs\\AggregateStatus\\aggregatestatus_20260105100526.json"),
            ("Hashes", "SHA1=E7E0AC65109C0E982E906613FAC83A7A61967984,MD5=2DC5649F6BA796E0FC8A4494F29B0D4E,SHA256=C8A596162AA96F67922BC46351168A40399D95994C9861F20782E476FC443D50,IMPHASH=00000000000000000000000000000000"),
            ("IsExecutable", "false"),
        ]),
        new(27, 100027, "2026-01-05 10:00:27.270",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:27.270"), ("ProcessGuid", Guid1), ("ProcessId", "1232"), ("User", System),
            ("Image", "C:\\Windows\\System32\\svchost.exe"), ("TargetFilename", "C:\\Windows\\Temp\\payload.exe"),
            ("Hashes", "SHA1=4F6A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A,MD5=C9A31EA148D0BB9A9BBE8F0C4F1A2B3C,SHA256=0904E1A0B4F5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F,IMPHASH=1F2E3D4C5B6A79880796A5B4C3D2E1F0"),
        ]),
        new(28, 100028, "2026-01-05 10:00:28.280",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:28.280"), ("ProcessGuid", Guid1), ("ProcessId", "6256"), ("User", User),
            ("Image", "C:\\Windows\\System32\\cmd.exe"), ("TargetFilename", "C:\\Users\\alice\\Documents\\quarterly.xlsx"),
            ("Hashes", "SHA256=5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8"), ("IsExecutable", "false"),
        ]),
        new(29, 100029, "2026-01-05 10:00:29.290",
        [
            ("RuleName", "-"), ("UtcTime", "2026-01-05 10:00:29.290"), ("ProcessGuid", Guid2), ("ProcessId", "7356"), ("User", User),
            ("Image", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe"),
            ("TargetFilename", "C:\\Users\\alice\\Downloads\\e051a7af-a474-4f5c-b0e5-f983309688dc.tmp"),
            ("Hashes", "SHA1=D487580502354C61808C7180D1A336BEB7AD4624,MD5=32367C33E5A8E4B8F3B7E3E3C1E7F1C2,SHA256=090461B4E4B1C1C2B3A4F5E6D7C8B9A0F1E2D3C4B5A69788796A5B4C3D2E1F00,IMPHASH=1F26F8C0B3D5E7A9C1E3F5A7B9D1F3A5"),
        ]),
        new(255, 100255, "2026-01-05 10:00:30.300",
        [
            ("UtcTime", "2026-01-05 10:00:30.300"), ("ID", "DriverCommunication"), ("Description", "Failed to retrieve events - Last error: The I/O operation has been aborted because of either a thread exit or an application request."),
        ]),
    ];
}
