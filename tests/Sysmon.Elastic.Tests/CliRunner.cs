using System.Diagnostics;

namespace Sysmon.Elastic.Tests;

/// <summary>Runs the real sysmon-elastic executable (built beside the tests) as a separate process.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "sysmon-elastic.dll");

    public static Task<Result> RunAsync(string workingDirectory, string? stdin, params string[] args) =>
        RunCoreAsync(workingDirectory, stdin, null, args);

    /// <summary>As <see cref="RunAsync"/>, with these environment variables set for the process.</summary>
    public static Task<Result> RunWithEnvironmentAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunCoreAsync(workingDirectory, null, environment, args);

    private static async Task<Result> RunCoreAsync(string workingDirectory, string? stdin, IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the executable with standard input read from <paramref name="inputFile"/> by the shell, as
    /// `sysmon-elastic ARGS &lt; FILE` does (a pipe the process cannot seek in); standard output is not kept.</summary>
    public static async Task<Result> RunWithStdinFromAsync(string workingDirectory, string inputFile, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = workingDirectory, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "f=\"$1\"; shift; exec dotnet \"$@\" < \"$f\"", "bash", inputFile, Dll }.Concat(args)) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, "", stderr);
    }

    /// <summary>Runs `generate` for a one-day JSON fleet into DIR/fleet; the hosts' files.</summary>
    public static async Task<string[]> GenerateFleetAsync(string dir, int hosts, int eventsPerHost, int seed)
    {
        var generated = await RunAsync(dir, null, "generate", "--hosts", Invariant(hosts), "--days", "1", "--events-per-host-per-day",
            Invariant(eventsPerHost), "--seed", Invariant(seed), "--format", "json", "-o", "fleet");
        FluentAssertions.AssertionExtensions.Should(generated.ExitCode).Be(0, generated.Stderr);
        return Directory.GetFiles(Path.Combine(dir, "fleet"), "WKS-*.json");
    }

    private static string Invariant(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string TempDir()
    {
        var dir = Path.Combine(TestRunDirectory.Path, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static string? SharedDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "corpus"))) return candidate;
        }
        return null;
    }
}
