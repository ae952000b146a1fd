#!/usr/bin/env bash
# Every shipped scenario loads, the example ones run, and the benchmark file is current.
#   bash tests/cli/scenarios_validate.sh <meshsim-binary> <source-dir>
# 1. `meshsim validate` on every scenarios/*.yaml and scenarios/bench/*.yaml.
# 2. A short run (2 s x 2 replications, no database) of each example scenario; every
#    mode must serve requests, and bookinfo, online-boutique, dense and default must
#    serve them without errors (multi-tenant has failure drills, so errors are expected
#    there once a drill falls in the window).
# 3. scripts/gen-large-scenario still produces scenarios/bench/large.yaml byte for byte,
#    and its 1/4-traffic variant validates.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <meshsim-binary> <source-dir>" >&2
  exit 2
fi
MESHSIM=$1
SRC=$2
command -v python3 >/dev/null || { echo "FAIL: python3 is needed to check the JSON" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# ---- 1. validate every scenario
shopt -s nullglob
files=("$SRC"/scenarios/*.yaml "$SRC"/scenarios/bench/*.yaml "$SRC"/scenarios/csv/*.yaml)
shopt -u nullglob
if [[ ${#files[@]} -lt 7 ]]; then
  fail "expected at least 7 scenario files under $SRC/scenarios, found ${#files[@]}"
fi
for f in "${files[@]}"; do
  if out=$("$MESHSIM" validate "$f" 2>&1); then
    echo "ok: $out"
  else
    fail "meshsim validate $f"
    echo "$out" >&2
  fi
done

# ---- 2. short runs: every mode serves requests (and, where required, without errors)
check_run() { # file, require_no_errors (1|0)
  local file=$1 strict=$2 name json
  name=$(basename "$file" .yaml)
  json="$TMP/$name.json"
  if ! "$MESHSIM" run "$file" --no-db --json --quiet --duration 2s --replications 2 \
    >"$json" 2>"$TMP/$name.err"; then
    fail "meshsim run $file exited non-zero"
    cat "$TMP/$name.err" >&2
    return
  fi
  if ! python3 - "$json" "$strict" "$name" <<'EOF'; then
import json, sys
path, strict, name = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
with open(path) as f:
    doc = json.load(f)
modes = doc.get("modes", [])
bad = []
if not modes:
    bad.append("no modes in the JSON document")
for m in modes:
    req, err = m.get("requests"), m.get("errors")
    if not isinstance(req, int) or req <= 0:
        bad.append("mode %s: requests = %r, expected > 0" % (m.get("mode"), req))
    if strict and err != 0:
        bad.append("mode %s: errors = %r, expected 0" % (m.get("mode"), err))
    print("%s %-17s requests %8s errors %5s p99 %8.3f ms  mesh CPU %7.3f cores  mesh mem %9.1f MiB"
          % (name, m.get("mode"), req, err, m["latency_ms"]["p99"],
             m["cpu_cores"]["mesh"], m["memory_mib"]["mesh"]))
for b in bad:
    print("FAIL: %s: %s" % (name, b), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    fail "run checks of $file"
  fi
}
check_run "$SRC/scenarios/bookinfo.yaml" 1
check_run "$SRC/scenarios/online-boutique.yaml" 1
check_run "$SRC/scenarios/dense.yaml" 1
check_run "$SRC/scenarios/default.yaml" 1
check_run "$SRC/scenarios/multi-tenant.yaml" 0
check_run "$SRC/scenarios/csv/shop.yaml" 1
check_run "$SRC/scenarios/online-boutique-loadgen.yaml" 1
check_run "$SRC/scenarios/social-network.yaml" 1
check_run "$SRC/scenarios/train-ticket-search.yaml" 1
check_run "$SRC/scenarios/hotel-reservation.yaml" 1

# ---- 3. the committed large benchmark matches its generator
GEN="$SRC/scripts/gen-large-scenario"
if python3 "$GEN" >"$TMP/large.yaml"; then
  if ! cmp -s "$TMP/large.yaml" "$SRC/scenarios/bench/large.yaml"; then
    fail "scenarios/bench/large.yaml differs from scripts/gen-large-scenario output; regenerate it"
  fi
else
  fail "scripts/gen-large-scenario failed"
fi
if python3 "$GEN" --rate-scale 0.25 -o "$TMP/large-25.yaml"; then
  "$MESHSIM" validate "$TMP/large-25.yaml" >/dev/null || fail "validate of the 1/4-traffic large variant"
else
  fail "scripts/gen-large-scenario --rate-scale 0.25 failed"
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all scenario checks passed"
