/* db: the SQLite results store (schema, migrations, writing and reading runs).
 *
 * Journal mode: the default rollback journal (DELETE), not WAL. A results
 * database is written once per `meshsim run` in one short transaction and
 * read later by reports; it is a file users copy, attach to tickets and
 * merge. A rollback journal keeps it one self-contained file (WAL leaves
 * -wal/-shm files next to it and needs shared memory, so it fails on network
 * file systems), and its atomic commit is all the crash safety we need: a
 * process killed mid-write leaves a hot journal that the next open rolls
 * back. Concurrent writers (parallel sweeps) serialise on BEGIN IMMEDIATE
 * with a busy timeout instead of failing.
 *
 * The schema text of each version is frozen below; a later version adds a
 * migration function to db_migrations[] that upgrades in place. */
#include "db.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mesh_types.h"

#define DB_ERRMSG_MAX      1024
#define DB_BUSY_TIMEOUT_MS 30000
#define DB_KEY_MAX         (RESULT_TEXT_MAX + 256)

/* Prepared statements, prepared on first use and kept until db_close(). */
enum {
  ST_FIND_BATCH,
  ST_INS_BATCH,
  ST_INS_RUN,
  ST_FIND_RUN,
  ST_INS_BATCH_RUN,
  ST_INS_RUN_METRIC,
  ST_INS_SUMMARY,
  ST_INS_KIND,
  ST_INS_BUCKET,
  ST_INS_NODE,
  ST_INS_SERIES,
  ST_INS_BLAST,
  ST_INS_BLAST_INSTANCE,
  ST_INS_FAILURE,
  ST_INS_FAILURE_SERIES,
  ST_COUNT
};

struct db {
  sqlite3 *conn;
  char *path;
  sqlite3_stmt *st[ST_COUNT];
  char errmsg[DB_ERRMSG_MAX];
};

static const char *const db_tables[] = {
    "batches",         "runs",       "batch_runs",   "run_metrics", "mode_summary",    "kind_usage",
    "latency_buckets", "node_usage", "series",       "blast",       "blast_instances", "failures",
    "failure_series",  "sweeps",     "sweep_points", NULL};

const char *const *db_table_names(void) {
  return db_tables;
}

/* ---- errors --------------------------------------------------------------- */

static int db__fail(db *d, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->errmsg, sizeof d->errmsg, fmt, ap);
  va_end(ap);
  return code;
}

/* Records "what: sqlite message" and returns DB_ESQL. */
static int db__sqlfail(db *d, const char *what) {
  return db__fail(d, DB_ESQL, "%s: %s: %s", d->path, what, sqlite3_errmsg(d->conn));
}

const char *db_errmsg(const db *d) {
  return d ? d->errmsg : "";
}

const char *db_path(const db *d) {
  return d ? d->path : "";
}

struct sqlite3 *db_sqlite(db *d) {
  return d->conn;
}

/* ---- small SQL helpers ---------------------------------------------------- */

static int db__exec(db *d, const char *sql, const char *what) {
  if (sqlite3_exec(d->conn, sql, NULL, NULL, NULL) != SQLITE_OK)
    return db__sqlfail(d, what);
  return 0;
}

/* Runs a statement expected to return no row, then resets it for reuse. */
static int db__done(db *d, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, what);
  return 0;
}

/* Single integer from a query without parameters. */
static int db__int_query(db *d, const char *sql, int64_t *out) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(d->conn, sql, -1, &st, NULL) != SQLITE_OK)
    return db__sqlfail(d, sql);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64(st, 0);
  else
    *out = 0;
  int ret = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : db__sqlfail(d, sql);
  sqlite3_finalize(st);
  return ret;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s) {
  sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* SQLite has no unsigned 64-bit integer: seeds and hashes are stored as
 * their two's complement bit pattern (documented in results/README.md). */
static sqlite3_int64 u64_to_db(uint64_t v) {
  sqlite3_int64 s;
  memcpy(&s, &v, sizeof s);
  return s;
}

static uint64_t u64_from_db(sqlite3_int64 s) {
  uint64_t v;
  memcpy(&v, &s, sizeof v);
  return v;
}

/* NULL (how SQLite stores NaN) reads back as NaN, not 0. */
static double col_double(sqlite3_stmt *st, int i) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL)
    return NAN;
  return sqlite3_column_double(st, i);
}

static void col_text(sqlite3_stmt *st, int i, char *dst, size_t n) {
  const unsigned char *s = sqlite3_column_text(st, i);
  snprintf(dst, n, "%s", s ? (const char *)s : "");
}

/* ---- schema --------------------------------------------------------------- */

/* Version 1. Frozen from the first release on: then never edit it, add a
 * migration instead. (Until then it is still being extended in place.) */
static const char db_schema_v1[] =
    "CREATE TABLE batches (\n"
    "  id            INTEGER PRIMARY KEY,\n"
    "  batch_key     TEXT NOT NULL UNIQUE,\n"
    "  scenario      TEXT NOT NULL,\n"
    "  scenario_path TEXT NOT NULL,\n"
    "  scenario_hash TEXT NOT NULL,\n"
    "  params        TEXT NOT NULL,\n"
    "  profile       TEXT NOT NULL,\n"
    "  version       TEXT NOT NULL,\n"
    "  started_at    TEXT NOT NULL,\n"
    "  wall_s        REAL,\n"
    "  seed          INTEGER NOT NULL,\n"
    "  replications  INTEGER NOT NULL,\n"
    "  duration_s    REAL,\n"
    "  warmup_s      REAL,\n"
    "  slo_ms        REAL,\n"
    "  n_modes       INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX batches_scenario ON batches(scenario, started_at);\n"
    "CREATE TABLE runs (\n"
    "  id              INTEGER PRIMARY KEY,\n"
    "  run_key         TEXT NOT NULL UNIQUE,\n"
    "  batch_id        INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  scenario        TEXT NOT NULL,\n"
    "  scenario_hash   TEXT NOT NULL,\n"
    "  params          TEXT NOT NULL,\n"
    "  version         TEXT NOT NULL,\n"
    "  started_at      TEXT NOT NULL,\n"
    "  mode            TEXT NOT NULL,\n"
    "  replication     INTEGER NOT NULL,\n"
    "  seed            INTEGER NOT NULL,\n"
    "  requests        INTEGER NOT NULL,\n"
    "  errors          INTEGER NOT NULL,\n"
    "  slo_violations  INTEGER NOT NULL,\n"
    "  throughput_rps  REAL,\n"
    "  latency_mean_ms REAL,\n"
    "  latency_p50_ms  REAL,\n"
    "  latency_p90_ms  REAL,\n"
    "  latency_p99_ms  REAL,\n"
    "  latency_p999_ms REAL,\n"
    "  wall_s          REAL\n"
    ");\n"
    "CREATE INDEX runs_batch ON runs(batch_id);\n"
    "CREATE INDEX runs_scenario_mode ON runs(scenario, mode);\n"
    "CREATE TABLE batch_runs (\n"
    "  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  PRIMARY KEY (batch_id, run_id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX batch_runs_run ON batch_runs(run_id);\n"
    "CREATE TABLE run_metrics (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  kind   TEXT NOT NULL,\n"
    "  metric TEXT NOT NULL,\n"
    "  value  REAL,\n"
    "  PRIMARY KEY (run_id, kind, metric)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE mode_summary (\n"
    "  batch_id               INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode                   TEXT NOT NULL,\n"
    "  position               INTEGER NOT NULL,\n"
    "  replications           INTEGER NOT NULL,\n"
    "  requests               INTEGER NOT NULL,\n"
    "  errors                 INTEGER NOT NULL,\n"
    "  slo_violations         INTEGER NOT NULL,\n"
    "  throughput_rps         REAL,\n"
    "  latency_mean_ms        REAL,\n"
    "  latency_mean_ci_n      INTEGER,\n"
    "  latency_mean_ci_mean   REAL,\n"
    "  latency_mean_ci_half   REAL,\n"
    "  latency_mean_ci_lo     REAL,\n"
    "  latency_mean_ci_hi     REAL,\n"
    "  latency_p50_ms         REAL,\n"
    "  latency_p50_ci_n       INTEGER,\n"
    "  latency_p50_ci_mean    REAL,\n"
    "  latency_p50_ci_half    REAL,\n"
    "  latency_p50_ci_lo      REAL,\n"
    "  latency_p50_ci_hi      REAL,\n"
    "  latency_p90_ms         REAL,\n"
    "  latency_p90_ci_n       INTEGER,\n"
    "  latency_p90_ci_mean    REAL,\n"
    "  latency_p90_ci_half    REAL,\n"
    "  latency_p90_ci_lo      REAL,\n"
    "  latency_p90_ci_hi      REAL,\n"
    "  latency_p99_ms         REAL,\n"
    "  latency_p99_ci_n       INTEGER,\n"
    "  latency_p99_ci_mean    REAL,\n"
    "  latency_p99_ci_half    REAL,\n"
    "  latency_p99_ci_lo      REAL,\n"
    "  latency_p99_ci_hi      REAL,\n"
    "  latency_p999_ms        REAL,\n"
    "  latency_p999_ci_n      INTEGER,\n"
    "  latency_p999_ci_mean   REAL,\n"
    "  latency_p999_ci_half   REAL,\n"
    "  latency_p999_ci_lo     REAL,\n"
    "  latency_p999_ci_hi     REAL,\n"
    "  mesh_cpu_cores         REAL,\n"
    "  mesh_mem_mib           REAL,\n"
    "  reserved_cpu_cores     REAL,\n"
    "  reserved_mem_mib       REAL,\n"
    "  nodes_needed           INTEGER NOT NULL,\n"
    "  cross_zone_gb_month    REAL,\n"
    "  cost_compute_usd_month REAL,\n"
    "  cost_network_usd_month REAL,\n"
    "  cost_usd_month         REAL,\n"
    "  cost_reserved_usd_month      REAL,\n"
    "  cost_mesh_reserved_usd_month REAL,\n"
    "  hist_count             INTEGER NOT NULL,\n"
    "  hist_overflow          INTEGER NOT NULL,\n"
    "  hist_sum_ns            REAL,\n"
    "  hist_min_ns            INTEGER NOT NULL,\n"
    "  hist_max_ns            INTEGER NOT NULL,\n"
    "  series_seconds         INTEGER NOT NULL,\n"
    "  PRIMARY KEY (batch_id, mode)\n"
    ");\n"
    "CREATE TABLE kind_usage (\n"
    "  batch_id           INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode               TEXT NOT NULL,\n"
    "  kind               TEXT NOT NULL,\n"
    "  instances          INTEGER NOT NULL,\n"
    "  cpu_cores_mean     REAL,\n"
    "  cpu_cores_peak     REAL,\n"
    "  mem_mib_mean       REAL,\n"
    "  mem_mib_peak       REAL,\n"
    "  reserved_cpu_cores REAL,\n"
    "  reserved_mem_mib   REAL,\n"
    "  PRIMARY KEY (batch_id, mode, kind)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE latency_buckets (\n"
    "  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode     TEXT NOT NULL,\n"
    "  lo_ns    INTEGER NOT NULL,\n"
    "  hi_ns    INTEGER NOT NULL,\n"
    "  count    INTEGER NOT NULL,\n"
    "  PRIMARY KEY (batch_id, mode, lo_ns)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE node_usage (\n"
    "  batch_id                  INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode                      TEXT NOT NULL,\n"
    "  position                  INTEGER NOT NULL,\n"
    "  node                      TEXT NOT NULL,\n"
    "  zone                      INTEGER NOT NULL,\n"
    "  pods                      INTEGER NOT NULL,\n"
    "  cpu_cores_app             REAL,\n"
    "  cpu_cores_sidecar         REAL,\n"
    "  cpu_cores_ztunnel         REAL,\n"
    "  cpu_cores_waypoint        REAL,\n"
    "  cpu_cores_control_plane   REAL,\n"
    "  mem_mib_app               REAL,\n"
    "  mem_mib_sidecar           REAL,\n"
    "  mem_mib_ztunnel           REAL,\n"
    "  mem_mib_waypoint          REAL,\n"
    "  mem_mib_control_plane     REAL,\n"
    "  reserved_cpu_cores        REAL,\n"
    "  reserved_mem_mib          REAL,\n"
    "  capacity_cpu_cores        REAL,\n"
    "  capacity_mem_mib          REAL,\n"
    "  PRIMARY KEY (batch_id, mode, position)\n"
    ");\n"
    "CREATE INDEX node_usage_node ON node_usage(batch_id, mode, node);\n"
    "CREATE TABLE series (\n"
    "  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode     TEXT NOT NULL,\n"
    "  metric   TEXT NOT NULL,\n"
    "  second   INTEGER NOT NULL,\n"
    "  value    REAL,\n"
    "  PRIMARY KEY (batch_id, mode, metric, second)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE blast (\n"
    "  batch_id           INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode               TEXT NOT NULL,\n"
    "  kind               TEXT NOT NULL,\n"
    "  instances          INTEGER NOT NULL,\n"
    "  pods_max           INTEGER NOT NULL,\n"
    "  pods_mean          REAL,\n"
    "  services_max       INTEGER NOT NULL,\n"
    "  namespaces_max     INTEGER NOT NULL,\n"
    "  tenants_max        INTEGER NOT NULL,\n"
    "  identities_max     INTEGER NOT NULL,\n"
    "  request_share_max  REAL,\n"
    "  request_share_mean REAL,\n"
    "  PRIMARY KEY (batch_id, mode, kind)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE blast_instances (\n"
    "  batch_id      INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode          TEXT NOT NULL,\n"
    "  position      INTEGER NOT NULL,\n"
    "  kind          TEXT NOT NULL,\n"
    "  instance      TEXT NOT NULL,\n"
    "  pods          INTEGER NOT NULL,\n"
    "  services      INTEGER NOT NULL,\n"
    "  namespaces    INTEGER NOT NULL,\n"
    "  tenants       INTEGER NOT NULL,\n"
    "  identities    INTEGER NOT NULL,\n"
    "  l7_services   INTEGER NOT NULL,\n"
    "  request_share REAL,\n"
    "  PRIMARY KEY (batch_id, mode, position)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE failures (\n"
    "  id                  INTEGER PRIMARY KEY,\n"
    "  batch_id            INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode                TEXT NOT NULL,\n"
    "  position            INTEGER NOT NULL,\n"
    "  name                TEXT NOT NULL,\n"
    "  component           TEXT NOT NULL,\n"
    "  instance            TEXT NOT NULL,\n"
    "  at_s                REAL,\n"
    "  down_s              REAL,\n"
    "  failed_requests     INTEGER NOT NULL,\n"
    "  slo_violations      INTEGER NOT NULL,\n"
    "  affected_pods       INTEGER NOT NULL,\n"
    "  affected_services   INTEGER NOT NULL,\n"
    "  affected_namespaces INTEGER NOT NULL,\n"
    "  affected_tenants    INTEGER NOT NULL,\n"
    "  recovery_s          REAL,\n"
    "  series_seconds      INTEGER NOT NULL,\n"
    "  UNIQUE (batch_id, mode, position)\n"
    ");\n"
    "CREATE TABLE failure_series (\n"
    "  failure_id INTEGER NOT NULL REFERENCES failures(id) ON DELETE CASCADE,\n"
    "  second     INTEGER NOT NULL,\n"
    "  error_rate REAL,\n"
    "  PRIMARY KEY (failure_id, second)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE sweeps (\n"
    "  id            INTEGER PRIMARY KEY,\n"
    "  sweep_key     TEXT NOT NULL UNIQUE,\n"
    "  scenario      TEXT NOT NULL,\n"
    "  scenario_path TEXT NOT NULL,\n"
    "  file_hash     TEXT NOT NULL,\n"
    "  version       TEXT NOT NULL,\n"
    "  spec          TEXT NOT NULL,\n"
    "  keys          TEXT NOT NULL,\n"
    "  n_points      INTEGER NOT NULL,\n"
    "  created_at    TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE sweep_points (\n"
    "  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,\n"
    "  point    INTEGER NOT NULL,\n"
    "  params   TEXT NOT NULL,\n"
    "  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  UNIQUE (sweep_id, point)\n"
    ");\n"
    "CREATE INDEX sweep_points_batch ON sweep_points(batch_id);\n";

