#!/usr/bin/env bash
# Runs every test: builds the server once (through the launcher), builds the solution once,
# runs every test project, and prints "N passed, N failed" from the TRX results as its last line.
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

build_failed=0
dotnet build test/Sharpicorn.Tests.slnx -c Release --nologo -v quiet >"$results/build.log" 2>&1 || {
    echo "dotnet build failed:"; grep -E "error" "$results/build.log" | sort -u | head -20
    build_failed=1
}

status=0
if [ "$build_failed" = 0 ]; then
    # Projects run one after another (each runs its own tests in parallel, xunit.runner.json):
    # the functional tests start real servers and want the two cores to themselves.
    dotnet test test/Sharpicorn.Tests.slnx -c Release --no-build --nologo -m:1 \
        --logger trx --results-directory "$results" "$@"
    status=$?
fi

passed=0 failed=0 found=0
for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    found=1
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
    p=$(get passed); f=$(get failed); t=$(get total); e=$(get executed)
    # Tests that never ran (a crashed host) count as failed.
    passed=$(( passed + ${p:-0} ))
    failed=$(( failed + ${f:-0} + ${t:-0} - ${e:-0} ))
done
failed=$(( failed + format_failed + build_failed ))
[ "$found" = 1 ] || { failed=$(( failed + 1 )); status=1; }
[ "$failed" = 0 ] || status=1
echo "${passed} passed, ${failed} failed"
exit $status
