#!/usr/bin/env bash
# report_html: report.html written by `meshsim report` opens in headless
# Chromium and every chart image in it loads (naturalWidth > 0).
#   bash tests/cli/report_html.sh MESHSIM_BINARY SOURCE_DIR
# Three reports are checked: two (PNG and SVG charts) from a synthetic
# database that has data for every chart (blast radius, failure drills;
# written by the test_report program), and one from a short real
# `meshsim run --db` of the default scenario. Chromium and gnuplot are required: without them the test fails
# (CI installs both with scripts/install-deps --test).
set -euo pipefail

meshsim=${1:?usage: report_html.sh MESHSIM_BINARY SOURCE_DIR}
src=${2:?usage: report_html.sh MESHSIM_BINARY SOURCE_DIR}

fail() {
  echo "report_html: FAIL: $*" >&2
  exit 1
}

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then
    browser=$(command -v "$b")
    break
  fi
done
[[ -n $browser ]] || fail "headless Chromium not found: install the Debian package 'chromium' (scripts/install-deps --test)"
command -v gnuplot >/dev/null 2>&1 || fail "gnuplot not found: install the Debian package 'gnuplot-nox'"
helper="$(dirname "$meshsim")/tests/test_report"
[[ -x $helper ]] || fail "$helper not built; it writes the synthetic database"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/meshsim-report-html-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Opens DIR/report.html with a copy that counts, on window load, the images
# and those that did not load, and prints that count into the DOM.
check_report() {
  local dir=$1 what=$2
  [[ -f $dir/report.html && -f $dir/report.md ]] || fail "$what: report files missing in $dir"
  local on_disk in_html
  on_disk=$(find "$dir/charts" -maxdepth 1 \( -name '*.png' -o -name '*.svg' \) | wc -l)
  in_html=$(grep -o '<img src="[^"]*"' "$dir/report.html" | wc -l)
  [[ $on_disk -gt 0 ]] || fail "$what: no chart images were drawn"
  [[ $on_disk -eq $in_html ]] || fail "$what: $on_disk chart files but $in_html <img> in report.html"
  local probe='<script>window.addEventListener("load",function(){var n=0,b=0;'
  probe+='for(var i=0;i<document.images.length;i++){var im=document.images[i];n++;'
  probe+='if(!im.complete||im.naturalWidth===0)b++;}var p=document.createElement("p");'
  probe+='p.id="meshsim-image-check";p.textContent="images="+n+" broken="+b;'
  probe+='document.body.appendChild(p);});</script></body>'
  local html
  html=$(<"$dir/report.html")
  [[ $html == *"</body>"* ]] || fail "$what: report.html has no </body>"
  shopt -u patsub_replacement 2>/dev/null || true # bash 5.2: '&' would mean the match
  printf '%s\n' "${html/<\/body>/$probe}" >"$dir/_image_check.html"
  local profile dom
  profile=$(mktemp -d "$tmp/profile-XXXXXX")
  dom=$(timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --virtual-time-budget=10000 \
    --dump-dom "file://$dir/_image_check.html" 2>"$tmp/chromium.log") ||
    fail "$what: chromium failed: $(tail -3 "$tmp/chromium.log")"
  local got
  got=$(grep -o 'images=[0-9]* broken=[0-9]*' <<<"$dom" || true)
  [[ -n $got ]] || fail "$what: the check script did not run (no result in the DOM)"
  [[ $got == "images=$on_disk broken=0" ]] || fail "$what: $got (expected images=$on_disk broken=0)"
  echo "report_html: $what: $got"
}

# 1. Synthetic database: every chart kind.
"$helper" --write-db "$tmp/synthetic.db" || fail "could not write the synthetic database"
"$meshsim" report --db "$tmp/synthetic.db" --out "$tmp/synthetic" >"$tmp/report.log" 2>&1 ||
  fail "meshsim report (synthetic) failed: $(cat "$tmp/report.log")"
check_report "$tmp/synthetic" "synthetic run"
"$meshsim" report --db "$tmp/synthetic.db" --format svg --out "$tmp/svg" >"$tmp/report.log" 2>&1 ||
  fail "meshsim report --format svg failed: $(cat "$tmp/report.log")"
check_report "$tmp/svg" "synthetic run, SVG charts"

# 2. A short real run stored by `meshsim run --db`.
"$meshsim" run "$src/scenarios/default.yaml" --duration 1s --replications 2 --quiet \
  --db "$tmp/run.db" >"$tmp/run.log" 2>&1 || fail "meshsim run failed: $(tail -5 "$tmp/run.log")"
"$meshsim" report --db "$tmp/run.db" --out "$tmp/real" >"$tmp/report.log" 2>&1 ||
  fail "meshsim report (real run) failed: $(cat "$tmp/report.log")"
check_report "$tmp/real" "meshsim run"

# 3. Command line: usage errors exit 2, --help exits 0.
set +e
"$meshsim" report --db "$tmp/run.db" --out "$tmp/x" --bogus >/dev/null 2>"$tmp/err"
[[ $? -eq 2 ]] || fail "unknown option: exit status is not 2"
grep -q 'meshsim report: error: unknown option "--bogus"' "$tmp/err" || fail "unknown option: message: $(cat "$tmp/err")"
"$meshsim" report --db "$tmp/run.db" >/dev/null 2>"$tmp/err"
[[ $? -eq 2 ]] || fail "missing --out: exit status is not 2"
"$meshsim" report --db "$tmp/nope.db" --out "$tmp/x" >/dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] || fail "missing database: exit status is not 1"
grep -q 'meshsim report: error: .*no results database' "$tmp/err" || fail "missing database: message: $(cat "$tmp/err")"
"$meshsim" report --help >"$tmp/out"
[[ $? -eq 0 ]] && grep -q -- '--baseline MODE' "$tmp/out" || fail "report --help"
"$meshsim" export --db "$tmp/run.db" >/dev/null 2>"$tmp/err"
[[ $? -eq 2 ]] || fail "export without --csv: exit status is not 2"
"$meshsim" export --db "$tmp/run.db" --csv "$tmp/csv" >/dev/null 2>"$tmp/err"
[[ $? -eq 0 && -s $tmp/csv/runs.csv ]] || fail "export: $(cat "$tmp/err")"
set -e
echo "report_html: ok"