static int db__migrate_to_v1(db *d) {
  return db__exec(d, db_schema_v1, "creating schema version 1");
}

/* Each entry upgrades from to_version - 1 to to_version, in order. */
static const struct {
  int to_version;
  int (*fn)(db *d);
} db_migrations[] = {
    {1, db__migrate_to_v1},
};

int db_schema_version(db *d) {
  int64_t v = 0;
  if (db__int_query(d, "PRAGMA user_version", &v) < 0)
    return DB_ESQL;
  return (int)v;
}

/* Refuses databases that belong to something else or to a newer meshsim,
 * then applies the missing migrations in one transaction. */
static int db__upgrade(db *d) {
  int64_t app_id = 0, version = 0, objects = 0;
  if (db__int_query(d, "PRAGMA application_id", &app_id) < 0)
    return DB_ESQL;
  if (db__int_query(d, "PRAGMA user_version", &version) < 0)
    return DB_ESQL;
  if (db__int_query(d, "SELECT count(*) FROM sqlite_schema", &objects) < 0)
    return DB_ESQL;
  if (app_id != DB_APPLICATION_ID && (app_id != 0 || version != 0 || objects != 0))
    return db__fail(d, DB_EFOREIGN,
                    "%s: not a meshsim results database (application_id %" PRId64
                    ", user_version %" PRId64 ")",
                    d->path, app_id, version);
  if (version > DB_SCHEMA_VERSION)
    return db__fail(d, DB_ENEWER,
                    "%s: database schema version %" PRId64
                    " is newer than version %d known to this meshsim; use a newer meshsim",
                    d->path, version, DB_SCHEMA_VERSION);
  if (version == DB_SCHEMA_VERSION) {
    /* Version 1 grew (sweeps, SLO, reserved costs) before its first
     * release; a database of an earlier draft cannot take today's rows. */
    int64_t sweeps = 0;
    if (db__int_query(d, "SELECT count(*) FROM sqlite_schema WHERE name = 'sweep_points'",
                      &sweeps) < 0)
      return DB_ESQL;
    if (!sweeps)
      return db__fail(d, DB_EFOREIGN,
                      "%s: written by a development build of meshsim with an earlier draft of "
                      "schema version 1 (no sweep tables); move it away and run again",
                      d->path);
    return 0;
  }

  if (db__exec(d, "BEGIN IMMEDIATE", "starting schema upgrade") < 0)
    return DB_ESQL;
  /* Another process may have upgraded it while we waited for the lock. */
  int rc = db__int_query(d, "PRAGMA user_version", &version);
  for (size_t i = 0; rc == 0 && i < sizeof db_migrations / sizeof db_migrations[0]; i++) {
    if (db_migrations[i].to_version <= version)
      continue;
    rc = db_migrations[i].fn(d);
    if (rc == 0) {
      char sql[64];
      snprintf(sql, sizeof sql, "PRAGMA user_version = %d", db_migrations[i].to_version);
      rc = db__exec(d, sql, "setting schema version");
    }
  }
  if (rc == 0) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", DB_APPLICATION_ID);
    rc = db__exec(d, sql, "setting application id");
  }
  if (rc == 0 && db__exec(d, "COMMIT", "committing schema upgrade") == 0)
    return 0;
  sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
  return rc < 0 ? rc : DB_ESQL;
}

/* ---- open / close ----------------------------------------------------------- */

/* mkdir -p of the directory part of `path`. */
static int db__make_parent_dirs(const char *path) {
  char *dir = strdup(path);
  if (!dir)
    return ERR_ENOMEM;
  char *slash = strrchr(dir, '/');
  int rc = 0;
  if (slash && slash != dir) {
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
      if (*p == '/' || *p == '\0') {
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
          rc = DB_EIO;
          break;
        }
        *p = saved;
        if (saved == '\0')
          break;
      }
    }
  }
  free(dir);
  return rc;
}

