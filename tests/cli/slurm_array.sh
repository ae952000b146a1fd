#!/usr/bin/env bash
# slurm_array: the Slurm job-array recipe of docs/sweeps.md works on a real Slurm.
#   bash tests/cli/slurm_array.sh MESHSIM_BINARY SOURCE_DIR
# Starts a private one-node Slurm cluster (munged, slurmctld, slurmd from Debian's
# munge and slurm-wlm, everything in a scratch directory: own munge socket and key,
# free loopback ports, own state, spool, logs and pid files; nothing of the
# machine's own Slurm or munge is used or touched), submits the recipe's sbatch
# script taken from the document, runs the document's merge-and-report block, runs
# the same sweep in one process with --jobs 2, and checks that both databases hold
# the same results (every table of `meshsim export`, ids replaced by the natural
# keys and wall-clock values masked; see "compare" below).
#
# The script and the merge block are read from docs/sweeps.md, so the document and
# this test cannot drift. One change is made, as tests/cli/doc_examples.sh makes it:
# the sweep runs with --replications 1 --duration 1s (the recipe's full sweep is
# about 90 CPU-seconds, twice); MESHSIM_SLURM_AS_WRITTEN=1 submits the script
# exactly as written instead. The node is declared (SlurmdParameters=config_overrides)
# with twice the recipe's --cpus-per-task and --mem, so the script's #SBATCH lines
# are used as they are whatever this machine has, and tasks queue two at a time.
#
# Skipped (exit 77, the reason printed) where Slurm cannot start: not root, the
# Debian packages munge and slurm-wlm not installed (scripts/install-deps --test
# installs them), munged, slurmctld or slurmd failing to start. With
# MESHSIM_SLURM_REQUIRED=1 those are failures instead. Once Slurm is up, anything
# that goes wrong is a failure. The daemons and any job left are stopped on exit.
set -euo pipefail

meshsim=${1:?usage: slurm_array.sh MESHSIM_BINARY SOURCE_DIR}
src=${2:?usage: slurm_array.sh MESHSIM_BINARY SOURCE_DIR}
meshsim=$(realpath "$meshsim")
src=$(realpath "$src")

fail() {
  echo "slurm_array: FAIL: $*" >&2
  exit 1
}
skip() {
  if [[ ${MESHSIM_SLURM_REQUIRED:-0} == 1 ]]; then
    fail "Slurm cannot start (MESHSIM_SLURM_REQUIRED=1): $*"
  fi
  echo "slurm_array: skipped: $*"
  exit 77
}
elapsed() { # seconds since $1 (from now_s), one decimal
  python3 -c "import sys, time; print(f'{time.monotonic() - float(sys.argv[1]):.1f}')" "$1"
}
now_s() { python3 -c 'import time; print(time.monotonic())'; }

command -v python3 >/dev/null 2>&1 || fail "python3 not found (scripts/install-deps --test)"
[[ $(id -u) -eq 0 ]] || skip "not root (slurmd starts jobs as their user, which needs root)"
missing=()
for c in munged mungekey munge slurmctld slurmd sbatch scontrol sinfo scancel; do
  command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
