#!/usr/bin/env bash
# Writes N Winlogbeat-style JSON lines (the samples' 30 event types, each line its own record id) to a file.
set -euo pipefail
n=${1:-1000000}; out=${2:-/tmp/sysmon-bench-1m.ndjson}
root=$(cd "$(dirname "$0")/.." && pwd)
python3 - "$n" "$out" "$root/samples/sysmon-events.ndjson" <<'PY'
import re, sys
n, out, src = int(sys.argv[1]), sys.argv[2], sys.argv[3]
parts = []
for line in open(src, encoding="utf-8"):
    m = re.search(r'"record_id":\d+', line)
    parts.append((line[:m.start()] + '"record_id":', line[m.end():]))
with open(out, "w", encoding="utf-8") as f:
    for i in range(1, n + 1):
        a, b = parts[(i - 1) % len(parts)]
        f.write(a + str(i) + b)
PY
echo "$out: $(wc -l < "$out") lines, $(du -h "$out" | cut -f1)"
