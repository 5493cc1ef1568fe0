#!/usr/bin/env bash
# Runs every test: builds the server (through the launcher), builds and runs the xunit suite,
# and prints "N passed, N failed" from the TRX results as its last line.
set -uo pipefail
cd "$(dirname "$0")"
results="$PWD/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

./sharpicorn --version >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

dotnet test test/Sharpicorn.Tests/Sharpicorn.Tests.csproj -c Release --nologo \
    --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"
status=$?

trx="$results/results.trx"
if [ -f "$trx" ]; then
    passed=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
    failed=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
    total=$(grep -o 'total="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
    executed=$(grep -o 'executed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
    # Tests that never ran (a crashed host) count as failed.
    failed=$(( ${failed:-0} + ${total:-0} - ${executed:-0} ))
    echo "${passed:-0} passed, ${failed} failed"
else
    echo "0 passed, 1 failed"
    status=1
fi
exit $status
