/* cmd_sweep: `meshsim sweep FILE --set KEY=V1,V2,...`: runs every point of
 * the cartesian product of the swept values, each point one `meshsim run`
 * (loaded with its overrides, simulated, stored in its own transaction),
 * in worker processes, optionally as one shard of a sweep spread over a
 * batch cluster. Grammar, point order and shards: sweep/sweep.h and
 * docs/sweeps.md.
 *
 * Processes: the parent validates every point (fail fast, before any
 * simulation), records the sweep in the database, then hands point
 * indices to N forked workers over one pipe each and reads their results
 * from a shared pipe (fixed-size messages, atomic below PIPE_BUF). Workers
 * open the database themselves; SQLite's busy timeout serialises their
 * write transactions. The parent holds no connection across fork(). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_common.h"
#include "db.h"
#include "progress.h"
#include "scenario_load.h"
#include "sweep.h"

#define SW_MAX_WORKERS 256
#define SW_PATH_MAX    1024

static volatile sig_atomic_t sw_interrupted;

static void sw_on_signal(int sig) {
  (void)sig;
  sw_interrupted = 1;
}

static void sw_usage(FILE *f) {
  fprintf(f,
          "usage: meshsim sweep FILE --set KEY=VALUES [--set KEY=VALUES]... [options]\n\n"
          "Runs FILE once per point of the cartesian product of the VALUES of every KEY\n"
          "and stores each point as a batch of the results database.\n\n"
          "VALUES: a comma list (2,4,8; [sidecar,ambient],[none]) whose elements may be\n"
          "ranges: 10..100x2 (10,20,40,80), 10..100+30 (10,40,70,100), 1..4 (1,2,3,4);\n"
          "a unit on both ends is kept: 1k/s..8k/s x2 (1k/s,2k/s,4k/s,8k/s).\n\n"
          "options:\n"
          "  --set KEY=VALUES     a swept (or, with one value, fixed) override; repeatable\n"
          "  --modes LIST         modes to compare in every point (mesh.modes)\n"
          "  --replications K     replications per point (metadata.replications)\n"
          "  --duration T         measured time per point, e.g. 10s (metadata.duration)\n"
          "  --seed N             seed of every point (metadata.seed)\n"
          "  --jobs N             worker processes (default: the number of cores)\n"
          "  --db PATH            results database (default: %s, or\n"
          "                       results/meshsim-shard-I-of-N.db for a shard)\n"
          "  --shard I/N          run only the points with index %% N == I (0-based)\n"
          "  --shard-count N      shards of a Kubernetes indexed Job (index from\n"
          "                       JOB_COMPLETION_INDEX)\n"
          "  --dry-run            validate and list the points this process would run\n"
          "  --quiet              no progress line and no summary on stderr\n"
          "  -h, --help           this text\n\n"
          "Without --shard, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (minus\n"
          "SLURM_ARRAY_TASK_MIN) select the shard. Points already stored are skipped, so\n"
          "an interrupted sweep resumes when run again. See docs/sweeps.md.\n",
          DB_DEFAULT_PATH);
}

/* Everything a worker needs to run a point. */
typedef struct sw_ctx {
  const char *file;
  const char *db_path;
  const sweep *sw;
  const char *fixed[SWEEP_POINT_MAX_FIXED]; /* shorthand overrides: mesh.modes=[...], ... */
  size_t n_fixed;
  int64_t sweep_id;
  uint32_t threads; /* model_inputs.jobs of each run */
  int quiet;
} sw_ctx;

/* Point `point` of the sweep with the shorthands. */
static int sw_point_build(const sw_ctx *c, uint64_t point, sweep_point_overrides *p) {
  return sweep_point_overrides_of(c->sw, point, c->fixed, c->n_fixed, p);
}

enum { SW_SHOW_ON_FAILURE, SW_SHOW_ALWAYS, SW_SHOW_NEVER };

