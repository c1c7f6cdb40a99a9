using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>
/// The worker as a real process: a watched file grows while it runs, the worker is killed hard (kill -9) in the
/// middle, restarted, and in the end every line is stored exactly once. Junk beside it never stops it.
/// </summary>
public sealed class RunWorkerTests
{
    private static string Line(int n) =>
        "{\"winlog\":{\"event_id\":\"5\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"WKS-7\",\"record_id\":" +
        n.ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"2026-01-05 10:00:00.000\",\"ProcessGuid\":\"{8f2a3c1e-5b6d-6a3f-2a01-000000001e00}\",\"ProcessId\":\"" +
        n.ToString(CultureInfo.InvariantCulture) + "\",\"Image\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"User\":\"CORP\\\\alice\"}}}\n";

    private sealed class WorkerProcess(string dir, string[] extra, string? shellSetup = null, bool namesStore = true) : IDisposable
    {
        private readonly StringBuilder _log = new();

        public WorkerProcess(string dir, params string[] extra) : this(dir, extra, null)
        {
        }

        /// <summary>A worker started through bash, which runs <paramref name="shellSetup"/> and then execs it (same
        /// process id: limits set on it apply to the worker).</summary>
        public static WorkerProcess UnderShell(string dir, string shellSetup, params string[] extra) => new(dir, extra, shellSetup);

        /// <summary>A worker whose command line does not name its store (it comes from the environment or the default).</summary>
        public static WorkerProcess WithoutStoreArgument(string dir, string shellSetup) => new(dir, [], shellSetup, namesStore: false);

        public Process Process { get; } = Start(dir, extra, shellSetup, namesStore);

        /// <summary>What the worker has logged so far (stdout and stderr).</summary>
        public string Log
        {
            get
            {
                lock (_log) return _log.ToString();
            }
        }

