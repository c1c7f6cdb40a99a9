using System.Text.Json;

namespace Sysmon.Ingest.Json;

/// <summary>
/// A whole Elasticsearch (or OpenSearch) <c>_search</c> / scroll response saved to a file:
/// <c>{"took":…,"timed_out":…,"_shards":{…},"hits":{"total":…,"hits":[hit, hit, …]}}</c>. It is one JSON object,
/// larger than any record limit at a few thousand hits, so it is not read as one: the reader steps into
/// <c>hits.hits</c>, reads each hit as a record of its own, and steps over what follows the array. Responses saved
/// one after another (scroll pages appended to one file) are each entered in turn.
/// </summary>
internal static class SearchResponseEnvelope
{
    public enum Entry { NotResponse, NeedMore, Entered }

    /// <summary>What an entered response leaves open: the hits array, the <c>hits</c> object and the response.</summary>
    public const int OpenAfterEntry = 3;

    /// <summary>
    /// Looks at an object starting at <paramref name="s"/>[0]. Entered: the response's first
    /// <paramref name="consumed"/> bytes end with the <c>[</c> of <c>hits.hits</c>; the array, the response's <c>hits</c>
    /// and the response itself are open (<see cref="OpenAfterEntry"/>). NotResponse: an ordinary object (an event, a hit), told by
    /// its first member's name, so a line of NDJSON costs a few bytes' look.
    /// </summary>
    public static Entry TryEnter(ReadOnlySpan<byte> s, bool final, out int consumed)
    {
        consumed = 0;
        var reader = new Utf8JsonReader(s, isFinalBlock: final, state: default);
        try
        {
            if (!reader.Read()) return final ? Entry.NotResponse : Entry.NeedMore;
            if (reader.TokenType != JsonTokenType.StartObject) return Entry.NotResponse;
            if (!reader.Read()) return final ? Entry.NotResponse : Entry.NeedMore;
            if (reader.TokenType != JsonTokenType.PropertyName || !IsResponseMember(reader.ValueSpan)) return Entry.NotResponse;
            // Members of the response: step over all but hits; inside hits, over all but the hits array.
            var level = 1;
            while (true)
            {
                if (reader.TokenType == JsonTokenType.EndObject) return Entry.NotResponse; // a response without hits.hits
                if (reader.TokenType != JsonTokenType.PropertyName) return Entry.NotResponse;
                var isHits = reader.ValueTextEquals("hits"u8);
                if (!reader.Read()) return More(final);
                if (isHits && level == 1 && reader.TokenType == JsonTokenType.StartObject)
                {
                    level = 2;
                }
                else if (isHits && level == 2 && reader.TokenType == JsonTokenType.StartArray)
                {
                    consumed = checked((int)reader.BytesConsumed);
                    return Entry.Entered;
                }
                else if (!reader.TrySkip())
                {
                    return More(final);
                }
                if (!reader.Read()) return More(final);
            }
        }
        catch (JsonException)
        {
            return Entry.NotResponse; // the object is read, and rejected, as any other
        }
    }

    private static Entry More(bool final) => final ? Entry.NotResponse : Entry.NeedMore;

    // The members Elasticsearch and OpenSearch write first: _scroll_id / pit_id for scroll and point-in-time pages,
    // took otherwise; hits alone when the request filtered the response (filter_path=hits.hits._source).
    private static bool IsResponseMember(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("took"u8) || name.SequenceEqual("_scroll_id"u8) || name.SequenceEqual("pit_id"u8) ||
        name.SequenceEqual("hits"u8) || name.SequenceEqual("timed_out"u8);

    /// <summary>
    /// Steps over the rest of a response after its hits array: further members (aggregations, suggestions) and the
    /// closing braces, in pieces as the stream gives them. <see cref="Open"/> counts the objects not closed yet.
    /// </summary>
    public struct Tail(int open)
    {
        public int Open { get; private set; } = open;
        private bool _inString;
        private bool _escaped;

        /// <summary>Steps over <paramref name="s"/> up to the response's end; returns the bytes stepped over.</summary>
        public int Skip(ReadOnlySpan<byte> s)
        {
            for (var i = 0; i < s.Length; i++)
            {
                var b = s[i];
                if (_inString)
                {
                    if (_escaped) _escaped = false;
                    else if (b == (byte)'\\') _escaped = true;
                    else if (b == (byte)'"') _inString = false;
                    continue;
                }
                switch (b)
                {
                    case (byte)'"': _inString = true; break;
                    case (byte)'{': case (byte)'[': Open++; break;
                    case (byte)'}': case (byte)']':
                        if (--Open == 0) return i + 1;
                        break;
                }
            }
            return s.Length;
        }
    }
}