/* cli_load with its diagnostics held back: shown when the load fails
 * (SW_SHOW_ON_FAILURE), always (the first point shows the scenario's
 * warnings once, not once per point) or never. */
static int sw_load(const sw_ctx *c, const sweep_point_overrides *p, int show, sweep_point *L) {
  fflush(stderr);
  FILE *tmp = tmpfile();
  int saved = tmp ? dup(2) : -1;
  if (saved >= 0)
    dup2(fileno(tmp), 2);
  int rc = cli_load("sweep", c->file, p->sets, p->n, L);
  fflush(stderr);
  if (saved >= 0) {
    dup2(saved, 2);
    close(saved);
  }
  if (tmp) {
    if (show == SW_SHOW_ALWAYS || (rc != 0 && show == SW_SHOW_ON_FAILURE)) {
      rewind(tmp);
      char buf[4096];
      size_t got;
      while ((got = fread(buf, 1, sizeof buf, tmp)) > 0)
        fwrite(buf, 1, got, stderr);
    }
    fclose(tmp);
  }
  return rc;
}

enum { SW_STORED = 0, SW_ALREADY = 1, SW_FAILED = -1, SW_INTERRUPTED = -2 };

/* Loads, simulates and stores one point. */
static int sw_run_point(const sw_ctx *c, db *d, uint32_t point) {
  sweep_point_overrides *p = malloc(sizeof *p);
  if (!p) {
    fprintf(stderr, "meshsim sweep: point %u: out of memory\n", point);
    return SW_FAILED;
  }
  int status = SW_FAILED;
  sweep_point L;
  if (sw_point_build(c, point, p) != 0) {
    fprintf(stderr, "meshsim sweep: point %u: its overrides are too long\n", point);
    free(p);
    return SW_FAILED;
  }
  if (sw_load(c, p, SW_SHOW_ON_FAILURE, &L) != 0) {
    fprintf(stderr, "meshsim sweep: point %u (%s): the scenario does not load\n", point, p->params);
    free(p);
    return SW_FAILED;
  }
  char model_error[512] = "";
  L.in.error = model_error;
  L.in.error_len = sizeof model_error;
  L.in.interrupt = (volatile int *)&sw_interrupted;
  L.in.jobs = c->threads;
  time_t started = time(NULL);
  run_result r;
  int rc = sw_interrupted ? -1 : model_run(&L.in, &r);
  if (sw_interrupted) {
    if (rc == 0)
      run_result_release(&r);
    status = SW_INTERRUPTED;
  } else if (rc != 0) {
    fprintf(stderr, "meshsim sweep: point %u (%s): error: %s\n", point, p->params,
            model_error[0] ? model_error
                           : "the simulation failed: the cluster cannot hold the pods, or "
                             "memory ran out");
  } else {
    sweep_point_stamp(&r, c->file, started, p->sets, p->n);
    int64_t batch = 0;
    int w = db_write_sweep_point(d, c->sweep_id, point, p->params, &r, &batch);
    if (w < 0)
      fprintf(stderr, "meshsim sweep: point %u (%s): error: cannot store it: %s\n", point,
              p->params, db_errmsg(d));
    else
      status = w == 0 ? SW_STORED : SW_ALREADY;
    run_result_release(&r);
  }
  sweep_point_release(&L);
  free(p);
  return status;
}

/* ---- workers ------------------------------------------------------------------- */

typedef struct sw_msg {
  int32_t worker;
  int32_t status;
  uint32_t point;
  uint32_t pad;
} sw_msg;

static int sw_write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Reads exactly n bytes; 0 on success, 1 at end of file, -1 on error. */
static int sw_read_all(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      return 1;
    if (r < 0)
      return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static void sw_set_signals(void (*handler)(int), struct sigaction *old_int,
                           struct sigaction *old_term) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigaction(SIGINT, &sa, old_int);
  sigaction(SIGTERM, &sa, old_term);
}

