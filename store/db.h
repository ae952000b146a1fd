/* db: the SQLite results store.
 *
 * Every `meshsim run` becomes one batch: a row in `batches`, one row per
 * (mode, replication) in `runs`, and the per-mode figures reports need
 * (summary, usage per kind, latency histogram buckets, nodes, time series,
 * blast radius, failure drills). A batch is written in one transaction, so
 * an interrupted or failed write leaves no partial rows. Reports and CSV
 * exports read the database only, never the in-memory result, so they can be
 * regenerated later. The schema is versioned with PRAGMA user_version and
 * documented, with example queries, in results/README.md.
 *
 * Errors: functions return 0 (or a positive count) or a negative DB_E* code;
 * the message of the last error is kept in the handle (db_errmsg()). */
#ifndef MESHSIM_DB_H
#define MESHSIM_DB_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#include "result.h"

/* Schema version this build writes; older databases are upgraded in place. */
#define DB_SCHEMA_VERSION 6
/* PRAGMA application_id of a meshsim database ("MshD"). */
#define DB_APPLICATION_ID 0x4d736844

#define DB_DEFAULT_PATH "results/meshsim.db"

typedef struct db db; /* opaque: one open database connection */

enum {
  DB_OPEN_CREATE = 1 << 0, /* create the file and its parent directory if missing */
};

/* Opens (and with DB_OPEN_CREATE creates) the database at `path`, upgrading
 * its schema to DB_SCHEMA_VERSION. On failure *out is NULL and `err` (if
 * non-NULL) holds a message naming the path. The caller owns *out and
 * releases it with db_close(). */
int db_open(const char *path, unsigned flags, db **out, char *err, size_t err_len);
void db_close(db *d);

/* Message of the last failed call on `d` ("" when none). Owned by `d`. */
const char *db_errmsg(const db *d);
const char *db_path(const db *d);

/* The underlying SQLite connection, for tests and tools that need more than
 * this interface (merge, progress handlers). Owned by `d`. */
struct sqlite3 *db_sqlite(db *d);

/* Schema version of the open database (PRAGMA user_version). */
int db_schema_version(db *d);

/* Writes one run in a single transaction (BEGIN IMMEDIATE ... COMMIT,
 * ROLLBACK on any error). Each (scenario hash, version, params, mode, seed,
 * replication) is stored once in `runs` (UNIQUE run_key, INSERT OR IGNORE),
 * and a batch identical to a stored one (same batch_key: hash, version,
 * params, seed, replications, started_at) is not stored twice: *batch_id then
 * receives the existing id and the function returns 1 instead of 0. */
int db_write_run(db *d, const run_result *r, int64_t *batch_id);

/* Reads batch `batch_id` back into `out` (zeroed first; free it with
 * run_result_release()), including the latency histogram rebuilt from its
 * buckets, nodes, series, replications, blast radius and failures. */
int db_load_run(db *d, int64_t batch_id, run_result *out);

/* ---- advice (meshsim advise) ---------------------------------------------------
 *
 * One row in `advice` per `meshsim advise`, naming the batch that holds its
 * verified runs (the uniform modes and hybrid with the recommendation), with
 * its namespaces, uniform modes, runner-ups, constraints and migration steps
 * and their risks in tables of their own (results/README.md). */

/* Writes a (whose batch_id names its stored batch) in one transaction.
 * Returns 0 or a negative code. */
struct advice; /* models/advice.h */
int db_write_advice(db *d, const struct advice *a);

/* The latest advice stored for batch `batch_id` into *out (release with
 * advice_release); DB_ENOTFOUND when there is none. */
int db_load_advice(db *d, int64_t batch_id, struct advice *out);

typedef struct db_batch_info {
  int64_t id;
  char scenario[RESULT_NAME_MAX];
  char scenario_hash[17]; /* 16 hex digits */
  char params[RESULT_TEXT_MAX];
  char profile[RESULT_NAME_MAX];
  char version[RESULT_NAME_MAX];
  char started_at[32];
  char modes[RESULT_TEXT_MAX]; /* "sidecar, ambient" in report order */
  uint64_t seed;
  uint32_t replications;
  double wall_s;
} db_batch_info;

enum {
  DB_LIST_LATEST = 1 << 0, /* only the latest batch of each scenario */
};

/* Batches, newest first, optionally only those of `scenario` (NULL = all).
 * *out is a malloc'd array the caller frees with free(); *n its length. */
int db_list_batches(db *d, const char *scenario, unsigned flags, db_batch_info **out, size_t *n);