[[ ${#missing[@]} -eq 0 ]] ||
  skip "${missing[*]} not found: install the Debian packages munge and slurm-wlm (scripts/install-deps --test)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/meshsim-slurm-XXXXXX")
jobid=""

# Stops what this test started, by the pids the daemons wrote, and only if the pid
# is still that daemon.
stop_pidfile() {
  local file=$1 name=$2 pid _
  [[ -s $file ]] || return 0
  pid=$(cat "$file")
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name"* ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  if [[ -n $jobid ]]; then
    scancel "$jobid" 2>/dev/null || true
    for _ in $(seq 1 50); do # let slurmstepd end the tasks before slurmd goes
      scontrol -o show job "$jobid" 2>/dev/null | grep -q -E 'JobState=(RUNNING|COMPLETING|PENDING)' || break
      sleep 0.2
    done
  fi
  stop_pidfile "$tmp/slurmd.pid" slurmd
  stop_pidfile "$tmp/slurmctld.pid" slurmctld
  stop_pidfile "$tmp/munge/munged.pid" munged
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the recipe, from the document -------------------------------------------
work=$tmp/work
mkdir -p "$work/results" "$tmp/bin"
cp -r "$src/scenarios" "$work/"
ln -s "$meshsim" "$tmp/bin/meshsim"
python3 - "$src/docs/sweeps.md" "$tmp" "${MESHSIM_SLURM_AS_WRITTEN:-0}" <<'PY' || fail "docs/sweeps.md: no usable Slurm recipe"
import re, shlex, sys
doc, out, as_written = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
blocks, lang, body = [], None, []
for line in open(doc, encoding="utf-8").read().split("\n"):
    if line.startswith("```"):
        if lang is None:
            lang, body = line[3:].strip(), []
        else:
            blocks.append((lang, body))
            lang = None
    elif lang is not None:
        body.append(line)
# The sbatch script: the bash block with #SBATCH lines. The merge: the next sh block.
i = next((i for i, (l, b) in enumerate(blocks) if l == "bash" and any(x.startswith("#SBATCH") for x in b)), None)
if i is None:
    sys.exit("slurm_array: docs/sweeps.md: no ```bash block with #SBATCH lines")
script = blocks[i][1]
merge = next((b for l, b in blocks[i + 1:] if l == "sh"), None)
if merge is None or not any(x.startswith("meshsim merge") for x in merge):
    sys.exit("slurm_array: docs/sweeps.md: no ```sh block with `meshsim merge` after the sbatch script")

def sbatch_opt(name, default):
    for x in script:
        m = re.match(r"#SBATCH\s+--" + name + r"[=\s](\S+)", x)
        if m:
            return m.group(1)
    return default
cpus = int(sbatch_opt("cpus-per-task", "1"))
mem = sbatch_opt("mem", "1G")
m = re.fullmatch(r"(\d+)([KMGT]?)", mem.upper())
if not m:
    sys.exit(f"slurm_array: cannot read --mem={mem}")
mem_mib = int(m.group(1)) * {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1 << 20}[m.group(2)]
arr = re.fullmatch(r"(\d+)-(\d+)", sbatch_opt("array", ""))
if not arr:
    sys.exit("slurm_array: the script has no #SBATCH --array=A-B")
tasks = int(arr.group(2)) - int(arr.group(1)) + 1

# The `meshsim sweep` command (with its continuation lines) is what the local run
# repeats; shortened, unless as written, like doc_examples.sh does.
start = next((k for k, x in enumerate(script) if x.startswith("meshsim sweep")), None)
if start is None:
    sys.exit("slurm_array: the sbatch script has no `meshsim sweep` line")
end = start
while script[end].rstrip().endswith("\\"):
    end += 1
cmd = " ".join(x.rstrip().rstrip("\\").strip() for x in script[start:end + 1])
if not as_written:
    for opt, val in (("replications", "1"), ("duration", "1s")):
        if re.search(rf"--{opt} \S+", cmd):
            cmd = re.sub(rf"--{opt} \S+", f"--{opt} {val}", cmd)
        else:
            cmd += f" --{opt} {val}"
    script = script[:start] + [cmd] + script[end + 1:]

merge_cmd = shlex.split(next(x for x in merge if x.startswith("meshsim merge")))
merged_db = next(x for x in merge_cmd[2:] if not x.startswith("-"))
if re.search(r"--db\b", cmd):
    sys.exit("slurm_array: the recipe's `meshsim sweep` has --db; this test expects the default shard databases")

open(f"{out}/sweep.sbatch", "w").write("\n".join(script) + "\n")
open(f"{out}/merge.sh", "w").write("set -euo pipefail\n" + "\n".join(merge) + "\n")
open(f"{out}/local.sh", "w").write("set -euo pipefail\n" + cmd + "\n")
# One line: node CPUs, node memory (MiB), array tasks, the merged database.
open(f"{out}/recipe.txt", "w").write(f"{2 * cpus} {max(1024, int(2 * mem_mib))} {tasks} {merged_db}\n")
PY
read -r node_cpus node_mem_mib tasks merged_db <"$tmp/recipe.txt"
cp "$tmp/sweep.sbatch" "$work/sweep.sbatch"
if [[ ${MESHSIM_SLURM_AS_WRITTEN:-0} == 1 ]]; then
  echo "slurm_array: the recipe of docs/sweeps.md as written ($tasks tasks)"
else
  echo "slurm_array: the recipe of docs/sweeps.md ($tasks tasks), its sweep shortened to:"
  grep '^meshsim sweep' "$work/sweep.sbatch" | sed 's/^/  /'
fi

# ---- a one-node cluster --------------------------------------------------------
t0=$(now_s)
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool"
chmod 700 "$tmp/munge"
mungekey --create --keyfile="$tmp/munge/munge.key" >"$tmp/mungekey.log" 2>&1 ||
  skip "mungekey failed: $(cat "$tmp/mungekey.log")"
munged --force --socket="$tmp/munge/munge.socket" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
  --seed-file="$tmp/munge/munged.seed" >"$tmp/munged.out" 2>&1 ||
  skip "munged failed to start: $(cat "$tmp/munged.out") $(tail -5 "$tmp/munge/munged.log" 2>/dev/null)"
munge -S "$tmp/munge/munge.socket" -n 2>/dev/null | unmunge -S "$tmp/munge/munge.socket" >/dev/null 2>&1 ||
  skip "munged started but does not answer: $(tail -5 "$tmp/munge/munged.log" 2>/dev/null)"

# Two free loopback ports (for slurmctld and slurmd), so a Slurm of the machine's
# own or another run of this test cannot collide with this one.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
host=$(hostname -s)
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=meshsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=$node_cpus RealMemory=$node_mem_mib State=UNKNOWN
PartitionName=meshsim Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 ||
  skip "slurmctld failed to start: $(cat "$tmp/slurmctld.out") $(tail -5 "$tmp/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 ||
  skip "slurmd failed to start: $(cat "$tmp/slurmd.out") $(tail -5 "$tmp/slurmd.log" 2>/dev/null)"
state=""
for _ in $(seq 1 150); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  [[ $state == idle ]] && break
  sleep 0.2
done
[[ $state == idle ]] ||
  skip "the node is not idle 30 s after starting slurmctld and slurmd (state '${state:-none}'):" \
    "$(tail -3 "$tmp/slurmctld.log" 2>/dev/null) $(tail -3 "$tmp/slurmd.log" 2>/dev/null)"
echo "slurm_array: $(sinfo -V) up in $(elapsed "$t0") s: node $host, CPUs=$node_cpus RealMemory=$node_mem_mib"

# ---- the array job ---------------------------------------------------------------
t0=$(now_s)
jobid=$(cd "$work" && PATH="$tmp/bin:$PATH" sbatch --parsable sweep.sbatch 2>"$tmp/sbatch.err") ||
  fail "sbatch failed: $(cat "$tmp/sbatch.err")"
jobid=${jobid%%;*}
limit=300
[[ ${MESHSIM_SLURM_AS_WRITTEN:-0} == 1 ]] && limit=7200 # the script's --time
done_=0
for _ in $(seq 1 $((limit * 5))); do
  jobs=$(scontrol -o show job "$jobid" 2>/dev/null) || fail "scontrol show job $jobid: $(tail -5 "$tmp/slurmctld.log")"
  if ! grep -q -E 'JobState=(PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED|RESIZING)' <<<"$jobs"; then
    done_=1
    break
  fi
  sleep 0.2
done
[[ $done_ -eq 1 ]] || fail "array job $jobid not finished after $limit s: $(scontrol -o show job "$jobid")"
array_s=$(elapsed "$t0")
n_done=$(grep -c 'JobState=COMPLETED .*ExitCode=0:0' <<<"$jobs" || true)
if [[ $n_done -ne $tasks ]]; then
  for f in "$work"/results/slurm-*.out; do
    [[ -s $f ]] && echo "--- $f" && tail -20 "$f"
  done
  fail "$n_done of $tasks array tasks completed with exit code 0: $(sed -E 's/.*(ArrayTaskId=[^ ]+).*(JobState=[^ ]+).*(ExitCode=[^ ]+).*/\1 \2 \3/' <<<"$jobs" | tr '\n' ' ')"
fi
jobid_done=$jobid
jobid=""
echo "slurm_array: array job $jobid_done: $tasks of $tasks tasks COMPLETED, ExitCode 0:0, in $array_s s"

# ---- merge as documented, and the same sweep in one process -------------------------
t0=$(now_s)
(cd "$work" && PATH="$tmp/bin:$PATH" bash "$tmp/merge.sh") >"$tmp/merge.log" 2>&1 ||
  fail "the document's merge block failed: $(tail -20 "$tmp/merge.log")"
[[ -f $work/$merged_db ]] || fail "the merge block wrote no $merged_db"
echo "slurm_array: merge and report as documented in $(elapsed "$t0") s: $(grep -F "$merged_db: " "$tmp/merge.log")"

# The local run repeats the script's `meshsim sweep` line as it is: --jobs
# "$SLURM_CPUS_PER_TASK" is 2, no SLURM_ARRAY_* variable (so no shard), and the
# default database, results/meshsim.db, beside the shards.
t0=$(now_s)
unset_slurm=()
for v in $(compgen -e | grep '^SLURM_' || true); do
  unset_slurm+=(-u "$v")
done
(cd "$work" && env "${unset_slurm[@]}" SLURM_CPUS_PER_TASK=2 PATH="$tmp/bin:$PATH" bash "$tmp/local.sh") \
  >"$tmp/local.log" 2>&1 ||
  fail "the local sweep failed: $(tail -20 "$tmp/local.log")"
echo "slurm_array: the same sweep in one process, --jobs 2, in $(elapsed "$t0") s"

# ---- compare --------------------------------------------------------------------------
"$meshsim" export --db "$work/$merged_db" --csv "$tmp/csv-slurm" >/dev/null ||
  fail "export of the merged database failed"
"$meshsim" export --db "$work/results/meshsim.db" --csv "$tmp/csv-local" >/dev/null ||
  fail "export of the local database failed"

# Every table of the two exports must hold the same rows, but for what differs
# legitimately between two sweeps run at different times in a different order:
# - surrogate ids (batches.id, runs.id, sweeps.id, failures.id): numbered in the
#   order rows were inserted, which is the merge order of the shards on one side
#   and the order the workers finished on the other. Each is replaced, here and in
#   every column referring to it, by the row's natural key: a batch by its
#   scenario_hash and params (the point), a run by run_key, a sweep by sweep_key,
#   a failure by its batch, mode and position;
# - wall-clock values: batches.started_at and wall_s, runs.started_at and wall_s,
#   sweeps.created_at, and the at=... start time inside batches.batch_key (a batch's
#   identity includes when it ran, so that a later run of the same inputs is a new
#   batch).
# Everything else, every simulated number and every key, must be equal.
python3 - "$tmp/csv-slurm" "$tmp/csv-local" <<'PY' || fail "the merged shards and the local sweep differ"
import csv, os, re, sys
a_dir, b_dir = sys.argv[1], sys.argv[2]
tables = sorted(f[:-4] for f in os.listdir(a_dir) if f.endswith(".csv"))
if tables != sorted(f[:-4] for f in os.listdir(b_dir) if f.endswith(".csv")):
    sys.exit("slurm_array: the exports hold different tables")
WALL = {("batches", "started_at"), ("batches", "wall_s"), ("runs", "started_at"),
        ("runs", "wall_s"), ("sweeps", "created_at")}
REFS = {"batch_id": "batches", "run_id": "runs", "sweep_id": "sweeps", "failure_id": "failures"}

def load(d):
    db = {}
    for t in tables:
        with open(os.path.join(d, t + ".csv"), newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        db[t] = (rows[0], [dict(zip(rows[0], r)) for r in rows[1:]])
    return db

def natural_keys(db):
    keys = {t: {} for t in REFS.values()}
    for r in db["batches"][1]:
        keys["batches"][r["id"]] = "batch(" + r["scenario_hash"] + ";" + r["params"] + ")"
    for r in db["runs"][1]:
        keys["runs"][r["id"]] = "run(" + r["run_key"] + ")"
    for r in db["sweeps"][1]:
        keys["sweeps"][r["id"]] = "sweep(" + r["sweep_key"] + ")"
    for r in db["failures"][1]:
        keys["failures"][r["id"]] = "failure(" + keys["batches"][r["batch_id"]] + ";" + r["mode"] + ";" + r["position"] + ")"
    for t, m in keys.items():
        if len(set(m.values())) != len(m):
            sys.exit(f"slurm_array: the natural key of {t} is not unique")
    return keys

def canonical(db):
    keys = natural_keys(db)
    out, wall = {}, {}
    for t in tables:
        header, rows = db[t]
        rows_out = []
        for r in rows:
            c = {}
            for col in header:
                v = r[col]
                if col in REFS:
                    v = keys[REFS[col]][v]
                elif col == "id":
                    continue
                elif (t, col) in WALL:
                    continue
                elif (t, col) == ("batches", "batch_key"):
                    v = re.sub(r"(^|;)at=[^;]*", r"\1at=*", v)
                c[col] = v
            rows_out.append(tuple(sorted(c.items())))
            if t in ("batches", "runs", "sweeps"):
                ident = {"batches": lambda: keys["batches"][r["id"]], "runs": lambda: r["run_key"],
                         "sweeps": lambda: r["sweep_key"]}[t]()
                for col in header:
                    if (t, col) in WALL or col == "id" or col == "batch_key":
                        wall[(t, col, ident)] = r[col]
        out[t] = sorted(rows_out)
    return out, wall

a_db, b_db = load(a_dir), load(b_dir)
a, a_wall = canonical(a_db)
b, b_wall = canonical(b_db)
bad, n_rows = 0, 0
for t in tables:
    if a[t] != b[t]:
        bad += 1
        sa, sb = set(a[t]), set(b[t])
        only_a = [r for r in a[t] if r not in sb][:3]
        only_b = [r for r in b[t] if r not in sa][:3]
        print(f"slurm_array: table {t}: {len(a[t])} rows merged, {len(b[t])} local; differing rows:", file=sys.stderr)
        for side, rs in (("merged", only_a), ("local", only_b)):
            for r in rs:
                print(f"  {side}: " + ", ".join(f"{k}={v}" for k, v in r), file=sys.stderr)
    n_rows += len(a[t])
if bad:
    sys.exit(1)
# What the masks hid, so that the log shows they were needed.
diffs = {}
for k, v in a_wall.items():
    t, col, _ = k
    diffs.setdefault((t, col), [0, 0])
    diffs[(t, col)][1] += 1
    if b_wall.get(k) != v:
        diffs[(t, col)][0] += 1
hid = ", ".join(f"{t}.{c}{' (at=)' if c == 'batch_key' else ''} {d}/{n}" for (t, c), (d, n) in sorted(diffs.items()))
runs = len(a["runs"])
points = len(a["sweep_points"])
planned = int(a_db["sweeps"][1][0]["n_points"]) if len(a_db["sweeps"][1]) == 1 else -1
if planned != points:
    sys.exit(f"slurm_array: the merged database holds {points} points of a sweep of {planned} (one sweep expected)")
open(os.path.join(os.path.dirname(a_dir), "n_points"), "w").write(f"{points}\n")
print(f"slurm_array: merged = local: {len(tables)} tables, {n_rows} rows equal ({points} sweep points, {runs} runs)")
print(f"slurm_array: masked values that differed (rows): {hid}")
PY
# The report of the document's block covers every point.
n_points=$(cat "$tmp/n_points")
report=$(find "$work/results" -name report.md | head -1)
[[ -n $report ]] || fail "the document's merge block wrote no report.md under results/"
grep -q '^# meshsim sweep report' "$report" || fail "the documented report is not a sweep report: $(head -3 "$report")"
grep -q "$n_points of its $n_points points are stored" "$report" ||
  fail "the documented report does not hold all $n_points points: $(grep -m1 'points are stored' "$report")"
echo "slurm_array: ok"
