namespace Sysmon.Queries.Esql;

/// <summary>
/// The named grok patterns GROK can reference on the embedded store, by Elasticsearch's names and meaning, written for
/// RE2 (DuckDB's regular expressions). RE2 has no lookarounds and no atomic groups, which several of Elasticsearch's
/// own definitions use to keep a number from starting inside another; word boundaries (<c>\b</c>) stand in for them, so
/// a pattern may match a little more text in odd inputs. The set is the general-purpose one (numbers, words, network,
/// paths, URIs, dates and times); the application-specific ones (Apache, syslog, HAProxy, ...) are not here.
/// </summary>
public static class GrokBuiltins
{
    public static IReadOnlyDictionary<string, string> Definitions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Text and numbers.
        ["USERNAME"] = @"[a-zA-Z0-9._-]+",
        ["USER"] = @"%{USERNAME}",
        ["EMAILLOCALPART"] = @"[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*",
        ["EMAILADDRESS"] = @"%{EMAILLOCALPART}@%{HOSTNAME}",
        ["INT"] = @"[+-]?[0-9]+",
        ["BASE10NUM"] = @"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)",
        ["NUMBER"] = @"%{BASE10NUM}",
        ["BASE16NUM"] = @"[+-]?(?:0x)?[0-9A-Fa-f]+",
        ["BASE16FLOAT"] = @"\b[+-]?(?:0x)?(?:[0-9A-Fa-f]+(?:\.[0-9A-Fa-f]*)?|\.[0-9A-Fa-f]+)\b",
        ["POSINT"] = @"\b[1-9][0-9]*\b",
        ["NONNEGINT"] = @"\b[0-9]+\b",
        ["WORD"] = @"\b\w+\b",
        ["NOTSPACE"] = @"\S+",
        ["SPACE"] = @"\s*",
        ["DATA"] = @".*?",
        ["GREEDYDATA"] = @".*",
        ["QUOTEDSTRING"] = @"""(?:\\.|[^\\""])*""|'(?:\\.|[^\\'])*'|`(?:\\.|[^\\`])*`",
        ["QS"] = @"%{QUOTEDSTRING}",
        ["UUID"] = @"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}",
        ["URN"] = @"urn:[0-9A-Za-z][0-9A-Za-z-]{0,31}:(?:%[0-9a-fA-F]{2}|[0-9A-Za-z()+,.:=@;$_!*'/?#-])+",

        // Network.
        ["CISCOMAC"] = @"(?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4}",
        ["WINDOWSMAC"] = @"(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2}",
        ["COMMONMAC"] = @"(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2}",
        ["MAC"] = @"%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC}",
        ["IPV4"] = @"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\b",
        // Full, compressed (::) and IPv4-suffixed forms; the longest alternatives first, as RE2 takes the first that fits.
        ["IPV6"] = @"(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}" +
                   @"|(?:[0-9A-Fa-f]{1,4}:){6}%{IPV4}" +
                   @"|(?:[0-9A-Fa-f]{1,4}:){1,6}(?::[0-9A-Fa-f]{1,4}){1,6}" +
                   @"|(?:[0-9A-Fa-f]{1,4}:){1,7}:(?:[0-9A-Fa-f]{1,4})?" +
                   @"|::(?:ffff(?::0{1,4})?:)?%{IPV4}" +
                   @"|::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}" +
                   @"|::",
        ["IP"] = @"%{IPV6}|%{IPV4}",
        ["HOSTNAME"] = @"\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?\b",
        ["HOST"] = @"%{HOSTNAME}",
        ["IPORHOST"] = @"%{IP}|%{HOSTNAME}",
        ["HOSTPORT"] = @"%{IPORHOST}:%{POSINT}",

        // Paths and URIs.
        ["UNIXPATH"] = @"(?:/[\w_%!$@:.,+~-]*)+",
        ["WINPATH"] = @"(?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+",
        ["PATH"] = @"%{UNIXPATH}|%{WINPATH}",
        ["TTY"] = @"/dev/(?:pts|tty(?:[pq])?)(?:\w+)?/?(?:[0-9]+)",
        ["URIPROTO"] = @"[A-Za-z][A-Za-z0-9+.-]+",
        ["URIHOST"] = @"%{IPORHOST}(?::%{POSINT})?",
        ["URIPATH"] = @"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+",
        ["URIQUERY"] = @"[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\[\]<>-]*",
        ["URIPARAM"] = @"\?%{URIQUERY}",
        ["URIPATHPARAM"] = @"%{URIPATH}(?:%{URIPARAM})?",
        ["URI"] = @"%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATH}(?:%{URIPARAM})?)?",

        // Dates and times.
        ["MONTH"] = @"\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|ä)?r(?:ch|z)?|[Aa]pr(?:il)?|[Mm]a(?:y|i)?|[Jj]un(?:e|i)?|[Jj]ul(?:y|i)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e(?:c|z)(?:ember)?)\b",
        ["MONTHNUM"] = @"0?[1-9]|1[0-2]",
        ["MONTHNUM2"] = @"0[1-9]|1[0-2]",
        ["MONTHDAY"] = @"0[1-9]|[12][0-9]|3[01]|[1-9]",
        ["DAY"] = @"Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?",
        ["YEAR"] = @"(?:\d\d){1,2}",
        ["HOUR"] = @"2[0123]|[01]?[0-9]",
        ["MINUTE"] = @"[0-5][0-9]",
        ["SECOND"] = @"(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?",
        ["TIME"] = @"%{HOUR}:%{MINUTE}(?::%{SECOND})?",
        ["DATE_US"] = @"%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}",
        ["DATE_EU"] = @"%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}",
        ["DATE"] = @"%{DATE_US}|%{DATE_EU}",
        ["DATESTAMP"] = @"%{DATE}[- ]%{TIME}",
        ["ISO8601_TIMEZONE"] = @"Z|[+-]%{HOUR}(?::?%{MINUTE})",
        ["ISO8601_SECOND"] = @"%{SECOND}",
        ["TIMESTAMP_ISO8601"] = @"%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?",
        ["TZ"] = @"[A-Z]{3}",
        ["SYSLOGTIMESTAMP"] = @"%{MONTH} +%{MONTHDAY} %{TIME}",
        ["HTTPDATE"] = @"%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}",
        ["LOGLEVEL"] = @"[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo(?:rmation)?|INFO(?:RMATION)?|[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|ERR(?:OR)?|[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?",
    };
}
