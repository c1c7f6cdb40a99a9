using System.Net;
using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Xunit;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>The small rules of the mapping, each against the examples of sysmon-ecs.md.</summary>
public sealed class FieldRuleTests
{
    [Theory]
    [InlineData("\"C:\\Windows\\system32\\notepad.exe\" ", new[] { "C:\\Windows\\system32\\notepad.exe" })]
    [InlineData("a \"\" b", new[] { "a", "", "b" })]
    [InlineData("\"a\"\"b\"", new[] { "a\"b" })]
    [InlineData("x \"C:\\Program Files\\\\\" y", new[] { "x", "C:\\Program Files\\", "y" })]
    [InlineData("x \\\"q\\\" y", new[] { "x", "\"q\"", "y" })]
    [InlineData("  cmd.exe\t/c  whoami  ", new[] { "cmd.exe", "/c", "whoami" })]
    [InlineData("C:\\a\\\\b c", new[] { "C:\\a\\\\b", "c" })]
    public void Command_lines_split_with_the_pre_2008_windows_rules(string commandLine, string[] expected)
    {
        CommandLineArgs.Split(commandLine).Should().Equal(expected);
    }

    [Theory]
    [InlineData("udp", "10.0.2.15", 137, "40.77.226.250", 137, "1:DI+g4BImhWaUwPmLEjdMMQVYPLs=")]
    [InlineData("udp", "10.0.2.15", 137, "10.0.2.3", 137, "1:okFVyky/zOY2Q0BATy37YsbiveA=")]
    public void Community_id_matches_elastics_values(string transport, string src, int sp, string dst, int dp, string expected)
    {
        CommunityId.Compute(IPAddress.Parse(src), sp, IPAddress.Parse(dst), dp, transport).Should().Be(expected);
        CommunityId.Compute(IPAddress.Parse(dst), dp, IPAddress.Parse(src), sp, transport).Should().Be(expected, "the id is direction-free");
    }