int db_open(const char *path, unsigned flags, db **out, char *err, size_t err_len) {
  *out = NULL;
  if (err && err_len)
    err[0] = '\0';
  if (!path || !*path) {
    if (err)
      snprintf(err, err_len, "empty database path");
    return ERR_EINVAL;
  }
  struct stat sb;
  if (stat(path, &sb) != 0) {
    if (!(flags & DB_OPEN_CREATE)) {
      if (err)
        snprintf(err, err_len, "%s: no results database there (run `meshsim run --db %s` first)",
                 path, path);
      return DB_ENOTFOUND;
    }
    if (db__make_parent_dirs(path) < 0) {
      if (err)
        snprintf(err, err_len, "%s: cannot create its directory: %s", path, strerror(errno));
      return DB_EIO;
    }
  } else if (S_ISDIR(sb.st_mode)) {
    if (err)
      snprintf(err, err_len, "%s: is a directory, expected a database file", path);
    return ERR_EINVAL;
  }

  db *d = calloc(1, sizeof *d);
  if (!d || !(d->path = strdup(path))) {
    free(d);
    return ERR_ENOMEM;
  }
  int oflags = SQLITE_OPEN_READWRITE | ((flags & DB_OPEN_CREATE) ? SQLITE_OPEN_CREATE : 0);
  int rc = 0;
  if (sqlite3_open_v2(path, &d->conn, oflags, NULL) != SQLITE_OK) {
    rc = db__fail(d, DB_ESQL, "%s: cannot open: %s", path,
                  d->conn ? sqlite3_errmsg(d->conn) : "out of memory");
  } else {
    sqlite3_busy_timeout(d->conn, DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(d->conn, 1);
    rc = db__exec(d, "PRAGMA foreign_keys = ON", "enabling foreign keys");
    if (rc == 0)
      rc = db__upgrade(d);
  }
  if (rc < 0) {
    if (err)
      snprintf(err, err_len, "%s", d->errmsg);
    db_close(d);
    return rc;
  }
  *out = d;
  return 0;
}

void db_close(db *d) {
  if (!d)
    return;
  for (int i = 0; i < ST_COUNT; i++)
    sqlite3_finalize(d->st[i]);
  sqlite3_close(d->conn);
  free(d->path);
  free(d);
}

/* ---- statements for writing ----------------------------------------------- */

/* mode_summary columns after (batch_id, mode, position): name, storage type
 * and the mode_result field, so writing and reading cannot drift apart. */
#define DB_LAT_COLUMNS(X, q)                                                                       \
  X(latency_##q##_ms, DBL, latency.q##_ms)                                                         \
  X(latency_##q##_ci_n, SZ, latency.q##_ci.n)                                                      \
  X(latency_##q##_ci_mean, DBL, latency.q##_ci.mean)                                               \
  X(latency_##q##_ci_half, DBL, latency.q##_ci.half_width)                                         \
  X(latency_##q##_ci_lo, DBL, latency.q##_ci.lo)                                                   \
  X(latency_##q##_ci_hi, DBL, latency.q##_ci.hi)

#define DB_SUMMARY_COLUMNS(X)                                                                      \
  X(replications, U32, replications)                                                               \
  X(requests, U64, requests)                                                                       \
  X(errors, U64, errors)                                                                           \
  X(slo_violations, U64, slo_violations)                                                           \
  X(throughput_rps, DBL, throughput_rps)                                                           \
  DB_LAT_COLUMNS(X, mean)                                                                          \
  DB_LAT_COLUMNS(X, p50)                                                                           \
  DB_LAT_COLUMNS(X, p90)                                                                           \
  DB_LAT_COLUMNS(X, p99)                                                                           \
  DB_LAT_COLUMNS(X, p999)                                                                          \
  X(mesh_cpu_cores, DBL, mesh_cpu_cores)                                                           \
  X(mesh_mem_mib, DBL, mesh_mem_mib)                                                               \
  X(reserved_cpu_cores, DBL, reserved_cpu_cores)                                                   \
  X(reserved_mem_mib, DBL, reserved_mem_mib)                                                       \
  X(nodes_needed, U32, nodes_needed)                                                               \
  X(cross_zone_gb_month, DBL, cross_zone_gb_month)                                                 \
  X(cost_compute_usd_month, DBL, cost_compute_usd_month)                                           \
  X(cost_network_usd_month, DBL, cost_network_usd_month)                                           \
  X(cost_usd_month, DBL, cost_usd_month)                                                           \
  X(cost_reserved_usd_month, DBL, cost_reserved_usd_month)                                         \
  X(cost_mesh_reserved_usd_month, DBL, cost_mesh_reserved_usd_month)                               \
  X(hist_count, U64, latency_hist_ns.count)                                                        \
  X(hist_overflow, U64, latency_hist_ns.overflow)                                                  \
  X(hist_sum_ns, DBL, latency_hist_ns.sum)                                                         \
  X(hist_min_ns, I64, latency_hist_ns.min)                                                         \
  X(hist_max_ns, I64, latency_hist_ns.max)                                                         \
  X(series_seconds, U32, series.n_seconds)

#define BIND_U32(st, i, v) sqlite3_bind_int64((st), (i), (sqlite3_int64)(v))
#define BIND_U64(st, i, v) sqlite3_bind_int64((st), (i), u64_to_db(v))
#define BIND_SZ(st, i, v)  sqlite3_bind_int64((st), (i), (sqlite3_int64)(v))
#define BIND_I64(st, i, v) sqlite3_bind_int64((st), (i), (sqlite3_int64)(v))
#define BIND_DBL(st, i, v) sqlite3_bind_double((st), (i), (v))
#define GET_U32(st, i, lv) ((lv) = (uint32_t)sqlite3_column_int64((st), (i)))
#define GET_U64(st, i, lv) ((lv) = u64_from_db(sqlite3_column_int64((st), (i))))
#define GET_SZ(st, i, lv)  ((lv) = (size_t)sqlite3_column_int64((st), (i)))
#define GET_I64(st, i, lv) ((lv) = (int64_t)sqlite3_column_int64((st), (i)))
#define GET_DBL(st, i, lv) ((lv) = col_double((st), (i)))

#define DB_COL_NAME(name, type, field)  ", " #name
#define DB_COL_PARAM(name, type, field) ",?"
#define DB_COL_COUNT(name, type, field) +1

static const char db_sql_ins_summary[] =
    "INSERT INTO mode_summary(batch_id, mode, position" DB_SUMMARY_COLUMNS(
        DB_COL_NAME) ") VALUES(?,?,?" DB_SUMMARY_COLUMNS(DB_COL_PARAM) ")";
static const char db_sql_sel_summary[] = "SELECT mode, position" DB_SUMMARY_COLUMNS(
    DB_COL_NAME) " FROM mode_summary WHERE batch_id = ? ORDER BY position";

/* node_usage columns per kind are named after mesh_kind_name(), so this one
 * is built at run time. */
static int db__node_insert_sql(char *buf, size_t n) {
  size_t len = (size_t)snprintf(buf, n,
                                "INSERT INTO node_usage(batch_id, mode, position, node, "
                                "zone, pods, reserved_cpu_cores, reserved_mem_mib, "
                                "capacity_cpu_cores, capacity_mem_mib");
  for (int k = 0; k < MESH_KIND_COUNT && len < n; k++)
    len += (size_t)snprintf(buf + len, n - len, ", cpu_cores_%s, mem_mib_%s",
                            mesh_kind_name((mesh_kind)k), mesh_kind_name((mesh_kind)k));
  if (len < n)
    len += (size_t)snprintf(buf + len, n - len, ") VALUES(?,?,?,?,?,?,?,?,?,?");
  for (int k = 0; k < MESH_KIND_COUNT && len < n; k++)
    len += (size_t)snprintf(buf + len, n - len, ",?,?");
  if (len < n)
    len += (size_t)snprintf(buf + len, n - len, ")");
  return len < n ? 0 : ERR_ENOMEM;
}

static const char *const db_write_sql[ST_COUNT] = {
    [ST_FIND_BATCH] = "SELECT id FROM batches WHERE batch_key = ?",
    [ST_INS_BATCH] = "INSERT INTO batches(batch_key, scenario, scenario_path, scenario_hash, "
                     "params, profile, version, started_at, wall_s, seed, replications, "
                     "duration_s, warmup_s, slo_ms, n_modes) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_RUN] = "INSERT OR IGNORE INTO runs(run_key, batch_id, scenario, scenario_hash, params, "
                   "version, started_at, mode, replication, seed, requests, errors, "
                   "slo_violations, throughput_rps, latency_mean_ms, latency_p50_ms, "
                   "latency_p90_ms, latency_p99_ms, latency_p999_ms, wall_s) "
                   "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_FIND_RUN] = "SELECT id FROM runs WHERE run_key = ?",
    [ST_INS_BATCH_RUN] = "INSERT OR IGNORE INTO batch_runs(batch_id, run_id) VALUES(?,?)",
    [ST_INS_RUN_METRIC] = "INSERT INTO run_metrics(run_id, kind, metric, value) VALUES(?,?,?,?)",
    [ST_INS_SUMMARY] = db_sql_ins_summary,
    [ST_INS_KIND] = "INSERT INTO kind_usage(batch_id, mode, kind, instances, cpu_cores_mean, "
                    "cpu_cores_peak, mem_mib_mean, mem_mib_peak, reserved_cpu_cores, "
                    "reserved_mem_mib) VALUES(?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_BUCKET] = "INSERT INTO latency_buckets(batch_id, mode, lo_ns, hi_ns, count) "
                      "VALUES(?,?,?,?,?)",
    [ST_INS_NODE] = NULL, /* db__node_insert_sql() */
    [ST_INS_SERIES] = "INSERT INTO series(batch_id, mode, metric, second, value) VALUES(?,?,?,?,?)",
    [ST_INS_BLAST] = "INSERT INTO blast(batch_id, mode, kind, instances, pods_max, pods_mean, "
                     "services_max, namespaces_max, tenants_max, identities_max, "
                     "request_share_max, request_share_mean) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_BLAST_INSTANCE] = "INSERT INTO blast_instances(batch_id, mode, position, kind, "
                              "instance, pods, services, namespaces, tenants, identities, "
                              "l7_services, request_share) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_FAILURE] = "INSERT INTO failures(batch_id, mode, position, name, component, instance, "
                       "at_s, down_s, failed_requests, slo_violations, affected_pods, "
                       "affected_services, affected_namespaces, affected_tenants, recovery_s, "
                       "series_seconds) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_FAILURE_SERIES] = "INSERT INTO failure_series(failure_id, second, error_rate) "
                              "VALUES(?,?,?)",
};

static int db__prepare_all(db *d) {
  for (int i = 0; i < ST_COUNT; i++) {
    if (d->st[i])
      continue;
    char node_sql[1024];
    const char *sql = db_write_sql[i];
    if (i == ST_INS_NODE) {
      if (db__node_insert_sql(node_sql, sizeof node_sql) < 0)
        return db__fail(d, ERR_ENOMEM, "node insert statement too long");
      sql = node_sql;
    }
    if (sqlite3_prepare_v3(d->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &d->st[i], NULL) !=
        SQLITE_OK)
      return db__sqlfail(d, "preparing statement");
  }
  return 0;
}

/* ---- writing ---------------------------------------------------------------- */

static void db__hash_hex(uint64_t h, char out[17]) {
  snprintf(out, 17, "%016" PRIx64, h);
}

/* Identity of one replication's result: same key, same numbers (the
 * simulation is deterministic given these), so merges may skip it. The free
 * text (params) comes last so the key stays unambiguous. */
static void db__run_key(const run_result *r, const char *mode, uint64_t seed, uint32_t rep,
                        char *out, size_t n) {
  snprintf(out, n, "h=%016" PRIx64 ";v=%s;mode=%s;seed=%" PRIu64 ";rep=%" PRIu32 ";params=%s",
           r->scenario_hash, r->version, mode, seed, rep, r->params);
}

static void db__batch_key(const run_result *r, char *out, size_t n) {
  snprintf(
      out, n,
      "h=%016" PRIx64 ";v=%s;seed=%" PRIu64 ";reps=%" PRIu32 ";at=%s;modes=%" PRIu32 ";params=%s",
      r->scenario_hash, r->version, r->seed, r->replications, r->started_at, r->n_modes, r->params);
}

static int db__check_run(db *d, const run_result *r) {
  if (!r || r->n_modes == 0 || !r->modes)
    return db__fail(d, ERR_EINVAL, "run has no modes");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    const char *name = mesh_mode_name(m->mode);
    if (!name || (int)m->mode < 0 || m->mode >= MESH_MODE_COUNT)
      return db__fail(d, ERR_EINVAL, "mode %u: invalid mode %d", i, (int)m->mode);
    if (m->replications && !m->reps)
      return db__fail(d, ERR_EINVAL, "mode '%s': %u replications but no replication data", name,
                      m->replications);
    if (m->n_nodes && !m->nodes)
      return db__fail(d, ERR_EINVAL, "mode '%s': %u nodes but no node data", name, m->n_nodes);
    if (m->n_blast_instances && !m->blast_instances)
      return db__fail(d, ERR_EINVAL, "mode '%s': %u blast-radius instances but no data", name,
                      m->n_blast_instances);
    if (m->n_failures && !m->failures)
      return db__fail(d, ERR_EINVAL, "mode '%s': %u failures but no failure data", name,
                      m->n_failures);
    for (uint32_t f = 0; f < m->n_failures; f++)
      if (m->failures[f].n_seconds && !m->failures[f].error_rate)
        return db__fail(d, ERR_EINVAL, "mode '%s': failure '%s' has no error-rate series", name,
                        m->failures[f].name);
  }
  return 0;
}

static int db__write_series(db *d, int64_t batch_id, const char *mode, const char *metric,
                            const double *v, uint32_t n) {
  if (!v)
    return 0;
  sqlite3_stmt *st = d->st[ST_INS_SERIES];
  for (uint32_t s = 0; s < n; s++) {
    sqlite3_bind_int64(st, 1, batch_id);
    bind_text(st, 2, mode);
    bind_text(st, 3, metric);
    sqlite3_bind_int64(st, 4, s);
    sqlite3_bind_double(st, 5, v[s]);
    if (db__done(d, st, "writing series") < 0)
      return DB_ESQL;
  }
  return 0;
}

static int db__write_reps(db *d, const run_result *r, int64_t batch_id, const mode_result *m,
                          const char *mode, const char *hash) {
  for (uint32_t j = 0; j < m->replications; j++) {
    const result_replication *rep = &m->reps[j];
    char key[DB_KEY_MAX];
    db__run_key(r, mode, rep->seed, j, key, sizeof key);
    sqlite3_stmt *st = d->st[ST_INS_RUN];
    int c = 1;
    bind_text(st, c++, key);
    sqlite3_bind_int64(st, c++, batch_id);
    bind_text(st, c++, r->scenario);
    bind_text(st, c++, hash);
    bind_text(st, c++, r->params);
    bind_text(st, c++, r->version);
    bind_text(st, c++, r->started_at);
    bind_text(st, c++, mode);
    sqlite3_bind_int64(st, c++, j);
    BIND_U64(st, c++, rep->seed);
    BIND_U64(st, c++, rep->requests);
    BIND_U64(st, c++, rep->errors);
    BIND_U64(st, c++, rep->slo_violations);
    BIND_DBL(st, c++, rep->throughput_rps);
    BIND_DBL(st, c++, rep->mean_ms);
    BIND_DBL(st, c++, rep->p50_ms);
    BIND_DBL(st, c++, rep->p90_ms);
    BIND_DBL(st, c++, rep->p99_ms);
    BIND_DBL(st, c++, rep->p999_ms);
    BIND_DBL(st, c++, rep->wall_s);
    if (db__done(d, st, "writing runs") < 0)
      return DB_ESQL;
    int64_t run_id;
    if (sqlite3_changes(d->conn) == 1) {
      run_id = sqlite3_last_insert_rowid(d->conn);
      sqlite3_stmt *mt = d->st[ST_INS_RUN_METRIC];
      for (int k = 0; k < MESH_KIND_COUNT; k++) {
        const char *kind = mesh_kind_name((mesh_kind)k);
        static const char *const metric[2] = {"cpu_cores", "mem_mib"};
        const double value[2] = {rep->cpu_cores[k], rep->mem_mib[k]};
        for (int x = 0; x < 2; x++) {
          sqlite3_bind_int64(mt, 1, run_id);
          bind_text(mt, 2, kind);
          bind_text(mt, 3, metric[x]);
          sqlite3_bind_double(mt, 4, value[x]);
          if (db__done(d, mt, "writing run_metrics") < 0)
            return DB_ESQL;
        }
      }
    } else {
      /* Stored by an earlier batch: link to it instead of duplicating. */
      sqlite3_stmt *ft = d->st[ST_FIND_RUN];
      bind_text(ft, 1, key);
      int rc = sqlite3_step(ft);
      run_id = rc == SQLITE_ROW ? sqlite3_column_int64(ft, 0) : -1;
      sqlite3_reset(ft);
      sqlite3_clear_bindings(ft);
      if (run_id < 0)
        return db__sqlfail(d, "finding existing run");
    }
    sqlite3_stmt *lt = d->st[ST_INS_BATCH_RUN];
    sqlite3_bind_int64(lt, 1, batch_id);
    sqlite3_bind_int64(lt, 2, run_id);
    if (db__done(d, lt, "writing batch_runs") < 0)
      return DB_ESQL;
  }
  return 0;
}

static int db__write_mode(db *d, const run_result *r, int64_t batch_id, uint32_t position,
                          const char *hash) {
  const mode_result *m = &r->modes[position];
  const char *mode = mesh_mode_name(m->mode);
  sqlite3_stmt *st = d->st[ST_INS_SUMMARY];
  int c = 1;
  sqlite3_bind_int64(st, c++, batch_id);
  bind_text(st, c++, mode);
  sqlite3_bind_int64(st, c++, position);
#define DB_COL_BIND(name, type, field) BIND_##type(st, c++, m->field);
  DB_SUMMARY_COLUMNS(DB_COL_BIND)
#undef DB_COL_BIND
  if (db__done(d, st, "writing mode_summary") < 0)
    return DB_ESQL;

  st = d->st[ST_INS_KIND];
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    const result_kind_usage *u = &m->kind[k];
    c = 1;
    sqlite3_bind_int64(st, c++, batch_id);
    bind_text(st, c++, mode);
    bind_text(st, c++, mesh_kind_name((mesh_kind)k));
    BIND_U32(st, c++, u->instances);
    BIND_DBL(st, c++, u->cpu_cores_mean);
    BIND_DBL(st, c++, u->cpu_cores_peak);
    BIND_DBL(st, c++, u->mem_mib_mean);
    BIND_DBL(st, c++, u->mem_mib_peak);
    BIND_DBL(st, c++, u->reserved_cpu_cores);
    BIND_DBL(st, c++, u->reserved_mem_mib);
    if (db__done(d, st, "writing kind_usage") < 0)
      return DB_ESQL;
  }

  /* Only non-empty buckets: a latency histogram has ~4,700 buckets, of
   * which a run fills a few hundred. */
  const sim_hist *h = &m->latency_hist_ns;
  if (h->buckets) {
    st = d->st[ST_INS_BUCKET];
    size_t nb = sim_hist_bucket_count();
    for (size_t b = 0; b < nb; b++) {
      if (!h->buckets[b])
        continue;
      sqlite3_bind_int64(st, 1, batch_id);
      bind_text(st, 2, mode);
      sqlite3_bind_int64(st, 3, sim_hist_bucket_lo(b));
      sqlite3_bind_int64(st, 4, sim_hist_bucket_hi(b));
      BIND_U64(st, 5, h->buckets[b]);
      if (db__done(d, st, "writing latency_buckets") < 0)
        return DB_ESQL;
    }
  }

  st = d->st[ST_INS_NODE];
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const result_node *nd = &m->nodes[i];
    c = 1;
    sqlite3_bind_int64(st, c++, batch_id);
    bind_text(st, c++, mode);
    sqlite3_bind_int64(st, c++, i);
    bind_text(st, c++, nd->name);
    BIND_U32(st, c++, nd->zone);
    BIND_U32(st, c++, nd->pods);
    BIND_DBL(st, c++, nd->reserved_cpu_cores);
    BIND_DBL(st, c++, nd->reserved_mem_mib);
    BIND_DBL(st, c++, nd->capacity_cpu_cores);
    BIND_DBL(st, c++, nd->capacity_mem_mib);
    for (int k = 0; k < MESH_KIND_COUNT; k++) {
      BIND_DBL(st, c++, nd->cpu_cores[k]);
      BIND_DBL(st, c++, nd->mem_mib[k]);
    }
    if (db__done(d, st, "writing node_usage") < 0)
      return DB_ESQL;
  }

  const result_series *se = &m->series;
  if (db__write_series(d, batch_id, mode, "throughput_rps", se->throughput_rps, se->n_seconds) <
          0 ||
      db__write_series(d, batch_id, mode, "p99_ms", se->p99_ms, se->n_seconds) < 0 ||
      db__write_series(d, batch_id, mode, "error_rate", se->error_rate, se->n_seconds) < 0 ||
      db__write_series(d, batch_id, mode, "waypoint_replicas", se->waypoint_replicas,
                       se->n_seconds) < 0)
    return DB_ESQL;
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    char metric[64];
    snprintf(metric, sizeof metric, "cpu_cores_%s", mesh_kind_name((mesh_kind)k));
    if (db__write_series(d, batch_id, mode, metric, se->cpu_cores[k], se->n_seconds) < 0)
      return DB_ESQL;
  }

  st = d->st[ST_INS_BLAST];
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    if (!m->has_blast[k])
      continue;
    const result_blast *b = &m->blast[k];
    c = 1;
    sqlite3_bind_int64(st, c++, batch_id);
    bind_text(st, c++, mode);
    bind_text(st, c++, mesh_proxy_kind_name((mesh_proxy_kind)k));
    BIND_U32(st, c++, b->instances);
    BIND_U32(st, c++, b->pods_max);
    BIND_DBL(st, c++, b->pods_mean);
    BIND_U32(st, c++, b->services_max);
    BIND_U32(st, c++, b->namespaces_max);
    BIND_U32(st, c++, b->tenants_max);
    BIND_U32(st, c++, b->identities_max);
    BIND_DBL(st, c++, b->request_share_max);
    BIND_DBL(st, c++, b->request_share_mean);
    if (db__done(d, st, "writing blast") < 0)
      return DB_ESQL;
  }

  st = d->st[ST_INS_BLAST_INSTANCE];
  for (uint32_t i = 0; i < m->n_blast_instances; i++) {
    const result_blast_instance *b = &m->blast_instances[i];
    c = 1;
    sqlite3_bind_int64(st, c++, batch_id);
    bind_text(st, c++, mode);
    sqlite3_bind_int64(st, c++, i);
    bind_text(st, c++, b->kind);
    bind_text(st, c++, b->instance);
    BIND_U32(st, c++, b->pods);
    BIND_U32(st, c++, b->services);
    BIND_U32(st, c++, b->namespaces);
    BIND_U32(st, c++, b->tenants);
    BIND_U32(st, c++, b->identities);
    BIND_U32(st, c++, b->l7_services);
    BIND_DBL(st, c++, b->request_share);
    if (db__done(d, st, "writing blast_instances") < 0)
      return DB_ESQL;
  }

  for (uint32_t f = 0; f < m->n_failures; f++) {
    const result_failure *fl = &m->failures[f];
    st = d->st[ST_INS_FAILURE];
    c = 1;
    sqlite3_bind_int64(st, c++, batch_id);
    bind_text(st, c++, mode);
    sqlite3_bind_int64(st, c++, f);
    bind_text(st, c++, fl->name);
    bind_text(st, c++, fl->component);
    bind_text(st, c++, fl->instance);
    BIND_DBL(st, c++, fl->at_s);
    BIND_DBL(st, c++, fl->down_s);
    BIND_U64(st, c++, fl->failed_requests);
    BIND_U64(st, c++, fl->slo_violations);
    BIND_U32(st, c++, fl->affected_pods);
    BIND_U32(st, c++, fl->affected_services);
    BIND_U32(st, c++, fl->affected_namespaces);
    BIND_U32(st, c++, fl->affected_tenants);
    BIND_DBL(st, c++, fl->recovery_s);
    BIND_U32(st, c++, fl->n_seconds);
    if (db__done(d, st, "writing failures") < 0)
      return DB_ESQL;
    int64_t failure_id = sqlite3_last_insert_rowid(d->conn);
    st = d->st[ST_INS_FAILURE_SERIES];
    for (uint32_t s = 0; s < fl->n_seconds; s++) {
      sqlite3_bind_int64(st, 1, failure_id);
      sqlite3_bind_int64(st, 2, s);
      sqlite3_bind_double(st, 3, fl->error_rate[s]);
      if (db__done(d, st, "writing failure_series") < 0)
        return DB_ESQL;
    }
  }
  return db__write_reps(d, r, batch_id, m, mode, hash);
}

/* Writes r inside the caller's transaction. Returns 0 with the new id, 1
 * with the id of an identical batch already stored, or a negative code
 * (the caller rolls back). */
static int db__write_run_tx(db *d, const run_result *r, int64_t *batch_id) {
  char hash[17], key[DB_KEY_MAX];
  db__hash_hex(r->scenario_hash, hash);
  db__batch_key(r, key, sizeof key);
  sqlite3_stmt *st = d->st[ST_FIND_BATCH];
  bind_text(st, 1, key);
  int step = sqlite3_step(st);
  int64_t existing = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (step != SQLITE_ROW && step != SQLITE_DONE)
    return db__sqlfail(d, "looking up batch");
  if (existing >= 0) {
    *batch_id = existing;
    return 1;
  }

  st = d->st[ST_INS_BATCH];
  int c = 1, rc;
  bind_text(st, c++, key);
  bind_text(st, c++, r->scenario);
  bind_text(st, c++, r->scenario_path);
  bind_text(st, c++, hash);
  bind_text(st, c++, r->params);
  bind_text(st, c++, r->profile);
  bind_text(st, c++, r->version);
  bind_text(st, c++, r->started_at);
  BIND_DBL(st, c++, r->wall_s);
  BIND_U64(st, c++, r->seed);
  BIND_U32(st, c++, r->replications);
  BIND_DBL(st, c++, r->duration_s);
  BIND_DBL(st, c++, r->warmup_s);
  BIND_DBL(st, c++, r->slo_ms);
  BIND_U32(st, c++, r->n_modes);
  if ((rc = db__done(d, st, "writing batches")) < 0)
    return rc;
  int64_t id = sqlite3_last_insert_rowid(d->conn);
  for (uint32_t i = 0; i < r->n_modes; i++)
    if ((rc = db__write_mode(d, r, id, i, hash)) < 0)
      return rc;
  *batch_id = id;
  return 0;
}

/* Ends a write transaction: COMMIT when rc >= 0, else ROLLBACK. A failed
 * COMMIT may have rolled back already; a second ROLLBACK then just reports
 * "no transaction", which is fine. */
static int db__end_tx(db *d, int rc) {
  if (rc >= 0 && db__exec(d, "COMMIT", "committing") == 0)
    return rc;
  sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
  return rc < 0 ? rc : DB_ESQL;
}

/* Checks r and opens the write transaction of a run: 0 or DB_E*. */
static int db__begin_write(db *d, const run_result *r) {
  d->errmsg[0] = '\0';
  int rc = db__check_run(d, r);
  if (rc < 0)
    return rc;
  if ((rc = db__prepare_all(d)) < 0)
    return rc;
  /* IMMEDIATE takes the write lock now, so a concurrent writer waits here
   * (busy timeout) rather than failing half-way through. */
  if (db__exec(d, "BEGIN IMMEDIATE", "starting transaction") < 0)
    return DB_ESQL;
  return 0;
}

int db_write_run(db *d, const run_result *r, int64_t *batch_id) {
  int rc = db__begin_write(d, r);
  if (rc < 0)
    return rc;
  int64_t id = -1;
  rc = db__end_tx(d, db__write_run_tx(d, r, &id));
  if (rc >= 0 && batch_id)
    *batch_id = id;
  return rc;
}

/* ---- reading ---------------------------------------------------------------- */

static int db__prepare(db *d, const char *sql, sqlite3_stmt **st) {
  if (sqlite3_prepare_v2(d->conn, sql, -1, st, NULL) != SQLITE_OK) {
    *st = NULL;
    return db__sqlfail(d, "preparing query");
  }
  return 0;
}

/* A query whose parameters are (batch_id, mode): the per-mode rows. */
static int db__prepare_mode(db *d, const char *sql, int64_t batch_id, const char *mode,
                            sqlite3_stmt **st) {
  if (db__prepare(d, sql, st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(*st, 1, batch_id);
  bind_text(*st, 2, mode);
  return 0;
}

/* Finalizes `st` and maps the last step result to 0 or DB_ESQL. */
static int db__finish(db *d, sqlite3_stmt *st, int step_rc, const char *what) {
  int rc = step_rc == SQLITE_DONE ? 0 : db__sqlfail(d, what);
  sqlite3_finalize(st);
  return rc;
}

static int db__load_batch(db *d, int64_t batch_id, run_result *out) {
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "SELECT scenario, scenario_path, scenario_hash, params, profile, version, "
                  "started_at, wall_s, seed, replications, duration_s, warmup_s, slo_ms "
                  "FROM batches WHERE id = ?",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, batch_id);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
      return db__fail(d, DB_ENOTFOUND, "%s: no batch %" PRId64, d->path, batch_id);
    return db__sqlfail(d, "reading batches");
  }
  col_text(st, 0, out->scenario, sizeof out->scenario);
  col_text(st, 1, out->scenario_path, sizeof out->scenario_path);
  char hash[32];
  col_text(st, 2, hash, sizeof hash);
  out->scenario_hash = strtoull(hash, NULL, 16);
  col_text(st, 3, out->params, sizeof out->params);
  col_text(st, 4, out->profile, sizeof out->profile);
  col_text(st, 5, out->version, sizeof out->version);
  col_text(st, 6, out->started_at, sizeof out->started_at);
  out->wall_s = col_double(st, 7);
  out->seed = u64_from_db(sqlite3_column_int64(st, 8));
  out->replications = (uint32_t)sqlite3_column_int64(st, 9);
  out->duration_s = col_double(st, 10);
  out->warmup_s = col_double(st, 11);
  out->slo_ms = col_double(st, 12);
  sqlite3_finalize(st);
  return 0;
}

static int db__load_kinds(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  sqlite3_stmt *st;
  if (db__prepare_mode(d,
                       "SELECT kind, instances, cpu_cores_mean, cpu_cores_peak, mem_mib_mean, "
                       "mem_mib_peak, reserved_cpu_cores, reserved_mem_mib FROM kind_usage "
                       "WHERE batch_id = ? AND mode = ?",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int k = mesh_kind_from_name((const char *)sqlite3_column_text(st, 0));
    if (k < 0)
      continue; /* a kind this build does not know: nothing to put it in */
    result_kind_usage *u = &m->kind[k];
    GET_U32(st, 1, u->instances);
    GET_DBL(st, 2, u->cpu_cores_mean);
    GET_DBL(st, 3, u->cpu_cores_peak);
    GET_DBL(st, 4, u->mem_mib_mean);
    GET_DBL(st, 5, u->mem_mib_peak);
    GET_DBL(st, 6, u->reserved_cpu_cores);
    GET_DBL(st, 7, u->reserved_mem_mib);
  }
  return db__finish(d, st, rc, "reading kind_usage");
}

static int db__load_buckets(db *d, int64_t batch_id, const char *mode, sim_hist *h) {
  sqlite3_stmt *st;
  if (db__prepare_mode(d,
                       "SELECT lo_ns, count FROM latency_buckets WHERE batch_id = ? AND mode = ? "
                       "ORDER BY lo_ns",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t lo = sqlite3_column_int64(st, 0);
    h->buckets[sim_hist_bucket_of(lo)] += u64_from_db(sqlite3_column_int64(st, 1));
  }
  return db__finish(d, st, rc, "reading latency_buckets");
}

static int db__load_nodes(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  sqlite3_stmt *st;
  int64_t n = 0;
  char sql[1024];
  size_t len = (size_t)snprintf(sql, sizeof sql,
                                "SELECT position, node, zone, pods, reserved_cpu_cores, "
                                "reserved_mem_mib, capacity_cpu_cores, capacity_mem_mib");
  for (int k = 0; k < MESH_KIND_COUNT; k++)
    len += (size_t)snprintf(sql + len, sizeof sql - len, ", cpu_cores_%s, mem_mib_%s",
                            mesh_kind_name((mesh_kind)k), mesh_kind_name((mesh_kind)k));
  snprintf(sql + len, sizeof sql - len,
           ", (SELECT count(*) FROM node_usage WHERE batch_id = ?1 AND mode = ?2) FROM node_usage "
           "WHERE batch_id = ?1 AND mode = ?2 ORDER BY position");
  if (db__prepare_mode(d, sql, batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  uint32_t i = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!m->nodes) {
      n = sqlite3_column_int64(st, 8 + 2 * MESH_KIND_COUNT);
      m->nodes = calloc((size_t)n, sizeof *m->nodes);
      if (!m->nodes) {
        sqlite3_finalize(st);
        return db__fail(d, ERR_ENOMEM, "out of memory reading %" PRId64 " nodes", n);
      }
    }
    if (i >= n)
      break;
    result_node *nd = &m->nodes[i++];
    col_text(st, 1, nd->name, sizeof nd->name);
    GET_U32(st, 2, nd->zone);
    GET_U32(st, 3, nd->pods);
    GET_DBL(st, 4, nd->reserved_cpu_cores);
    GET_DBL(st, 5, nd->reserved_mem_mib);
    GET_DBL(st, 6, nd->capacity_cpu_cores);
    GET_DBL(st, 7, nd->capacity_mem_mib);
    for (int k = 0; k < MESH_KIND_COUNT; k++) {
      GET_DBL(st, 8 + 2 * k, nd->cpu_cores[k]);
      GET_DBL(st, 9 + 2 * k, nd->mem_mib[k]);
    }
  }
  m->n_nodes = i;
  return db__finish(d, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, "reading node_usage");
}

/* Where a stored series metric goes in result_series (NULL: unknown). */
static double **db__series_slot(result_series *se, const char *metric) {
  if (strcmp(metric, "throughput_rps") == 0)
    return &se->throughput_rps;
  if (strcmp(metric, "p99_ms") == 0)
    return &se->p99_ms;
  if (strcmp(metric, "error_rate") == 0)
    return &se->error_rate;
  if (strcmp(metric, "waypoint_replicas") == 0)
    return &se->waypoint_replicas;
  if (strncmp(metric, "cpu_cores_", 10) == 0) {
    int k = mesh_kind_from_name(metric + 10);
    if (k >= 0)
      return &se->cpu_cores[k];
  }
  return NULL;
}

static int db__load_series(db *d, int64_t batch_id, const char *mode, result_series *se) {
  sqlite3_stmt *st;
  if (db__prepare_mode(d,
                       "SELECT metric, second, value FROM series WHERE batch_id = ? AND mode = ? "
                       "ORDER BY metric, second",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    double **slot = db__series_slot(se, (const char *)sqlite3_column_text(st, 0));
    int64_t s = sqlite3_column_int64(st, 1);
    if (!slot || s < 0 || s >= se->n_seconds)
      continue;
    if (!*slot && !(*slot = calloc(se->n_seconds, sizeof **slot))) {
      sqlite3_finalize(st);
      return db__fail(d, ERR_ENOMEM, "out of memory reading series");
    }
    (*slot)[s] = col_double(st, 2);
  }
  return db__finish(d, st, rc, "reading series");
}

static int db__load_blast(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  sqlite3_stmt *st;
  if (db__prepare_mode(d,
                       "SELECT kind, instances, pods_max, pods_mean, services_max, namespaces_max, "
                       "tenants_max, identities_max, request_share_max, request_share_mean "
                       "FROM blast WHERE batch_id = ? AND mode = ?",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int k = mesh_proxy_kind_from_name((const char *)sqlite3_column_text(st, 0));
    if (k < 0)
      continue;
    result_blast *b = &m->blast[k];
    m->has_blast[k] = 1;
    GET_U32(st, 1, b->instances);
    GET_U32(st, 2, b->pods_max);
    GET_DBL(st, 3, b->pods_mean);
    GET_U32(st, 4, b->services_max);
    GET_U32(st, 5, b->namespaces_max);
    GET_U32(st, 6, b->tenants_max);
    GET_U32(st, 7, b->identities_max);
    GET_DBL(st, 8, b->request_share_max);
    GET_DBL(st, 9, b->request_share_mean);
  }
  return db__finish(d, st, rc, "reading blast");
}

static int db__load_blast_instances(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  sqlite3_stmt *st;
  if (db__prepare_mode(d,
                       "SELECT kind, instance, pods, services, namespaces, tenants, identities, "
                       "l7_services, request_share, "
                       "(SELECT count(*) FROM blast_instances WHERE batch_id = ?1 AND mode = ?2) "
                       "FROM blast_instances WHERE batch_id = ?1 AND mode = ?2 ORDER BY position",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  int64_t n = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!m->blast_instances) {
      n = sqlite3_column_int64(st, 9);
      m->blast_instances = calloc((size_t)n, sizeof *m->blast_instances);
      if (!m->blast_instances) {
        sqlite3_finalize(st);
        return db__fail(d, ERR_ENOMEM, "out of memory reading blast_instances");
      }
    }
    if (m->n_blast_instances >= n)
      break;
    result_blast_instance *b = &m->blast_instances[m->n_blast_instances++];
    col_text(st, 0, b->kind, sizeof b->kind);
    col_text(st, 1, b->instance, sizeof b->instance);
    GET_U32(st, 2, b->pods);
    GET_U32(st, 3, b->services);
    GET_U32(st, 4, b->namespaces);
    GET_U32(st, 5, b->tenants);
    GET_U32(st, 6, b->identities);
    GET_U32(st, 7, b->l7_services);
    GET_DBL(st, 8, b->request_share);
  }
  return db__finish(d, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, "reading blast_instances");
}

static int db__load_failure_series(db *d, int64_t failure_id, result_failure *f) {
  if (f->n_seconds == 0)
    return 0;
  f->error_rate = calloc(f->n_seconds, sizeof *f->error_rate);
  if (!f->error_rate)
    return db__fail(d, ERR_ENOMEM, "out of memory reading failure series");
  sqlite3_stmt *st;
  if (db__prepare(d, "SELECT second, error_rate FROM failure_series WHERE failure_id = ?", &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, failure_id);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t s = sqlite3_column_int64(st, 0);
    if (s >= 0 && s < f->n_seconds)
      f->error_rate[s] = col_double(st, 1);
  }
  return db__finish(d, st, rc, "reading failure_series");
}

static int db__load_failures(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  sqlite3_stmt *st;
  if (db__prepare_mode(d,
                       "SELECT id, name, component, instance, at_s, down_s, failed_requests, "
                       "slo_violations, affected_pods, affected_services, affected_namespaces, "
                       "affected_tenants, recovery_s, series_seconds, "
                       "(SELECT count(*) FROM failures WHERE batch_id = ?1 AND mode = ?2) "
                       "FROM failures WHERE batch_id = ?1 AND mode = ?2 ORDER BY position",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc, ret = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!m->failures) {
      int64_t n = sqlite3_column_int64(st, 14);
      m->failures = calloc((size_t)n, sizeof *m->failures);
      if (!m->failures) {
        ret = db__fail(d, ERR_ENOMEM, "out of memory reading failures");
        break;
      }
    }
    result_failure *f = &m->failures[m->n_failures++];
    int64_t id = sqlite3_column_int64(st, 0);
    col_text(st, 1, f->name, sizeof f->name);
    col_text(st, 2, f->component, sizeof f->component);
    col_text(st, 3, f->instance, sizeof f->instance);
    GET_DBL(st, 4, f->at_s);
    GET_DBL(st, 5, f->down_s);
    GET_U64(st, 6, f->failed_requests);
    GET_U64(st, 7, f->slo_violations);
    GET_U32(st, 8, f->affected_pods);
    GET_U32(st, 9, f->affected_services);
    GET_U32(st, 10, f->affected_namespaces);
    GET_U32(st, 11, f->affected_tenants);
    GET_DBL(st, 12, f->recovery_s);
    GET_U32(st, 13, f->n_seconds);
    if ((ret = db__load_failure_series(d, id, f)) < 0)
      break;
  }
  if (ret < 0) {
    sqlite3_finalize(st);
    return ret;
  }
  return db__finish(d, st, rc, "reading failures");
}

static int db__load_reps(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  if (m->replications == 0)
    return 0;
  m->reps = calloc(m->replications, sizeof *m->reps);
  if (!m->reps)
    return db__fail(d, ERR_ENOMEM, "out of memory reading replications");
  sqlite3_stmt *st, *mt;
  if (db__prepare(d,
                  "SELECT r.id, r.replication, r.seed, r.requests, r.errors, r.slo_violations, "
                  "r.throughput_rps, r.latency_mean_ms, r.latency_p50_ms, r.latency_p90_ms, "
                  "r.latency_p99_ms, r.latency_p999_ms, r.wall_s FROM batch_runs br "
                  "JOIN runs r ON r.id = br.run_id WHERE br.batch_id = ? AND r.mode = ? "
                  "ORDER BY r.replication",
                  &st) < 0)
    return DB_ESQL;
  if (db__prepare(d, "SELECT kind, metric, value FROM run_metrics WHERE run_id = ?", &mt) < 0) {
    sqlite3_finalize(st);
    return DB_ESQL;
  }
  sqlite3_bind_int64(st, 1, batch_id);
  bind_text(st, 2, mode);
  int rc, mrc = SQLITE_DONE;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t j = sqlite3_column_int64(st, 1);
    if (j < 0 || j >= m->replications)
      continue;
    result_replication *rep = &m->reps[j];
    GET_U64(st, 2, rep->seed);
    GET_U64(st, 3, rep->requests);
    GET_U64(st, 4, rep->errors);
    GET_U64(st, 5, rep->slo_violations);
    GET_DBL(st, 6, rep->throughput_rps);
    GET_DBL(st, 7, rep->mean_ms);
    GET_DBL(st, 8, rep->p50_ms);
    GET_DBL(st, 9, rep->p90_ms);
    GET_DBL(st, 10, rep->p99_ms);
    GET_DBL(st, 11, rep->p999_ms);
    GET_DBL(st, 12, rep->wall_s);
    sqlite3_bind_int64(mt, 1, sqlite3_column_int64(st, 0));
    while ((mrc = sqlite3_step(mt)) == SQLITE_ROW) {
      int k = mesh_kind_from_name((const char *)sqlite3_column_text(mt, 0));
      const char *metric = (const char *)sqlite3_column_text(mt, 1);
      if (k < 0 || !metric)
        continue;
      if (strcmp(metric, "cpu_cores") == 0)
        rep->cpu_cores[k] = col_double(mt, 2);
      else if (strcmp(metric, "mem_mib") == 0)
        rep->mem_mib[k] = col_double(mt, 2);
    }
    sqlite3_reset(mt);
    if (mrc != SQLITE_DONE)
      break;
  }
  if (mrc != SQLITE_DONE) {
    db__sqlfail(d, "reading run_metrics");
    sqlite3_finalize(mt);
    sqlite3_finalize(st);
    return DB_ESQL;
  }
  sqlite3_finalize(mt);
  return db__finish(d, st, rc, "reading runs");
}

static int db__load_modes(db *d, int64_t batch_id, run_result *out) {
  int64_t n = 0;
  {
    sqlite3_stmt *st;
    if (db__prepare(d, "SELECT count(*) FROM mode_summary WHERE batch_id = ?", &st) < 0)
      return DB_ESQL;
    sqlite3_bind_int64(st, 1, batch_id);
    if (sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  if (n == 0)
    return 0;
  out->modes = calloc((size_t)n, sizeof *out->modes);
  if (!out->modes)
    return db__fail(d, ERR_ENOMEM, "out of memory reading modes");

  sqlite3_stmt *st;
  if (db__prepare(d, db_sql_sel_summary, &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, batch_id);
  int rc, ret = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n_modes < n) {
    char mode[RESULT_NAME_MAX];
    col_text(st, 0, mode, sizeof mode);
    int mm = mesh_mode_from_name(mode);
    if (mm < 0) {
      ret = db__fail(d, ERR_EINVAL,
                     "%s: batch %" PRId64 " has unknown mode '%s'; valid modes are: %s", d->path,
                     batch_id, mode, mesh_mode_names_list());
      break;
    }
    mode_result *m = &out->modes[out->n_modes++];
    m->mode = (mesh_mode)mm;
    if (sim_hist_init(&m->latency_hist_ns) != 0) {
      ret = db__fail(d, ERR_ENOMEM, "out of memory for a histogram");
      break;
    }
    int c = 2;
#define DB_COL_GET(name, type, field) GET_##type(st, c, m->field), c++;
    DB_SUMMARY_COLUMNS(DB_COL_GET)
#undef DB_COL_GET
    if ((ret = db__load_kinds(d, batch_id, mode, m)) < 0 ||
        (ret = db__load_buckets(d, batch_id, mode, &m->latency_hist_ns)) < 0 ||
        (ret = db__load_nodes(d, batch_id, mode, m)) < 0 ||
        (ret = db__load_series(d, batch_id, mode, &m->series)) < 0 ||
        (ret = db__load_blast(d, batch_id, mode, m)) < 0 ||
        (ret = db__load_blast_instances(d, batch_id, mode, m)) < 0 ||
        (ret = db__load_failures(d, batch_id, mode, m)) < 0 ||
        (ret = db__load_reps(d, batch_id, mode, m)) < 0)
      break;
  }
  if (ret < 0) {
    sqlite3_finalize(st);
    return ret;
  }
  return db__finish(d, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, "reading mode_summary");
}

int db_load_run(db *d, int64_t batch_id, run_result *out) {
  memset(out, 0, sizeof *out);
  d->errmsg[0] = '\0';
  /* One read transaction: a consistent snapshot even if a writer commits
   * in between. */
  if (db__exec(d, "BEGIN", "starting read") < 0)
    return DB_ESQL;
  int rc = db__load_batch(d, batch_id, out);
  if (rc == 0)
    rc = db__load_modes(d, batch_id, out);
  sqlite3_exec(d->conn, "COMMIT", NULL, NULL, NULL);
  if (rc < 0) {
    run_result_release(out);
    memset(out, 0, sizeof *out); /* safe to free again */
  }
  return rc;
}

/* ---- listing ---------------------------------------------------------------- */

int db_list_batches(db *d, const char *scenario, unsigned flags, db_batch_info **out, size_t *n) {
  *out = NULL;
  *n = 0;
  d->errmsg[0] = '\0';
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "SELECT b.id, b.scenario, b.scenario_hash, b.params, b.profile, b.version, "
                  "b.started_at, b.seed, b.replications, b.wall_s, "
                  "(SELECT group_concat(mode, ', ') FROM (SELECT mode FROM mode_summary ms "
                  "  WHERE ms.batch_id = b.id ORDER BY position)) "
                  "FROM batches b WHERE (?1 IS NULL OR b.scenario = ?1) "
                  "AND (?2 = 0 OR b.id = (SELECT b2.id FROM batches b2 "
                  "  WHERE b2.scenario = b.scenario ORDER BY b2.started_at DESC, b2.id DESC "
                  "  LIMIT 1)) "
                  "ORDER BY b.started_at DESC, b.id DESC",
                  &st) < 0)
    return DB_ESQL;
  if (scenario)
    bind_text(st, 1, scenario);
  sqlite3_bind_int(st, 2, (flags & DB_LIST_LATEST) ? 1 : 0);
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      db_batch_info *p = realloc(*out, ncap * sizeof *p);
      if (!p) {
        sqlite3_finalize(st);
        free(*out);
        *out = NULL;
        *n = 0;
        return db__fail(d, ERR_ENOMEM, "out of memory listing batches");
      }
      *out = p;
      cap = ncap;
    }
    db_batch_info *b = &(*out)[(*n)++];
    memset(b, 0, sizeof *b);
    b->id = sqlite3_column_int64(st, 0);
    col_text(st, 1, b->scenario, sizeof b->scenario);
    col_text(st, 2, b->scenario_hash, sizeof b->scenario_hash);
    col_text(st, 3, b->params, sizeof b->params);
    col_text(st, 4, b->profile, sizeof b->profile);
    col_text(st, 5, b->version, sizeof b->version);
    col_text(st, 6, b->started_at, sizeof b->started_at);
    b->seed = u64_from_db(sqlite3_column_int64(st, 7));
    b->replications = (uint32_t)sqlite3_column_int64(st, 8);
    b->wall_s = col_double(st, 9);
    col_text(st, 10, b->modes, sizeof b->modes);
  }
  if (rc != SQLITE_DONE) {
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return db__finish(d, st, rc, "listing batches");
}

int db_latest_batch(db *d, const char *scenario, int64_t *batch_id) {
  d->errmsg[0] = '\0';
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "SELECT id FROM batches WHERE (?1 IS NULL OR scenario = ?1) "
                  "ORDER BY started_at DESC, id DESC LIMIT 1",
                  &st) < 0)
    return DB_ESQL;
  if (scenario)
    bind_text(st, 1, scenario);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *batch_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, "finding latest batch");
  if (scenario)
    return db__fail(d, DB_ENOTFOUND, "%s: no results for scenario '%s'", d->path, scenario);
  return db__fail(d, DB_ENOTFOUND, "%s: the database holds no runs yet", d->path);
}

int64_t db_count_rows(db *d, const char *table) {
  int known = 0;
  for (const char *const *t = db_tables; *t; t++)
    known |= strcmp(*t, table) == 0;
  if (!known)
    return db__fail(d, ERR_EINVAL, "unknown table '%s'", table);
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
  int64_t n;
  if (db__int_query(d, sql, &n) < 0)
    return DB_ESQL;
  return n;
}

/* ---- sweeps ----------------------------------------------------------------- */

static const char db_sql_sweep_cols[] =
    "id, sweep_key, scenario, scenario_path, file_hash, version, spec, keys, n_points, "
    "created_at, (SELECT count(*) FROM sweep_points p WHERE p.sweep_id = sweeps.id)";

static void db__read_sweep(sqlite3_stmt *st, db_sweep_info *s) {
  memset(s, 0, sizeof *s);
  s->id = sqlite3_column_int64(st, 0);
  col_text(st, 1, s->sweep_key, sizeof s->sweep_key);
  col_text(st, 2, s->scenario, sizeof s->scenario);
  col_text(st, 3, s->scenario_path, sizeof s->scenario_path);
  col_text(st, 4, s->file_hash, sizeof s->file_hash);
  col_text(st, 5, s->version, sizeof s->version);
  col_text(st, 6, s->spec, sizeof s->spec);
  col_text(st, 7, s->keys, sizeof s->keys);
  s->n_points = (uint32_t)sqlite3_column_int64(st, 8);
  col_text(st, 9, s->created_at, sizeof s->created_at);
  s->n_stored = (uint32_t)sqlite3_column_int64(st, 10);
}

/* Inside a transaction: the id of sweep_key, inserting *s when missing.
 * 0 = inserted, 1 = existed. */
static int db__sweep_upsert(db *d, db_sweep_info *s) {
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "INSERT OR IGNORE INTO sweeps(sweep_key, scenario, scenario_path, file_hash, "
                  "version, spec, keys, n_points, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
                  &st) < 0)
    return DB_ESQL;
  bind_text(st, 1, s->sweep_key);
  bind_text(st, 2, s->scenario);
  bind_text(st, 3, s->scenario_path);
  bind_text(st, 4, s->file_hash);
  bind_text(st, 5, s->version);
  bind_text(st, 6, s->spec);
  bind_text(st, 7, s->keys);
  sqlite3_bind_int64(st, 8, s->n_points);
  bind_text(st, 9, s->created_at);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, "writing sweeps");
  int inserted = sqlite3_changes(d->conn) == 1;
  if (db__prepare(d, "SELECT id FROM sweeps WHERE sweep_key = ?", &st) < 0)
    return DB_ESQL;
  bind_text(st, 1, s->sweep_key);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    s->id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW)
    return db__sqlfail(d, "finding sweep");
  return inserted ? 0 : 1;
}

