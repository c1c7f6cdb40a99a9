namespace Sysmon.Queries.Hunts;

/// <summary>A stored hunt: one file <c>hunts/NAME.esql</c>, a comment header and one ES|QL query.</summary>
public sealed record Hunt(string Name, string Title, string Description, IReadOnlyList<HuntParameter> Parameters, string? Attack,
    string? Schedule, string Query)
{
    public static Hunt Parse(string name, string text)
    {
        string title = name, description = "";
        string? attack = null, schedule = null;
        var parameters = new List<HuntParameter>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("//", StringComparison.Ordinal)) continue;
            var body = line[2..].Trim();
            var colon = body.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var key = body[..colon].Trim().ToLowerInvariant();
            var value = body[(colon + 1)..].Trim();
            switch (key)
            {
                case "title": title = value; break;
                case "description": description = value; break;
                case "attack": attack = value; break;
                case "schedule": schedule = value; break;
                case "param":
                    var parts = value.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (parts.Length < 2) throw new FormatException($"hunt {name}: 'param: {value}' needs a name and a type");
                    parameters.Add(new HuntParameter(parts[0], parts[1], parts.Length > 2 ? parts[2] : null));
                    break;
            }
        }
        return new Hunt(name, title, description, parameters, attack, schedule, text);
    }

    /// <summary>Parameter values: the given ones converted to their types, defaults for the rest; <c>now</c> in a
    /// time's date math is <paramref name="now"/>, or the current time.</summary>
    public Dictionary<string, object?> Bind(IReadOnlyDictionary<string, string> given, DateTimeOffset? now = null)
    {
        foreach (var key in given.Keys)
        {
            if (!Parameters.Any(p => p.Name == key))
            {
                throw new ArgumentException($"hunt {Name} has no parameter '{key}' (it has: {string.Join(", ", Parameters.Select(p => p.Name))})");
            }
        }
        var values = new Dictionary<string, object?>();
        var at = now ?? DateTimeOffset.UtcNow;
        foreach (var p in Parameters)
        {
            if (given.TryGetValue(p.Name, out var text)) values[p.Name] = p.Convert(text, at);
            else if (p.Default is not null) values[p.Name] = p.Convert(p.Default, at);
            else throw new ArgumentException($"hunt {Name} needs --param {p.Name}=… ({p.Type})");
        }
        return values;
    }
}
