#!/usr/bin/env bash
# sharpicorn -w 1 against -w 2 on the hello app and Flask JSON, side by side in one run (wrk -t2 -c64).
# --threads defaults to 1 (THREADS=n to change): on 2 cores shared with wrk, more threads per
# worker only add context switches.
# Usage: bench/workers.sh [duration_seconds]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-10}"
port=18083
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
"$root/sharpicorn" --version >/dev/null
wait_up() { for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$port$1" && return 0; sleep 0.05; done; return 1; }
echo "| workers | app | req/s | p99 ms |"
echo "|---:|---|---:|---:|"
for app in hello:app flask_app:app; do
    path=/; [ "$app" = flask_app:app ] && path=/json
    for w in 1 2; do
        "$root/sharpicorn" --python /usr/bin/python3 --chdir "$root/test/apps" -b "127.0.0.1:$port" -w "$w" --threads "${THREADS:-1}" "$app" 2>/dev/null &
        pid=$!
        wait_up "$path"
        wrk -t2 -c64 -d3s "http://127.0.0.1:$port$path" >/dev/null
        out="$(wrk -t2 -c64 -d"${duration}s" --latency "http://127.0.0.1:$port$path")"
        kill $pid; wait $pid 2>/dev/null || true
        rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
        p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
        echo "| $w | $app | $rps | $p99 |"
    done
done