int db_sweep_open(db *d, db_sweep_info *s) {
  d->errmsg[0] = '\0';
  if (!s->sweep_key[0])
    return db__fail(d, ERR_EINVAL, "sweep has no key");
  if (db__exec(d, "BEGIN IMMEDIATE", "starting transaction") < 0)
    return DB_ESQL;
  return db__end_tx(d, db__sweep_upsert(d, s));
}

int db_sweep_points_stored(db *d, int64_t sweep_id, unsigned char *done, uint32_t n) {
  d->errmsg[0] = '\0';
  sqlite3_stmt *st;
  if (db__prepare(d, "SELECT point FROM sweep_points WHERE sweep_id = ?", &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, sweep_id);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t p = sqlite3_column_int64(st, 0);
    if (p >= 0 && p < n)
      done[p] = 1;
  }
  return db__finish(d, st, rc, "reading sweep_points");
}

/* Inside a transaction: INSERT OR IGNORE of one sweep_points row; 1 when
 * added, 0 when it was there. */
static int db__insert_point(db *d, int64_t sweep_id, int64_t point, const char *params,
                            int64_t batch_id) {
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "INSERT OR IGNORE INTO sweep_points(sweep_id, point, params, batch_id) "
                  "VALUES(?,?,?,?)",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, sweep_id);
  sqlite3_bind_int64(st, 2, point);
  bind_text(st, 3, params);
  sqlite3_bind_int64(st, 4, batch_id);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, "writing sweep_points");
  return sqlite3_changes(d->conn) == 1;
}