    [Theory]
    [InlineData("198.51.100.7", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("fe80:0:0:0:616f:32fa:b04f:b419", true)]
    [InlineData("::ffff:198.51.100.9", true)]
    [InlineData("010.0.0.1", false)]
    [InlineData("1.2.3", false)]
    [InlineData("16909060", false)]
    [InlineData("0x7f.1", false)]
    [InlineData("172.20.XXX.XXX", false)]
    [InlineData("256.1.1.1", false)]
    [InlineData("1.2.3.4.5", false)]
    [InlineData("", false)]
    public void Ips_are_validated_strictly(string text, bool valid)
    {
        StrictIp.IsValid(text).Should().Be(valid);
    }

    [Fact]
    public void Hashes_are_lower_cased_and_zero_hashes_dropped()
    {
        var seen = new List<(string, string)>();
        HashesField.Parse("SHA1=AB12,MD5=,SHA256=CD34,IMPHASH=00000000000000000000000000000000", (a, h) => seen.Add((a, h)));
        seen.Should().Equal(("sha1", "ab12"), ("sha256", "cd34"));
    }

    [Theory]
    [InlineData("DWORD (0x0000002a)", "42", "SZ_DWORD")]
    [InlineData("DWORD (0xFFFFFFFF)", "4294967295", "SZ_DWORD")]
    [InlineData("QWORD (0x00000000-0x00000010)", "16", "SZ_QWORD")]
    [InlineData("QWORD (0x00000001-0x00000000)", "4294967296", "SZ_QWORD")]
    [InlineData("Binary Data", "Binary Data", "REG_BINARY")]
    [InlineData("C:\\Users\\alice\\upd.exe -q", "C:\\Users\\alice\\upd.exe -q", "REG_SZ")]
    public void Registry_details_become_typed_data(string details, string data, string type)
    {
        var doc = new EcsDocument();
        RegistryFields.MapDetails(doc, details);
        doc.TryGet("registry.data.strings", out var strings).Should().BeTrue();
        strings.AsStrings.Should().Equal(data);
        doc.GetString("registry.data.type").Should().Be(type);
    }

    [Theory]
    [InlineData("HKEY_LOCAL_MACHINE\\SOFTWARE\\Run\\x", "HKLM", "SOFTWARE\\Run\\x", "x")]
    [InlineData("HKU\\S-1-5-21-1\\Software", "HKU", "S-1-5-21-1\\Software", "Software")]
    [InlineData("\\REGISTRY\\MACHINE\\SYSTEM", null, null, "SYSTEM")]
    public void Registry_paths_split_into_hive_key_and_value(string path, string? hive, string? key, string value)
    {
        var doc = new EcsDocument();
        RegistryFields.MapPath(doc, path);
        doc.GetString("registry.hive").Should().Be(hive);
        doc.GetString("registry.key").Should().Be(key);
        doc.GetString("registry.value").Should().Be(value);
    }

    [Theory]
    [InlineData("www.msn.com", "msn.com", "www", "com")]
    [InlineData("pippio.com", "pippio.com", null, "com")]
    [InlineData("a.b.example.co.uk", "example.co.uk", "a.b", "co.uk")]
    [InlineData("foo.bar.ck", "foo.bar.ck", null, "bar.ck")]
    [InlineData("www.ck", "www.ck", null, "ck")]
    [InlineData("bucket.s3.amazonaws.com", "bucket.s3.amazonaws.com", null, "s3.amazonaws.com")]
    public void Registered_domain_follows_the_public_suffix_rules(string name, string registered, string? sub, string tld)
    {
        Fixtures.Convert.Psl.TrySplit(name, out var r, out var s, out var t).Should().BeTrue();
        (r, s, t).Should().Be((registered, sub, tld));
    }

    [Fact]
    public void A_public_suffix_alone_has_no_registered_domain()
    {
        Fixtures.Convert.Psl.TrySplit("co.uk", out _, out _, out _).Should().BeFalse();
        Fixtures.Convert.Psl.TrySplit("wpad", out _, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void The_debian_public_suffix_list_is_read_when_installed()
    {
        var psl = PublicSuffixList.TryLoad();
        if (psl is null) Assert.Skip($"{PublicSuffixList.DefaultPath} is absent (Debian package 'publicsuffix')");
        psl.TrySplit("login.microsoftonline.com", out var r, out var s, out var t).Should().BeTrue();
        (r, s, t).Should().Be(("microsoftonline.com", "login", "com"));
    }

    [Theory]
    [InlineData("C:\\Windows\\System32\\cmd.exe", "cmd.exe", "C:\\Windows\\System32", "exe")]
    [InlineData("System", null, null, null)]
    [InlineData("C:\\dir.v2\\README", "README", "C:\\dir.v2", "v2\\README")]
    public void Windows_paths_split_the_same_on_every_os(string path, string? name, string? dir, string? ext)
    {
        WindowsPath.FileName(path).Should().Be(name);
        WindowsPath.Directory(path).Should().Be(dir);
        WindowsPath.Extension(path).Should().Be(ext);
    }

    [Theory]
    [InlineData("2019-04-30 20:32:50.902962", "2019-04-30T20:32:50.9029620Z")]
    [InlineData("2021-02-25T15:04:48.6073435Z", "2021-02-25T15:04:48.6073435Z")]
    [InlineData("2023-06-05T19:58:34.025223900Z", "2023-06-05T19:58:34.0252239Z")]
    public void System_times_parse_with_up_to_nine_fraction_digits(string text, string expected)
    {
        SysmonTime.TryParseSystemTime(text, out var t).Should().BeTrue();
        SysmonTime.FormatTicks(t).Should().Be(expected);
    }

    [Theory]
    [InlineData("2020-10-27 20:00:14.320", "2020-10-27T20:00:14.320Z")]
    [InlineData("2020-10-27 20:00:14", "2020-10-27T20:00:14.000Z")]
    public void Utc_time_is_read_as_utc_whatever_the_local_zone(string text, string expected)
    {
        SysmonTime.TryParseUtcTime(text, out var t).Should().BeTrue();
        SysmonTime.FormatMillis(t).Should().Be(expected);
    }

    [Theory]
    [InlineData("2020-13-45 99:00:00.000")]
    [InlineData("yesterday")]
    [InlineData("")]
    public void Utc_time_rejects_what_is_not_a_time(string text)
    {
        SysmonTime.TryParseUtcTime(text, out _).Should().BeFalse();
    }
}
