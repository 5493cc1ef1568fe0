#!/usr/bin/env bash
# Runs every test: builds the server (through the launcher), builds and runs the xunit suite,
# and prints "N passed, N failed" from the TRX results as its last line.
set -uo pipefail
cd "$(dirname "$0")"
results="$PWD/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

./sharpicorn --version >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

# Style is checked by machine (.editorconfig): a formatting drift counts as one failed test.
format_failed=0
if ! dotnet format sharpicorn.slnx --verify-no-changes >"$results/format.log" 2>&1; then
    echo "dotnet format --verify-no-changes failed:"; head -20 "$results/format.log"
    format_failed=1
fi

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
    failed=$(( ${failed:-0} + ${total:-0} - ${executed:-0} + format_failed ))
    [ "$format_failed" = 0 ] || status=1
    echo "${passed:-0} passed, ${failed} failed"
else
    echo "0 passed, 1 failed"
    status=1
fi
exit $status
