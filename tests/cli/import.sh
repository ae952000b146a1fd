#!/usr/bin/env bash
# `meshsim import` and `meshsim calibrate` end to end: what they write validates (and
# runs), every bad input exits 1 with a file:line:col (or "file: key:") message and
# leaves no output file, an existing output file survives a failed import untouched,
# and usage errors exit 2.
#   bash tests/cli/import.sh <meshsim-binary> <source-dir>
set -uo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ex=$src/scenarios/import
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

# expect_fail NAME PATTERN CMD...: exit 1, the message on stderr, no $tmp/out.yaml.
expect_fail() {
  local name=$1 pattern=$2
  shift 2
  rm -f "$tmp/out.yaml"
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$?
  if [[ $rc -ne 1 ]]; then
    bad "$name: exit $rc, expected 1"
  elif ! grep -qE -- "$pattern" "$tmp/stderr"; then
    bad "$name: no message matching '$pattern' in:"
    sed 's/^/    /' "$tmp/stderr"
  elif [[ -e "$tmp/out.yaml" ]] || ls "$tmp"/out.yaml.tmp-* >/dev/null 2>&1; then
    bad "$name: an output file was left behind"
  else
    ok
  fi
}

# ---- import kubernetes
if "$bin" import kubernetes "$ex/cluster/kubectl-list.yaml" -o "$tmp/cluster.yaml" 2>"$tmp/err" &&
  "$bin" validate "$tmp/cluster.yaml" >/dev/null 2>&1; then ok; else
  bad "kubectl List import does not validate"
  cat "$tmp/err"
fi
grep -q "note: HorizontalPodAutoscaler shop/web" "$tmp/err" && ok || bad "the report on stderr lacks the HPA"
grep -q "^#   - .*HorizontalPodAutoscaler shop/web" "$tmp/cluster.yaml" && ok ||
  bad "the scenario's comment block lacks the HPA"
# Every value line carries a comment naming its source.
awk '/^ *[a-z_]+: [^#]+$/ && !/description:/ {print; n++} END {exit n > 0}' "$tmp/cluster.yaml" &&
  ok || bad "a value without a comment"
"$bin" import kubernetes "$ex/online-boutique" "$ex/cluster/kubectl-list.yaml" --quiet \
  >"$tmp/stdout.yaml" 2>"$tmp/err" && [[ ! -s "$tmp/err" ]] && grep -q "^services:" "$tmp/stdout.yaml" &&
  ok || bad "import to standard output with --quiet"
"$bin" import kubernetes "$ex/bookinfo" --namespace bookinfo --name bookinfo-import --entry details \
  --rate 20/s -o "$tmp/bi.yaml" 2>/dev/null && grep -q "service: details" "$tmp/bi.yaml" &&
  grep -q "rate: 20/s" "$tmp/bi.yaml" && grep -q "name: bookinfo-import" "$tmp/bi.yaml" && ok ||
  bad "--entry, --rate, --name"
"$bin" run "$tmp/bi.yaml" --no-db --duration 1s --replications 1 --quiet >/dev/null 2>&1 && ok ||
  bad "the imported Bookinfo does not run"

