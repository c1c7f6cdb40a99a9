using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Sysmon.Enrich.Indicators;

namespace Sysmon.Bench;

/// <summary>
/// Lookups in a set of 1,000,000 SHA-256 hashes and 100,000 IPv4 addresses, as the tagger makes them for every event:
/// a hash as Sysmon writes it (upper case) and an address, each found and not found. One operation = one lookup.
/// </summary>
[MemoryDiagnoser]
public class IndicatorSetBenchmarks
{
    private const int Lookups = 1_000;
    private IndicatorSet _set = null!;
    private string[] _listedHashes = [], _otherHashes = [], _listedIps = [], _otherIps = [];
    private readonly List<Indicator> _found = new(4);

    [GlobalSetup]
    public void Setup()
    {
        static string Hash(int n) => Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(n)));
        static string Ip(int n) => $"{11 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}.1";
        _set = new IndicatorSet(
            Enumerable.Range(0, 1_000_000).Select(n => new Indicator(IndicatorType.Sha256, Hash(n).ToLowerInvariant(), "hashes"))
                .Concat(Enumerable.Range(0, 100_000).Select(n => new Indicator(IndicatorType.Ipv4, Ip(n), "ips"))),
            null, matchParentDomains: false);
        _listedHashes = [.. Enumerable.Range(0, Lookups).Select(n => Hash(n * 997))];
        _otherHashes = [.. Enumerable.Range(0, Lookups).Select(n => Hash(2_000_000 + n))];
        _listedIps = [.. Enumerable.Range(0, Lookups).Select(n => Ip(n * 97))];
        _otherIps = [.. Enumerable.Range(0, Lookups).Select(n => Ip(200_000 + n))];
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int HashListed() => Run(_listedHashes, _set.MatchHash);

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int HashNotListed() => Run(_otherHashes, _set.MatchHash);

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int IpListed() => Run(_listedIps, _set.MatchIp);

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int IpNotListed() => Run(_otherIps, _set.MatchIp);

    private int Run(string[] values, Action<string, List<Indicator>> match)
    {
        var hits = 0;
        foreach (var value in values)
        {
            _found.Clear();
            match(value, _found);
            hits += _found.Count;
        }
        return hits;
    }
}