/* Id of the latest batch (of `scenario`, or of any scenario when NULL);
 * DB_ENOTFOUND when there is none. */
int db_latest_batch(db *d, const char *scenario, int64_t *batch_id);

/* Rows in `table` (a name from db_table_names()); negative code on error. */
int64_t db_count_rows(db *d, const char *table);

/* Names of the schema's tables, NULL-terminated, in dependency order. */
const char *const *db_table_names(void);

/* ---- sweeps ------------------------------------------------------------------
 *
 * A sweep (`meshsim sweep`) is many batches of one scenario that differ in
 * the values of a few overridden keys. `sweeps` holds one row per distinct
 * sweep (UNIQUE sweep_key: a hash of the scenario file's own content hash,
 * the meshsim version and the expanded, sorted spec), `sweep_points` one row
 * per point that has been stored (UNIQUE (sweep_id, point)), naming the batch
 * that holds its results. Shards of one sweep compute the same sweep_key, so
 * merging their databases joins them into one sweep. */

#define DB_SWEEP_TEXT_MAX 4096

typedef struct db_sweep_info {
  int64_t id;
  char sweep_key[17]; /* 16 hex digits */
  char scenario[RESULT_NAME_MAX];
  char scenario_path[RESULT_TEXT_MAX];
  char file_hash[17]; /* FNV-1a 64 of the scenario file alone, 16 hex digits */
  char version[RESULT_NAME_MAX];
  char spec[DB_SWEEP_TEXT_MAX]; /* the sweep's options, one per line, as typed */
  char keys[DB_SWEEP_TEXT_MAX]; /* the --set keys in command-line order, ';'-separated */
  uint32_t n_points;            /* points of the whole sweep (all shards) */
  uint32_t n_stored;            /* points stored in this database (read only) */
  char created_at[32];          /* UTC, ISO 8601 */
} db_sweep_info;

/* Finds the sweep with s->sweep_key or creates it from *s; sets s->id.
 * Returns 0 when created, 1 when it was already there, or a negative code. */
int db_sweep_open(db *d, db_sweep_info *s);

/* Sets done[p] = 1 for every point p < n of the sweep already stored. */
int db_sweep_points_stored(db *d, int64_t sweep_id, unsigned char *done, uint32_t n);

/* Stores the run of one sweep point and its sweep_points row in a single
 * transaction (as db_write_run: an identical batch is not stored twice, a
 * point already stored keeps its row). `params` are the point's --set
 * assignments, "key=value;key=value" in key order. Returns 0, or 1 when the
 * point was already stored, or a negative code. */
int db_write_sweep_point(db *d, int64_t sweep_id, uint32_t point, const char *params,
                         const run_result *r, int64_t *batch_id);

/* Sweeps, newest first (*out malloc'd, caller frees). */
int db_list_sweeps(db *d, db_sweep_info **out, size_t *n);
int db_load_sweep(db *d, int64_t sweep_id, db_sweep_info *out);
/* Latest sweep by creation time; DB_ENOTFOUND when there is none. */
int db_latest_sweep(db *d, int64_t *sweep_id);
/* The sweep batch `batch_id` is a point of; DB_ENOTFOUND when none. */
int db_sweep_of_batch(db *d, int64_t batch_id, int64_t *sweep_id);

/* One mode of one stored sweep point: what sweep reports draw. */
typedef struct db_sweep_row {
  uint32_t point;
  int64_t batch_id;
  char params[RESULT_TEXT_MAX];
  uint32_t position;   /* of the mode in its batch */
  mode_result summary; /* the mode, its mode_summary row and its kind usage: every
                          figure a metric (metric.h) reads; no histogram buckets,
                          nodes, series, replications, blast radius or failures,
                          so nothing in it is owned */
} db_sweep_row;

/* Every (point, mode) of the sweep, by point then mode position; *rows is
 * malloc'd, the caller frees it with free(). */
int db_load_sweep_rows(db *d, int64_t sweep_id, db_sweep_row **rows, size_t *n);

typedef struct db_merge_stats {
  int64_t batches_read, batches_added;
  int64_t sweeps_read, sweeps_added;
  int64_t points_read, points_added;
} db_merge_stats;

/* Copies every batch (db_load_run + db_write_run: identical batches are
 * skipped by batch_key, runs shared by run_key) and every sweep and sweep
 * point of `in` into `out`. Idempotent: merging the same database twice
 * adds nothing. Each batch is its own transaction, so an interrupted merge
 * can simply be run again. Adds to *st (which the caller zeroes). */
int db_merge(db *out, db *in, db_merge_stats *st);

#endif
