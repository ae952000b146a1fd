/* sweep_run: runs a sweep, or one shard of it, into a results database.
 *
 * Four steps, so that a front end can speak between them (the CLI prints the
 * shard after validation, lists the points for --dry-run instead of
 * recording, and announces the work after recording):
 *
 *   sweep_run_new       the shard's points, the database path, the hash of
 *                       the scenario file (part of the sweep's identity)
 *   sweep_run_validate  loads every point of the whole sweep, all shards,
 *                       before anything runs: an invalid point fails the
 *                       sweep at once, not hours later on another machine
 *   sweep_run_record    finds or creates the sweep's row in the database
 *                       and drops the points already stored, so a sweep
 *                       run again resumes where it stopped
 *   sweep_run_exec      runs the rest on worker processes (sweep_pool.h),
 *                       each point loaded, simulated in every mode and
 *                       stored as one batch in its own transaction
 *
 * Every step returns 0 or a negative code from err.h: ERR_EINTR once
 * *interrupt is set (finished points stay stored), otherwise the code of the
 * first thing that failed. Nothing here prints or exits: a loader's
 * diagnostics go to hooks.diagnostics and everything else to hooks.message,
 * one line without a subject ("point 3 (k=v): error: ..."; the CLI prefixes
 * "meshsim sweep: "). With worker processes a point's messages come from the
 * worker that ran it: the hooks run there, and must only write.
 *
 * Workers open the database themselves and SQLite's busy timeout serialises
 * their write transactions; the runner holds no connection across fork().
 * With fewer points than jobs, the spare cores simulate the modes of each
 * point in threads (model_inputs.jobs). */
#ifndef MESHSIM_SWEEP_RUN_H
#define MESHSIM_SWEEP_RUN_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "sweep.h"
#include "sweep_point.h"
#include "sweep_pool.h"

#define SWEEP_RUN_PATH_MAX 1024

typedef struct sweep_run sweep_run;

typedef struct sweep_run_hooks {
  void (*message)(void *ctx, const char *line);           /* optional */
  void (*diagnostics)(void *ctx, const diag_list *d);     /* optional: a point's loader's */
  void (*progress)(void *ctx, uint32_t done, uint32_t n); /* optional: during sweep_run_exec */
  void *ctx;
} sweep_run_hooks;

typedef struct sweep_run_options {
  const char *file;         /* the scenario file */
  const sweep *sw;          /* the axes; must outlive the runner */
  const char *const *fixed; /* overrides of every point ("metadata.seed=7"); must outlive it */
  size_t n_fixed;           /* at most SWEEP_POINT_MAX_FIXED */
  const sweep_shard *shard; /* NULL: the whole sweep */
  const char *db_path;      /* NULL: DB_DEFAULT_PATH, or for a shard I of N
                               results/meshsim-shard-I-of-N.db */
  const char *spec;         /* the sweep's options as typed, one per line, kept with it */
  uint32_t jobs;            /* cores to use: worker processes, at most SWEEP_POOL_MAX_WORKERS */
  volatile int *interrupt;  /* optional: when it becomes non-zero the sweep stops */
  work_budget budget;       /* a point estimated over it is invalid; zeros: the defaults */
  sweep_run_hooks hooks;
} sweep_run_options;

/* What the runner found and did, step by step. */
typedef struct sweep_run_info {
  char db_path[SWEEP_RUN_PATH_MAX];
  const uint32_t *mine; /* new: this process's points (its shard), ascending */
  uint32_t n_mine;
  char scenario[RESULT_NAME_MAX]; /* validate: metadata.name (of point 0) */
  int64_t sweep_id;               /* record: the sweep's id in the database */
  uint32_t n_todo;                /* record: points of `mine` not stored yet */
  uint32_t n_skipped;             /* record: points of `mine` stored already */
  uint32_t workers;               /* record: worker processes exec will use */
  /* exec: what became of the n_todo points. `done` counts every answer but
   * an interrupted one; points never run are in none of these. */
  uint32_t stored, already, failed, interrupted, done;
} sweep_run_info;

/* Plans the sweep described by *opt (copied; the strings it points to must
 * outlive the runner). Returns 0 with *out to free with sweep_run_free;
 * SCENARIO_LOAD_EIO when the scenario file cannot be read (with a message),
 * ERR_EINVAL for bad options, ERR_ENOMEM. */
int sweep_run_new(const sweep_run_options *opt, sweep_run **out);
void sweep_run_free(sweep_run *r);

const sweep_run_info *sweep_run_info_of(const sweep_run *r);

/* Loads every point: the diagnostics of point 0 (its warnings, once) and of
 * the first three invalid points, and a line naming each of them and one
 * counting them. Returns 0 when every point is valid, ERR_EINTR, or the
 * code of the first invalid point. */
int sweep_run_validate(sweep_run *r);

/* Records the sweep (found by its key when another shard or an earlier run
 * recorded it) and plans what is left to run. Returns 0 or a DB_E* code
 * (with a message). */
int sweep_run_record(sweep_run *r);

/* Runs the points left, reporting hooks.progress as they finish. Returns 0
 * when every one was stored (or was found stored), ERR_EINTR when
 * interrupted, or the code of the first point that failed (each failure has
 * its message; the other points are stored). */
int sweep_run_exec(sweep_run *r);

#endif
