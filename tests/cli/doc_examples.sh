#!/usr/bin/env bash
# Runs every command the documentation shows, so a renamed option, column or
# subcommand breaks the build, not the reader.
#
# Taken from README.md and docs/*.md: each line (with its `\` continuations) of
# a ```sh or ```bash block that starts with `meshsim`, `build/meshsim`,
# `sqlite3` or `parallel -q meshsim`. Synopses with placeholders (FILE, [--x],
# OUT.db), batch-engine recipes (#SBATCH, $SLURM_*) and blocks right after an
# `<!-- doc-examples: skip (why) -->` line are not runnable here and are skipped. Each document runs in order in its own scratch directory
# holding the repository's scenarios, so a `report` finds what the `run`
# before it stored. `run`, `sweep` and `advise` run with `--duration 1s
# --replications 1` (a value the documentation gives is replaced, else the
# option is added) to keep the suite fast; every other option is run as
# documented.
# usage: doc_examples.sh <meshsim> <source-dir>
set -uo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$src" >"$tmp/commands.tsv" <<'PY'
import glob, os, re, sys
src = sys.argv[1]
docs = [os.path.join(src, "README.md")] + sorted(glob.glob(os.path.join(src, "docs", "*.md")))
placeholder = re.compile(r"\[--|\b(FILE|DIR|PATH|OUT\.db|IN\.db|KEY|VALUES?|LIST|ID|MODE|NAME)\b|\.\.\.$|\$SLURM|\$\{")
for doc in docs:
    lines = open(doc, encoding="utf-8").read().split("\n")
    inblock = False
    recipe = skip = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            if inblock:
                inblock = skip = False
            elif line.strip() in ("```sh", "```bash"):
                inblock, recipe = True, False
            i += 1
            continue
        if line.startswith("<!-- doc-examples: skip"):
            skip = True
        if inblock:
            lineno = i + 1
            cmd = line
            while cmd.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd = cmd.rstrip()[:-1] + " " + lines[i].strip()
            if cmd.startswith("#SBATCH") or cmd.startswith("#!"):
                recipe = True
            cmd = re.sub(r"\s+#\s.*$", "", cmd).strip()  # trailing comment
            first = cmd.split(" ")[0] if cmd else ""
            runnable = first in ("meshsim", "build/meshsim", "sqlite3") or cmd.startswith("parallel -q meshsim")
            if runnable and not recipe and not skip and not placeholder.search(cmd):
                print(f"{os.path.relpath(doc, src)}\t{lineno}\t{cmd}")
        i += 1
PY

short_run() { # the command with --duration 1s --replications 1 when it is a run or a sweep
  local c=$1
  [[ "$c" =~ ^(parallel\ -q\ )?(build/)?meshsim\ (run|sweep|advise)\  ]] || { echo "$c"; return; }
  local opt val
  for opt in duration replications; do
    val=1; [[ $opt == duration ]] && val=1s
    if [[ "$c" =~ --$opt\ [^\ ]+ ]]; then
      c=$(sed -E "s/--$opt [^ ]+/--$opt $val/" <<<"$c")
    elif [[ "$c" == *" ::: "* ]]; then
      c=${c/ ::: / --$opt $val ::: }
    elif [[ "$c" == *" | "* ]]; then
      c=${c/ | / --$opt $val | }
    else
      c="$c --$opt $val"
    fi
  done
  echo "$c"
}

fails=0
passes=0
doc_prev=""
while IFS=$'\t' read -r doc line cmd; do
  if [[ "$doc" != "$doc_prev" ]]; then
    work="$tmp/$(echo "$doc" | tr '/.' '__')"
    mkdir -p "$work/results" "$work/build"
    cp -r "$src/scenarios" "$work/"
    ln -s "$bin" "$work/build/meshsim"
    mkdir -p "$work/bin" && ln -s "$bin" "$work/bin/meshsim"
    doc_prev=$doc
  fi
  run=$(short_run "$cmd")
  # A command that opens a viewer: run only the meshsim part.
  run=${run%% && xdg-open*}
  if (cd "$work" && PATH="$work/bin:$PATH" bash -o pipefail -c "$run") >"$tmp/out" 2>&1; then
    passes=$((passes + 1))
    echo "ok: $doc:$line: $cmd"
  else
    fails=$((fails + 1))
    echo "FAIL: $doc:$line: $cmd"
    sed 's/^/    /' "$tmp/out" | head -20
  fi
done <"$tmp/commands.tsv"

[[ $passes -gt 0 ]] || { echo "FAIL: no documented command found"; fails=$((fails + 1)); }
echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
