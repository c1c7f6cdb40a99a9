using System.Text.Json;

namespace Sysmon.Ingest.Json;

/// <summary>
/// A whole Elasticsearch (or OpenSearch) <c>_search</c> / scroll response saved to a file:
/// <c>{"took":…,"timed_out":…,"_shards":{…},"hits":{"total":…,"hits":[hit, hit, …]}}</c>. It is one JSON object,
/// larger than any record limit at a few thousand hits, so it is not read as one: the reader steps into
/// <c>hits.hits</c>, reads each hit as a record of its own, and steps over what follows the array. Responses saved
/// one after another (scroll pages appended to one file) are each entered in turn; so is a response inside Kibana's
/// <c>rawResponse</c> or an async search's <c>response</c>.
/// </summary>
internal static class SearchResponseEnvelope
{
    public enum Entry { NotResponse, NeedMore, Entered }

    /// <summary>
    /// Looks at an object starting at <paramref name="s"/>[0]. Entered: its first <paramref name="consumed"/> bytes end
    /// with the <c>[</c> of <c>hits.hits</c>, and <paramref name="open"/> arrays and objects are left open (the array, the
    /// <c>hits</c> object, the response, and any wrapper around it). NotResponse: an ordinary object (an event, a hit),
    /// told by its first member's name, so that an event costs a few bytes' look.
    /// </summary>
    public static Entry TryEnter(ReadOnlySpan<byte> s, bool final, out int consumed, out int open)
    {
        consumed = 0;
        open = 0;
        var reader = new Utf8JsonReader(s, isFinalBlock: final, state: default);
        try
        {
            if (!reader.Read()) return More(final);
            if (reader.TokenType != JsonTokenType.StartObject) return Entry.NotResponse;
            if (!reader.Read()) return More(final);
            if (reader.TokenType != JsonTokenType.PropertyName || !IsResponseMember(reader.ValueSpan)) return Entry.NotResponse;
            // The response's members are stepped over but for hits (or a wrapper holding the response); inside hits, all
            // but the hits array.
            var wrappers = 0;
            var inHits = false;
            while (true)
            {
                if (reader.TokenType != JsonTokenType.PropertyName) return Entry.NotResponse; // the end: no hits.hits
                var isHits = reader.ValueTextEquals("hits"u8);
                var isWrapper = !inHits && (reader.ValueTextEquals("rawResponse"u8) || reader.ValueTextEquals("response"u8));
                if (!reader.Read()) return More(final);
                if (isWrapper && reader.TokenType == JsonTokenType.StartObject)
                {
                    wrappers++;
                }
                else if (isHits && !inHits && reader.TokenType == JsonTokenType.StartObject)
                {
                    inHits = true;
                }
                else if (isHits && inHits && reader.TokenType == JsonTokenType.StartArray)
                {
                    consumed = checked((int)reader.BytesConsumed);
                    open = 3 + wrappers;
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

    // The members a response starts with: took (a _search), _scroll_id / pit_id (scroll and point-in-time pages), hits
    // alone (filter_path=hits.hits._source); rawResponse (Kibana's Inspect view); id / is_partial / is_running (an
    // async search, the response under "response"). An event starting with one of them is read as before once its
    // object is found to hold no hits array.
    private static bool IsResponseMember(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("took"u8) || name.SequenceEqual("_scroll_id"u8) || name.SequenceEqual("pit_id"u8) ||
        name.SequenceEqual("hits"u8) || name.SequenceEqual("timed_out"u8) || name.SequenceEqual("rawResponse"u8) ||
        name.SequenceEqual("id"u8) || name.SequenceEqual("is_partial"u8) || name.SequenceEqual("is_running"u8);

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
