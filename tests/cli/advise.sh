#!/usr/bin/env bash
# End-to-end checks of `meshsim advise`: exit codes and messages, the --json
# contract of issue 14 ({"assignment", "verdict", "cost_usd_month",
# "uniform", "constraints"}), the constraints held in the answer, the
# migration plan, the database write and the report's Recommendation
# section, and the namespaces of `run --json`.
# usage: advise.sh <meshsim> <source-dir>
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
has() { # has "what" "text" "pattern"
  if grep -qE -- "$3" <<<"$2"; then
    echo "ok: $1"
    passes=$((passes + 1))
  else
    echo "FAIL: $1: no \"$3\" in:"
    head -20 <<<"$2" | sed 's/^/    /'
    fails=$((fails + 1))
  fi
}

tenants=$src/tests/fixtures/advise/tenants.yaml
shop=$src/scenarios/advise.yaml

# Usage errors exit 2, work failures exit 1.
"$bin" advise >/dev/null 2>&1; check "advise without a file" $? 2
"$bin" advise "$tenants" --from bogus >/dev/null 2>&1; check "--from with an unknown mode" $? 2
"$bin" advise "$tenants" --jobs 0 >/dev/null 2>&1; check "--jobs 0" $? 2
out=$("$bin" advise "$tenants" --no-db --objective money 2>&1); check "--objective money" $? 1
has "the loader words a bad --objective" "$out" 'unknown objective "money"; valid objectives are: cost, cpu, memory, latency'
out=$("$bin" advise "$tenants" --no-db --pin shpo=sidecar 2>&1); check "--pin with an unknown namespace" $? 1
has "an unknown pinned namespace is named" "$out" 'unknown namespace "shpo"; valid namespaces are: shop, cart'
out=$("$bin" advise "$tenants" --no-db --pin shop=bogus 2>&1); check "--pin with an unknown mode" $? 1
has "an unknown pinned mode is named" "$out" 'unknown namespace mode "bogus"'
out=$("$bin" advise "$tenants" --no-db --pin ops=ambient 2>&1); check "an L7 namespace pinned to ambient" $? 1
has "the emptied namespace is explained" "$out" 'namespace "ops" needs L7 \(ops-api\), which only sidecar and ambient-waypoint provide, but may only run ambient'
out=$("$bin" advise "$tenants" --dry-run 2>&1); check "--dry-run" $? 0
has "--dry-run says the work" "$out" 'ok; the uniform modes would take .* then at most 40 simulations'

# The JSON contract, and the constraints held in the answer.
"$bin" advise "$tenants" --no-db --json >"$tmp/a.json"; check "advise --json" $? 0
python3 - "$tmp/a.json" <<'PY' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("assignment", "verdict", "cost_usd_month", "uniform", "constraints"):
    assert k in d, k
a = d["assignment"]
assert set(a) == {"shop", "cart", "news", "feed", "ops"}, a
assert d["verdict"]["status"] == "meets", d["verdict"]
assert a["ops"] in ("sidecar", "ambient-waypoint"), a  # needs L7
ambient = {"ambient", "ambient-waypoint"}
tenants = {"shop": "acme", "cart": "acme", "news": "globex", "feed": "globex", "ops": "platform"}
assert len({tenants[n] for n, m in a.items() if m in ambient}) <= 1, a  # one tenant per ztunnel
assert [u["mode"] for u in d["uniform"]] == ["none", "sidecar", "ambient", "ambient-waypoint"]
for u in d["uniform"]:
    assert u["verdict"] in ("meets", "misses", "overloaded") and u["cost_usd_month"] > 0, u
kinds = [c["kind"] for c in d["constraints"]]
assert "l7" in kinds and "max_tenants" in kinds and kinds[-1] == "budget", kinds
assert d["cost_usd_month"] < min(u["cost_usd_month"] for u in d["uniform"] if u["mode"] == "sidecar")
assert d["migration"] is None and d["simulations"]["search"] <= d["simulations"]["budget"]
print("ok: the --json document holds the issue's keys and the constraints")
PY

# The text, the plan, the database and the report.
"$bin" advise "$shop" --from-current --db "$tmp/m.db" >"$tmp/a.txt" 2>"$tmp/a.err"
check "advise --from-current" $? 0
out=$(cat "$tmp/a.txt")
has "the text leads with the recommendation" "$out" '^recommendation: [0-9.]+ USD/month, p99 [0-9.]+ ms, meets'
has "each namespace has a reason" "$out" 'payments +sidecar +pinned +compliance'
has "the uniform modes are compared" "$out" '^  ambient-waypoint +(meets|misses|overloaded)'
has "the plan says whether it is safe" "$out" '^migration plan from current \([0-9]+ more simulations\): every intermediate state meets the objective'
has "a plan step cites its source" "$out" 'https://istio.io/latest/docs/ambient/migrate/enable-ambient-mode/'
has "the advice is stored" "$(cat "$tmp/a.err")" 'stored as batch [0-9]+ in'
if command -v sqlite3 >/dev/null; then
  n=$(sqlite3 "$tmp/m.db" "SELECT count(*) FROM advice a JOIN batches b ON b.id = a.batch_id WHERE a.found = 1 AND a.has_plan = 1")
  check "one advice row with its batch" "$n" 1
  n=$(sqlite3 "$tmp/m.db" "SELECT count(*) FROM mode_summary m JOIN advice a ON a.batch_id = m.batch_id WHERE m.mode = 'hybrid'")
  check "the verified batch holds mode hybrid" "$n" 1
fi
"$bin" report --db "$tmp/m.db" --out "$tmp/rep" >/dev/null 2>&1; check "report of the advised batch" $? 0
out=$(cat "$tmp/rep/report.md" 2>/dev/null)
has "the report has a Recommendation section" "$out" '^## Recommendation'
has "the report has the migration plan" "$out" '^### Migration plan'
has "the report has a Namespaces section" "$out" '^## Namespaces'

# Nothing meets: said, exit 0, nothing recommended.
out=$("$bin" advise "$tenants" --no-db --set metadata.objective.latency=1us 2>&1); check "an objective nothing meets" $? 0
has "no assignment is said so" "$out" 'no assignment meets the objective and every constraint'

# run --json splits every mode by namespace, adding up to the mode's cost.
"$bin" run "$tenants" --no-db --json --modes sidecar,hybrid >"$tmp/r.json"; check "run --json" $? 0
python3 - "$tmp/r.json" <<'PY' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
for m in d["modes"]:
    ns = m["namespaces"]
    assert [n["namespace"] for n in ns] == ["shop", "cart", "news", "feed", "ops"], ns
    total = sum(n["cost_usd_month"] for n in ns)
    assert abs(total - m["cost_usd_month"]) <= 1e-6 * m["cost_usd_month"], (total, m["cost_usd_month"])
    mesh = sum(n["cpu_cores"]["mesh"] for n in ns)
    assert abs(mesh - m["cpu_cores"]["mesh"]) <= 1e-6 * max(1, m["cpu_cores"]["mesh"])
    for n in ns:
        for k in ("tenant", "mode", "pods", "reserved", "cross_zone_gb_month", "mesh_cost_usd_month",
                  "entry_requests", "entry_latency_ms", "latency_gain_ms", "mesh_time_ms"):
            assert k in n, k
print("ok: run --json has each mode's namespaces, adding up to its figures")
PY

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
