using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;

namespace Sysmon.Ingest.Tests.Readers;

/// <summary>
/// Compressed files and archives (.gz, .zip, .tar, .tar.gz) read through <see cref="EventSource"/>: the same events as
/// the plain files, positions in the decompressed bytes, and damaged, truncated, encrypted or nested input turned into
/// dead letters instead of lost or crashing.
/// </summary>
public sealed class CompressedInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sysmon-compressed-tests").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string BeatsLines = string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n"));
    private static readonly string XmlEvents = "<Events>" + string.Concat(SampleEvents.All.Select(EventForms.Xml)) + "</Events>";
    private static readonly string TextEvents = string.Concat(SampleEvents.All.Select(s => EventForms.Text(s) + "\r\n"));

    private sealed record Read(List<EcsDocument> Documents, List<RejectedRecord> Rejected, RunSummary Summary);

    private static async Task<Read> ReadAsync(string path)
    {
        var source = new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions());
        var mapper = Fixtures.Convert.Mapper("HOST-A");
        var summary = new RunSummary();
        var (docs, rejected) = (new List<EcsDocument>(), new List<RejectedRecord>());
        await foreach (var r in source.ReadAsync(new InputFile(path, new FileInfo(path).Length), summary, TestContext.Current.CancellationToken))
        {
            if (r.Event is { } e) docs.Add(mapper.Map(e));
            if (r.Rejected is { } x) rejected.Add(x);
        }
        return new Read(docs, rejected, summary);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal)) gz.Write(data);
        return output.ToArray();
    }

    private string WriteGzip(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Gzip(Encoding.UTF8.GetBytes(text)));
        return path;
    }

    private string WriteZip(string name, params (string Entry, byte[] Data)[] entries)
    {
        var path = Path.Combine(_dir, name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (entry, data) in entries)
        {
            using var s = zip.CreateEntry(entry, CompressionLevel.Optimal).Open();
            s.Write(data);
        }
        return path;
    }

    private static byte[] Tar(params (string Entry, byte[] Data)[] entries)
    {
        using var output = new MemoryStream();
        using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (entry, data) in entries)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entry) { DataStream = new MemoryStream(data) });
            }
        }
        return output.ToArray();
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static IEnumerable<string> Ids(Read read) => read.Documents.Select(d => d.GetString("event.id")!);

    [Fact]
    public async Task Gzip_zip_and_tar_give_the_same_events_as_the_plain_files()
    {
        var plain = new List<string>();
        foreach (var (name, text) in new[] { ("beats.ndjson", BeatsLines), ("events.xml", XmlEvents), ("messages.txt", TextEvents) })
        {
            var read = await ReadAsync(Write(name, text));
            read.Rejected.Should().BeEmpty();
            plain.AddRange(Ids(read));
        }
        plain.Should().HaveCount(3 * SampleEvents.All.Count);

        var gz = new List<string>();
        foreach (var (name, text) in new[] { ("beats.ndjson.gz", BeatsLines), ("events.xml.gz", XmlEvents), ("messages.txt.gz", TextEvents) })
        {
            gz.AddRange(Ids(await ReadAsync(WriteGzip(name, text))));
        }
        var zip = await ReadAsync(WriteZip("collection.zip",
            ("host-a/beats.ndjson", Utf8(BeatsLines)), ("host-a/events.xml", Utf8(XmlEvents)), ("host-a/messages.txt.gz", Gzip(Utf8(TextEvents)))));
        var tarGz = Path.Combine(_dir, "collection.tar.gz");
        File.WriteAllBytes(tarGz, Gzip(Tar(("var/log/beats.ndjson", Utf8(BeatsLines)), ("var/log/events.xml", Utf8(XmlEvents)),
            ("var/log/messages.txt", Utf8(TextEvents)))));
        var tar = await ReadAsync(tarGz);

        gz.Should().Equal(plain, "a .gz holds the same records, so the same document ids");
        Ids(zip).Should().Equal(plain);
        Ids(tar).Should().Equal(plain);
        zip.Rejected.Should().BeEmpty();
        tar.Rejected.Should().BeEmpty();
        zip.Summary.Warnings.Should().BeEmpty();
    }

    [Fact]
    public async Task Documents_name_the_archive_and_entry_and_carry_offsets_in_the_decompressed_bytes()
    {
        var plain = await ReadAsync(Write("beats.ndjson", BeatsLines));
        var zip = await ReadAsync(WriteZip("c.zip", ("dir/beats.ndjson", Utf8(BeatsLines))));
        var gz = await ReadAsync(WriteGzip("beats.ndjson.gz", BeatsLines));

        zip.Documents.Select(d => d.GetString("log.file.path")).Should().AllBe(Path.Combine(_dir, "c.zip") + "!/dir/beats.ndjson");
        gz.Documents.Select(d => d.GetString("log.file.path")).Should().AllBe(Path.Combine(_dir, "beats.ndjson.gz"));
        zip.Documents.Select(d => d.GetLong("log.offset")).Should().Equal(plain.Documents.Select(d => d.GetLong("log.offset")));
        gz.Documents.Select(d => d.GetLong("log.offset")).Should().Equal(plain.Documents.Select(d => d.GetLong("log.offset")));
    }

    [Fact]
    public async Task A_zip_of_a_kape_style_collection_reads_the_event_logs_and_skips_the_rest_with_a_warning()
    {
        var zip = await ReadAsync(WriteZip("kape.zip",
            ("C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.ndjson", Utf8(BeatsLines)),
            ("C/Windows/System32/config/SYSTEM", [0x72, 0x65, 0x67, 0x66, 0, 1, 2]),
            ("C/Windows/Prefetch/CMD.EXE-0BD30981.pf", [0x4D, 0x41, 0x4D, 0x04]),
            ("C/Windows/System32/winevt/Logs/", [])));

        zip.Documents.Should().HaveCount(SampleEvents.All.Count);
        zip.Rejected.Should().BeEmpty("files of other kinds are skipped, as a directory walk skips them");
        zip.Summary.Warnings.Should().ContainSingle().Which.Should().Contain("2 file(s) in the archive with unknown extensions skipped");
        zip.Summary.BytesRead.Should().Be(new FileInfo(Path.Combine(_dir, "kape.zip")).Length, "progress goes by the archive's bytes");
    }

    [Fact]
    public async Task A_gzip_made_of_several_members_is_read_whole_and_not_called_truncated()
    {
        var half = SampleEvents.All.Count / 2;
        var first = string.Concat(SampleEvents.All.Take(half).Select(s => EventForms.Beats(s) + "\n"));
        var rest = string.Concat(SampleEvents.All.Skip(half).Select(s => EventForms.Beats(s) + "\n"));
        var path = Path.Combine(_dir, "members.ndjson.gz");
        File.WriteAllBytes(path, [.. Gzip(Utf8(first)), .. Gzip(Utf8(rest))]);

        var read = await ReadAsync(path);

        read.Documents.Should().HaveCount(SampleEvents.All.Count);
        read.Rejected.Should().BeEmpty();
        read.Summary.BytesRead.Should().Be(new FileInfo(path).Length);
    }

    [Fact]
    public async Task A_truncated_gzip_keeps_its_whole_events_and_says_it_ends_early()
    {
        var whole = Gzip(Utf8(BeatsLines));
        var path = Path.Combine(_dir, "copied-too-soon.ndjson.gz");
        File.WriteAllBytes(path, whole[..(whole.Length * 2 / 3)]);

        var read = await ReadAsync(path);

        read.Documents.Should().NotBeEmpty().And.HaveCountLessThan(SampleEvents.All.Count);
        read.Rejected.Should().Contain(r => r.Reason.StartsWith("gzip file ends early", StringComparison.Ordinal))
            .Which.Position.Offset.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Damaged_gzip_data_ends_that_file_with_a_dead_letter_and_keeps_what_came_before()
    {
        // Enough events that the damage lies past the first read.
        var text = string.Concat(Enumerable.Repeat(BeatsLines, 40));
        var data = Gzip(Utf8(text));
        for (var i = data.Length / 2; i < data.Length / 2 + 64; i++) data[i] = 0xFF;
        var path = Path.Combine(_dir, "damaged.ndjson.gz");
        File.WriteAllBytes(path, data);

        var read = await ReadAsync(path);

        read.Documents.Should().NotBeEmpty();
        read.Rejected.Should().Contain(r => r.Reason.StartsWith("gzip data is damaged", StringComparison.Ordinal));
        read.Rejected.Should().NotContain(r => r.Reason.StartsWith("gzip file ends early", StringComparison.Ordinal),
            "the damage is the reason, said once");
    }

    [Fact]
    public async Task Encrypted_zip_entries_are_dead_letters_and_the_readable_ones_are_read()
    {
        var path = WriteZip("protected.zip", ("secret.ndjson", Utf8(BeatsLines)), ("open.ndjson", Utf8(BeatsLines)));
        // Mark the first entry encrypted (general-purpose flag bit 0, in its local and central headers), as zip -P does.
        var bytes = File.ReadAllBytes(path);
        var local = bytes.AsSpan().IndexOf("PK\u0003\u0004"u8);
        var central = bytes.AsSpan().IndexOf("PK\u0001\u0002"u8);
        bytes[local + 6] |= 1;
        bytes[central + 8] |= 1;
        File.WriteAllBytes(path, bytes);

        var read = await ReadAsync(path);

        read.Documents.Should().HaveCount(SampleEvents.All.Count);
        read.Rejected.Should().ContainSingle().Which.Should().Match<RejectedRecord>(r =>
            r.Position.Path == path + "!/secret.ndjson" && r.Reason.StartsWith("encrypted zip entry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_zip_inside_a_zip_or_a_gzip_is_read_through_a_temporary_copy()
    {
        var inner = Path.Combine(_dir, "inner.zip");
        WriteZip("inner.zip", ("logs/a.ndjson", Utf8(BeatsLines)));
        var outer = WriteZip("outer.zip", ("inner.zip", File.ReadAllBytes(inner)), ("b.ndjson", Utf8(BeatsLines)));
        var gzipped = Path.Combine(_dir, "collection.zip.gz");
        File.WriteAllBytes(gzipped, Gzip(File.ReadAllBytes(inner)));
        var temporary = Directory.GetFiles(Path.GetTempPath(), "sysmon-elastic-*.zip").Length;

        var nested = await ReadAsync(outer);
        nested.Rejected.Should().BeEmpty();
        nested.Documents.Should().HaveCount(2 * SampleEvents.All.Count);
        nested.Documents.Select(d => d.GetString("log.file.path")).Distinct().Should().Equal(
            outer + "!/inner.zip!/logs/a.ndjson", outer + "!/b.ndjson");
        var plain = await ReadAsync(Write("a.ndjson", BeatsLines));
        nested.Documents.Take(SampleEvents.All.Count).Select(d => d.Id).Should().Equal(plain.Documents.Select(d => d.Id));

        var fromGzip = await ReadAsync(gzipped);
        fromGzip.Rejected.Should().BeEmpty();
        fromGzip.Documents.Select(d => d.Id).Should().Equal(plain.Documents.Select(d => d.Id));
        Directory.GetFiles(Path.GetTempPath(), "sysmon-elastic-*.zip").Length.Should().BeLessThanOrEqualTo(temporary, "the copies are deleted");
    }

    [Fact]
    public async Task A_nested_zip_over_the_copy_limit_and_a_gzip_bomb_are_refused_with_a_reason()
    {
        var inner = Path.Combine(_dir, "inner.zip");
        WriteZip("inner.zip", ("a.ndjson", Utf8(BeatsLines)));
        var outer = WriteZip("outer.zip", ("inner.zip", File.ReadAllBytes(inner)), ("b.ndjson", Utf8(BeatsLines)));
        var limited = new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions(), maxSpooledZipBytes: 1000);
        var (events, rejected) = (0, new List<RejectedRecord>());
        await foreach (var r in limited.ReadAsync(new InputFile(outer, new FileInfo(outer).Length), new RunSummary(), TestContext.Current.CancellationToken))
        {
            events += r.Event is null ? 0 : 1;
            if (r.Rejected is { } x) rejected.Add(x);
        }
        events.Should().Be(SampleEvents.All.Count);
        rejected.Should().ContainSingle().Which.Should().Match<RejectedRecord>(r =>
            r.Position.Path == outer + "!/inner.zip" && r.Reason.StartsWith("zip archive not copied to a temporary file: zip archive of more than 1,000 bytes", StringComparison.Ordinal));

        var layers = Utf8(BeatsLines);
        for (var i = 0; i < 6; i++) layers = Gzip(layers);
        var bomb = Path.Combine(_dir, "layers.gz");
        File.WriteAllBytes(bomb, layers);
        var deep = await ReadAsync(bomb);
        deep.Documents.Should().BeEmpty();
        deep.Rejected.Should().ContainSingle().Which.Reason.Should().Contain("levels deep");
    }

    [Fact]
    public async Task A_zip_cut_short_is_one_dead_letter_not_a_crash()
    {
        var bytes = File.ReadAllBytes(WriteZip("whole.zip", ("a.ndjson", Utf8(BeatsLines))));
        var path = Path.Combine(_dir, "cut.zip");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var read = await ReadAsync(path);

        read.Documents.Should().BeEmpty();
        read.Rejected.Should().ContainSingle().Which.Reason.Should().StartWith("not a readable zip archive");
    }

    [Fact]
    public async Task A_sysmon_evtx_log_in_a_zip_gives_the_ground_truth_counts()
    {
        var evtx = SharedCorpus.Require("corpus/evtx/evtx-attack-samples/Privilege_Escalation/Sysmon_UACME_64.evtx");
        var plain = await ReadAsync(evtx);
        var zip = await ReadAsync(WriteZip("kape.zip",
            ("C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx", File.ReadAllBytes(evtx))));
        var gz = Path.Combine(_dir, "sysmon.evtx.gz");
        File.WriteAllBytes(gz, Gzip(File.ReadAllBytes(evtx)));

        plain.Documents.Should().HaveCount(530, "GROUND_TRUTH.tsv gives 530 records");
        Ids(zip).Should().Equal(Ids(plain));
        Ids(await ReadAsync(gz)).Should().Equal(Ids(plain));
    }

    [Theory]
    [InlineData("sysmon.json.bz2", "425A6839314159265359", "bzip2-compressed data")]
    [InlineData("sysmon.json.xz", "FD377A585A00", "xz-compressed data")]
    [InlineData("sysmon.json.zst", "28B52FFD", "zstd-compressed data")]
    [InlineData("collection.7z", "377ABCAF271C", "7-Zip-compressed data")]
    [InlineData("collection.rar", "526172211A0700", "RAR-compressed data")]
    public async Task Compression_this_build_cannot_unpack_is_named_in_the_dead_letter(string name, string magicHex, string reason)
    {
        // Read as text before, these were "lines outside any Sysmon event".
        var body = new byte[4096];
        new Random(3).NextBytes(body);
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, [.. System.Convert.FromHexString(magicHex), .. body]);

        var read = await ReadAsync(path);

        read.Documents.Should().BeEmpty();
        read.Rejected.Should().ContainSingle().Which.Reason.Should().StartWith(reason).And.Contain("unpack it first");
    }

    [Fact]
    public async Task Text_that_merely_starts_like_bzip2_is_read_as_text()
    {
        var read = await ReadAsync(Write("notes.txt", "BZh, the ticket says:\n\n" + TextEvents));
        read.Documents.Should().HaveCount(SampleEvents.All.Count);
        read.Rejected.Should().BeEmpty();
    }
}