/* A worker: points from `in` until it closes, results to `out`. */
static int sw_worker(const sw_ctx *c, int worker, int in, int out) {
  signal(SIGPIPE, SIG_IGN);
  db *d = NULL;
  if (cli_db_open("sweep", c->db_path, DB_OPEN_CREATE, &d) != 0)
    return 1;
  uint32_t point;
  while (!sw_interrupted && sw_read_all(in, &point, sizeof point) == 0) {
    sw_msg m = {worker, 0, point, 0};
    m.status = sw_run_point(c, d, point);
    if (sw_write_all(out, &m, sizeof m) != 0)
      break;
    if (m.status == SW_INTERRUPTED)
      break;
  }
  db_close(d);
  return 0;
}

typedef struct sw_tally {
  uint32_t stored, already, failed, interrupted, done;
} sw_tally;

static void sw_count(sw_tally *t, int status) {
  t->done += status != SW_INTERRUPTED;
  if (status == SW_STORED)
    t->stored++;
  else if (status == SW_ALREADY)
    t->already++;
  else if (status == SW_INTERRUPTED)
    t->interrupted++;
  else
    t->failed++;
}

/* Runs the points in this process. */
static void sw_run_inline(const sw_ctx *c, const uint32_t *todo, uint32_t n, progress *bar,
                          sw_tally *t) {
  db *d = NULL;
  if (cli_db_open("sweep", c->db_path, DB_OPEN_CREATE, &d) != 0) {
    t->failed = n;
    return;
  }
  for (uint32_t i = 0; i < n && !sw_interrupted; i++) {
    sw_count(t, sw_run_point(c, d, todo[i]));
    progress_update(bar, t->done, n, "runs");
  }
  db_close(d);
}

/* Runs the points in `workers` forked processes. */
static int sw_run_forked(const sw_ctx *c, const uint32_t *todo, uint32_t n, uint32_t workers,
                         progress *bar, sw_tally *t) {
  int rp[2];
  if (pipe(rp) != 0) {
    perror("meshsim sweep: pipe");
    return -1;
  }
  pid_t pid[SW_MAX_WORKERS];
  int task[SW_MAX_WORKERS]; /* write end of each worker's task pipe; -1 closed */
  uint32_t started = 0;
  fflush(NULL);
  for (uint32_t w = 0; w < workers; w++) {
    int tp[2];
    if (pipe(tp) != 0)
      break;
    pid_t child = fork();
    if (child < 0) {
      close(tp[0]);
      close(tp[1]);
      break;
    }
    if (child == 0) {
      close(rp[0]);
      close(tp[1]);
      for (uint32_t j = 0; j < started; j++)
        if (task[j] >= 0)
          close(task[j]);
      int rc = sw_worker(c, (int)w, tp[0], rp[1]);
      fflush(NULL);
      _exit(rc);
    }
    close(tp[0]);
    pid[started] = child;
    task[started] = tp[1];
    started++;
  }
  close(rp[1]);
  if (started == 0) {
    close(rp[0]);
    fprintf(stderr, "meshsim sweep: error: cannot start worker processes: %s\n", strerror(errno));
    return -1;
  }
  /* A worker that died must not kill the parent through its task pipe. */
  struct sigaction ign, old_pipe;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old_pipe);
  uint32_t next = 0, busy = 0;
  for (uint32_t w = 0; w < started; w++) {
    if (next < n && sw_write_all(task[w], &todo[next], sizeof todo[next]) == 0) {
      next++;
      busy++;
    } else {
      close(task[w]);
      task[w] = -1;
    }
  }
  int forwarded = 0;
  for (;;) {
    if (sw_interrupted && !forwarded) {
      /* Ctrl-C reached the workers with the terminal's process group; a
       * SIGTERM to the parent alone (kill, scancel, Kubernetes) is passed
       * on, so the current points are abandoned too. */
      for (uint32_t w = 0; w < started; w++) {
        if (task[w] >= 0) {
          close(task[w]);
          task[w] = -1;
        }
        kill(pid[w], SIGTERM);
      }
      forwarded = 1;
    }
    struct pollfd pf = {rp[0], POLLIN, 0};
    int pr = poll(&pf, 1, 200);
    if (pr < 0 && errno != EINTR)
      break;
    progress_update(bar, t->done, n, "runs");
    if (pr <= 0)
      continue;
    sw_msg m;
    int r = sw_read_all(rp[0], &m, sizeof m);
    if (r != 0)
      break; /* every worker has exited */
    sw_count(t, m.status);
    busy--;
    progress_update(bar, t->done, n, "runs");
    if (m.worker < 0 || (uint32_t)m.worker >= started || task[m.worker] < 0)
      continue;
    if (!sw_interrupted && next < n &&
        sw_write_all(task[m.worker], &todo[next], sizeof todo[next]) == 0) {
      next++;
      busy++;
    } else {
      close(task[m.worker]);
      task[m.worker] = -1;
    }
  }
  close(rp[0]);
  for (uint32_t w = 0; w < started; w++) {
    if (task[w] >= 0)
      close(task[w]);
    int status;
    while (waitpid(pid[w], &status, 0) < 0 && errno == EINTR)
      ;
  }
  sigaction(SIGPIPE, &old_pipe, NULL);
  /* Points handed out whose worker died without answering. */
  if (!sw_interrupted)
    t->failed += busy;
  else
    t->interrupted += busy;
  return 0;
}