        private static Process Start(string dir, string[] extra, string? shellSetup, bool namesStore)
        {
            var psi = new ProcessStartInfo(shellSetup is null ? "dotnet" : "bash")
            {
                WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            if (shellSetup is not null)
            {
                foreach (var a in new[] { "-c", shellSetup + "; exec \"$@\"", "bash", "dotnet" }) psi.ArgumentList.Add(a);
            }
            foreach (var a in new[]
                     {
                         CliRunner.Dll, "run", "--Worker:SpoolDirectories:0=" + Path.Combine(dir, "spool"),
                         "--Worker:Store=duckdb:" + Path.Combine(dir, "store.duckdb"), "--Worker:StateFile=" + Path.Combine(dir, "state.json"),
                         "--Worker:DeadLetter=" + Path.Combine(dir, "dead.ndjson"), "--Worker:PollInterval=00:00:00.200",
                         "--Worker:SettleTime=00:00:00.600", "--Worker:BatchSize=50",
                     }.Where(a => namesStore || !a.StartsWith("--Worker:Store=", StringComparison.Ordinal)).Concat(extra))
            {
                psi.ArgumentList.Add(a);
            }
            return Process.Start(psi)!;
        }

        // Called once the object exists (Start is static, so it cannot capture _log).
        public WorkerProcess Capture()
        {
            DataReceivedEventHandler append = (_, e) =>
            {
                if (e.Data is null) return;
                lock (_log) _log.AppendLine(e.Data);
            };
            Process.OutputDataReceived += append;
            Process.ErrorDataReceived += append;
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
            return this;
        }

        public void KillHard() => Process.Kill(entireProcessTree: true);

        public async Task WaitForLogAsync(string text, int times = 1)
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (CountOf(Log, text) < times)
            {
                if (Process.HasExited) throw new InvalidOperationException($"the worker ended (exit code {Process.ExitCode}) before logging '{text}':\n{Log}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"the worker did not log '{text}' {times} time(s):\n{Log}");
                await Task.Delay(100);
            }
        }

        private static int CountOf(string log, string text)
        {
            var n = 0;
            for (var i = log.IndexOf(text, StringComparison.Ordinal); i >= 0; i = log.IndexOf(text, i + text.Length, StringComparison.Ordinal)) n++;
            return n;
        }

        public TimeSpan Terminate()
        {
            var clock = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)])) kill!.WaitForExit();
            Process.WaitForExit(30_000).Should().BeTrue("the worker stops on SIGTERM");
            Process.WaitForExit(); // drains the redirected output, so Log holds every line
            // A supervisor reads anything else as a crash (a stop after an idle release ended in SIGSEGV, exit 139).
            Process.ExitCode.Should().Be(0, "SIGTERM is a clean stop:\n" + Log);
            return clock.Elapsed;
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    // A tailed file's checkpoint is its offset; a whole file's (.evtx, an archive) is its length, once it is done.
    private static async Task WaitForCheckpointAsync(string dir, string file, long length, bool wholeFile = false)
    {
        var state = Path.Combine(dir, "state.json");
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(state))
            {
                try
                {
                    var node = JsonNode.Parse(await File.ReadAllTextAsync(state))!;
                    var entry = node.AsObject().FirstOrDefault(kv => kv.Key.EndsWith(file, StringComparison.Ordinal)).Value;
                    if (entry?[wholeFile ? "Length" : "Offset"]?.GetValue<long>() == length && (!wholeFile || entry["Done"]!.GetValue<bool>())) return;
                }
                catch (System.Text.Json.JsonException)
                {
                    // the worker replaces the file atomically; a torn read cannot happen, but be lenient
                }
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the worker did not reach offset {length} of {file}");
    }

    [Fact]
    public async Task A_watched_file_survives_kill_minus_9_with_every_line_stored_once()
    {
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var live = Path.Combine(spool, "live.ndjson");
        await File.WriteAllTextAsync(live, "");
        const int total = 3000;

        var worker = new WorkerProcess(dir).Capture();
        var n = 0;
        async Task AppendAsync(int until)
        {
            while (n < until)
            {
                var sb = new StringBuilder();
                for (var i = 0; i < 37 && n < until; i++) sb.Append(Line(++n));
                await File.AppendAllTextAsync(live, sb.ToString());
                await Task.Delay(15);
            }
        }
        await AppendAsync(1200);
        worker.KillHard(); // mid-stream: some batches stored, the rest not yet
        worker.Dispose();
        await AppendAsync(1800);
        using (var restarted = new WorkerProcess(dir).Capture())
        {
            await AppendAsync(total);
            await WaitForCheckpointAsync(dir, "live.ndjson", new FileInfo(live).Length);
            restarted.Terminate().Should().BeLessThan(TimeSpan.FromSeconds(10));
        }

        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(*), count(DISTINCT \"winlog.record_id\"), min(\"winlog.record_id\"::BIGINT), max(\"winlog.record_id\"::BIGINT) FROM events";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        reader.GetInt64(0).Should().Be(total);
        reader.GetInt64(1).Should().Be(total);
        reader.GetInt64(2).Should().Be(1);
        reader.GetInt64(3).Should().Be(total);
    }

    [Theory]
    // The load file beside the store cannot be written (at 256 KB: 20 files of 150 events load ~2 MB at once).
    [InlineData("", 256_000, 150, "could not write the load file")]
    // The load file can, the store's checkpoint cannot (a checkpoint at every commit; the first grows the new file
    // past 1 MB): DuckDB invalidates the attached file, and only detaching and attaching it again makes it usable.
    [InlineData("?checkpoint_threshold=1KB", 600_000, 20, "has been invalidated")]
    public async Task A_store_that_cannot_be_written_holds_the_spool_back_and_takes_it_whole_once_it_can(string storeOptions, int fileSizeLimit,
        int perFile, string failure)
    {
        // A full disk (here the process' file-size limit, which fails writes the same way and can be lifted while the
        // worker runs) made the worker end with a stack trace and exit code 0. A failed write may also have held
        // documents of files read earlier in the scan, so nothing read since the last commit may be checkpointed.
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/prlimit"))
        {
            Assert.Skip("needs Linux and prlimit (util-linux) to limit the running worker's file sizes");
        }
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        // SIGXFSZ ignored (kept across exec): a write beyond the limit fails with EFBIG instead of ending the process.
        // The runtime's W^X code mapping lives in a memory file, which the limit would refuse to grow: it is turned off.
        using var worker = WorkerProcess.UnderShell(dir, "trap '' XFSZ; export DOTNET_EnableWriteXorExecute=0", "--Worker:StoreRetryDelay=00:00:00.200",
            "--Worker:Store=duckdb:" + Path.Combine(dir, "store.duckdb") + storeOptions).Capture();
        await worker.WaitForLogAsync("watching");
        Prlimit(worker.Process.Id, fileSizeLimit.ToString(CultureInfo.InvariantCulture) + ":unlimited");
        const int files = 20;
        for (var f = 0; f < files; f++)
        {
            var lines = string.Concat(Enumerable.Range(f * perFile + 1, perFile).Select(Line));
            await File.WriteAllTextAsync(Path.Combine(dir, "f.tmp"), lines);
            File.Move(Path.Combine(dir, "f.tmp"), Path.Combine(spool, $"host-{f:00}.ndjson"));
        }
        await worker.WaitForLogAsync("the store could not take what was read", times: 3);
        worker.Process.HasExited.Should().BeFalse("a store that cannot be written stops nothing");
        worker.Log.Should().Contain("it is read and offered again in").And.Contain(failure);
        var state = Path.Combine(dir, "state.json");
        (File.Exists(state) ? await File.ReadAllTextAsync(state) : "").Should().NotContain("host-", "nothing is checkpointed while nothing is stored");

        Prlimit(worker.Process.Id, "unlimited:unlimited"); // space comes back
        for (var f = 0; f < files; f++)
        {
            await WaitForCheckpointAsync(dir, $"host-{f:00}.ndjson", new FileInfo(Path.Combine(spool, $"host-{f:00}.ndjson")).Length);
        }
        worker.Terminate();
        worker.Process.ExitCode.Should().Be(0, worker.Log);
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty("nothing was refused");
        Directory.GetFiles(dir, "store.duckdb.load-*").Should().BeEmpty("failed loads leave no files behind");
        StoredRecords(dir).Should().Be(((long)files * perFile, (long)files * perFile), "every line once");
    }

    // The events in the worker's store, and how many distinct record ids they carry.
    private static (long Events, long Distinct) StoredRecords(string dir)
    {
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(*), count(DISTINCT \"winlog.record_id\") FROM events";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static void Prlimit(int pid, string fileSize)
    {
        using var p = Process.Start("prlimit", ["--pid", pid.ToString(CultureInfo.InvariantCulture), "--fsize=" + fileSize])!;
        p.WaitForExit();
        p.ExitCode.Should().Be(0, "prlimit may change the limits of a process of the same user");
    }

    [Fact]
    public async Task Files_gone_from_the_spool_leave_the_state_file()
    {
        // The state file is rewritten at every commit; it kept an entry for every file the spool ever held.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var archived = Path.Combine(spool, "day1", "archived.ndjson");
        var live = Path.Combine(spool, "live.ndjson");
        Directory.CreateDirectory(Path.GetDirectoryName(archived)!);
        await File.WriteAllTextAsync(archived, Line(1) + Line(2));
        await File.WriteAllTextAsync(live, Line(3));
        var state = Path.Combine(dir, "state.json");
        using (var worker = new WorkerProcess(dir).Capture())
        {
            await WaitForCheckpointAsync(dir, "archived.ndjson", new FileInfo(archived).Length);
            await WaitForCheckpointAsync(dir, "live.ndjson", new FileInfo(live).Length);
            Directory.Delete(Path.GetDirectoryName(archived)!, recursive: true);
            // Two more commits save the state again: the scan that stored line 4 may have listed the spool before the
            // delete; the one that stores line 5 began after that one ended.
            foreach (var n in new[] { 4, 5 })
            {
                await File.AppendAllTextAsync(live, Line(n));
                await WaitForCheckpointAsync(dir, "live.ndjson", new FileInfo(live).Length);
            }
            worker.Terminate();
        }
        (await File.ReadAllTextAsync(state)).Should().Contain("live.ndjson").And.NotContain("archived.ndjson");
        StoredRecords(dir).Should().Be((5L, 5L), "forgetting a file's checkpoint takes nothing from the store");
    }

    [Fact]
    public async Task Ingest_into_the_store_a_running_worker_holds_says_who_holds_it_and_what_to_do()
    {
        var dir = CliRunner.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "spool"));
        await File.WriteAllTextAsync(Path.Combine(dir, "more.ndjson"), Line(1));
        using var worker = new WorkerProcess(dir, "--Worker:ReleaseStoreAfter=00:00:00").Capture(); // held for as long as it runs
        await worker.WaitForLogAsync("watching");
        // The wait was a fixed 20 s; the URI's lock_wait sets it.
        var store = "duckdb:" + Path.Combine(dir, "store.duckdb");
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var r = await CliRunner.RunAsync(dir, null, "ingest", Path.Combine(dir, "more.ndjson"), "--store", store + "?lock_wait=2s");
        r.ExitCode.Should().Be(3, r.Stderr);
        timer.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
        r.Stderr.Should().Contain($"waiting up to 2s for {store}?lock_wait=2s").And.Contain("Conflicting lock").And.Contain($"(PID {worker.Process.Id})")
            .And.Contain("try again once it is idle").And.Contain("or stop it first (files to add can instead be dropped into that worker's spool directory")
            .And.Contain($"waited 2s; to wait longer: --store '{store}?lock_wait=10m'");
        worker.Terminate();
    }

    [Fact]
    public async Task A_query_told_not_to_wait_for_a_held_file_is_refused_at_once()
    {
        var dir = CliRunner.TempDir();
        var path = Path.Combine(dir, "store.duckdb");
        using var other = DuckDbStore.Open(path);
        var r = await CliRunner.RunAsync(dir, null, "query", "FROM events | STATS n = COUNT(*)", "--store", $"duckdb:{path}?lock_wait=0");
        r.ExitCode.Should().Be(3, r.Stderr);
        r.Stderr.Should().Contain("another process has it open").And.NotContain("waiting up to")
            .And.Contain($"to wait longer: --store 'duckdb:{path}?lock_wait=10m'").And.NotContain("waited");
    }

    private static string Lines(int first, int count) => string.Concat(Enumerable.Range(first, count).Select(Line));

    // A worker (scans 3 s apart) that has read spool/sysmon.json (lines 1-50) to its end; then, before its next scan,
    // lines 51-60 are appended and the file is rotated by `rotate`.
    private static async Task<(string Dir, string Live, WorkerProcess Worker)> ReadThenRotatedAsync(Func<string, Task> rotate)
    {
        var dir = CliRunner.TempDir();
        var live = Path.Combine(Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName, "sysmon.json");
        await File.WriteAllTextAsync(live, Lines(1, 50));
        var worker = new WorkerProcess(dir, "--Worker:PollInterval=00:00:03").Capture();
        try
        {
            await WaitForCheckpointAsync(dir, "sysmon.json", new FileInfo(live).Length);
            await File.AppendAllTextAsync(live, Lines(51, 10));
            await rotate(live);
            return (dir, live, worker);
        }
        catch
        {
            worker.Dispose(); // no worker left running behind a failed test
            throw;
        }
    }

    [Fact]
    public async Task Records_written_just_before_a_rotation_are_read_from_the_rotated_file_and_nothing_twice()
    {
        // logrotate (or NXLog) renames sysmon.json to sysmon.json.1 and a new sysmon.json begins. The records
        // appended after the worker's last scan and before the rename were in sysmon.json.1 only, a name the worker did
        // not read: up to a poll interval's worth of events lost at every rotation.
        var (dir, live, worker) = await ReadThenRotatedAsync(async live =>
        {
            File.Move(live, live + ".1");
            await File.WriteAllTextAsync(live, Lines(61, 10));
        });
        string log;
        using (worker)
        {
            await worker.WaitForLogAsync("sysmon.json.1: 10 event(s) read and stored");
            await worker.WaitForLogAsync("sysmon.json: 10 event(s) read and stored");
            // A second rotation moves the first one on (sysmon.json.1 to .2): nothing is read again.
            File.Move(live + ".1", live + ".2");
            File.Move(live, live + ".1");
            await File.WriteAllTextAsync(live, Lines(71, 5));
            await worker.WaitForLogAsync("sysmon.json: 5 event(s) read and stored");
            await Task.Delay(3500); // one more scan
            worker.Terminate();
            log = worker.Log;
        }
        log.Should().Contain("sysmon.json.1: starts as a file that left its name did (rotated or copied); reading on from offset");
        log.Should().NotContain("sysmon.json.2: 60 event(s)").And.NotContain("sysmon.json.1: 70 event(s)");
        StoredRecords(dir).Should().Be((75L, 75L), "every record once, the rotated tail included");
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty("a rotated name is a Sysmon input, not junk");
    }

    [Fact]
    public async Task A_rotated_name_that_sorts_before_the_live_one_is_read_on_from_the_live_ones_offset()
    {
        // logrotate's dateext with `extension .json` names the old file sysmon-20261205.json, which sorts before
        // sysmon.json: it was looked at before the live file's replacement was noticed, and read from its start.
        var (dir, live, worker) = await ReadThenRotatedAsync(async live =>
        {
            File.Move(live, Path.Combine(Path.GetDirectoryName(live)!, "sysmon-20261205.json"));
            await File.WriteAllTextAsync(live, Lines(61, 10));
        });
        string log;
        using (worker)
        {
            await worker.WaitForLogAsync("event(s) read and stored", times: 3); // the first read, the live file, the rotated one
            worker.Terminate();
            log = worker.Log;
        }
        log.Should().Contain("sysmon-20261205.json: starts as a file that left its name did (rotated or copied); reading on from offset")
            .And.Contain("sysmon-20261205.json: 10 event(s) read and stored").And.NotContain("60 event(s)");
        StoredRecords(dir).Should().Be((70L, 70L), "every record once, the rotated tail included");
    }

    [Fact]
    public async Task Records_written_just_before_a_copytruncate_are_read_from_the_copy()
    {
        // logrotate's copytruncate: the file is copied to sysmon.json.1 and emptied in place. The records appended
        // since the worker's last scan were only in the copy.
        var (dir, _, worker) = await ReadThenRotatedAsync(async live =>
        {
            File.Copy(live, live + ".1");
            await File.WriteAllTextAsync(live, Lines(61, 5)); // emptied, then written on
        });
        string log;
        using (worker)
        {
            await worker.WaitForLogAsync("sysmon.json.1: 10 event(s) read and stored");
            await worker.WaitForLogAsync("sysmon.json: 5 event(s) read and stored");
            worker.Terminate();
            log = worker.Log;
        }
        log.Should().Contain("sysmon.json: shrank from").And.Contain("sysmon.json.1: starts as a file that left its name did");
        StoredRecords(dir).Should().Be((65L, 65L));
    }

    [Fact]
    public async Task A_tailed_file_replaced_by_one_of_exactly_its_length_is_read_again()
    {
        // Size alone took a file read to its end and replaced by one of the same length for unchanged: the new
        // records were never read (until the file grew, and then from the old offset).
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var live = Path.Combine(spool, "live.ndjson");
        await File.WriteAllTextAsync(live, string.Concat(Enumerable.Range(101, 50).Select(Line)));
        using (var worker = new WorkerProcess(dir).Capture())
        {
            await WaitForCheckpointAsync(dir, "live.ndjson", new FileInfo(live).Length);
            await Task.Delay(500); // scans that find it read to its end
            var next = Path.Combine(dir, "next.ndjson");
            await File.WriteAllTextAsync(next, string.Concat(Enumerable.Range(201, 50).Select(Line)));
            new FileInfo(next).Length.Should().Be(new FileInfo(live).Length, "the case is a replacement of the same length");
            File.Move(next, live, overwrite: true);
            await worker.WaitForLogAsync("its first bytes changed");
            await worker.WaitForLogAsync("live.ndjson: 50 event(s) read and stored", times: 2);
            worker.Terminate();
        }
        StoredRecords(dir).Should().Be((100L, 100L), "both versions' lines, each once");
    }

    [Fact]
    public async Task A_tailed_file_replaced_under_its_name_is_read_from_its_start_even_when_it_is_longer()
    {
        // Rotation by rename and create: the new file had grown past the old checkpoint before the next scan, and
        // size alone took it for the old one grown: it was read from the old offset, its first records lost.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var live = Path.Combine(spool, "live.ndjson");
        await File.WriteAllTextAsync(live, string.Concat(Enumerable.Range(1, 3).Select(Line)));
        string log;
        using (var worker = new WorkerProcess(dir).Capture())
        {
            await WaitForCheckpointAsync(dir, "live.ndjson", new FileInfo(live).Length);
            var next = Path.Combine(dir, "next.ndjson");
            await File.WriteAllTextAsync(next, string.Concat(Enumerable.Range(4, 10).Select(Line)));
            File.Move(live, Path.Combine(dir, "live.ndjson.1")); // rotated out of the spool
            File.Move(next, live);
            await WaitForCheckpointAsync(dir, "live.ndjson", new FileInfo(live).Length);
            worker.Terminate();
            log = worker.Log;
        }
        log.Should().Contain("its first bytes changed (replaced or rotated under the same name); reading it from the start");
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty("no line was read from the middle");
        StoredRecords(dir).Should().Be((13L, 13L), "both files' lines, each once");
    }

    [Fact]
    public async Task Files_found_in_one_scan_are_stored_by_one_commit_and_each_checkpointed_whole()
    {
        // One flush per file made a spool of many small files pay a DuckDB load each; the worker now stores a scan's
        // files together and moves their checkpoints after that one flush.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        const int files = 12, perFile = 40;
        for (var f = 0; f < files; f++)
        {
            var lines = string.Concat(Enumerable.Range(f * perFile + 1, perFile).Select(Line));
            await File.WriteAllTextAsync(Path.Combine(spool, $"host-{f:00}.ndjson"), lines);
        }
        string log;
        using (var worker = new WorkerProcess(dir).Capture())
        {
            for (var f = 0; f < files; f++)
            {
                await WaitForCheckpointAsync(dir, $"host-{f:00}.ndjson", new FileInfo(Path.Combine(spool, $"host-{f:00}.ndjson")).Length);
            }
            worker.Terminate();
            log = worker.Log;
        }
        log.Should().Contain($"{files * perFile} new event(s) stored from {files} file(s)", "the first scan finds every file");
        StoredRecords(dir).Should().Be(((long)files * perFile, (long)files * perFile), "every line once");
    }

    [Fact]
    public async Task The_worker_takes_DuckDB_options_from_its_store_setting_and_logs_a_load_beyond_its_limit()
    {
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var content = string.Concat(Enumerable.Range(1, 100).Select(Line));
        await File.WriteAllTextAsync(Path.Combine(dir, "a.ndjson"), content);
        File.Move(Path.Combine(dir, "a.ndjson"), Path.Combine(spool, "a.ndjson"));
        string log;
        // The later --Worker:Store wins over the one WorkerProcess gives: same file, with options.
        using (var worker = new WorkerProcess(dir, "--Worker:Store=duckdb:" + Path.Combine(dir, "store.duckdb") + "?load_memory_limit=1MB").Capture())
        {
            await WaitForCheckpointAsync(dir, "a.ndjson", content.Length);
            worker.Terminate();
            log = worker.Log;
        }
        log.Should().Contain("store: 1 DuckDB load did not fit in the load memory limit (1MB) and ran again under the store's own (256MB)");
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(100, "the load was stored whole under the store's own limit");
    }

    // A complete file moved into the spool of a worker reading 64 KB at a time, until its checkpoint reaches its end;
    // the worker's directory and log.
    private static async Task<(string Dir, string Log)> ReadSettledInSmallReadsAsync(string name, string content)
    {
        var dir = CliRunner.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "spool"));
        await File.WriteAllTextAsync(Path.Combine(dir, name), content);
        File.Move(Path.Combine(dir, name), Path.Combine(dir, "spool", name)); // complete before the worker sees it
        using var worker = new WorkerProcess(dir, "--Worker:MaxReadBytes=65536").Capture();
        await WaitForCheckpointAsync(dir, name, System.Text.Encoding.UTF8.GetByteCount(content));
        worker.Terminate();
        return (dir, worker.Log);
    }

    [Fact]
    public async Task A_settled_file_larger_than_one_read_is_taken_in_whole_lines_with_nothing_cut()
    {
        // Before the fix a settled file was read in MaxReadBytes pieces cut anywhere: the line across each cut went to
        // the dead letters as two broken halves (seen with `cp` of a 41 MB file into the spool: one event lost).
        var (dir, _) = await ReadSettledInSmallReadsAsync("big.json", string.Concat(Enumerable.Range(1, 2000).Select(Line)));
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty("no line was cut");
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(2000);
    }

    // Record n of a `wevtutil qe ... /f:text` export of the Sysmon and Security logs: every third a Security logon,
    // whose description holds blank lines of its own.
    private static string WevtutilRecord(int n)
    {
        var i = n.ToString(CultureInfo.InvariantCulture);
        return n % 3 == 0
            ? $"Event[{i}]:\r\n  Log Name: Security\r\n  Source: Microsoft-Windows-Security-Auditing\r\n  Date: 2026-01-05T10:00:00.0000000Z\r\n" +
              "  Event ID: 4624\r\n  Task: Logon\r\n  Level: Information\r\n  Opcode: Info\r\n  Keyword: Audit Success\r\n  User: N/A\r\n" +
              "  User Name: N/A\r\n  Computer: WKS-7.corp.example\r\n  Description: \r\nAn account was successfully logged on.\r\n\r\n" +
              "Subject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n\tAccount Name:\t\tWKS-7$\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t0x3E7\r\n\r\n" +
              "Logon Information:\r\n\tLogon Type:\t\t5\r\n\tRestricted Admin Mode:\t-\r\n\tVirtual Account:\t\tNo\r\n\tElevated Token:\t\tYes\r\n\r\n" +
              "Impersonation Level:\t\tImpersonation\r\n\r\n" +
              "New Logon:\r\n\tSecurity ID:\t\tS-1-5-18\r\n\tAccount Name:\t\tSYSTEM\r\n\tAccount Domain:\t\tNT AUTHORITY\r\n\tLogon ID:\t\t0x3E7\r\n\r\n" +
              "Process Information:\r\n\tProcess ID:\t\t0x2f4\r\n\tProcess Name:\t\tC:\\Windows\\System32\\services.exe\r\n\r\n" +
              "Network Information:\r\n\tWorkstation Name:\t-\r\n\tSource Network Address:\t-\r\n\tSource Port:\t\t-\r\n\r\n" +
              "This event is generated when a logon session is created. It is generated on the computer that was accessed.\r\n\r\n" +
              $"Package Name (NTLM only):\t{new string('-', n * 37 % 400)}\r\n\r\n" // records of varied lengths, so reads end anywhere in them
            : $"Event[{i}]:\r\n  Log Name: Microsoft-Windows-Sysmon/Operational\r\n  Source: Microsoft-Windows-Sysmon\r\n" +
              "  Date: 2026-01-05T10:00:00.0000000Z\r\n  Event ID: 5\r\n  Task: Process terminated (rule: ProcessTerminate)\r\n  Level: Information\r\n" +
              "  Opcode: Info\r\n  Keyword: N/A\r\n  User: S-1-5-18\r\n  User Name: NT AUTHORITY\\SYSTEM\r\n  Computer: WKS-7.corp.example\r\n" +
              $"  Description: \r\nProcess terminated:\r\nRuleName: -\r\nUtcTime: 2026-01-05 10:00:00.000\r\nProcessGuid: {{8f2a3c1e-5b6d-6a3f-2a01-000000001e00}}\r\n" +
              $"ProcessId: {i}\r\nImage: C:\\Windows\\System32\\cmd.exe\r\nUser: CORP\\alice\r\n\r\n";
    }

    [Fact]
    public async Task A_wevtutil_text_export_larger_than_one_read_is_cut_between_records_and_names_its_host()
    {
        // Cut at any blank line, a piece could start inside a Security description, whose lines were then noted as
        // outside any event; and without its Event[N] block read, every event lacked host.name.
        var (dir, log) = await ReadSettledInSmallReadsAsync("sysmon.txt", string.Concat(Enumerable.Range(0, 900).Select(WevtutilRecord)));
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty();
        log.Should().NotContain("outside any Sysmon event");
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(*), count(DISTINCT \"process.pid\"), count(*) FILTER (WHERE \"host.name\" = 'WKS-7.corp.example') FROM events";
        using var reader = cmd.ExecuteReader();
        reader.Read().Should().BeTrue();
        (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)).Should().Be((600L, 600L, 600L), "two of every three records are Sysmon's");
    }

    [Fact]
    public async Task A_record_larger_than_one_read_is_read_whole_as_ingest_reads_it()
    {
        // A 300 KB command line (an encoded PowerShell payload, say) in 64 KB reads: the worker dead-lettered it as a
        // record larger than MaxReadBytes, where ingest stored it.
        var dir = CliRunner.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "spool"));
        var payload = "powershell.exe -enc " + new string('A', 300_000);
        var big = Line(51).Replace("\"event_id\":\"5\"", "\"event_id\":\"1\"", StringComparison.Ordinal)
            .Replace("\"User\"", "\"CommandLine\":\"" + payload + "\",\"User\"", StringComparison.Ordinal);
        var content = string.Concat(Enumerable.Range(1, 50).Select(Line)) + big + string.Concat(Enumerable.Range(52, 50).Select(Line));
        await File.WriteAllTextAsync(Path.Combine(dir, "payload.json"), content);
        File.Move(Path.Combine(dir, "payload.json"), Path.Combine(dir, "spool", "payload.json"));
        using (var worker = new WorkerProcess(dir, "--Worker:MaxReadBytes=65536").Capture())
        {
            await WaitForCheckpointAsync(dir, "payload.json", Encoding.UTF8.GetByteCount(content));
            worker.Terminate();
        }
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty();
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(101);
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "SELECT length(\"process.command_line\") FROM events WHERE \"process.pid\" = 51";
        Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture).Should().Be(payload.Length);
    }

    [Fact]
    public async Task A_pretty_printed_json_array_larger_than_one_read_is_cut_between_objects_not_inside_them()
    {
        // Reads were cut at the last line break, which inside a pretty-printed object split it in two: of a 36 MB
        // exported array of 20,000 events the worker stored 19,998 and rejected 44 fragments (`ingest` stored all).
        var dir = CliRunner.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "spool"));
        var array = new JsonArray(Enumerable.Range(1, 800).Select(n => JsonNode.Parse(Line(n))).ToArray());
        var content = array.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        System.Text.Encoding.UTF8.GetByteCount(content).Should().BeGreaterThan(4 * 65536, "the file takes several reads");
        await File.WriteAllTextAsync(Path.Combine(dir, "export.json"), content);
        File.Move(Path.Combine(dir, "export.json"), Path.Combine(dir, "spool", "export.json"));
        using (var worker = new WorkerProcess(dir, "--Worker:MaxReadBytes=65536").Capture())
        {
            await WaitForCheckpointAsync(dir, "export.json", System.Text.Encoding.UTF8.GetByteCount(content));
            worker.Terminate();
        }
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty("no object was cut");
        StoredRecords(dir).Should().Be((800L, 800L));
    }

    // A _search response as curl saves it: one JSON object whatever the number of hits.
    private static string SearchResponse(int first, int count) =>
        "{\"took\":12,\"timed_out\":false,\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,\"failed\":0},\"hits\":{\"total\":{\"value\":" +
        count.ToString(CultureInfo.InvariantCulture) + ",\"relation\":\"eq\"},\"max_score\":1.0,\"hits\":[\n" +
        string.Join(",\n", Enumerable.Range(first, count).Select(n => "{\"_index\":\"winlogbeat-2026.01.05\",\"_id\":\"h" + n.ToString(CultureInfo.InvariantCulture) +
                                                                     "\",\"_score\":1.0,\"_source\":" + Line(n).TrimEnd('\n') + "}")) + "\n]}}\n";

    [Fact]
    public async Task A_saved_search_response_larger_than_a_record_is_read_whole_and_a_page_appended_later_adds_its_hits()
    {
        // One response is one object: past MaxRecordBytes the worker cut it into pieces, and lost the hits after the
        // first cut. It is read in one stream now, as `ingest` reads it, once it has stopped changing.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var first = SearchResponse(1, 800);
        Encoding.UTF8.GetByteCount(first).Should().BeGreaterThan(4 * 65536, "the response is several times the record limit");
        await File.WriteAllTextAsync(Path.Combine(dir, "hits.json"), first);
        File.Move(Path.Combine(dir, "hits.json"), Path.Combine(spool, "hits.json"));
        var live = Path.Combine(spool, "hits.json");
        using (var worker = new WorkerProcess(dir, "--Worker:MaxReadBytes=65536", "--Worker:MaxRecordBytes=65536").Capture())
        {
            await WaitForCheckpointAsync(dir, "hits.json", new FileInfo(live).Length);
            // The next scroll page saved after it: read on from the end of the first, not the whole file again.
            await File.AppendAllTextAsync(live, SearchResponse(801, 400));
            await WaitForCheckpointAsync(dir, "hits.json", new FileInfo(live).Length);
            worker.Terminate();
            worker.Log.Should().Contain("hits.json: 800 event(s) read and stored").And.Contain("hits.json: 400 event(s) read and stored");
        }
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty("no hit was cut");
        StoredRecords(dir).Should().Be((1200L, 1200L));
    }

    [Fact]
    public async Task A_search_response_saved_by_windows_powershell_in_utf16_is_read_whole()
    {
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "hits.json"), SearchResponse(1, 300), Encoding.Unicode);
        File.Move(Path.Combine(dir, "hits.json"), Path.Combine(spool, "hits.json"));
        using (var worker = new WorkerProcess(dir, "--Worker:MaxReadBytes=65536", "--Worker:MaxRecordBytes=65536").Capture())
        {
            await WaitForCheckpointAsync(dir, "hits.json", new FileInfo(Path.Combine(spool, "hits.json")).Length, wholeFile: true);
            worker.Terminate();
        }
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty();
        StoredRecords(dir).Should().Be((300L, 300L));
    }

    [Fact]
    public async Task A_utf16_file_as_windows_powershell_writes_it_is_tailed_like_utf8()
    {
        // Read as bytes, every record was rejected (`ingest` transcodes UTF-16). Some names lie outside the BMP, so
        // that a character of the text is not always two bytes of the file.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        string Lines(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1)
            .Select(n => n % 7 == 0 ? Line(n).Replace("alice", "al\U0001F600ce", StringComparison.Ordinal) : Line(n)));
        var exported = Path.Combine(dir, "events.json");
        await File.WriteAllTextAsync(exported, Lines(1, 300), System.Text.Encoding.Unicode); // with its byte-order mark
        File.Move(exported, Path.Combine(spool, "events.json"));
        var live = Path.Combine(spool, "events.json");
        using (var worker = new WorkerProcess(dir, "--Worker:MaxReadBytes=65536").Capture())
        {
            await WaitForCheckpointAsync(dir, "events.json", new FileInfo(live).Length);
            await using (var append = new FileStream(live, FileMode.Append)) await append.WriteAsync(System.Text.Encoding.Unicode.GetBytes(Lines(301, 400)));
            await WaitForCheckpointAsync(dir, "events.json", new FileInfo(live).Length);
            worker.Terminate();
        }
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty();
        StoredRecords(dir).Should().Be((400L, 400L));
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM events WHERE \"user.name\" = 'al\U0001F600ce'";
        Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture).Should().Be(57, "every seventh of 400, whole");
    }

    [Fact]
    public async Task Sysmon_for_linux_syslog_lines_in_a_tailed_log_are_read_as_ingest_reads_them()
    {
        // The format was taken from the extension: a `.log` was rendered message text, and every syslog line of
        // Sysmon for Linux was ignored. It is now told from the file's first bytes, as `ingest` tells it.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        static string Syslog(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(n =>
            "Jun  5 19:58:34 ubuntu sysmon: <Event><System><Provider Name=\"Linux-Sysmon\" Guid=\"{ff032593-a8d3-4f13-b0d6-01fc615a0f97}\"/>" +
            "<EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>" +
            "<TimeCreated SystemTime=\"2023-06-05T19:58:34.025223900Z\"/><EventRecordID>" + n.ToString(CultureInfo.InvariantCulture) +
            "</EventRecordID><Correlation/><Execution ProcessID=\"35543\" ThreadID=\"35543\"/><Channel>Linux-Sysmon/Operational</Channel>" +
            "<Computer>ubuntu</Computer><Security UserId=\"0\"/></System><EventData><Data Name=\"RuleName\">-</Data>" +
            "<Data Name=\"UtcTime\">2023-06-05 19:58:34.029</Data><Data Name=\"ProcessGuid\">{d6ab2d35-3a9a-647e-c5e4-f0eaa6550000}</Data>" +
            "<Data Name=\"ProcessId\">35548</Data><Data Name=\"Image\">/usr/bin/curl</Data><Data Name=\"User\">root</Data></EventData></Event>\n"));
        var log = Path.Combine(spool, "syslog.log");
        await File.WriteAllTextAsync(log, Syslog(1, 150));
        using (var worker = new WorkerProcess(dir, "--Worker:MaxReadBytes=65536").Capture())
        {
            await WaitForCheckpointAsync(dir, "syslog.log", new FileInfo(log).Length);
            await File.AppendAllTextAsync(log, Syslog(151, 200));
            await WaitForCheckpointAsync(dir, "syslog.log", new FileInfo(log).Length);
            worker.Terminate();
        }
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty();
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(DISTINCT \"winlog.record_id\"), min(\"winlog.channel\") FROM events";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        (reader.GetInt64(0), reader.GetString(1)).Should().Be((200L, "Linux-Sysmon/Operational"));
    }

    [Fact]
    public async Task A_backlog_larger_than_one_read_is_read_on_without_waiting_for_the_next_poll()
    {
        // One piece per scan, then the poll interval, made a worker catch up on a 1.47 GB file at 5,100 events/s.
        var dir = CliRunner.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "spool"));
        var content = string.Concat(Enumerable.Range(1, 2000).Select(Line));
        System.Text.Encoding.UTF8.GetByteCount(content).Should().BeGreaterThan(8 * 65536, "the file takes many reads");
        await File.WriteAllTextAsync(Path.Combine(dir, "backlog.json"), content);
        File.Move(Path.Combine(dir, "backlog.json"), Path.Combine(dir, "spool", "backlog.json"));
        var clock = Stopwatch.StartNew();
        using (var worker = new WorkerProcess(dir, "--Worker:MaxReadBytes=65536", "--Worker:PollInterval=00:10:00").Capture())
        {
            await WaitForCheckpointAsync(dir, "backlog.json", System.Text.Encoding.UTF8.GetByteCount(content));
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(5), "no read waited for a poll interval of 10 minutes");
            worker.Terminate();
        }
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(2000);
    }

    [Theory]
    // 0 (or a few bytes) would never hold a whole record: every tailed file would wait forever, silently.
    [InlineData("--Worker:MaxReadBytes=0", "Worker:MaxReadBytes is 0; it must be at least 65536")]
    // Records could never be as large as one read.
    [InlineData("--Worker:MaxRecordBytes=1000", "Worker:MaxRecordBytes is 1000; it must be at least Worker:MaxReadBytes (16777216)")]
    // No wait at all would retry a failing store in a tight loop.
    [InlineData("--Worker:StoreRetryDelay=00:00:00", "Worker:StoreRetryDelay is 00:00:00; it must be positive")]
    // These stopped the worker on its first scan as "an unexpected error (a defect)", exit code 70.
    [InlineData("--Worker:BatchSize=-5", "Worker:BatchSize is -5; it must be at least 1")]
    [InlineData("--Worker:PollInterval=-00:00:01", "Worker:PollInterval is -00:00:01; it must be positive")]
    // A value not of the setting's type ended `run` with an unhandled exception and a stack trace, exit code 1.
    [InlineData("--Worker:PollInterval=5s", "Failed to convert configuration value '5s' at 'Worker:PollInterval' to type 'System.TimeSpan'")]
    [InlineData("--Worker:MaxReadBytes=lots", "Failed to convert configuration value 'lots' at 'Worker:MaxReadBytes'")]
    // An empty channel name kept only rendered-text records and skipped every EVTX, XML and JSON record as "other".
    [InlineData("--Worker:Channels:0= ", "Worker:Channels: a channel name is empty")]
    public async Task A_setting_the_worker_cannot_run_with_is_refused_at_start_with_the_reason(string setting, string message)
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.RunAsync(dir, null, "run", "--Worker:SpoolDirectories:0=" + Path.Combine(dir, "spool"),
            "--Worker:Store=duckdb:" + Path.Combine(dir, "s.duckdb"), "--Worker:StateFile=" + Path.Combine(dir, "state.json"), setting);
        r.ExitCode.Should().Be(2, r.Stdout + r.Stderr);
        (r.Stdout + r.Stderr).Should().Contain(message);
    }

    [Fact]
    public async Task Run_help_says_what_its_extra_arguments_are()
    {
        // System.CommandLine's fixed text said they were "passed to the application that is being run".
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, "run", "--help");
        r.ExitCode.Should().Be(0, r.Stderr);
        r.Stdout.Should().Contain("Settings:").And.Contain("--Worker:PollInterval=00:00:05").And.Contain("--spool <spool>")
            .And.NotContain("application that is being run");
    }

    [Fact]
    public async Task Runs_own_options_name_the_store_and_spool_over_the_configured_ones()
    {
        // `run --store X --spool Y` was read as the unknown settings "store" and "spool": the worker watched its
        // configured spool and stored there, without a word.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "mine")).FullName;
        Directory.CreateDirectory(Path.Combine(dir, "spool"));
        await File.WriteAllTextAsync(Path.Combine(spool, "good.ndjson"), Line(1) + Line(2));
        var store = Path.Combine(dir, "mine.duckdb");
        using (var worker = new WorkerProcess(dir, "--store", "duckdb:" + store, "--spool", spool, "--dead-letter", Path.Combine(dir, "mine-dead.ndjson")).Capture())
        {
            await worker.WaitForLogAsync("new event(s) stored");
            worker.Terminate();
            worker.Log.Should().Contain("watching " + spool + ";").And.Contain("storing into duckdb:" + store);
        }
        using (var mine = DuckDbStore.Open(store)) mine.Count().Should().Be(2);
        File.Exists(Path.Combine(dir, "store.duckdb")).Should().BeFalse("--store wins over --Worker:Store");
    }

    [Fact]
    public async Task The_worker_stores_where_SYSMON_STORE_says_as_every_other_command_does()
    {
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        await File.WriteAllTextAsync(Path.Combine(spool, "good.ndjson"), Line(1) + Line(2) + Line(3));
        var store = Path.Combine(dir, "from-env.duckdb");
        using (var worker = WorkerProcess.WithoutStoreArgument(dir, "export SYSMON_STORE='duckdb:" + store + "'").Capture())
        {
            await worker.WaitForLogAsync("new event(s) stored");
            worker.Terminate();
        }
        using (var fromEnv = DuckDbStore.Open(store)) fromEnv.Count().Should().Be(3);
        File.Exists(Path.Combine(dir, "sysmon.duckdb")).Should().BeFalse("the default is only for when nothing names a store");
    }

    [Theory]
    // A path where --spool was meant, a misspelt option, a misspelt setting: each was ignored and the worker ran on
    // its defaults.
    [InlineData("/data/spool", "unexpected argument '/data/spool'")]
    [InlineData("--spoool", "unexpected argument '--spoool'")]
    [InlineData("--Worker:PolInterval=00:00:05", "'--Worker:PolInterval=00:00:05' names no setting of the Worker section")]
    [InlineData("--Worker:PollInterval", "'--Worker:PollInterval' needs a value")]
    // .NET's configuration reader failed on this one with a stack trace.
    [InlineData("-Worker:Store=x", "unexpected argument '-Worker:Store=x'")]
    public async Task An_argument_the_worker_would_not_use_is_refused_at_start_and_named(string argument, string message)
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.RunAsync(dir, null, "run", "--spool", Path.Combine(dir, "spool"), "--store", "duckdb:" + Path.Combine(dir, "s.duckdb"), argument);
        r.ExitCode.Should().Be(2, r.Stdout + r.Stderr);
        r.Stderr.Should().Contain(message).And.NotContain("   at ");
        File.Exists(Path.Combine(dir, "s.duckdb")).Should().BeFalse("nothing starts");
    }

    private static async Task<string[]> QueryCountAsync(string dir) => (await QueryCountWithLogAsync(dir)).Lines;

    private static async Task<(string[] Lines, string Stderr)> QueryCountWithLogAsync(string dir)
    {
        var r = await CliRunner.RunAsync(dir, null, "query", "FROM logs-sysmon-* | STATS n = COUNT(*)", "--store",
            "duckdb:" + Path.Combine(dir, "store.duckdb"), "--format", "csv");
        r.ExitCode.Should().Be(0, r.Stderr);
        return (r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), r.Stderr);
    }

    // A Sysmon log written to as a live host does: a line every 150 ms into the spool, until disposed.
    private sealed class LiveLog : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _writer;
        private int _written;

        public LiveLog(string path)
        {
            Path = path;
            _writer = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    await File.AppendAllTextAsync(path, Line(Interlocked.Increment(ref _written)));
                    await Task.Delay(150);
                }
            });
        }

        public string Path { get; }
        public int Written => Volatile.Read(ref _written);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _writer;
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task A_query_beside_a_worker_tailing_a_live_log_gets_the_store_and_the_worker_resumes_after_it()
    {
        // A live tail stores something at every poll, so the worker never idled for ReleaseStoreAfter: a query beside it
        // waited 20 s and was refused. (ReleaseStoreAfter is 10 min here, so only the query's request lets it in.)
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        using var worker = new WorkerProcess(dir, "--Worker:ReleaseStoreAfter=00:10:00").Capture();
        var live = new LiveLog(Path.Combine(spool, "live.ndjson"));
        await using (live)
        {
            await worker.WaitForLogAsync("live.ndjson: ", times: 3);

            var clock = Stopwatch.StartNew();
            var (lines, stderr) = await QueryCountWithLogAsync(dir);
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "the worker lets the file go at its next scan");
            stderr.Should().Contain("a running worker lets it go at its next scan");
            long.Parse(lines[1], CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(3);
            await worker.WaitForLogAsync("the waiting process is done; reading resumes");
            await worker.WaitForLogAsync("live.ndjson: ", times: 6); // stored again after the query
        }
        await WaitForCheckpointAsync(dir, "live.ndjson", new FileInfo(live.Path).Length);
        worker.Terminate();
        worker.Log.Should().Contain("another process waits for the store: its file is let go");
        Directory.GetFiles(dir, "store.duckdb.wait-*").Should().BeEmpty("the query withdrew its request");
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(live.Written, "every line once");
    }

    [Fact]
    public async Task An_ingest_beside_a_worker_tailing_a_live_log_waits_its_turn_and_every_event_of_both_is_stored_once()
    {
        // It was refused at once: a responder adding a folder of collected logs to the store a worker fills had to stop
        // the worker first, or drop the files into its spool.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var collected = Directory.CreateDirectory(Path.Combine(dir, "collected")).FullName;
        await File.WriteAllTextAsync(Path.Combine(collected, "wks-7.ndjson"), string.Concat(Enumerable.Range(1_000_001, 2_000).Select(Line)));
        using var worker = new WorkerProcess(dir, "--Worker:ReleaseStoreAfter=00:10:00").Capture();
        var live = new LiveLog(Path.Combine(spool, "live.ndjson"));
        await using (live)
        {
            await worker.WaitForLogAsync("live.ndjson: ", times: 3);

            var r = await CliRunner.RunAsync(dir, null, "ingest", collected, "--store", "duckdb:" + Path.Combine(dir, "store.duckdb"));
            r.ExitCode.Should().Be(0, r.Stderr);
            r.Stderr.Should().Contain("a running worker lets it go at its next scan");
            await worker.WaitForLogAsync("the waiting process is done; reading resumes");
            await worker.WaitForLogAsync("live.ndjson: ", times: 6); // stored again after the ingest
        }
        await WaitForCheckpointAsync(dir, "live.ndjson", new FileInfo(live.Path).Length);
        worker.Terminate();
        Directory.GetFiles(dir, "store.duckdb.wait-*").Should().BeEmpty("the ingest withdrew its request");
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(live.Written + 2_000, "every live line and every collected event once");
    }

    [Fact]
    public async Task A_query_during_a_backlog_of_many_files_gets_the_store_before_the_whole_backlog_is_read()
    {
        // The worker looked for a waiting process only between scans, and one scan reads every file of a backlog: a
        // query waited for all of it (7-8 s for 200,000 events) and was refused past 20 s.
        const int files = 12, perFile = 10_000;
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        for (var f = 0; f < files; f++)
        {
            await File.WriteAllTextAsync(Path.Combine(spool, $"host-{f:00}.ndjson"),
                string.Concat(Enumerable.Range(f * perFile + 1, perFile).Select(Line)));
        }
        using var worker = new WorkerProcess(dir, "--Worker:ReleaseStoreAfter=00:10:00").Capture();
        await worker.WaitForLogAsync("watching "); // the scan of the backlog starts now, and takes seconds

        var lines = await QueryCountAsync(dir);
        long.Parse(lines[1], CultureInfo.InvariantCulture).Should().BeLessThan(files * perFile, "the worker stopped its scan for the query");
        await worker.WaitForLogAsync("the waiting process is done; reading resumes");
        await WaitForCheckpointAsync(dir, $"host-{files - 1:00}.ndjson", new FileInfo(Path.Combine(spool, $"host-{files - 1:00}.ndjson")).Length);
        worker.Terminate();
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(files * perFile, "the rest of the backlog is read after the query, every event once");
    }

    [Fact]
    public async Task A_query_during_a_large_archive_gets_the_store_before_the_archive_is_read_to_its_end()
    {
        // A whole file (an .evtx, an archive of a fleet's logs) was read to its end before the worker looked for a waiting
        // process: a query waited for all of it, and was refused past its lock_wait when it took longer.
        const int entries = 12, perEntry = 10_000;
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var zip = Path.Combine(dir, "collection.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            for (var f = 0; f < entries; f++)
            {
                await using var entry = new StreamWriter(archive.CreateEntry($"host-{f:00}.ndjson").Open());
                foreach (var line in Enumerable.Range(f * perEntry + 1, perEntry).Select(Line)) await entry.WriteAsync(line);
            }
        }
        File.Move(zip, Path.Combine(spool, "collection.zip"));
        using var worker = new WorkerProcess(dir, "--Worker:ReleaseStoreAfter=00:10:00", "--Worker:SettleTime=00:00:00").Capture();
        await worker.WaitForLogAsync("collection.zip: reading "); // and that takes seconds

        var lines = await QueryCountAsync(dir);
        // What the worker has read but not loaded yet (a load is 131,072 rows) is stored after the query.
        long.Parse(lines[1], CultureInfo.InvariantCulture).Should().BeLessThan(entries * perEntry, "the worker let the file go within the archive");
        await worker.WaitForLogAsync("the waiting process is done; reading resumes");
        await WaitForCheckpointAsync(dir, "collection.zip", new FileInfo(Path.Combine(spool, "collection.zip")).Length, wholeFile: true);
        worker.Terminate();
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(entries * perEntry, "the rest of the archive is read after the query, every event once");
    }

    [Fact]
    public async Task A_worker_started_while_another_process_holds_its_file_waits_for_it_and_then_stores_the_spool()
    {
        // It ended at once with exit code 3: a supervisor restarting it during a long ingest gave up after a few tries
        // (systemd: five failed starts in ten seconds).
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        await File.WriteAllTextAsync(Path.Combine(spool, "good.ndjson"), Line(1) + Line(2));
        var path = Path.Combine(dir, "store.duckdb");
        WorkerProcess worker;
        using (var other = DuckDbStore.Open(path))
        {
            worker = new WorkerProcess(dir, "--Worker:StoreRetryDelay=00:00:01").Capture();
            await worker.WaitForLogAsync("another process has it open (an ingest, a query); tried again every 00:00:01");
            await Task.Delay(2500); // two more tries
            worker.Process.HasExited.Should().BeFalse("it waits:\n" + worker.Log);
            other.Count().Should().Be(0);
        }
        using (worker)
        {
            await worker.WaitForLogAsync("is free now: the worker starts");
            await WaitForCheckpointAsync(dir, "good.ndjson", new FileInfo(Path.Combine(spool, "good.ndjson")).Length);
            worker.Terminate();
        }
        using var store = DuckDbStore.Open(path);
        store.Count().Should().Be(2);
    }

    [Fact]
    public async Task A_worker_stopped_while_it_waits_for_its_file_exits_cleanly()
    {
        var dir = CliRunner.TempDir();
        using var other = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        using var worker = new WorkerProcess(dir, "--Worker:StoreRetryDelay=00:00:01").Capture();
        await worker.WaitForLogAsync("another process has it open");
        worker.Terminate().Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_idle_worker_lets_the_store_go_for_query_and_takes_it_back_for_new_files_even_after_a_client_held_it()
    {
        // DuckDB lets one process open a file: a worker that held it for good refused every query while it ran.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        await File.WriteAllTextAsync(Path.Combine(spool, "a.ndjson"), Line(1) + Line(2));
        using var worker = new WorkerProcess(dir, "--Worker:ReleaseStoreAfter=00:00:01", "--Worker:StoreRetryDelay=00:00:01").Capture();
        await worker.WaitForLogAsync("the store's file is let go");
        (await QueryCountAsync(dir)).Should().Equal("n", "2");

        // A client holding the file when new events come: the write waits, as a failed one does, and then goes in.
        using (var client = DuckDbStore.Open(Path.Combine(dir, "store.duckdb")))
        {
            await File.WriteAllTextAsync(Path.Combine(spool, "b.ndjson"), Line(3));
            await worker.WaitForLogAsync("the store could not take what was read");
            client.Count().Should().Be(2);
        }
        await worker.WaitForLogAsync("b.ndjson: 1 event(s) read and stored");
        await worker.WaitForLogAsync("the store's file is let go", times: 2);
        (await QueryCountAsync(dir)).Should().Equal("n", "3");
        worker.Terminate();
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(3, "every event once");
    }

    [Fact]
    public async Task A_client_holding_the_file_makes_the_worker_try_again_at_its_retry_delay_not_ever_later()
    {
        // Doubled after each failure, a DuckDB shell held open for ten minutes put the worker's next try minutes after it closed.
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        await File.WriteAllTextAsync(Path.Combine(spool, "a.ndjson"), Line(1));
        using var worker = new WorkerProcess(dir, "--Worker:ReleaseStoreAfter=00:00:01", "--Worker:StoreRetryDelay=00:00:01").Capture();
        await worker.WaitForLogAsync("the store's file is let go");
        using (DuckDbStore.Open(Path.Combine(dir, "store.duckdb")))
        {
            await File.WriteAllTextAsync(Path.Combine(spool, "b.ndjson"), Line(2));
            await worker.WaitForLogAsync("the store could not take what was read", times: 4);
        }
        await worker.WaitForLogAsync("b.ndjson: 1 event(s) read and stored");
        worker.Terminate();
        worker.Log.Should().Contain("read and offered again in 00:00:01").And.NotContain("read and offered again in 00:00:02");
    }

    // A spool with two events and a hunts directory with one hunt, every-second, that counts events per host every second.
    private static async Task<(string Dir, string Spool, string Hunts)> EverySecondHuntAsync()
    {
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var hunts = Directory.CreateDirectory(Path.Combine(dir, "hunts")).FullName;
        await File.WriteAllTextAsync(Path.Combine(hunts, "every-second.esql"),
            "// title: test\n// schedule: 0/1 * * * * ?\nFROM logs-sysmon* | STATS n = COUNT(*) BY host.name\n");
        await File.WriteAllTextAsync(Path.Combine(spool, "good.ndjson"), Line(1) + Line(2));
        return (dir, spool, hunts);
    }

    // How many result rows of every-second counted both events of the spool.
    private static long StoredHuntRows(string dir)
    {
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM hunt_results WHERE hunt = 'every-second' AND (row->>'$.n') = '2'";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return reader.GetInt64(0);
    }

    [Fact]
    public async Task A_scheduled_hunt_runs_on_quartz_and_reports_each_row_once()
    {
        var (dir, spool, hunts) = await EverySecondHuntAsync();
        using (var worker = new WorkerProcess(dir, "--Worker:HuntsDirectory=" + hunts).Capture())
        {
            await WaitForCheckpointAsync(dir, "good.ndjson", new FileInfo(Path.Combine(spool, "good.ndjson")).Length);
            await Task.Delay(3500); // three or more runs of the hunt after the events are stored
            worker.Terminate();
        }
        StoredHuntRows(dir).Should().Be(1, "the same row reported by later runs is not stored again");
    }

    [Fact]
    public async Task A_scheduled_hunt_waits_while_another_process_uses_the_store_and_runs_after_it()
    {
        // Run while an ingest or a query held the file, the hunt failed and missed its run (a feed refresh kept its old
        // indicators until its next schedule, a day later for most feeds).
        var (dir, spool, hunts) = await EverySecondHuntAsync();
        var path = Path.Combine(dir, "store.duckdb");
        using var worker = new WorkerProcess(dir, "--Worker:HuntsDirectory=" + hunts, "--Worker:ReleaseStoreAfter=00:10:00").Capture();
        await WaitForCheckpointAsync(dir, "good.ndjson", new FileInfo(Path.Combine(spool, "good.ndjson")).Length);

        // What `ingest` does beside a worker: its note, then the file, for a while, then neither.
        using (DuckDbFileRequest.Raise(path))
        {
            await worker.WaitForLogAsync("another process waits for the store: its file is let go");
            using var other = OpenWhenFree(path);
            await Task.Delay(3000); // three scheduled runs fall in this time
            other.Count().Should().Be(2);
        }
        await Task.Delay(2500);
        worker.Terminate();
        worker.Log.Should().NotContain("hunt every-second failed")
            .And.Contain("hunt-every-second waits: another process is using the store")
            .And.Contain("hunt-every-second runs now: the other process is done with the store");
        StoredHuntRows(dir).Should().Be(1, "the hunt ran after the other process was done");
    }

    // The worker lets the file go at its next poll: until then, opening it is refused.
    private static DuckDbStore OpenWhenFree(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return DuckDbStore.Open(path);
            }
            catch (StoreException ex) when (ex.HeldByAnotherProcess && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    [Fact]
    public async Task A_file_of_nothing_but_junk_is_dead_lettered_once_and_checkpointed()
    {
        // Pieces without a single event were never committed when nothing else was: the file was read and
        // dead-lettered again at every scan (100 MB of junk: 1.9 GB of dead letters and 2.4M log lines in 90 s).
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var junk = string.Concat(Enumerable.Range(0, 200).Select(i => $"{{oops {i}}}\n")); // JSON-looking, each line its own reject
        await File.WriteAllTextAsync(Path.Combine(spool, "junk.json"), junk);
        string log;
        using (var worker = new WorkerProcess(dir).Capture())
        {
            await WaitForCheckpointAsync(dir, "junk.json", junk.Length);
            await Task.Delay(1000); // five more scans
            worker.Terminate();
            log = worker.Log;
        }
        var dead = (await File.ReadAllLinesAsync(Path.Combine(dir, "dead.ndjson"))).Select(l => JsonNode.Parse(l)!).ToList();
        dead.Should().HaveCount(200, "each line once");
        log.Split('\n').Count(l => l.Contains("rejected ", StringComparison.Ordinal) && l.Contains("junk.json", StringComparison.Ordinal))
            .Should().Be(20, "the first rejections one by one");
        log.Should().Contain("rejected 180 more record(s); each is in " + Path.Combine(dir, "dead.ndjson"));
    }

    // One generated host's log in DIR/FORMAT, and how many events it holds (each has one UtcTime line in every form).
    private static async Task<(string Path, int Events)> GenerateOneHostAsync(string dir, string format, int events, int seed)
    {
        var generated = await CliRunner.RunAsync(dir, null, "generate", "--hosts", "1", "--days", "1", "--events-per-host-per-day",
            events.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture), "--format", format, "-o", format);
        generated.ExitCode.Should().Be(0, generated.Stderr);
        var path = Directory.GetFiles(Path.Combine(dir, format)).Should().ContainSingle().Subject;
        return (path, System.Text.RegularExpressions.Regex.Count(await File.ReadAllTextAsync(path), "^UtcTime: ",
            System.Text.RegularExpressions.RegexOptions.Multiline));
    }

    [Fact]
    public async Task A_csv_export_written_in_two_goes_is_read_whole_once_it_settles()
    {
        // Export-Csv writes as Get-WinEvent reads the log; a row cut at a read would be two dead letters.
        var dir = CliRunner.TempDir();
        var (path, rows) = await GenerateOneHostAsync(dir, "csv", 400, 2);
        var export = await File.ReadAllBytesAsync(path);
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var live = Path.Combine(spool, "WKS-0001.csv");
        using (var worker = new WorkerProcess(dir, "--Worker:SettleTime=00:00:03").Capture())
        {
            await File.WriteAllBytesAsync(live, export[..(export.Length / 2)]);
            await Task.Delay(300); // well within SettleTime
            await using (var append = new FileStream(live, FileMode.Append)) await append.WriteAsync(export.AsMemory(export.Length / 2));
            await worker.WaitForLogAsync($"WKS-0001.csv: {rows} event(s) read and stored");
            worker.Terminate();
        }
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty();
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        store.Count().Should().Be(rows);
    }

    [Fact]
    public async Task Junk_beside_good_files_is_dead_lettered_and_never_stops_the_worker()
    {
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        var junk = new byte[4096];
        new Random(7).NextBytes(junk);
        await File.WriteAllBytesAsync(Path.Combine(spool, "junk.json"), junk);
        await File.WriteAllTextAsync(Path.Combine(spool, "empty.ndjson"), "");
        await File.WriteAllTextAsync(Path.Combine(spool, "half.xml"), "<Events><Event><System><EventID>1</EventID>");
        await File.WriteAllTextAsync(Path.Combine(spool, "good.ndjson"), Line(1) + Line(2));

        using (var worker = new WorkerProcess(dir).Capture())
        {
            await WaitForCheckpointAsync(dir, "good.ndjson", new FileInfo(Path.Combine(spool, "good.ndjson")).Length);
            await File.AppendAllTextAsync(Path.Combine(spool, "good.ndjson"), Line(3));
            await WaitForCheckpointAsync(dir, "good.ndjson", new FileInfo(Path.Combine(spool, "good.ndjson")).Length);
            await Task.Delay(1500); // half.xml settles and is read
            worker.Process.HasExited.Should().BeFalse();
            worker.Terminate();
        }
        using (var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb")))
        {
            store.Count().Should().Be(3);
        }
        var dead = (await File.ReadAllLinesAsync(Path.Combine(dir, "dead.ndjson"))).Select(l => JsonNode.Parse(l)!).ToList();
        dead.Should().Contain(d => d["file"]!.GetValue<string>().EndsWith("junk.json") && d["reason"]!.GetValue<string>().Length > 0);
        dead.Should().Contain(d => d["file"]!.GetValue<string>().EndsWith("half.xml") && d["reason"]!.GetValue<string>().Contains("unterminated"));
    }

    [Fact]
    public async Task A_named_pipe_and_a_link_to_the_spool_itself_neither_block_nor_repeat_the_scan()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("named pipes as on Linux");
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        // Named to come first in the scan: opening a pipe that nobody writes to waits for a writer.
        using (var mkfifo = Process.Start("mkfifo", [Path.Combine(spool, "a-pipe.evtx")])) await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
        Directory.CreateSymbolicLink(Path.Combine(spool, "loop"), spool);
        await File.WriteAllTextAsync(Path.Combine(spool, "good.ndjson"), Lines(1, 20));

        string log;
        using (var worker = new WorkerProcess(dir).Capture())
        {
            await WaitForCheckpointAsync(dir, "good.ndjson", new FileInfo(Path.Combine(spool, "good.ndjson")).Length);
            await Task.Delay(1500); // past the pipe's settle time: a scan that opened it would wait there for good
            await File.AppendAllTextAsync(Path.Combine(spool, "good.ndjson"), Lines(21, 10));
            await WaitForCheckpointAsync(dir, "good.ndjson", new FileInfo(Path.Combine(spool, "good.ndjson")).Length);
            worker.Terminate();
            log = worker.Log;
        }
        using (var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb")))
        {
            store.Count().Should().Be(30);
        }
        log.Should().Contain("loop: a linked directory in the spool, not followed");
        System.Text.RegularExpressions.Regex.Count(log, "not followed").Should().Be(1, "said once, not at every scan");
        System.Text.RegularExpressions.Regex.Count(log, "good.ndjson").Should().BeLessThan(3, "the file is not found again through the link:\n" + log);
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty("a pipe holds no bad record");
    }

    [Fact]
    public async Task Compressed_files_and_archives_dropped_into_the_spool_are_stored_once_and_damage_is_a_dead_letter()
    {
        var dir = CliRunner.TempDir();
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        static byte[] Gzip(string text)
        {
            using var output = new MemoryStream();
            using (var gz = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal)) gz.Write(Encoding.UTF8.GetBytes(text));
            return output.ToArray();
        }
        var rotated = Gzip(string.Concat(Enumerable.Range(1, 100).Select(Line)));
        await File.WriteAllBytesAsync(Path.Combine(spool, "sysmon.ndjson.1.gz"), rotated);
        using (var zip = System.IO.Compression.ZipFile.Open(Path.Combine(spool, "collection.zip"), System.IO.Compression.ZipArchiveMode.Create))
        {
            await using (var w = new StreamWriter(await zip.CreateEntry("WKS-7/sysmon.ndjson").OpenAsync(TestContext.Current.CancellationToken)))
            {
                await w.WriteAsync(string.Concat(Enumerable.Range(101, 50).Select(Line)));
            }
            await using (var w = new StreamWriter(await zip.CreateEntry("WKS-7/NTUSER.DAT").OpenAsync(TestContext.Current.CancellationToken)))
            {
                await w.WriteAsync("regf");
            }
        }
        var damaged = Gzip(string.Concat(Enumerable.Range(151, 2000).Select(Line)));
        for (var i = damaged.Length / 2; i < damaged.Length / 2 + 64; i++) damaged[i] = 0xFF;
        await File.WriteAllBytesAsync(Path.Combine(spool, "damaged.ndjson.gz"), damaged);

        string log;
        using (var worker = new WorkerProcess(dir).Capture())
        {
            await worker.WaitForLogAsync("sysmon.ndjson.1.gz: 100 event(s) read and stored");
            await worker.WaitForLogAsync("collection.zip: 50 event(s) read and stored");
            await worker.WaitForLogAsync("damaged.ndjson.gz: ");
            await Task.Delay(1500); // more scans: nothing is read twice
            worker.Terminate();
            log = worker.Log;
        }
        log.Should().Contain("collection.zip: 1 file(s) in the archive with unknown extensions skipped");
        var dead = (await File.ReadAllLinesAsync(Path.Combine(dir, "dead.ndjson"))).Select(l => JsonNode.Parse(l)!).ToList();
        dead.Should().ContainSingle(d => d["reason"]!.GetValue<string>().StartsWith("gzip data is damaged", StringComparison.Ordinal))
            .Which["file"]!.GetValue<string>().Should().EndWith("damaged.ndjson.gz");
        using var store = DuckDbStore.Open(Path.Combine(dir, "store.duckdb"));
        var damagedStored = store.Count() - 150;
        damagedStored.Should().BeGreaterThan(0, "the damaged file's events before the damage are kept").And.BeLessThan(2000);
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM events WHERE \"log.file.path\" = '" + Path.Combine(spool, "collection.zip") + "!/WKS-7/sysmon.ndjson'";
        Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture).Should().Be(50);
    }

    [Fact]
    public async Task Notes_beside_events_are_logged_as_ingest_shows_them_not_dead_lettered()
    {
        // Prose between pasted messages (and, with the corpus, an EVTX header that undercounts its chunks) is a note
        // in ingest's summary; the worker wrote it to the dead letters, as if records had been lost.
        var dir = CliRunner.TempDir();
        var (messages, events) = await GenerateOneHostAsync(dir, "text", 5, 1);
        var spool = Directory.CreateDirectory(Path.Combine(dir, "spool")).FullName;
        await File.WriteAllTextAsync(Path.Combine(spool, "ticket-4711.txt"),
            "Pasted from the ticket by the analyst on call:\n\n" + await File.ReadAllTextAsync(messages));
        var shared = CliRunner.SharedDir();
        var evtx = shared is null ? null : Path.Combine(shared, "corpus", "evtx", "derived", "Sysmon_UACME_64_dirty_stale_header.evtx");
        if (evtx is not null && File.Exists(evtx)) File.Copy(evtx, Path.Combine(spool, "stale-header.evtx"));
        else evtx = null;

        string log;
        using (var worker = new WorkerProcess(dir, "--Worker:HostName=WKS-0001").Capture())
        {
            await worker.WaitForLogAsync($"ticket-4711.txt: {events} event(s) read and stored");
            if (evtx is not null) await worker.WaitForLogAsync("stale-header.evtx: 530 event(s) read and stored");
            worker.Terminate();
            log = worker.Log;
        }
        var dead = Path.Combine(dir, "dead.ndjson");
        (File.Exists(dead) ? await File.ReadAllTextAsync(dead) : "").Should().BeEmpty("nothing was lost");
        log.Should().Contain("note: " + Path.Combine(spool, "ticket-4711.txt")).And.Contain("outside any Sysmon event");
        if (evtx is not null) log.Should().MatchRegex(@"note: \S*stale-header\.evtx.*(chunk|header)");
    }
}
