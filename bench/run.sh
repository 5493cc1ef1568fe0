#!/usr/bin/env bash
# First benchmark: sharpicorn (one process) against gunicorn -w 1 --threads 4 -k gthread, side by
# side in the same run, on the same interpreter (/usr/bin/python3) and the same Flask.
# Load: wrk, 64 connections, 10 s per run (after a 3 s warm-up), loopback only.
# Usage: bench/run.sh [duration_seconds] [sharpicorn --threads]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
apps="$root/test/apps"
duration="${1:-10}"
threads="${2:-4}"
port_s=18081
port_g=18082
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
python=/usr/bin/python3

command -v wrk >/dev/null && command -v gunicorn >/dev/null || {
    echo "bench: needs wrk and gunicorn: apt-get install -y wrk gunicorn python3-flask" >&2; exit 1; }
"$root/sharpicorn" --version >/dev/null

wait_up() { for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$1$2" && return 0; sleep 0.05; done; echo "server on $1 did not come up" >&2; return 1; }

# wrk's "Requests/sec" and the 99% latency line, in ms.
measure() {
    local url="$1" out
    wrk -t2 -c64 -d3s "$url" >/dev/null
    out="$(wrk -t2 -c64 -d"${duration}s" --latency "$url")"
    local rps p99
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p99="$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; print v}' <<<"$out")"
    echo "$rps $p99"
}

run_pair() {
    local name="$1" app="$2" path="$3"
    "$root/sharpicorn" --python "$python" --chdir "$apps" -b "127.0.0.1:$port_s" --threads "$threads" "$app" 2>/dev/null &
    local spid=$!
    gunicorn --chdir "$apps" -b "127.0.0.1:$port_g" -w 1 --threads 4 -k gthread "$app" 2>/dev/null &
    local gpid=$!
    wait_up $port_s "$path"; wait_up $port_g "$path"
    read -r s_rps s_p99 < <(measure "http://127.0.0.1:$port_s$path")
    read -r g_rps g_p99 < <(measure "http://127.0.0.1:$port_g$path")
    kill $spid $gpid; wait $spid $gpid 2>/dev/null || true
    printf '| %s | %.0f | %.2f | %.0f | %.2f | %.2fx | %.2fx |\n' "$name" "$s_rps" "$s_p99" "$g_rps" "$g_p99" \
        "$(echo "$s_rps / $g_rps" | bc -l)" "$(echo "$g_p99 / $s_p99" | bc -l)"
}

echo "wrk -t2 -c64 -d${duration}s, $(nproc) cores; sharpicorn --threads $threads; gunicorn -w 1 --threads 4 -k gthread; $($python --version)"
echo
echo "| app | sharpicorn req/s | sharpicorn p99 ms | gunicorn req/s | gunicorn p99 ms | req/s ratio | p99 ratio (gunicorn/sharpicorn) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
run_pair "WSGI hello" "hello:app" "/"
run_pair "Flask JSON" "flask_app:app" "/json"
