namespace Sysmon.Ingest.Ecs;

public sealed class EcsMapperOptions
{
    /// <summary>host.name for inputs that carry no computer name (rendered message text).</summary>
    public string? HostName { get; init; }

    /// <summary>Keep the record's original text in event.original.</summary>
    public bool KeepOriginal { get; init; }

    /// <summary>For dns.question.registered_domain etc.; null = those fields are not derived.</summary>
    public PublicSuffixList? PublicSuffixes { get; init; }
}