/* ---- command ------------------------------------------------------------------------ */

static int sw_read_file_hash(const char *path, uint64_t *hash) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      if (cap >= SCENARIO_LOAD_MAX_BYTES) {
        free(buf);
        buf = NULL;
        break;
      }
      char *p = realloc(buf, cap * 2);
      if (!p) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = p;
      cap *= 2;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf || bad) {
    free(buf);
    return -1;
  }
  *hash = scenario_load_hash(buf, n, NULL, 0);
  free(buf);
  return 0;
}

/* Loads every point of the sweep once (diagnostics of at most 3 invalid
 * points); fills the scenario name. 0 when all are valid. */
static int sw_validate(const sw_ctx *c, char *scn_name, size_t n) {
  sweep_point_overrides *p = malloc(sizeof *p);
  if (!p)
    return -1;
  uint64_t bad = 0, first_bad = 0;
  for (uint64_t i = 0; i < c->sw->n_points && !sw_interrupted; i++) {
    if (sw_point_build(c, i, p) != 0) {
      fprintf(stderr, "meshsim sweep: error: point %" PRIu64 ": overrides too long\n", i);
      bad++;
      continue;
    }
    sweep_point L;
    int show = bad >= 3 ? SW_SHOW_NEVER : i == 0 ? SW_SHOW_ALWAYS : SW_SHOW_ON_FAILURE;
    if (sw_load(c, p, show, &L) == 0) {
      if (i == 0)
        snprintf(scn_name, n, "%s", L.scn.meta.name);
      sweep_point_release(&L);
      continue;
    }
    if (bad < 3)
      fprintf(stderr, "meshsim sweep: error: point %" PRIu64 " (%s) is invalid (above)\n", i,
              p->params);
    if (!bad)
      first_bad = i;
    bad++;
  }
  free(p);
  if (bad > 3)
    fprintf(stderr, "meshsim sweep: error: %" PRIu64 " more invalid points not shown\n", bad - 3);
  if (bad)
    fprintf(stderr,
            "meshsim sweep: error: %" PRIu64 " of %" PRIu64
            " points are invalid (first: point %" PRIu64 "); nothing was run\n",
            bad, c->sw->n_points, first_bad);
  return bad ? -1 : 0;
}

