#!/usr/bin/env bash
# sweep_shards: the GNU parallel recipe of docs/sweeps.md works.
#   bash tests/cli/sweep_shards.sh MESHSIM_BINARY SOURCE_DIR
# A small sweep of scenarios/bookinfo.yaml (2 keys x 3 and 2 values, 2 modes,
# 1 replication, 1 s) runs as 3 shards under GNU parallel; the shards are
# merged (and one shard merged twice: no row added); the same sweep runs in
# one process with --jobs 2 into another database; both databases must hold
# the same runs (run_keys and every result column but wall and start times)
# and the same sweep points. Also: Slurm and Kubernetes variables pick the
# shard (--dry-run lists its points), a partly stored sweep resumes, usage
# errors exit 2 naming the spec, an invalid point stops the sweep before
# anything runs (exit 1, file:line:col), SIGTERM stops a sweep with exit 130
# keeping the finished points, and the merged database gives a sweep report.
# GNU parallel (Debian package `parallel`) and sqlite3 are required.
set -euo pipefail

meshsim=${1:?usage: sweep_shards.sh MESHSIM_BINARY SOURCE_DIR}
src=${2:?usage: sweep_shards.sh MESHSIM_BINARY SOURCE_DIR}

fail() {
  echo "sweep_shards: FAIL: $*" >&2
  exit 1
}

command -v parallel >/dev/null 2>&1 ||
  fail "GNU parallel not found: install the Debian package 'parallel' (scripts/install-deps --test)"
parallel --version 2>/dev/null | grep -q 'GNU parallel' ||
  fail "'parallel' in PATH is not GNU parallel (moreutils has another one): install the Debian package 'parallel'"