int db_write_sweep_point(db *d, int64_t sweep_id, uint32_t point, const char *params,
                         const run_result *r, int64_t *batch_id) {
  int rc = db__begin_write(d, r);
  if (rc < 0)
    return rc;
  int64_t id = -1;
  rc = db__write_run_tx(d, r, &id);
  if (rc >= 0) {
    int added = db__insert_point(d, sweep_id, point, params ? params : "", id);
    rc = added < 0 ? added : added ? 0 : 1;
  }
  rc = db__end_tx(d, rc);
  if (rc >= 0 && batch_id)
    *batch_id = id;
  return rc;
}

int db_list_sweeps(db *d, db_sweep_info **out, size_t *n) {
  *out = NULL;
  *n = 0;
  d->errmsg[0] = '\0';
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT %s FROM sweeps ORDER BY created_at DESC, id DESC",
           db_sql_sweep_cols);
  sqlite3_stmt *st;
  if (db__prepare(d, sql, &st) < 0)
    return DB_ESQL;
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      size_t ncap = cap ? cap * 2 : 8;
      db_sweep_info *p = realloc(*out, ncap * sizeof *p);
      if (!p) {
        sqlite3_finalize(st);
        free(*out);
        *out = NULL;
        *n = 0;
        return db__fail(d, ERR_ENOMEM, "out of memory listing sweeps");
      }
      *out = p;
      cap = ncap;
    }
    db__read_sweep(st, &(*out)[(*n)++]);
  }
  if (rc != SQLITE_DONE) {
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return db__finish(d, st, rc, "listing sweeps");
}