int cli_cmd_sweep(int argc, char **argv) {
  const char *file = NULL, *db_opt = NULL, *shard_opt = NULL;
  int quiet = 0, dry = 0;
  uint64_t shard_count = 0;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  uint64_t jobs = cores > 0 ? (uint64_t)cores : 1;
  char fixed_store[SWEEP_POINT_MAX_FIXED][SWEEP_POINT_OVERRIDE_MAX];
  const char *fixed_slot[SWEEP_POINT_MAX_FIXED] = {0}; /* modes, seed, replications, duration */
  char spec[DB_SWEEP_TEXT_MAX] = "", err[1024];
  size_t spec_len = 0;
  sweep *sw = malloc(sizeof *sw);
  if (!sw)
    return CLI_EXIT_FAIL;
  sweep_init(sw);
  int status = CLI_EXIT_USAGE;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      sw_usage(stdout);
      status = CLI_EXIT_OK;
      goto out;
    } else if (!strcmp(a, "--quiet")) {
      quiet = 1;
    } else if (!strcmp(a, "--dry-run")) {
      dry = 1;
    } else if (!strcmp(a, "--set") || !strcmp(a, "--modes") || !strcmp(a, "--seed") ||
               !strcmp(a, "--replications") || !strcmp(a, "--duration") || !strcmp(a, "--jobs") ||
               !strcmp(a, "--db") || !strcmp(a, "--shard") || !strcmp(a, "--shard-count")) {
      if (!v) {
        cli_usage_error("sweep", "%s needs a value", a);
        goto out;
      }
      i++;
      if (!strcmp(a, "--jobs")) {
        if (cli_parse_u64("sweep", "--jobs", v, 1, SW_MAX_WORKERS, &jobs) != 0)
          goto out;
        continue;
      } else if (!strcmp(a, "--shard-count")) {
        if (cli_parse_u64("sweep", "--shard-count", v, 1, SWEEP_MAX_POINTS, &shard_count) != 0)
          goto out;
        continue;
      } else if (!strcmp(a, "--db")) {
        db_opt = v;
        continue;
      } else if (!strcmp(a, "--shard")) {
        shard_opt = v;
        continue;
      }
      if (!strcmp(a, "--set")) {
        if (sweep_add(sw, v, err, sizeof err) < 0) {
          cli_usage_error("sweep", "--set %s: %s", v, err);
          goto out;
        }
      } else {
        int slot = !strcmp(a, "--modes")          ? 0
                   : !strcmp(a, "--seed")         ? 1
                   : !strcmp(a, "--replications") ? 2
                                                  : 3;
        static const char *const fmt[] = {"mesh.modes=[%s]", "metadata.seed=%s",
                                          "metadata.replications=%s", "metadata.duration=%s"};
        if (fixed_slot[slot]) {
          cli_usage_error("sweep", "%s given twice", a);
          goto out;
        }
        if (strchr(v, ';')) {
          cli_usage_error("sweep", "%s: values cannot contain ';'", a);
          goto out;
        }
        snprintf(fixed_store[slot], sizeof fixed_store[slot], fmt[slot], v);
        fixed_slot[slot] = fixed_store[slot];
      }
      int w =
          snprintf(spec + spec_len, sizeof spec - spec_len, "%s%s %s", spec_len ? "\n" : "", a, v);
      if (w > 0 && (size_t)w < sizeof spec - spec_len)
        spec_len += (size_t)w;
    } else if (a[0] == '-' && a[1]) {
      cli_usage_error("sweep", "unknown option \"%s\" (see meshsim sweep --help)", a);
      goto out;
    } else if (!file) {
      file = a;
    } else {
      cli_usage_error("sweep", "one scenario file expected, got \"%s\" too", a);
      goto out;
    }
  }
  if (!file) {
    cli_usage_error("sweep", "no scenario file given (usage: meshsim sweep FILE --set "
                             "KEY=VALUES ...)");
    goto out;
  }
  if (sw->n_axes == 0) {
    cli_usage_error("sweep", "nothing to sweep: give at least one --set KEY=V1,V2,...");
    goto out;
  }

  sw_ctx c = {.file = file, .sw = sw, .quiet = quiet};
  for (int s = 0; s < SWEEP_POINT_MAX_FIXED; s++)
    if (fixed_slot[s]) {
      /* A shorthand and a --set of the same key would fight. */
      size_t kl = strcspn(fixed_slot[s], "=");
      for (uint32_t ax = 0; ax < sw->n_axes; ax++)
        if (strlen(sw->axes[ax].key) == kl && !strncmp(sw->axes[ax].key, fixed_slot[s], kl)) {
          cli_usage_error("sweep", "%.*s is set both by --set and by its shorthand option", (int)kl,
                          fixed_slot[s]);
          goto out;
        }
      c.fixed[c.n_fixed++] = fixed_slot[s];
    }

  sweep_shard shard;
  sweep_shard_env env = {getenv("SLURM_ARRAY_TASK_ID"), getenv("SLURM_ARRAY_TASK_COUNT"),
                         getenv("SLURM_ARRAY_TASK_MIN"), getenv("JOB_COMPLETION_INDEX")};
  int sharded = sweep_shard_resolve(shard_opt, shard_count, &env, &shard, err, sizeof err);
  if (sharded < 0) {
    cli_usage_error("sweep", "%s", err);
    goto out;
  }
  char db_path[SW_PATH_MAX];
  if (db_opt)
    snprintf(db_path, sizeof db_path, "%s", db_opt);
  else if (sharded)
    snprintf(db_path, sizeof db_path, "results/meshsim-shard-%u-of-%u.db", shard.index,
             shard.count);
  else
    snprintf(db_path, sizeof db_path, "%s", DB_DEFAULT_PATH);
  c.db_path = db_path;

  status = CLI_EXIT_FAIL;
  uint64_t file_hash;
  if (sw_read_file_hash(file, &file_hash) != 0) {
    fprintf(stderr, "meshsim sweep: error: %s: cannot read the scenario file: %s\n", file,
            strerror(errno));
    goto out;
  }

  /* This process's points. */
  uint32_t *todo = malloc((size_t)sw->n_points * sizeof *todo);
  unsigned char *stored = calloc((size_t)sw->n_points, 1);
  if (!todo || !stored) {
    free(todo);
    free(stored);
    goto out;
  }
  uint32_t n_mine = 0;
  for (uint64_t p = 0; p < sw->n_points; p++)
    if (sweep_shard_has(sharded ? &shard : NULL, p))
      todo[n_mine++] = (uint32_t)p;

  struct sigaction old_int, old_term;
  sw_interrupted = 0;
  sw_set_signals(sw_on_signal, &old_int, &old_term);
  char scn_name[RESULT_NAME_MAX] = "";
  if (sw_validate(&c, scn_name, sizeof scn_name) != 0) {
    status = sw_interrupted ? CLI_EXIT_INTERRUPTED : CLI_EXIT_FAIL;
    goto done;
  }
  if (sharded && !quiet)
    fprintf(stderr, "meshsim sweep: shard %u/%u (%s): %u of %" PRIu64 " points\n", shard.index,
            shard.count, shard.source, n_mine, sw->n_points);
  if (dry) {
    printf("# %" PRIu64 " points; this process would run %u%s\n", sw->n_points, n_mine,
           sharded ? " (its shard)" : "");
    char params[RESULT_TEXT_MAX];
    for (uint32_t i = 0; i < n_mine; i++) {
      sweep_point_params(sw, todo[i], params, sizeof params);
      printf("point %u\t%s\n", todo[i], params);
    }
    status = CLI_EXIT_OK;
    goto done;
  }

  /* Record the sweep and skip what is stored already. */
  db_sweep_info info;
  memset(&info, 0, sizeof info);
  sweep_key(file_hash, MESHSIM_VERSION, sw, c.fixed, c.n_fixed, info.sweep_key);
  snprintf(info.scenario, sizeof info.scenario, "%s", scn_name);
  snprintf(info.scenario_path, sizeof info.scenario_path, "%s", file);
  snprintf(info.file_hash, sizeof info.file_hash, "%016" PRIx64, file_hash);
  snprintf(info.version, sizeof info.version, "%s", MESHSIM_VERSION);
  snprintf(info.spec, sizeof info.spec, "%s", spec);
  for (uint32_t ax = 0, off = 0; ax < sw->n_axes && off < sizeof info.keys; ax++)
    off += (uint32_t)snprintf(info.keys + off, sizeof info.keys - off, "%s%s", ax ? ";" : "",
                              sw->axes[ax].key);
  info.n_points = (uint32_t)sw->n_points;
  time_t now = time(NULL);
  strftime(info.created_at, sizeof info.created_at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  {
    db *d = NULL;
    if (cli_db_open("sweep", db_path, DB_OPEN_CREATE, &d) != 0)
      goto done;
    int rc = db_sweep_open(d, &info);
    if (rc >= 0)
      rc = db_sweep_points_stored(d, info.id, stored, info.n_points);
    if (rc < 0)
      fprintf(stderr, "meshsim sweep: error: %s\n", db_errmsg(d));
    db_close(d);
    if (rc < 0)
      goto done;
  }
  c.sweep_id = info.id;
  uint32_t n_todo = 0, n_skip = 0;
  for (uint32_t i = 0; i < n_mine; i++) {
    if (stored[todo[i]])
      n_skip++;
    else
      todo[n_todo++] = todo[i];
  }
  uint32_t workers = jobs < n_todo ? (uint32_t)jobs : n_todo;
  c.threads = workers > 0 && jobs / workers > 1 ? (uint32_t)(jobs / workers) : 1;
  if (!quiet)
    fprintf(stderr,
            "meshsim sweep: sweep %" PRId64 " in %s: %u point%s to run with %u worker%s "
            "(%u of this process's %u already stored)\n",
            info.id, db_path, n_todo, n_todo == 1 ? "" : "s", workers, workers == 1 ? "" : "s",
            n_skip, n_mine);

  progress bar;
  progress_init(&bar, stderr, "sweep", quiet);
  sw_tally t = {0};
  double t0 = progress_now();
  if (workers <= 1)
    sw_run_inline(&c, todo, n_todo, &bar, &t);
  else if (sw_run_forked(&c, todo, n_todo, workers, &bar, &t) != 0)
    t.failed = n_todo;
  progress_finish(&bar);
  double took = progress_now() - t0;

  if (sw_interrupted) {
    fprintf(stderr,
            "meshsim sweep: interrupted; %u point%s stored, %u not run. Run the same command "
            "again to finish the sweep.\n",
            t.stored + t.already, t.stored + t.already == 1 ? "" : "s",
            n_todo - t.stored - t.already - t.failed);
    status = CLI_EXIT_INTERRUPTED;
  } else if (t.failed) {
    fprintf(stderr, "meshsim sweep: error: %u of %u points failed (above); the others are stored\n",
            t.failed, n_todo);
    status = CLI_EXIT_FAIL;
  } else {
    if (!quiet)
      fprintf(stderr,
              "meshsim sweep: sweep %" PRId64 ": %u point%s run in %.1f s (%.2f points/s); "
              "report: meshsim report --db %s --out DIR\n",
              info.id, n_todo, n_todo == 1 ? "" : "s", took, took > 0 ? n_todo / took : 0.0,
              db_path);
    status = CLI_EXIT_OK;
  }
done:
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  free(todo);
  free(stored);
out:
  sweep_release(sw);
  free(sw);
  return status;
}
