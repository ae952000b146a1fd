#!/usr/bin/env bash
# Hostile input that once crashed meshsim or ran without bound (issue 10), each
# a regression test: a clean error or a bounded run, never a signal or a hang.
# Fixtures in tests/fixtures/scenarios/hostile/ carry their expected exit
# status and a pattern of the output on an `# outcome: STATUS PATTERN` line.
# usage: hostile.sh <meshsim> <source-dir>
set -uo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
limit=${MESHSIM_HOSTILE_TIMEOUT:-120} # seconds; a bounded run finishes far sooner, even under ASan

expect() { # expect NAME STATUS PATTERN COMMAND...
  local name=$1 want=$2 pattern=$3
  shift 3
  timeout "$limit" "$@" >"$tmp/out" 2>&1
  local got=$?
  if [[ $got -ne $want ]] || ! grep -qE -- "$pattern" "$tmp/out"; then
    echo "FAIL: $name: exit $got (want $want), output:"
    head -5 "$tmp/out" | sed 's/^/    /'
    echo "    expected a line matching: $pattern"
    fails=$((fails + 1))
  else
    echo "ok: $name (exit $got)"
    passes=$((passes + 1))
  fi
}

for f in "$src"/tests/fixtures/scenarios/hostile/*.yaml; do
  line=$(grep -m1 '^# outcome: ' "$f") || { echo "FAIL: $f has no outcome line"; fails=$((fails + 1)); continue; }
  line=${line#\# outcome: }
  status=${line%% *}
  pattern=${line#* }
  expect "run $(basename "$f")" "$status" "$pattern" "$bin" run "$f" --no-db --quiet --json --jobs 1
  # validate sees the same problems (with the same budget) without running anything.
  expect "validate $(basename "$f")" "$status" "." "$bin" validate "$f"
done

# A 100,000-service chain: the blast-radius analysis alone is quadratic in it,
# so the work budget refuses it before any work (it used to run for minutes).
python3 - "$tmp/chain.yaml" <<'PY'
import sys
n = 100000
with open(sys.argv[1], "w") as f:
    f.write("metadata: {duration: 10s, warmup: 1s, replications: 1}\nservices:\n")
    for i in range(n):
        f.write(f"  - {{name: s{i}, calls: [s{i+1}]}}\n" if i + 1 < n else f"  - {{name: s{i}}}\n")
    f.write("traffic: [{service: s0, rate: 1/s}]\n")
PY
expect "run a 100,000-service chain" 1 "steps of blast-radius analysis.*--max-events" \
  "$bin" run "$tmp/chain.yaml" --no-db --quiet
expect "--dry-run prints the estimate of a run in budget" 0 "ok; the run would take about" \
  "$bin" run "$src/scenarios/bookinfo.yaml" --dry-run
expect "a raised budget admits the run" 0 "ok; the run would take" \
  "$bin" run "$src/tests/fixtures/scenarios/hostile/rate-1e9.yaml" --dry-run --max-events 1e13
expect "bad --max-events" 2 "--max-events expects" "$bin" run "$src/scenarios/bookinfo.yaml" --max-events x
expect "a sweep point over budget is refused before anything runs" 1 "nothing was run" \
  "$bin" sweep "$src/scenarios/bookinfo.yaml" --set traffic.productpage.rate=10/s,1e9/s \
  --db "$tmp/sweep.db" --quiet
[[ -e "$tmp/sweep.db" ]] && { echo "FAIL: the refused sweep created its database"; fails=$((fails + 1)); }

# merge refuses an input that is not a meshsim database and leaves no OUT behind.
echo "not a database" >"$tmp/junk.db"
expect "merge refuses a foreign input" 1 "not a database|not a meshsim" "$bin" merge "$tmp/out.db" "$tmp/junk.db"
[[ -e "$tmp/out.db" ]] && { echo "FAIL: merge left $tmp/out.db behind"; fails=$((fails + 1)); }

# A database of a newer schema is reported before the simulation, not after
# it: a run of hours (100,000 s of Bookinfo) must fail at once.
"$bin" run "$src/scenarios/bookinfo.yaml" --duration 1s --replications 1 --db "$tmp/new.db" \
  --quiet >/dev/null 2>&1
sqlite3 "$tmp/new.db" 'PRAGMA user_version = 99'
limit=20 expect "a newer database fails before the run" 1 "newer" \
  "$bin" run "$src/scenarios/bookinfo.yaml" --duration 100000s --db "$tmp/new.db" --quiet

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