for f in "$src"/tests/fixtures/import/k8s-bad/*.yaml; do
  want=$(sed -n '1s/^# expect: //p' "$f")
  want=${want#*: error: }
  expect_fail "$(basename "$f")" "error: .{0,0}$(printf '%s' "$want" | sed 's/[][\.*^$()+?{}|]/\\&/g')" \
    "$bin" import kubernetes "$f" -o "$tmp/out.yaml"
done
# A failed import leaves an existing output as it was.
echo "precious" >"$tmp/keep.yaml"
"$bin" import kubernetes "$src/tests/fixtures/import/k8s-bad/no-kind.yaml" -o "$tmp/keep.yaml" 2>/dev/null
[[ "$(cat "$tmp/keep.yaml")" == precious ]] && ok || bad "a failed import changed the output file"
expect_fail "missing input" "cannot open: No such file" "$bin" import kubernetes "$tmp/nope.yaml" -o "$tmp/out.yaml"
expect_fail "unknown entry" '--entry "nosuch" names no imported service' \
  "$bin" import kubernetes "$ex/bookinfo" --entry nosuch -o "$tmp/out.yaml"

# Usage errors exit 2.
for args in "import" "import frobnicate" "import kubernetes" "import kubernetes --bogus x"; do
  $bin $args >/dev/null 2>&1
  [[ $? -eq 2 ]] && ok || bad "meshsim $args: expected exit 2"
done
"$bin" import kubernetes --help | grep -q "kubectl get" && ok || bad "import kubernetes --help"

# ---- import traffic
cp "$tmp/bi.yaml" "$tmp/bi-before.yaml"
"$bin" import kubernetes "$ex/bookinfo" --namespace bookinfo -o "$tmp/bi.yaml" --quiet 2>/dev/null
cp "$tmp/bi.yaml" "$tmp/bi-before.yaml"
if "$bin" import traffic --into "$tmp/bi.yaml" --requests "$ex/prometheus/requests.json" \
  --duration "$ex/prometheus/duration.json" --quiet 2>"$tmp/err" &&
  grep -q "rate: 10/s" "$tmp/bi.yaml" && "$bin" validate "$tmp/bi.yaml" >/dev/null 2>&1; then ok; else
  bad "import traffic --into (in place)"
  cat "$tmp/err"
fi
"$bin" import traffic --into "$tmp/bi-before.yaml" --kiali "$ex/kiali/bookinfo-graph.json" -o "$tmp/bk.yaml" \
  --quiet && grep -q "probability: 0.666" "$tmp/bk.yaml" && ok || bad "import traffic --kiali -o"
"$bin" import traffic --help | grep -q "istio_requests_total" && ok || bad "--help prints the queries"
for f in "$src"/tests/fixtures/import/traffic-bad/*.json; do
  opt=--requests
  [[ $(basename "$f") == kiali-* ]] && opt=--kiali
  expect_fail "$(basename "$f")" "$(basename "$f")(:[0-9]+:[0-9]+)?: error: " \
    "$bin" import traffic --into "$tmp/bi-before.yaml" "$opt" "$f" -o "$tmp/out.yaml"
done
cp "$tmp/bi-before.yaml" "$tmp/same.yaml"
"$bin" import traffic --into "$tmp/same.yaml" --requests "$src/tests/fixtures/import/traffic-bad/prom-matrix.json" 2>/dev/null
cmp -s "$tmp/same.yaml" "$tmp/bi-before.yaml" && ok || bad "a failed merge changed the scenario"
for args in "import traffic" "import traffic --into x.yaml" \
  "import traffic --into x.yaml --kiali a.json --requests b.json" "import traffic --into x.yaml stray"; do
  $bin $args >/dev/null 2>&1
  [[ $? -eq 2 ]] && ok || bad "meshsim $args: expected exit 2"
done

# A client the model leaves out (Online Boutique's load generator) is an unknown workload until
# --external names it.
"$bin" import kubernetes "$ex/online-boutique" --namespace boutique -o "$tmp/ob.yaml" --quiet
cat >"$tmp/lg.json" <<'JSON'
{"status": "success", "data": {"resultType": "vector", "result": [
  {"metric": {"source_workload": "loadgenerator", "source_workload_namespace": "boutique",
              "destination_workload": "frontend", "destination_service_name": "frontend"},
   "value": [1733140800, "12.5"]}]}}
JSON
expect_fail "client without --external" 'unknown workload "loadgenerator".*pass --external WORKLOAD' \
  "$bin" import traffic --into "$tmp/ob.yaml" --requests "$tmp/lg.json" -o "$tmp/out.yaml"
"$bin" import traffic --into "$tmp/ob.yaml" --requests "$tmp/lg.json" --external loadgenerator \
  -o "$tmp/ob2.yaml" --quiet && grep -q "rate: 12.5/s" "$tmp/ob2.yaml" && ok || bad "--external"

# ---- calibrate
fx=$ex/fortio
if "$bin" calibrate --baseline "$fx/baseline.json" --mesh "$fx/sidecar.json" --proxy-cpu 210m \
  --proxy-memory 62MB --name mine -o "$tmp/mine.yaml" --quiet; then ok; else bad "calibrate"; fi
printf 'mesh: {sidecar_profile: mine.yaml, modes: [none, sidecar, ambient]}\nservices: [{name: a}]\ntraffic: [{service: a, rate: 10/s}]\n' >"$tmp/uses.yaml"
"$bin" run "$tmp/uses.yaml" --no-db --duration 1s --replications 1 --quiet >/dev/null 2>&1 && ok ||
  bad "a scenario using the calibrated profile by path does not run"
for f in "$src"/tests/fixtures/import/fortio-bad/*.json; do
  expect_fail "$(basename "$f")" "$(basename "$f"): error: " "$bin" calibrate --baseline "$fx/baseline.json" \
    --mesh "$f" --proxy-cpu 210m --proxy-memory 62MB -o "$tmp/out.yaml"
done
"$bin" calibrate --mesh "$fx/sidecar.json" >/dev/null 2>&1
[[ $? -eq 2 ]] && ok || bad "calibrate without --baseline: expected exit 2"

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
