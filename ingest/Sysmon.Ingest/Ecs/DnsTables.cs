using System.Collections.Frozen;

namespace Sysmon.Ingest.Ecs;

/// <summary>DNS record type names and Sysmon QueryStatus names (sysmon-ecs.md §3.5).</summary>
public static class DnsTables
{
    public static readonly FrozenDictionary<int, string> RecordTypes = new Dictionary<int, string>
    {
        [1] = "A", [2] = "NS", [3] = "MD", [4] = "MF", [5] = "CNAME", [6] = "SOA", [7] = "MB", [8] = "MG", [9] = "MR",
        [10] = "NULL", [11] = "WKS", [12] = "PTR", [13] = "HINFO", [14] = "MINFO", [15] = "MX", [16] = "TXT", [17] = "RP",
        [18] = "AFSDB", [19] = "X25", [20] = "ISDN", [21] = "RT", [22] = "NSAP", [23] = "NSAPPTR", [24] = "SIG",
        [25] = "KEY", [26] = "PX", [27] = "GPOS", [28] = "AAAA", [29] = "LOC", [30] = "NXT", [31] = "EID",
        [32] = "NIMLOC", [33] = "SRV", [34] = "ATMA", [35] = "NAPTR", [36] = "KX", [37] = "CERT", [38] = "A6",
        [39] = "DNAME", [40] = "SINK", [41] = "OPT", [43] = "DS", [46] = "RRSIG", [47] = "NSEC", [48] = "DNSKEY",
        [49] = "DHCID", [100] = "UINFO", [101] = "UID", [102] = "GID", [103] = "UNSPEC", [248] = "ADDRS",
        [249] = "TKEY", [250] = "TSIG", [251] = "IXFR", [252] = "AXFR", [253] = "MAILB", [254] = "MAILA", [255] = "ANY",
        [65281] = "WINS", [65282] = "WINSR",
    }.ToFrozenDictionary();

    public static readonly FrozenDictionary<int, string> QueryStatus = new Dictionary<int, string>
    {
        [0] = "SUCCESS", [5] = "ERROR_ACCESS_DENIED", [8] = "ERROR_NOT_ENOUGH_MEMORY", [13] = "ERROR_INVALID_DATA",
        [14] = "ERROR_OUTOFMEMORY", [123] = "ERROR_INVALID_NAME", [1214] = "ERROR_INVALID_NETNAME",
        [1223] = "ERROR_CANCELLED", [1460] = "ERROR_TIMEOUT", [4312] = "ERROR_OBJECT_NOT_FOUND",
        [9001] = "DNS_ERROR_RCODE_FORMAT_ERROR", [9002] = "DNS_ERROR_RCODE_SERVER_FAILURE",
        [9003] = "DNS_ERROR_RCODE_NAME_ERROR", [9004] = "DNS_ERROR_RCODE_NOT_IMPLEMENTED",
        [9005] = "DNS_ERROR_RCODE_REFUSED", [9006] = "DNS_ERROR_RCODE_YXDOMAIN", [9007] = "DNS_ERROR_RCODE_YXRRSET",
        [9008] = "DNS_ERROR_RCODE_NXRRSET", [9009] = "DNS_ERROR_RCODE_NOTAUTH", [9010] = "DNS_ERROR_RCODE_NOTZONE",
        [9016] = "DNS_ERROR_RCODE_BADSIG", [9017] = "DNS_ERROR_RCODE_BADKEY", [9018] = "DNS_ERROR_RCODE_BADTIME",
        [9501] = "DNS_INFO_NO_RECORDS", [9502] = "DNS_ERROR_BAD_PACKET", [9503] = "DNS_ERROR_NO_PACKET",
        [9504] = "DNS_ERROR_RCODE", [9505] = "DNS_ERROR_UNSECURE_PACKET", [9506] = "DNS_REQUEST_PENDING",
        [9551] = "DNS_ERROR_INVALID_TYPE", [9552] = "DNS_ERROR_INVALID_IP_ADDRESS",
        [9553] = "DNS_ERROR_INVALID_PROPERTY", [9554] = "DNS_ERROR_TRY_AGAIN_LATER", [9555] = "DNS_ERROR_NOT_UNIQUE",
        [9556] = "DNS_ERROR_NON_RFC_NAME", [9557] = "DNS_STATUS_FQDN", [9558] = "DNS_STATUS_DOTTED_NAME",
        [9559] = "DNS_STATUS_SINGLE_PART_NAME", [9560] = "DNS_ERROR_INVALID_NAME_CHAR",
        [9561] = "DNS_ERROR_NUMERIC_NAME", [9701] = "DNS_ERROR_RECORD_DOES_NOT_EXIST",
        [9702] = "DNS_ERROR_RECORD_FORMAT", [9703] = "DNS_ERROR_NODE_CREATION_FAILED",
        [9704] = "DNS_ERROR_UNKNOWN_RECORD_TYPE", [9705] = "DNS_ERROR_RECORD_TIMED_OUT",
        [9706] = "DNS_ERROR_NAME_NOT_IN_ZONE", [9707] = "DNS_ERROR_CNAME_LOOP", [9708] = "DNS_ERROR_NODE_IS_CNAME",
        [9709] = "DNS_ERROR_CNAME_COLLISION", [9714] = "DNS_ERROR_NAME_DOES_NOT_EXIST", [9851] = "DNS_ERROR_NO_TCPIP",
        [9852] = "DNS_ERROR_NO_DNS_SERVERS", [10054] = "WSAECONNRESET", [10055] = "WSAENOBUFS",
        [10060] = "WSAETIMEDOUT",
    }.ToFrozenDictionary();
}