int db_load_sweep(db *d, int64_t sweep_id, db_sweep_info *out) {
  d->errmsg[0] = '\0';
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT %s FROM sweeps WHERE id = ?", db_sql_sweep_cols);
  sqlite3_stmt *st;
  if (db__prepare(d, sql, &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, sweep_id);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    db__read_sweep(st, out);
    sqlite3_finalize(st);
    return 0;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, "reading sweeps");
  return db__fail(d, DB_ENOTFOUND, "%s: no sweep %" PRId64, d->path, sweep_id);
}

int db_latest_sweep(db *d, int64_t *sweep_id) {
  d->errmsg[0] = '\0';
  int64_t id = 0;
  if (db__int_query(d, "SELECT id FROM sweeps ORDER BY created_at DESC, id DESC LIMIT 1", &id) < 0)
    return DB_ESQL;
  if (id <= 0)
    return db__fail(d, DB_ENOTFOUND, "%s: the database holds no sweeps", d->path);
  *sweep_id = id;
  return 0;
}

int db_sweep_of_batch(db *d, int64_t batch_id, int64_t *sweep_id) {
  d->errmsg[0] = '\0';
  sqlite3_stmt *st;
  if (db__prepare(d, "SELECT sweep_id FROM sweep_points WHERE batch_id = ? ORDER BY sweep_id DESC",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, batch_id);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *sweep_id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW)
    return 0;
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, "reading sweep_points");
  return db__fail(d, DB_ENOTFOUND, "batch %" PRId64 " is not part of a sweep", batch_id);
}

