using FluentAssertions;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;

namespace Sysmon.Ingest.Tests.Pipeline;

/// <summary>What a directory walk hands to `ingest`: each file once, never a link's loop, never a file whose open
/// blocks or whose reading never ends (on a real file system: links, a named pipe, a device).</summary>
public sealed class InputFilesTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-input-files-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    // Timed: the recursive listing this replaced took a link back to a parent beside a link to the child as a tree
    // doubling at each level, down to the system's limit on nested links (40): it never ended.
    [Fact(Timeout = 30_000)]
    public async Task A_link_to_a_parent_is_not_followed_and_every_file_is_listed_once()
    {
        var root = Directory.CreateDirectory(Path.Combine(Dir, "logs")).FullName;
        var sub = Directory.CreateDirectory(Path.Combine(root, "wks-1")).FullName;
        File.WriteAllText(Path.Combine(root, "a.ndjson"), "{}\n");
        File.WriteAllText(Path.Combine(sub, "b.ndjson"), "{}\n");
        Directory.CreateSymbolicLink(Path.Combine(sub, "up"), root);
        Directory.CreateSymbolicLink(Path.Combine(root, "wks-1-again"), sub);

        var (files, missing, skipped) = await Task.Run(() => (InputFiles.Expand([root], out var m, out var s), m, s), TestContext.Current.CancellationToken);

        missing.Should().BeEmpty();
        files.Select(f => f.Path).Should().Equal(Path.Join(root, "a.ndjson"), Path.Join(sub, "b.ndjson"));
        skipped.LinkedDirectories.Should().Equal(Path.Join(root, "wks-1-again"), Path.Join(sub, "up"));
    }

    [Fact]
    public void A_linked_directory_named_itself_is_read_through_its_link()
    {
        var target = Directory.CreateDirectory(Path.Combine(Dir, "target")).FullName;
        File.WriteAllText(Path.Combine(target, "a.ndjson"), "{}\n");
        var link = Path.Combine(Dir, "link");
        Directory.CreateSymbolicLink(link, target);

        var files = InputFiles.Expand([link], out _, out var skipped);

        files.Select(f => f.Path).Should().Equal(Path.Join(link, "a.ndjson"));
        skipped.LinkedDirectories.Should().BeEmpty();
    }

    [Fact]
    public void A_linked_file_counts_with_its_target_size()
    {
        var log = Path.Combine(Dir, "real.ndjson");
        File.WriteAllText(log, new string('x', 5000) + "\n");
        var root = Directory.CreateDirectory(Path.Combine(Dir, "logs")).FullName;
        File.CreateSymbolicLink(Path.Combine(root, "linked.ndjson"), log);

        var files = InputFiles.Expand([root, Path.Combine(root, "linked.ndjson")], out _, out _);

        files.Select(f => f.Length).Should().Equal(5001, 5001);
    }

    [Fact]
    public void Empty_files_a_named_pipe_and_a_device_in_a_directory_are_counted_not_listed()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("named pipes and /dev/zero as on Linux");
        var root = Directory.CreateDirectory(Path.Combine(Dir, "logs")).FullName;
        File.WriteAllText(Path.Combine(root, "good.ndjson"), "{}\n");
        File.WriteAllText(Path.Combine(root, "empty.ndjson"), "");
        MakeFifo(Path.Combine(root, "pipe.evtx"));
        File.CreateSymbolicLink(Path.Combine(root, "zeros.evtx"), "/dev/zero");

        var files = InputFiles.Expand([root], out _, out var skipped);

        files.Select(f => Path.GetFileName(f.Path)).Should().Equal("good.ndjson");
        skipped.Empty.Should().Be(3);
    }

    [Fact]
    public void A_named_pipe_named_itself_is_an_input()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("named pipes as on Linux");
        var pipe = Path.Combine(Dir, "from-zcat.ndjson");
        MakeFifo(pipe);

        var files = InputFiles.Expand([pipe], out _, out var skipped);

        files.Select(f => f.Path).Should().Equal(pipe);
        skipped.Empty.Should().Be(0);
    }

    internal static void MakeFifo(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        mkfifo.ExitCode.Should().Be(0);
    }
}
