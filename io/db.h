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

#include <stddef.h>
#include <stdint.h>

#include "result.h"

/* Schema version this build writes; older databases are upgraded in place. */
#define DB_SCHEMA_VERSION 1
/* PRAGMA application_id of a meshsim database ("MshD"). */
#define DB_APPLICATION_ID 0x4d736844

#define DB_DEFAULT_PATH "results/meshsim.db"

#define DB_ERROR_MAP(X)                                                                            \
  X(OK, 0, "success")                                                                              \
  X(NOMEM, -1, "out of memory")                                                                    \
  X(INVAL, -2, "invalid argument")                                                                 \
  X(IO, -3, "file system error")                                                                   \
  X(SQL, -4, "database error")                                                                     \
  X(NOTFOUND, -5, "not found")                                                                     \
  X(NEWER, -6, "database schema is newer than this meshsim")                                       \
  X(FOREIGN, -7, "not a meshsim results database")                                                 \
  X(TOOL, -8, "external program failed")

enum {
#define DB_ERROR_ENUM(name, code, text) DB_E##name = (code),
  DB_ERROR_MAP(DB_ERROR_ENUM)
#undef DB_ERROR_ENUM
};

/* Text for any DB_E* code; never NULL. */
const char *db_strerror(int code);

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
 * run_result_free()), including the latency histogram rebuilt from its
 * buckets, nodes, series, replications, blast radius and failures. */
int db_load_run(db *d, int64_t batch_id, run_result *out);

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

#endif