int db_load_sweep_rows(db *d, int64_t sweep_id, db_sweep_row **rows, size_t *n) {
  *rows = NULL;
  *n = 0;
  d->errmsg[0] = '\0';
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "SELECT p.point, p.batch_id, p.params, m.mode, m.position, m.requests, m.errors, "
                  "m.slo_violations, m.throughput_rps, m.latency_p50_ms, m.latency_p99_ms, "
                  "m.latency_p999_ms, m.mesh_cpu_cores, m.mesh_mem_mib, m.reserved_cpu_cores, "
                  "m.reserved_mem_mib, m.nodes_needed, m.cost_usd_month, "
                  "m.cost_reserved_usd_month, m.cost_mesh_reserved_usd_month "
                  "FROM sweep_points p JOIN mode_summary m ON m.batch_id = p.batch_id "
                  "WHERE p.sweep_id = ? ORDER BY p.point, m.position",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, sweep_id);
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int mode = mesh_mode_from_name((const char *)sqlite3_column_text(st, 3));
    if (mode < 0)
      continue; /* a mode this build does not know */
    if (*n == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      db_sweep_row *p = realloc(*rows, ncap * sizeof *p);
      if (!p) {
        sqlite3_finalize(st);
        free(*rows);
        *rows = NULL;
        *n = 0;
        return db__fail(d, ERR_ENOMEM, "out of memory reading sweep points");
      }
      *rows = p;
      cap = ncap;
    }
    db_sweep_row *w = &(*rows)[(*n)++];
    memset(w, 0, sizeof *w);
    GET_U32(st, 0, w->point);
    GET_I64(st, 1, w->batch_id);
    col_text(st, 2, w->params, sizeof w->params);
    w->mode = (mesh_mode)mode;
    GET_U32(st, 4, w->position);
    GET_U64(st, 5, w->requests);
    GET_U64(st, 6, w->errors);
    GET_U64(st, 7, w->slo_violations);
    GET_DBL(st, 8, w->throughput_rps);
    GET_DBL(st, 9, w->latency_p50_ms);
    GET_DBL(st, 10, w->latency_p99_ms);
    GET_DBL(st, 11, w->latency_p999_ms);
    GET_DBL(st, 12, w->mesh_cpu_cores);
    GET_DBL(st, 13, w->mesh_mem_mib);
    GET_DBL(st, 14, w->reserved_cpu_cores);
    GET_DBL(st, 15, w->reserved_mem_mib);
    GET_U32(st, 16, w->nodes_needed);
    GET_DBL(st, 17, w->cost_usd_month);
    GET_DBL(st, 18, w->cost_reserved_usd_month);
    GET_DBL(st, 19, w->cost_mesh_reserved_usd_month);
  }
  if (rc != SQLITE_DONE) {
    free(*rows);
    *rows = NULL;
    *n = 0;
  }
  return db__finish(d, st, rc, "reading sweep points");
}

