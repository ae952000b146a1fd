#!/usr/bin/env bash
# Authoring at cluster size, end to end: validate --set (errors at the
# override) and --all-warnings, multipliers in run, validate and sweep, keys
# swept together (exactly the zipped points), sweep --dry-run naming a bad
# point without running or storing anything, `--set failures=` meaning the
# same to run and sweep, services from a CSV, and the multiplier axis of a
# sweep report.
# usage: authoring.sh <meshsim> <source-dir>
set -uo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
ok() { echo "ok: $1"; passes=$((passes + 1)); }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
check() { # check "what" <status> <expected status>
  if [[ "$2" != "$3" ]]; then bad "$1 (exit $2, expected $3)"; else ok "$1"; fi
}
has() { # has "what" <text> <extended regex>
  if grep -Eq -- "$3" <<<"$2"; then ok "$1"; else
    bad "$1: no /$3/ in:"
    sed 's/^/    /' <<<"$2" | head -20
  fi
}
lacks() { # lacks "what" <text> <extended regex>
  if grep -Eq -- "$3" <<<"$2"; then bad "$1: /$3/ found"; else ok "$1"; fi
}

scn=$src/scenarios/bookinfo.yaml
cd "$tmp" || exit 1

# ---- validate --set: applied, and a bad one reported at the override.
out=$("$bin" validate "$scn" --set services.reviews.replicas=7 2>&1); st=$?
check "validate --set a good value" $st 0
has "validate --set changes the scenario (pods)" "$out" "bookinfo.yaml: ok \(1 namespaces, 4 services, 10 pods"
out=$("$bin" validate "$scn" --set metadata.sed=3 2>&1); st=$?
check "validate --set a bad key" $st 1
has "the error names the override" "$out" '^--set metadata.sed=3: error: unknown key "sed" in "metadata"; did you mean "seed"\?$'
out=$("$bin" validate "$scn" --set metadata.seed=abc 2>&1); st=$?
check "validate --set a bad value" $st 1
has "the error is at its column in KEY=VALUE" "$out" '^--set metadata.seed=abc:1:15: error: invalid "seed"'
out=$("$bin" validate --set 'traffic.*.rate=x0' "$scn" 2>&1); st=$?
check "validate --set a bad multiplier, before the file" $st 1
has "a bad multiplier is named" "$out" '^--set traffic.\*.rate=x0:1:16: error: invalid multiplier "x0"'
"$bin" validate "$scn" --set >/dev/null 2>&1; check "validate --set without a value is a usage error" $? 2
"$bin" validate "$scn" --set nokey >/dev/null 2>&1; check "validate --set without = is a usage error" $? 2

# ---- multipliers: the work estimate doubles with the rate, in run and validate.
one=$("$bin" run "$scn" --dry-run 2>&1)
two=$("$bin" run "$scn" --dry-run --set 'traffic.*.rate=x2' 2>&1)
has "run --dry-run, as written" "$one" "\(2.2e\+03 requests"
has "run --dry-run with traffic.*.rate=x2" "$two" "\(4.4e\+03 requests"
out=$("$bin" validate "$scn" --set 'services.*.replicas=x2' --set services.reviews.replicas=x3 2>&1)
# productpage 1, details 1, reviews 3, ratings 1 -> x2 each, reviews x3 more: 2+2+18+2
has "replicas multiplied, composed" "$out" "24 pods"

# ---- validate --all-warnings: every unreached service named, else 5 and a count.
{
  echo "services:"
  echo "  - name: web"
  for i in $(seq 1 9); do echo "  - name: lost-$i"; done
  echo "traffic: [{service: web, rate: 1/s}]"
} >"$tmp/lost.yaml"
out=$("$bin" validate "$tmp/lost.yaml" 2>&1)
n=$(grep -c 'receives no traffic (no traffic entry' <<<"$out")
[[ $n -eq 5 ]] && ok "validate names 5 unreached services" || bad "validate named $n, want 5"
has "then counts the rest" "$out" "4 more services receive no traffic \(\`meshsim validate --all-warnings\` lists every one\)"
out=$("$bin" validate --all-warnings "$tmp/lost.yaml" 2>&1)
n=$(grep -c 'receives no traffic (no traffic entry' <<<"$out")
[[ $n -eq 9 ]] && ok "--all-warnings names all 9" || bad "--all-warnings named $n, want 9"
lacks "--all-warnings counts nothing" "$out" "more services receive no traffic"
has "lost-9 is named" "$out" 'service "lost-9" receives no traffic'