command -v sqlite3 >/dev/null 2>&1 || fail "sqlite3 not found: install the Debian package 'sqlite3'"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/meshsim-sweep-shards-XXXXXX")
bg=""
cleanup() {
  [[ -n $bg ]] && kill "$bg" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

scn="$src/scenarios/bookinfo.yaml"
sweep=(--set 'traffic.productpage.rate=50..200x2' --set 'cluster.nodes.pool.count=2,3'
  --modes sidecar,ambient-waypoint --replications 1 --duration 1s)
points=6

q() { sqlite3 -batch -noheader -cmd '.timeout 10000' "$@"; }

# 1. Three shards under GNU parallel, as in docs/sweeps.md.
parallel --will-cite --halt now,fail=1 -q "$meshsim" sweep "$scn" "${sweep[@]}" --jobs 1 --quiet \
  --shard '{}/3' --db "$tmp/shard-{}.db" ::: 0 1 2 >"$tmp/parallel.log" 2>&1 ||
  fail "the shards under GNU parallel failed: $(tail -5 "$tmp/parallel.log")"
for i in 0 1 2; do
  n=$(q "$tmp/shard-$i.db" 'select count(*) from sweep_points')
  [[ $n -eq 2 ]] || fail "shard $i stored $n points, expected 2"
done

# 2. Merge them; merging a shard again adds nothing.
"$meshsim" merge "$tmp/merged.db" "$tmp"/shard-{0,1,2}.db >"$tmp/merge.log" 2>&1 ||
  fail "meshsim merge failed: $(cat "$tmp/merge.log")"
counts() {
  local t out=""
  for t in batches runs batch_runs run_metrics mode_summary kind_usage latency_buckets node_usage \
    series blast blast_instances failures failure_series sweeps sweep_points; do
    out+="$t=$(q "$1" "select count(*) from $t") "
  done
  echo "$out"
}
before=$(counts "$tmp/merged.db")
"$meshsim" merge "$tmp/merged.db" "$tmp/shard-1.db" >"$tmp/merge2.log" 2>&1 ||
  fail "second merge failed: $(cat "$tmp/merge2.log")"
grep -q '0 of 2 batches added, 0 of 2 sweep points added' "$tmp/merge2.log" ||
  fail "second merge reports additions: $(cat "$tmp/merge2.log")"
after=$(counts "$tmp/merged.db")
[[ $before == "$after" ]] || fail "merging a shard twice changed the counts: $before -> $after"
[[ $(q "$tmp/merged.db" 'select count(*) from sweeps') -eq 1 ]] || fail "merged database: not one sweep"
[[ $(q "$tmp/merged.db" 'select count(*) from sweep_points') -eq $points ]] ||
  fail "merged database: not $points sweep points"
[[ $(q "$tmp/merged.db" 'select count(*) from runs') -eq $((points * 2)) ]] ||
  fail "merged database: not $((points * 2)) runs"
[[ $(q "$tmp/merged.db" 'PRAGMA integrity_check') == ok ]] || fail "merged database: integrity check"

# 3. A partly stored sweep resumes: shard 0 first, then the whole sweep in one
#    process with 2 workers into the same database.
"$meshsim" sweep "$scn" "${sweep[@]}" --shard 0/3 --db "$tmp/single.db" --quiet ||
  fail "shard 0 into single.db failed"
"$meshsim" sweep "$scn" "${sweep[@]}" --jobs 2 --db "$tmp/single.db" 2>"$tmp/single.log" ||
  fail "meshsim sweep --jobs 2 failed: $(cat "$tmp/single.log")"
grep -q '4 points to run with 2 workers (2 of this process.s 6 already stored)' "$tmp/single.log" ||
  fail "the resumed sweep did not skip the stored points: $(cat "$tmp/single.log")"
before=$(counts "$tmp/single.db")
"$meshsim" sweep "$scn" "${sweep[@]}" --jobs 2 --db "$tmp/single.db" --quiet ||
  fail "re-running the finished sweep failed"
[[ $before == "$(counts "$tmp/single.db")" ]] || fail "re-running a finished sweep added rows"

# 4. Both databases hold the same runs and the same points.
cols='run_key, scenario_hash, params, mode, replication, seed, requests, errors, slo_violations,
  throughput_rps, latency_mean_ms, latency_p50_ms, latency_p90_ms, latency_p99_ms, latency_p999_ms'
q "$tmp/merged.db" "select $cols from runs order by run_key" >"$tmp/runs-merged.txt"
q "$tmp/single.db" "select $cols from runs order by run_key" >"$tmp/runs-single.txt"
[[ $(wc -l <"$tmp/runs-merged.txt") -eq $((points * 2)) ]] || fail "unexpected run count"
diff -u "$tmp/runs-merged.txt" "$tmp/runs-single.txt" >"$tmp/runs.diff" ||
  fail "sharded and single-process sweeps differ: $(head -20 "$tmp/runs.diff")"
summary='select p.point, p.params, m.mode, m.requests, m.errors, m.latency_p99_ms, m.mesh_cpu_cores,
  m.reserved_cpu_cores, m.nodes_needed, m.cost_usd_month, m.cost_reserved_usd_month
  from sweep_points p join mode_summary m on m.batch_id = p.batch_id order by p.point, m.mode'
diff -u <(q "$tmp/merged.db" "$summary") <(q "$tmp/single.db" "$summary") >"$tmp/points.diff" ||
  fail "sweep points differ: $(head -20 "$tmp/points.diff")"
[[ $(q "$tmp/merged.db" 'select sweep_key from sweeps') == "$(q "$tmp/single.db" 'select sweep_key from sweeps')" ]] ||
  fail "the shards and the single run recorded different sweep keys"
echo "sweep_shards: 3 shards under GNU parallel, merged = one process with --jobs 2 ($((points * 2)) runs)"

# 5. The shard comes from Slurm's or Kubernetes' variables (--dry-run lists it).
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 "$meshsim" sweep "$scn" "${sweep[@]}" --dry-run \
  >"$tmp/slurm.out" 2>"$tmp/slurm.err" || fail "Slurm dry run failed: $(cat "$tmp/slurm.err")"
grep -q 'shard 1/3 (SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=3)' "$tmp/slurm.err" ||
  fail "Slurm: the shard is not reported: $(cat "$tmp/slurm.err")"
[[ $(grep '^point ' "$tmp/slurm.out" | cut -f1 | tr '\n' ' ') == "point 1 point 4 " ]] ||
  fail "Slurm shard 1/3 lists: $(cat "$tmp/slurm.out")"
"$meshsim" sweep "$scn" "${sweep[@]}" --shard 1/3 --dry-run 2>/dev/null | grep '^point ' >"$tmp/opt.out"
diff -q <(grep '^point ' "$tmp/slurm.out") "$tmp/opt.out" >/dev/null || fail "--shard 1/3 and Slurm differ"
SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=3 "$meshsim" sweep "$scn" \
  "${sweep[@]}" --dry-run 2>/dev/null | grep -q "^point 5" || fail "Slurm with SLURM_ARRAY_TASK_MIN=1"
JOB_COMPLETION_INDEX=2 "$meshsim" sweep "$scn" "${sweep[@]}" --shard-count 3 --dry-run \
  >"$tmp/k8s.out" 2>/dev/null || fail "Kubernetes dry run failed"
[[ $(grep '^point ' "$tmp/k8s.out" | cut -f1 | tr '\n' ' ') == "point 2 point 5 " ]] ||
  fail "JOB_COMPLETION_INDEX=2 of 3 lists: $(cat "$tmp/k8s.out")"

# 6. Errors: a bad spec is a usage error naming it; an invalid point stops
#    everything before it runs.
set +e
"$meshsim" sweep "$scn" --set 'traffic.productpage.rate=100..10x2' --db "$tmp/bad.db" 2>"$tmp/err"
[[ $? -eq 2 ]] || fail "bad range: exit status is not 2"
grep -q 'meshsim sweep: error: --set traffic.productpage.rate=100..10x2: .*start exceeds the end' "$tmp/err" ||
  fail "bad range: message: $(cat "$tmp/err")"
"$meshsim" sweep "$scn" --set 'traffic.productpage.rate=100/s,fast' --duration 1s --db "$tmp/bad.db" 2>"$tmp/err"
[[ $? -eq 1 ]] || fail "invalid point: exit status is not 1"
grep -q -- '--set traffic.productpage.rate=fast:1:[0-9]*: error: invalid "rate"' "$tmp/err" ||
  fail "invalid point: no file:line:col diagnostic: $(cat "$tmp/err")"
grep -q 'point 1 (traffic.productpage.rate=fast) is invalid' "$tmp/err" ||
  fail "invalid point: the point is not named: $(cat "$tmp/err")"
grep -q 'nothing was run' "$tmp/err" || fail "invalid point: $(cat "$tmp/err")"
[[ ! -e $tmp/bad.db ]] || fail "invalid point: a database was written"
"$meshsim" sweep "$scn" --set 'traffic.productpage.rate=1,2' --shard 3/3 2>"$tmp/err"
[[ $? -eq 2 ]] || fail "--shard 3/3: exit status is not 2"
set -e

# 7. SIGTERM to the parent stops the workers; finished points stay (exit 130).
long=(--set 'metadata.duration=1s,1s,600s,600s' --set 'traffic.productpage.rate=5000/s'
  --modes sidecar,ambient --replications 1)
"$meshsim" sweep "$scn" "${long[@]}" --jobs 2 --db "$tmp/int.db" --quiet 2>"$tmp/int.err" &
bg=$!
for _ in $(seq 1 600); do # the two 1 s points, then the long ones are running
  n=$(q "$tmp/int.db" 'select count(*) from sweep_points' 2>/dev/null || echo 0)
  [[ ${n:-0} -ge 2 ]] && break
  sleep 0.1
done
[[ ${n:-0} -ge 2 ]] || fail "interrupt: the short points were not stored within 60 s"
sleep 0.5
kill -TERM "$bg"
set +e
wait "$bg"
status=$?
set -e
bg=""
[[ $status -eq 130 ]] || fail "interrupt: exit status $status, expected 130: $(cat "$tmp/int.err")"
grep -q 'interrupted; 2 points stored' "$tmp/int.err" || fail "interrupt: message: $(cat "$tmp/int.err")"
[[ $(q "$tmp/int.db" 'select count(*) from sweep_points') -eq 2 ]] || fail "interrupt: not 2 points kept"
[[ $(q "$tmp/int.db" 'PRAGMA integrity_check') == ok ]] || fail "interrupt: integrity check"
echo "sweep_shards: SIGTERM: exit 130, 2 finished points kept"

# 8. The merged database gives a sweep report (the latest thing is a sweep).
"$meshsim" report --db "$tmp/merged.db" --out "$tmp/report" >"$tmp/report.log" 2>&1 ||
  fail "meshsim report failed: $(cat "$tmp/report.log")"
grep -q '^# meshsim sweep report: bookinfo' "$tmp/report/report.md" ||
  fail "report: not a sweep report: $(cat "$tmp/report.log")"
grep -q "$points of its $points points are stored" "$tmp/report/report.md" || fail "report: points"
grep -q '`traffic.productpage.rate` = 50, 100, 200 (the x axis)' "$tmp/report/report.md" ||
  fail "report: x axis"
if command -v gnuplot >/dev/null 2>&1; then
  n=$(find "$tmp/report/charts" -name 'sweep_*.png' | wc -l)
  [[ $n -eq 16 ]] || fail "report: $n sweep charts, expected 16 (8 metrics x 2 node counts)"
fi
echo "sweep_shards: ok"