/* ---- merging ------------------------------------------------------------------ */

typedef struct db_id_pair {
  int64_t from, to;
} db_id_pair;

static int db__cmp_pair(const void *a, const void *b) {
  int64_t x = ((const db_id_pair *)a)->from, y = ((const db_id_pair *)b)->from;
  return (x > y) - (x < y);
}

/* Ids of every batch of `in`, ascending (malloc'd). */
static int db__batch_ids(db *in, int64_t **ids, size_t *n) {
  *ids = NULL;
  *n = 0;
  sqlite3_stmt *st;
  if (db__prepare(in, "SELECT id FROM batches ORDER BY id", &st) < 0)
    return DB_ESQL;
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      int64_t *p = realloc(*ids, ncap * sizeof *p);
      if (!p) {
        sqlite3_finalize(st);
        free(*ids);
        *ids = NULL;
        return db__fail(in, ERR_ENOMEM, "out of memory listing batches");
      }
      *ids = p;
      cap = ncap;
    }
    (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
  }
  if (rc != SQLITE_DONE) {
    free(*ids);
    *ids = NULL;
    *n = 0;
  }
  return db__finish(in, st, rc, "listing batches");
}

/* The points of one sweep of `in`, written into sweep out_id of `out` with
 * batch ids translated through map; in one transaction. */
static int db__merge_points(db *out, db *in, int64_t in_id, int64_t out_id, const db_id_pair *map,
                            size_t n_map, db_merge_stats *st) {
  sqlite3_stmt *q;
  if (db__prepare(in, "SELECT point, params, batch_id FROM sweep_points WHERE sweep_id = ?", &q) <
      0)
    return db__fail(out, DB_ESQL, "%s", in->errmsg);
  sqlite3_bind_int64(q, 1, in_id);
  if (db__exec(out, "BEGIN IMMEDIATE", "starting transaction") < 0) {
    sqlite3_finalize(q);
    return DB_ESQL;
  }
  int rc = 0, step;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    db_id_pair key = {sqlite3_column_int64(q, 2), 0};
    const db_id_pair *m = bsearch(&key, map, n_map, sizeof *map, db__cmp_pair);
    st->points_read++;
    if (!m)
      continue; /* cannot happen: sweep_points references batches */
    int added = db__insert_point(out, out_id, sqlite3_column_int64(q, 0),
                                 (const char *)sqlite3_column_text(q, 1), m->to);
    if (added < 0) {
      rc = added;
      break;
    }
    st->points_added += added;
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = db__fail(out, DB_ESQL, "%s: reading sweep_points: %s", in->path, sqlite3_errmsg(in->conn));
  sqlite3_finalize(q);
  return db__end_tx(out, rc);
}

int db_merge(db *out, db *in, db_merge_stats *st) {
  out->errmsg[0] = in->errmsg[0] = '\0';
  int64_t *ids = NULL;
  size_t n = 0;
  int rc = db__batch_ids(in, &ids, &n);
  if (rc < 0)
    return db__fail(out, rc, "%s", in->errmsg);
  db_id_pair *map = calloc(n ? n : 1, sizeof *map);
  if (!map) {
    free(ids);
    return db__fail(out, ERR_ENOMEM, "out of memory merging %s", in->path);
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    run_result r;
    if ((rc = db_load_run(in, ids[i], &r)) < 0) {
      db__fail(out, rc, "%s", in->errmsg);
      break;
    }
    int64_t to = -1;
    int w = db_write_run(out, &r, &to);
    run_result_release(&r);
    if (w < 0) {
      rc = w;
      break;
    }
    st->batches_read++;
    st->batches_added += w == 0;
    map[i].from = ids[i];
    map[i].to = to;
  }
  free(ids);
  /* ids ascending, so map is sorted for bsearch. */
  db_sweep_info *sw = NULL;
  size_t ns = 0;
  if (rc == 0 && (rc = db_list_sweeps(in, &sw, &ns)) < 0)
    db__fail(out, rc, "%s", in->errmsg);
  for (size_t i = 0; rc == 0 && i < ns; i++) {
    int64_t in_id = sw[i].id;
    int created = db_sweep_open(out, &sw[i]);
    if (created < 0) {
      rc = created;
      break;
    }
    st->sweeps_read++;
    st->sweeps_added += created == 0;
    rc = db__merge_points(out, in, in_id, sw[i].id, map, n, st);
  }
  free(sw);
  free(map);
  return rc < 0 ? rc : 0;
}
