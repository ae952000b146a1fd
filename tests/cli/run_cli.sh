#!/usr/bin/env bash
# End-to-end checks of `meshsim run` and `meshsim validate`: exit codes,
# diagnostics, the --json contract, determinism, the database write, and that
# an interrupted run stores nothing.
# usage: run_cli.sh <meshsim> <source-dir>
set -uo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
check() { # check "what" <command status> <expected status>
  if [[ "$2" != "$3" ]]; then
    echo "FAIL: $1 (exit $2, expected $3)"
    fails=$((fails + 1))
  else
    echo "ok: $1"
    passes=$((passes + 1))
  fi
}

scn=$src/scenarios/bookinfo.yaml
short=(--duration 2s --replications 2 --quiet)

# Usage errors exit 2, work failures exit 1.
"$bin" run >/dev/null 2>&1; check "run without a file" $? 2
"$bin" run "$scn" --bogus >/dev/null 2>&1; check "unknown option" $? 2
"$bin" run "$scn" --seed x >/dev/null 2>&1; check "bad --seed value is a usage error" $? 2
"$bin" run "$tmp/missing.yaml" --no-db >/dev/null 2>&1; check "missing file" $? 1
"$bin" frobnicate >/dev/null 2>&1; check "unknown command" $? 2

# A bad scenario: file:line:col diagnostics, non-zero exit, nothing stored.
cat >"$tmp/bad.yaml" <<'YAML'
metadata: {name: bad}
services:
  - name: web
    replicas: 2
    protocl: http
traffic:
  - {service: web, rate: 10/s}
YAML
out=$("$bin" validate "$tmp/bad.yaml" 2>&1); st=$?
check "validate rejects a bad scenario" $st 1
if ! grep -q "bad.yaml:5:5: error: .*protocl.*did you mean.*protocol" <<<"$out"; then
  echo "FAIL: diagnostic lacks file:line:col or suggestion: $out"; fails=$((fails + 1))
fi
"$bin" run "$tmp/bad.yaml" --db "$tmp/bad.db" >/dev/null 2>&1; check "run rejects a bad scenario" $? 1
[[ -e "$tmp/bad.db" ]] && { echo "FAIL: a database was created for a bad scenario"; fails=$((fails + 1)); }

# The --json document has the documented keys, for every mode.
"$bin" run "$scn" "${short[@]}" --no-db --json >"$tmp/a.json"; check "run --json" $? 0
python3 - "$tmp/a.json" <<'PY' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("scenario", "seed", "replications", "duration_s", "modes"):
    assert k in d, k
assert [m["mode"] for m in d["modes"]][0] == "none"
for m in d["modes"]:
    for k in ("mode", "requests", "errors", "throughput_rps", "latency_ms", "cpu_cores",
              "memory_mib", "reserved", "nodes_needed", "cost_usd_month", "blast_radius", "failures"):
        assert k in m, (m["mode"], k)
    for k in ("mean", "p50", "p90", "p99", "p999", "p99_ci95"):
        assert k in m["latency_ms"], k
    assert len(m["latency_ms"]["p99_ci95"]) == 2
    for k in ("app", "sidecar", "ztunnel", "waypoint", "control_plane", "mesh"):
        assert k in m["cpu_cores"], k
    for k in ("sidecar", "ztunnel", "waypoint", "control_plane", "mesh"):
        assert k in m["memory_mib"], k
    assert m["requests"] > 0 and m["errors"] == 0
    mesh = sum(m["cpu_cores"][k] for k in ("sidecar", "ztunnel", "waypoint", "control_plane"))
    assert abs(mesh - m["cpu_cores"]["mesh"]) < 1e-6 * max(1, mesh)
    kinds = {"sidecar": "sidecar", "ambient": "ztunnel"}
    if m["mode"] in kinds:
        assert kinds[m["mode"]] in m["blast_radius"], m["mode"]
    v = m["verdict"]
    assert set(v) == {"status", "reasons", "bottleneck"}, v
    assert v["status"] in ("meets", "misses", "overloaded"), v
    assert isinstance(v["reasons"], list) and all(isinstance(x, str) for x in v["reasons"]), v
    assert (v["status"] == "meets") == (v["reasons"] == []), v
    assert v["bottleneck"] is None or isinstance(v["bottleneck"], str), v
    if v["status"] == "overloaded":
        assert v["bottleneck"], v
    b = m["busiest"]
    assert set(b) == {"instance", "kind", "node", "utilisation"}, b
    assert b["utilisation"] >= 0, b
o = d["objective"]
assert o["latency_ms"] == d["slo_ms"] and o["percentile"] == "p99" and o["error_budget"] == 0.001, o
rec = d["recommendation"]
assert set(rec) == {"mode", "why"} and isinstance(rec["why"], str) and rec["why"], rec
meeting = [m for m in d["modes"] if m["mode"] != "none" and m["verdict"]["status"] == "meets"]
if meeting:
    cheapest = min(meeting, key=lambda m: m["cost_usd_month"])
    assert rec["mode"] != "none" and rec["mode"] in [m["mode"] for m in meeting], rec
    assert next(m for m in d["modes"] if m["mode"] == rec["mode"])["cost_usd_month"] == cheapest["cost_usd_month"], rec
else:
    assert rec["mode"] is None, rec
print("ok: --json keys")
PY

# The text table leads with the objective, the recommendation and each mode's verdict.
table=$("$bin" run "$scn" "${short[@]}" --no-db 2>&1)
for want in '^objective: p99 <= 100 ms, errors <= 0.1%$' '^recommendation: [a-z-]+ \(' \
  '^verdict +(meets|misses|overloaded)( +(meets|misses|overloaded)){3}$' '^  bottleneck  '; do
  grep -Eq "$want" <<<"$table" || { echo "FAIL: the table has no line matching $want"; fails=$((fails + 1)); }
done

# Same seed, same bytes (modes in threads or not); another seed, other numbers.
"$bin" run "$scn" "${short[@]}" --no-db --json --jobs 1 >"$tmp/b.json"
cmp -s "$tmp/a.json" "$tmp/b.json"; check "same seed gives identical JSON (--jobs 1 vs default)" $? 0
"$bin" run "$scn" "${short[@]}" --no-db --json --seed 99 >"$tmp/c.json"
cmp -s "$tmp/a.json" "$tmp/c.json"; check "another seed gives other numbers" $? 1

# The run lands in the database: one row per (mode, replication).
"$bin" run "$scn" "${short[@]}" --db "$tmp/r.db" --modes none,sidecar >/dev/null 2>&1
check "run --db" $? 0
rows=$(sqlite3 "$tmp/r.db" "select count(*) from runs")
[[ "$rows" == 4 ]] || { echo "FAIL: runs has $rows rows, expected 4"; fails=$((fails + 1)); }

# An interrupted run exits 130 and stores nothing.
"$bin" run "$src/scenarios/bench/chain.yaml" --db "$tmp/int.db" --quiet >/dev/null 2>&1 &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"; check "interrupted run" $? 130
if [[ -e "$tmp/int.db" ]]; then
  n=$(sqlite3 "$tmp/int.db" "select count(*) from runs" 2>/dev/null || echo 0)
  [[ "$n" == 0 ]] || { echo "FAIL: interrupted run stored $n rows"; fails=$((fails + 1)); }
fi

echo "run_cli: $passes checks passed, $fails failed"
exit $((fails > 0))