# ---- `--set failures=` means "no drills" to run and to sweep alike.
mt=$src/scenarios/multi-tenant.yaml
out=$("$bin" run "$mt" --dry-run --set failures= 2>&1); st=$?
check "run --set failures=" $st 0
out=$("$bin" sweep "$mt" --dry-run --set failures= --set metadata.seed=1,2 2>&1); st=$?
check "sweep --set failures=" $st 0
has "the sweep's points carry it" "$out" "^point 1	failures=;metadata.seed=2$"
out=$("$bin" sweep "$mt" --dry-run --set 'failures=~,[{target: node, at: 1s, duration: 1s}]' 2>&1); st=$?
check "sweep over no drills and one" $st 0
has "two points" "$out" "^# 2 points"

# ---- keys set together: exactly the zipped points, crossed with the other axes.
out=$("$bin" sweep "$scn" --dry-run \
  --set 'traffic.productpage.rate,services.reviews.replicas=(50,2),(100,3),(200,4)' \
  --set metadata.seed=1,2 2>&1); st=$?
check "sweep with keys set together" $st 0
has "3 x 2 points" "$out" "^# 6 points"
want=$(printf 'point %s\n' \
  "0	traffic.productpage.rate,services.reviews.replicas=(50,2);metadata.seed=1" \
  "1	traffic.productpage.rate,services.reviews.replicas=(50,2);metadata.seed=2" \
  "2	traffic.productpage.rate,services.reviews.replicas=(100,3);metadata.seed=1" \
  "3	traffic.productpage.rate,services.reviews.replicas=(100,3);metadata.seed=2" \
  "4	traffic.productpage.rate,services.reviews.replicas=(200,4);metadata.seed=1" \
  "5	traffic.productpage.rate,services.reviews.replicas=(200,4);metadata.seed=2")
got=$(grep '^point ' <<<"$out")
[[ "$got" == "$want" ]] && ok "the zipped points, in order" || { bad "zipped points:"; echo "$got"; }
out=$("$bin" sweep "$scn" --dry-run --set 'services.reviews.replicas,mesh.waypoint.replicas=1,2,4' 2>&1)
has "one value for both keys" "$out" "^point 2	services.reviews.replicas,mesh.waypoint.replicas=4$"
"$bin" sweep "$scn" --dry-run --set 'a,b=(1,2,3)' >/dev/null 2>&1
check "a tuple with too many values is a usage error" $? 2

# ---- sweep --dry-run validates every point and names a bad one, running nothing.
out=$("$bin" sweep "$scn" --dry-run --db "$tmp/dry.db" \
  --set 'services.reviews.replicas=1,0,2' --set 'traffic.*.rate=x1,x2' 2>&1); st=$?
check "sweep --dry-run with a bad point" $st 1
has "the loader's message names the override" "$out" '^--set services.reviews.replicas=0:1:27: error: invalid "replicas": must be at least 1, got 0$'
has "the bad point is named" "$out" "point 2 \(services.reviews.replicas=0;traffic.\*.rate=x1\) is invalid"
has "and counted; nothing run" "$out" "2 of 6 points are invalid \(first: point 2\); nothing was run"
lacks "no point listed" "$out" "^point [0-9]"
[[ -e "$tmp/dry.db" ]] && bad "sweep --dry-run created a database" || ok "no database created"

# ---- services from a CSV: validated, and located in the CSV when wrong.
cat="$src/tests/fixtures/scenarios/csv/catalog.yaml"
out=$("$bin" validate "$cat" --set 'services.*.replicas=x2' 2>&1); st=$?
check "validate a scenario with services_csv" $st 0
has "its services and pods" "$out" "ok \(2 namespaces, 6 services, 32 pods"
cp "$src/tests/fixtures/scenarios/csv/catalog.yaml" "$src/tests/fixtures/scenarios/csv/catalog-services.csv" "$tmp/"
sed -i 's/^search,shop,,,,,5ms/search,shop,0,,,,5ms/' "$tmp/catalog-services.csv"
out=$("$bin" validate "$tmp/catalog.yaml" 2>&1); st=$?
check "a bad value in the services CSV" $st 1
has "reported at its line and column in the CSV" "$out" "catalog-services.csv:4:13: error: invalid \"replicas\": must be at least 1, got 0"

# ---- a multiplier axis: run, stored and drawn against the factor.
out=$("$bin" sweep "$src/tests/fixtures/scenarios/good/minimal.yaml" --set 'traffic.*.rate=x1,x2' \
  --modes none --duration 1s --replications 1 --jobs 1 --quiet --db "$tmp/x.db" 2>&1); st=$?
check "a sweep of a multiplier" $st 0
"$bin" report --db "$tmp/x.db" --out "$tmp/rep" >/dev/null 2>&1
check "its report" $? 0
has "the x axis is the multiplier" "$(cat "$tmp/rep/charts/"*.gp 2>/dev/null)" "set xlabel 'traffic.\*.rate \(multiplier\)'"

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
