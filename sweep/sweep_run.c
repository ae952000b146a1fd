/* sweep_run: plan, validate, record and run a sweep into the results
 * database; see sweep_run.h. */
#include "sweep_run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "db.h"
#include "scenario_load.h"

/* Invalid points whose diagnostics are shown; the rest are only counted. */
#define SWEEP_RUN_SHOWN_INVALID 3

struct sweep_run {
  sweep_run_options opt;
  sweep_run_info info;
  uint64_t file_hash;
  uint32_t *mine;           /* this process's points */
  uint32_t *todo;           /* after record: the points of mine not stored yet */
  uint32_t threads;         /* model_inputs.jobs of each point */
  int first_failure;        /* exec: code of the first point that failed */
  sweep_point_overrides ov; /* scratch for the point being loaded */
};

static void sweep_run__say(const sweep_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sweep_run__say(const sweep_run *r, const char *fmt, ...) {
  if (!r->opt.hooks.message)
    return;
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  r->opt.hooks.message(r->opt.hooks.ctx, line);
}

static int sweep_run__interrupted(const sweep_run *r) {
  return r->opt.interrupt && *r->opt.interrupt;
}

/* FNV-1a of the scenario file's bytes alone: with the spec, the sweep's
 * identity (sweep_key), the same on every shard. */
static int sweep_run__file_hash(sweep_run *r) {
  FILE *f = fopen(r->opt.file, "rb");
  struct stat st;
  char *buf = NULL;
  int rc = SCENARIO_LOAD_EIO;
  if (f && fstat(fileno(f), &st) == 0 && (uint64_t)st.st_size <= SCENARIO_LOAD_MAX_BYTES &&
      (buf = malloc((size_t)st.st_size + 1)) != NULL &&
      fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
    r->file_hash = scenario_load_hash(buf, (size_t)st.st_size, NULL, 0);
    rc = 0;
  }
  int why = errno;
  free(buf);
  if (f)
    fclose(f);
  if (rc != 0)
    sweep_run__say(r, "error: %s: cannot read the scenario file: %s", r->opt.file, strerror(why));
  return rc;
}

int sweep_run_new(const sweep_run_options *opt, sweep_run **out) {
  *out = NULL;
  if (!opt->file || !opt->sw || opt->n_fixed > SWEEP_POINT_MAX_FIXED ||
      opt->sw->n_points > SWEEP_MAX_POINTS)
    return ERR_EINVAL;
  sweep_run *r = calloc(1, sizeof *r);
  if (!r)
    return ERR_ENOMEM;
  r->opt = *opt;
  r->opt.jobs = opt->jobs < 1 ? 1 : opt->jobs;
  sweep_run_info *in = &r->info;
  const sweep_shard *sh = opt->shard;
  if (opt->db_path)
    snprintf(in->db_path, sizeof in->db_path, "%s", opt->db_path);
  else if (sh)
    snprintf(in->db_path, sizeof in->db_path, "results/meshsim-shard-%u-of-%u.db", sh->index,
             sh->count);
  else
    snprintf(in->db_path, sizeof in->db_path, "%s", DB_DEFAULT_PATH);
  int rc = sweep_run__file_hash(r);
  size_t n = (size_t)opt->sw->n_points;
  if (rc == 0 &&
      (!(r->mine = malloc(n * sizeof *r->mine)) || !(r->todo = malloc(n * sizeof *r->todo))))
    rc = ERR_ENOMEM;
  if (rc != 0) {
    sweep_run_free(r);
    return rc;
  }
  for (uint64_t p = 0; p < opt->sw->n_points; p++)
    if (sweep_shard_has(sh, p))
      r->mine[in->n_mine++] = (uint32_t)p;
  in->mine = r->mine;
  *out = r;
  return 0;
}

void sweep_run_free(sweep_run *r) {
  if (!r)
    return;
  free(r->mine);
  free(r->todo);
  free(r);
}

const sweep_run_info *sweep_run_info_of(const sweep_run *r) {
  return &r->info;
}

/* Loads point `point` into *p. Its diagnostics and the line saying why it
 * failed go to the hooks when `show` says so: always (the first point's
 * warnings, once for the sweep), when it fails, or never. */
enum { SWEEP_RUN_SHOW_NEVER, SWEEP_RUN_SHOW_FAILURE, SWEEP_RUN_SHOW_ALWAYS };

static int sweep_run__load(sweep_run *r, const sweep_point_overrides *ov, int show,
                           sweep_point *p) {
  diag_list d;
  diag_list_init(&d);
  char why[512];
  int rc = sweep_point_load(p, r->opt.file, ov->sets, ov->n, &d, why, sizeof why);
  const work_budget *b = r->opt.budget.max_events > 0 ? &r->opt.budget : NULL;
  if (rc == 0 && (rc = work_check(&p->work, b, r->threads, r->opt.file, &d)) != 0)
    sweep_point_release(p);
  if (show == SWEEP_RUN_SHOW_ALWAYS || (rc != 0 && show == SWEEP_RUN_SHOW_FAILURE)) {
    if (r->opt.hooks.diagnostics)
      r->opt.hooks.diagnostics(r->opt.hooks.ctx, &d);
    if (rc != 0 && why[0])
      sweep_run__say(r, "error: %s", why);
  }
  diag_list_release(&d);
  return rc;
}

int sweep_run_validate(sweep_run *r) {
  const sweep *sw = r->opt.sw;
  sweep_point_overrides *ov = &r->ov;
  uint64_t bad = 0, first_bad = 0;
  int first_rc = 0;
  for (uint64_t i = 0; i < sw->n_points && !sweep_run__interrupted(r); i++) {
    int rc = sweep_point_overrides_of(sw, i, r->opt.fixed, r->opt.n_fixed, ov);
    if (rc != 0) {
      sweep_run__say(r, "error: point %" PRIu64 ": overrides too long", i);
    } else {
      int show = bad >= SWEEP_RUN_SHOWN_INVALID ? SWEEP_RUN_SHOW_NEVER
                 : i == 0                       ? SWEEP_RUN_SHOW_ALWAYS
                                                : SWEEP_RUN_SHOW_FAILURE;
      sweep_point p;
      rc = sweep_run__load(r, ov, show, &p);
      if (rc == 0) {
        if (i == 0)
          snprintf(r->info.scenario, sizeof r->info.scenario, "%s", p.scn.meta.name);
        sweep_point_release(&p);
        continue;
      }
      if (bad < SWEEP_RUN_SHOWN_INVALID)
        sweep_run__say(r, "error: point %" PRIu64 " (%s) is invalid (above)", i, ov->params);
    }
    if (!bad) {
      first_bad = i;
      first_rc = rc;
    }
    bad++;
  }
  if (bad > SWEEP_RUN_SHOWN_INVALID)
    sweep_run__say(r, "error: %" PRIu64 " more invalid points not shown",
                   bad - SWEEP_RUN_SHOWN_INVALID);
  if (bad)
    sweep_run__say(r,
                   "error: %" PRIu64 " of %" PRIu64 " points are invalid (first: point %" PRIu64
                   "); nothing was run",
                   bad, sw->n_points, first_bad);
  if (sweep_run__interrupted(r))
    return ERR_EINTR;
  return first_rc;
}

/* The row of the sweep: its key, the scenario, the spec as typed. */
static void sweep_run__describe(const sweep_run *r, db_sweep_info *s) {
  const sweep *sw = r->opt.sw;
  memset(s, 0, sizeof *s);
  sweep_key(r->file_hash, MESHSIM_VERSION, sw, r->opt.fixed, r->opt.n_fixed, s->sweep_key);
  snprintf(s->scenario, sizeof s->scenario, "%s", r->info.scenario);
  snprintf(s->scenario_path, sizeof s->scenario_path, "%s", r->opt.file);
  snprintf(s->file_hash, sizeof s->file_hash, "%016" PRIx64, r->file_hash);
  snprintf(s->version, sizeof s->version, "%s", MESHSIM_VERSION);
  snprintf(s->spec, sizeof s->spec, "%s", r->opt.spec ? r->opt.spec : "");
  for (uint32_t ax = 0, off = 0; ax < sw->n_axes && off < sizeof s->keys; ax++)
    off += (uint32_t)snprintf(s->keys + off, sizeof s->keys - off, "%s%s", ax ? ";" : "",
                              sw->axes[ax].key);
  s->n_points = (uint32_t)sw->n_points;
  time_t now = time(NULL);
  strftime(s->created_at, sizeof s->created_at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

static int sweep_run__open(const sweep_run *r, db **d) {
  char err[1024];
  int rc = db_open(r->info.db_path, DB_OPEN_CREATE, d, err, sizeof err);
  if (rc != 0)
    sweep_run__say(r, "error: %s", err);
  return rc;
}

int sweep_run_record(sweep_run *r) {
  sweep_run_info *in = &r->info;
  db_sweep_info *s = malloc(sizeof *s);
  unsigned char *stored = calloc((size_t)r->opt.sw->n_points, 1);
  db *d = NULL;
  int rc = s && stored ? 0 : ERR_ENOMEM;
  if (rc == 0)
    rc = sweep_run__open(r, &d);
  if (rc == 0) {
    sweep_run__describe(r, s);
    rc = db_sweep_open(d, s);
    if (rc >= 0)
      rc = db_sweep_points_stored(d, s->id, stored, s->n_points);
    if (rc < 0)
      sweep_run__say(r, "error: %s", db_errmsg(d));
    else
      rc = 0;
  }
  if (d)
    db_close(d);
  if (rc == 0) {
    in->sweep_id = s->id;
    in->n_todo = in->n_skipped = 0;
    for (uint32_t i = 0; i < in->n_mine; i++) {
      if (stored[r->mine[i]])
        in->n_skipped++;
      else
        r->todo[in->n_todo++] = r->mine[i];
    }
    uint32_t jobs = r->opt.jobs;
    in->workers = jobs < in->n_todo ? jobs : in->n_todo;
    r->threads = in->workers > 0 && jobs / in->workers > 1 ? jobs / in->workers : 1;
  }
  free(s);
  free(stored);
  return rc;
}

/* Loads, simulates and stores one point: 0 stored, 1 found stored already,
 * ERR_EINTR, or the code of what failed (with its message). */
static int sweep_run__point(sweep_run *r, db *d, uint32_t point) {
  sweep_point_overrides *ov = &r->ov;
  if (sweep_point_overrides_of(r->opt.sw, point, r->opt.fixed, r->opt.n_fixed, ov) != 0) {
    sweep_run__say(r, "point %u: its overrides are too long", point);
    return SWEEP_ETOOBIG;
  }
  sweep_point p;
  int rc = sweep_run__load(r, ov, SWEEP_RUN_SHOW_FAILURE, &p);
  if (rc != 0) {
    sweep_run__say(r, "point %u (%s): the scenario does not load", point, ov->params);
    return rc;
  }
  diag_list model_diag;
  diag_list_init(&model_diag);
  p.in.diag = &model_diag;
  p.in.interrupt = r->opt.interrupt;
  p.in.jobs = r->threads;
  time_t started = time(NULL);
  run_result res;
  rc = sweep_run__interrupted(r) ? ERR_EINTR : model_run(&p.in, &res);
  if (sweep_run__interrupted(r)) {
    if (rc == 0)
      run_result_release(&res);
    rc = ERR_EINTR;
  } else if (rc != 0) {
    sweep_run__say(r, "point %u (%s): error: %s", point, ov->params,
                   model_failure_message(rc, &model_diag));
  } else {
    sweep_point_stamp(&res, r->opt.file, started, ov->sets, ov->n);
    int64_t batch = 0;
    rc = db_write_sweep_point(d, r->info.sweep_id, point, ov->params, &res, &batch);
    if (rc < 0)
      sweep_run__say(r, "point %u (%s): error: cannot store it: %s", point, ov->params,
                     db_errmsg(d));
    run_result_release(&res);
  }
  diag_list_release(&model_diag);
  sweep_point_release(&p);
  return rc;
}

/* The pool's side: each worker opens the database for itself. */
static void *sweep_run__start(void *ctx) {
  db *d = NULL;
  return sweep_run__open(ctx, &d) == 0 ? d : NULL;
}

static int sweep_run__task(void *ctx, void *worker, uint32_t point) {
  return sweep_run__point(ctx, worker, point);
}

static void sweep_run__stop(void *ctx, void *worker) {
  (void)ctx;
  db_close(worker);
}

static void sweep_run__progress(void *ctx) {
  const sweep_run *r = ctx;
  if (r->opt.hooks.progress)
    r->opt.hooks.progress(r->opt.hooks.ctx, r->info.done, r->info.n_todo);
}

static void sweep_run__result(void *ctx, uint32_t point, int rc) {
  sweep_run *r = ctx;
  sweep_run_info *in = &r->info;
  (void)point;
  in->done += rc != ERR_EINTR;
  if (rc == 0)
    in->stored++;
  else if (rc == 1)
    in->already++;
  else if (rc == ERR_EINTR)
    in->interrupted++;
  else {
    in->failed++;
    if (!r->first_failure)
      r->first_failure = rc;
  }
  sweep_run__progress(r);
}

int sweep_run_exec(sweep_run *r) {
  sweep_run_info *in = &r->info;
  sweep_pool_ops ops = {sweep_run__start,  sweep_run__task,     sweep_run__stop,
                        sweep_run__result, sweep_run__progress, r};
  uint32_t lost = 0;
  char err[512];
  int rc = sweep_pool_run(r->todo, in->n_todo, in->workers, &ops, r->opt.interrupt, &lost, err,
                          sizeof err);
  if (rc != 0) {
    sweep_run__say(r, "%s", err);
    in->failed = in->n_todo;
    return rc;
  }
  /* Points handed out whose worker died, or never started, without answering. */
  if (sweep_run__interrupted(r))
    in->interrupted += lost;
  else
    in->failed += lost;
  if (sweep_run__interrupted(r))
    return ERR_EINTR;
  /* A worker that dies without answering was most likely killed for memory
   * (the OOM killer); one that could not open the database said why. */
  if (lost && !r->first_failure)
    r->first_failure = ERR_ENOMEM;
  return r->first_failure;
}
