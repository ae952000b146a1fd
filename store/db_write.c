/* db_write: stores a run, and the sweeps and sweep points that name runs.
 *
 * A run is written in one transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK
 * on any error), so a failed or interrupted write leaves no partial rows.
 * Its rows are written mode by mode, one table at a time, through the
 * column lists of db_internal.h; the statements are prepared once per
 * connection and reused for every row. */
#include <inttypes.h>

#include "db_internal.h"

/* ---- statements --------------------------------------------------------------- */

DB_DEFINE_BIND(batch, run_result, DB_BATCH_COLUMNS)
DB_DEFINE_BIND(run, result_replication, DB_RUN_COLUMNS)
DB_DEFINE_BIND(summary, mode_result, DB_SUMMARY_COLUMNS)
DB_DEFINE_BIND(kind, result_kind_usage, DB_KIND_COLUMNS)
DB_DEFINE_BIND(node, result_node, DB_NODE_COLUMNS)
DB_DEFINE_BIND(blast, result_blast, DB_BLAST_COLUMNS)
DB_DEFINE_BIND(blast_instance, result_blast_instance, DB_BLAST_INSTANCE_COLUMNS)
DB_DEFINE_BIND(failure, result_failure, DB_FAILURE_COLUMNS)
DB_DEFINE_BIND(sweep, db_sweep_info, DB_SWEEP_COLUMNS)
DB_DEFINE_BIND(hotspot, result_hotspot, DB_HOTSPOT_COLUMNS)
DB_DEFINE_BIND(capacity, result_capacity, DB_CAPACITY_COLUMNS)
DB_DEFINE_BIND(sizing, result_sizing, DB_SIZING_COLUMNS)
DB_DEFINE_BIND(node_warning, result_node_warning, DB_NODE_WARNING_COLUMNS)
DB_DEFINE_BIND(namespace, result_namespace, DB_NAMESPACE_COLUMNS)

/* An INSERT of the columns of LIST after the `first` ones (a string of
 * names) and their `params` ("?,?"). */
#define DB_INSERT(verb, table, first, params, LIST)                                                \
  verb " INTO " table "(" first LIST(DB_COL_NAME) ") VALUES(" params LIST(DB_COL_PARAM) ")"

static const char *const db_write_sql[ST_COUNT] = {
    [ST_FIND_BATCH] = "SELECT id FROM batches WHERE batch_key = ?",
    [ST_INS_BATCH] = "INSERT INTO batches(batch_key" DB_BATCH_COLUMNS(
        DB_COL_NAME) ", n_modes) VALUES(?" DB_BATCH_COLUMNS(DB_COL_PARAM) ",?)",
    [ST_INS_RUN] = DB_INSERT("INSERT OR IGNORE", "runs",
                             "run_key, batch_id, scenario, scenario_hash, params, version, "
                             "started_at, mode, replication",
                             "?,?,?,?,?,?,?,?,?", DB_RUN_COLUMNS),
    [ST_FIND_RUN] = "SELECT id FROM runs WHERE run_key = ?",
    [ST_INS_BATCH_RUN] = "INSERT OR IGNORE INTO batch_runs(batch_id, run_id) VALUES(?,?)",
    [ST_INS_RUN_METRIC] = "INSERT INTO run_metrics(run_id, kind, metric, value) VALUES(?,?,?,?)",
    [ST_INS_SUMMARY] = DB_INSERT("INSERT", "mode_summary", "batch_id, mode, position", "?,?,?",
                                 DB_SUMMARY_COLUMNS),
    [ST_INS_KIND] =
        DB_INSERT("INSERT", "kind_usage", "batch_id, mode, kind", "?,?,?", DB_KIND_COLUMNS),
    [ST_INS_BUCKET] = "INSERT INTO latency_buckets(batch_id, mode, lo_ns, hi_ns, count) "
                      "VALUES(?,?,?,?,?)",
    [ST_INS_NODE] =
        DB_INSERT("INSERT", "node_usage", "batch_id, mode, position", "?,?,?", DB_NODE_COLUMNS),
    [ST_INS_SERIES] = "INSERT INTO series(batch_id, mode, metric, second, value) VALUES(?,?,?,?,?)",
    [ST_INS_BLAST] =
        DB_INSERT("INSERT", "blast", "batch_id, mode, kind", "?,?,?", DB_BLAST_COLUMNS),
    [ST_INS_BLAST_INSTANCE] = DB_INSERT("INSERT", "blast_instances", "batch_id, mode, position",
                                        "?,?,?", DB_BLAST_INSTANCE_COLUMNS),
    [ST_INS_FAILURE] =
        DB_INSERT("INSERT", "failures", "batch_id, mode, position", "?,?,?", DB_FAILURE_COLUMNS),
    [ST_INS_FAILURE_SERIES] = "INSERT INTO failure_series(failure_id, second, error_rate) "
                              "VALUES(?,?,?)",
    [ST_INS_HOTSPOT] =
        DB_INSERT("INSERT", "hotspots", "batch_id, mode, position", "?,?,?", DB_HOTSPOT_COLUMNS),
    [ST_INS_CAPACITY] = DB_INSERT("INSERT", "shared_capacity", "batch_id, mode, position", "?,?,?",
                                  DB_CAPACITY_COLUMNS),
    [ST_INS_SIZING] =
        DB_INSERT("INSERT", "proxy_sizing", "batch_id, mode, kind", "?,?,?", DB_SIZING_COLUMNS),
    [ST_INS_NODE_WARNING] = DB_INSERT("INSERT", "node_warnings", "batch_id, mode, position",
                                      "?,?,?", DB_NODE_WARNING_COLUMNS),
    [ST_INS_NAMESPACE] = DB_INSERT("INSERT", "namespace_usage", "batch_id, mode, position", "?,?,?",
                                   DB_NAMESPACE_COLUMNS),
};

static int db__prepare_all(db *d) {
  for (int i = 0; i < ST_COUNT; i++) {
    if (d->st[i])
      continue;
    if (sqlite3_prepare_v3(d->conn, db_write_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &d->st[i],
                           NULL) != SQLITE_OK)
      return db__sqlfail(d, "preparing statement");
  }
  return 0;
}

/* ---- keys and checks -------------------------------------------------------------- */

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
    const char *name = mode_result_name(m);
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
    if ((m->plan.n_capacity && !m->plan.capacity) ||
        (m->plan.n_node_warnings && !m->plan.node_warnings) ||
        m->plan.n_hotspots > RESULT_HOTSPOTS_MAX)
      return db__fail(d, ERR_EINVAL, "mode '%s': capacity rows counted but missing", name);
    if (m->n_namespaces && !m->namespaces)
      return db__fail(d, ERR_EINVAL, "mode '%s': %u namespaces but no attribution data", name,
                      m->n_namespaces);
  }
  return 0;
}

/* ---- the rows of one mode -------------------------------------------------------- */

/* One mode of the run being written: what its rows are keyed by. */
typedef struct db_wmode {
  db *d;
  const run_result *r;
  const mode_result *m;
  int64_t batch_id;
  uint32_t position; /* of the mode in the run */
  const char *mode;  /* its name */
  const char *hash;  /* the scenario hash, 16 hex digits */
} db_wmode;

/* Binds (batch_id, mode), the first two columns of every per-mode table;
 * returns the next parameter. */
static int db__bind_mode(sqlite3_stmt *st, const db_wmode *w) {
  sqlite3_bind_int64(st, 1, w->batch_id);
  db__bind_text(st, 2, w->mode);
  return 3;
}

static int db__write_summary(const db_wmode *w) {
  sqlite3_stmt *st = w->d->st[ST_INS_SUMMARY];
  int c = db__bind_mode(st, w);
  sqlite3_bind_int64(st, c++, w->position);
  db__bind_summary(st, c, w->m);
  return db__done(w->d, st, "writing mode_summary");
}

/* Whether kind k of mode m has rows: every kind but the gateway, which
 * only a scenario with ingress gateways has (a database of a run without
 * them reads as before the kind existed; the reader fills absent kinds
 * with zeros). */
static int db__kind_stored(const mode_result *m, int k) {
  return k != MESH_KIND_GATEWAY || m->kind[k].instances > 0;
}

static int db__write_kinds(const db_wmode *w) {
  sqlite3_stmt *st = w->d->st[ST_INS_KIND];
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    if (!db__kind_stored(w->m, k))
      continue;
    int c = db__bind_mode(st, w);
    db__bind_text(st, c++, mesh_kind_name((mesh_kind)k));
    db__bind_kind(st, c, &w->m->kind[k]);
    if (db__done(w->d, st, "writing kind_usage") < 0)
      return DB_ESQL;
  }
  return 0;
}

/* Only non-empty buckets: a latency histogram has ~4,700 buckets, of which
 * a run fills a few hundred. */
static int db__write_buckets(const db_wmode *w) {
  const sim_hist *h = &w->m->latency_hist_ns;
  sqlite3_stmt *st = w->d->st[ST_INS_BUCKET];
  size_t nb = h->buckets ? sim_hist_bucket_count() : 0;
  for (size_t b = 0; b < nb; b++) {
    if (!h->buckets[b])
      continue;
    int c = db__bind_mode(st, w);
    sqlite3_bind_int64(st, c++, sim_hist_bucket_lo(b));
    sqlite3_bind_int64(st, c++, sim_hist_bucket_hi(b));
    BIND_U64(st, c, h->buckets[b]);
    if (db__done(w->d, st, "writing latency_buckets") < 0)
      return DB_ESQL;
  }
  return 0;
}

/* Rows keyed by (batch_id, mode, position) from an array of n `size`-byte
 * elements, bound through bind(). */
static int db__write_positioned(const db_wmode *w, int stmt, const void *rows, size_t size,
                                uint32_t n, int (*bind)(sqlite3_stmt *st, int c, const void *row),
                                const char *what) {
  sqlite3_stmt *st = w->d->st[stmt];
  for (uint32_t i = 0; i < n; i++) {
    int c = db__bind_mode(st, w);
    sqlite3_bind_int64(st, c++, i);
    bind(st, c, (const unsigned char *)rows + i * size);
    if (db__done(w->d, st, what) < 0)
      return DB_ESQL;
  }
  return 0;
}

static int db__bind_node_row(sqlite3_stmt *st, int c, const void *row) {
  return db__bind_node(st, c, row);
}

static int db__write_nodes(const db_wmode *w) {
  return db__write_positioned(w, ST_INS_NODE, w->m->nodes, sizeof *w->m->nodes, w->m->n_nodes,
                              db__bind_node_row, "writing node_usage");
}

static int db__write_series(const db_wmode *w, const char *metric, const double *v) {
  sqlite3_stmt *st = w->d->st[ST_INS_SERIES];
  for (uint32_t s = 0; v && s < w->m->series.n_seconds; s++) {
    int c = db__bind_mode(st, w);
    db__bind_text(st, c++, metric);
    sqlite3_bind_int64(st, c++, s);
    sqlite3_bind_double(st, c, v[s]);
    if (db__done(w->d, st, "writing series") < 0)
      return DB_ESQL;
  }
  return 0;
}

/* Series are stored by name (metric column); db_read.c maps the names back. */
static int db__write_all_series(const db_wmode *w) {
  const result_series *se = &w->m->series;
  if (db__write_series(w, "throughput_rps", se->throughput_rps) < 0 ||
      db__write_series(w, "p99_ms", se->p99_ms) < 0 ||
      db__write_series(w, "error_rate", se->error_rate) < 0 ||
      db__write_series(w, "waypoint_replicas", se->waypoint_replicas) < 0)
    return DB_ESQL;
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    if (!db__kind_stored(w->m, k))
      continue;
    char metric[64];
    snprintf(metric, sizeof metric, "cpu_cores_%s", mesh_kind_name((mesh_kind)k));
    if (db__write_series(w, metric, se->cpu_cores[k]) < 0)
      return DB_ESQL;
  }
  return 0;
}

static int db__write_blast(const db_wmode *w) {
  sqlite3_stmt *st = w->d->st[ST_INS_BLAST];
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    if (!w->m->has_blast[k])
      continue;
    int c = db__bind_mode(st, w);
    db__bind_text(st, c++, mesh_proxy_kind_name((mesh_proxy_kind)k));
    db__bind_blast(st, c, &w->m->blast[k]);
    if (db__done(w->d, st, "writing blast") < 0)
      return DB_ESQL;
  }
  return 0;
}

static int db__bind_blast_instance_row(sqlite3_stmt *st, int c, const void *row) {
  return db__bind_blast_instance(st, c, row);
}

static int db__write_blast_instances(const db_wmode *w) {
  return db__write_positioned(w, ST_INS_BLAST_INSTANCE, w->m->blast_instances,
                              sizeof *w->m->blast_instances, w->m->n_blast_instances,
                              db__bind_blast_instance_row, "writing blast_instances");
}

static int db__write_failures(const db_wmode *w) {
  for (uint32_t f = 0; f < w->m->n_failures; f++) {
    const result_failure *fl = &w->m->failures[f];
    sqlite3_stmt *st = w->d->st[ST_INS_FAILURE];
    int c = db__bind_mode(st, w);
    sqlite3_bind_int64(st, c++, f);
    db__bind_failure(st, c, fl);
    if (db__done(w->d, st, "writing failures") < 0)
      return DB_ESQL;
    int64_t failure_id = sqlite3_last_insert_rowid(w->d->conn);
    st = w->d->st[ST_INS_FAILURE_SERIES];
    for (uint32_t s = 0; s < fl->n_seconds; s++) {
      sqlite3_bind_int64(st, 1, failure_id);
      sqlite3_bind_int64(st, 2, s);
      sqlite3_bind_double(st, 3, fl->error_rate[s]);
      if (db__done(w->d, st, "writing failure_series") < 0)
        return DB_ESQL;
    }
  }
  return 0;
}

/* ---- capacity (models/capacity.h) ------------------------------------------------- */

static int db__bind_hotspot_row(sqlite3_stmt *st, int c, const void *row) {
  return db__bind_hotspot(st, c, row);
}

static int db__bind_capacity_row(sqlite3_stmt *st, int c, const void *row) {
  return db__bind_capacity(st, c, row);
}

static int db__bind_node_warning_row(sqlite3_stmt *st, int c, const void *row) {
  return db__bind_node_warning(st, c, row);
}

static int db__write_hotspots(const db_wmode *w) {
  const result_plan *p = &w->m->plan;
  return db__write_positioned(w, ST_INS_HOTSPOT, p->hotspots, sizeof *p->hotspots, p->n_hotspots,
                              db__bind_hotspot_row, "writing hotspots");
}

static int db__write_capacity(const db_wmode *w) {
  const result_plan *p = &w->m->plan;
  return db__write_positioned(w, ST_INS_CAPACITY, p->capacity, sizeof *p->capacity, p->n_capacity,
                              db__bind_capacity_row, "writing shared_capacity");
}

static int db__write_sizing(const db_wmode *w) {
  sqlite3_stmt *st = w->d->st[ST_INS_SIZING];
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    if (!w->m->plan.has_sizing[k])
      continue;
    int c = db__bind_mode(st, w);
    db__bind_text(st, c++, mesh_proxy_kind_name((mesh_proxy_kind)k));
    db__bind_sizing(st, c, &w->m->plan.sizing[k]);
    if (db__done(w->d, st, "writing proxy_sizing") < 0)
      return DB_ESQL;
  }
  return 0;
}

static int db__write_node_warnings(const db_wmode *w) {
  const result_plan *p = &w->m->plan;
  return db__write_positioned(w, ST_INS_NODE_WARNING, p->node_warnings, sizeof *p->node_warnings,
                              p->n_node_warnings, db__bind_node_warning_row,
                              "writing node_warnings");
}

/* ---- attribution (models/attribution.h) --------------------------------------------- */

static int db__bind_namespace_row(sqlite3_stmt *st, int c, const void *row) {
  return db__bind_namespace(st, c, row);
}

static int db__write_namespaces(const db_wmode *w) {
  return db__write_positioned(w, ST_INS_NAMESPACE, w->m->namespaces, sizeof *w->m->namespaces,
                              w->m->n_namespaces, db__bind_namespace_row,
                              "writing namespace_usage");
}

/* ---- replications ------------------------------------------------------------------- */

/* The runs row of replication j: 1 with the new id, 0 with the id of the
 * identical run an earlier batch stored (linked instead of duplicated). */
static int db__write_run_row(const db_wmode *w, uint32_t j, int64_t *run_id) {
  const result_replication *rep = &w->m->reps[j];
  char key[DB_KEY_MAX];
  db__run_key(w->r, w->mode, rep->seed, j, key, sizeof key);
  sqlite3_stmt *st = w->d->st[ST_INS_RUN];
  int c = 1;
  db__bind_text(st, c++, key);
  sqlite3_bind_int64(st, c++, w->batch_id);
  db__bind_text(st, c++, w->r->scenario);
  db__bind_text(st, c++, w->hash);
  db__bind_text(st, c++, w->r->params);
  db__bind_text(st, c++, w->r->version);
  db__bind_text(st, c++, w->r->started_at);
  db__bind_text(st, c++, w->mode);
  sqlite3_bind_int64(st, c++, j);
  db__bind_run(st, c, rep);
  if (db__done(w->d, st, "writing runs") < 0)
    return DB_ESQL;
  if (sqlite3_changes(w->d->conn) == 1) {
    *run_id = sqlite3_last_insert_rowid(w->d->conn);
    return 1;
  }
  sqlite3_stmt *ft = w->d->st[ST_FIND_RUN];
  db__bind_text(ft, 1, key);
  int rc = sqlite3_step(ft);
  *run_id = rc == SQLITE_ROW ? sqlite3_column_int64(ft, 0) : -1;
  sqlite3_reset(ft);
  sqlite3_clear_bindings(ft);
  return *run_id < 0 ? db__sqlfail(w->d, "finding existing run") : 0;
}

/* CPU and memory per kind of one replication, as (kind, metric, value) rows. */
static int db__write_run_metrics(db *d, int64_t run_id, const result_replication *rep) {
  static const char *const metric[2] = {"cpu_cores", "mem_mib"};
  sqlite3_stmt *st = d->st[ST_INS_RUN_METRIC];
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    const double value[2] = {rep->cpu_cores[k], rep->mem_mib[k]};
    if (k == MESH_KIND_GATEWAY && value[0] == 0 && value[1] == 0)
      continue; /* no gateways (their idle CPU and memory are never 0) */
    for (int x = 0; x < 2; x++) {
      sqlite3_bind_int64(st, 1, run_id);
      db__bind_text(st, 2, mesh_kind_name((mesh_kind)k));
      db__bind_text(st, 3, metric[x]);
      sqlite3_bind_double(st, 4, value[x]);
      if (db__done(d, st, "writing run_metrics") < 0)
        return DB_ESQL;
    }
  }
  return 0;
}

static int db__write_reps(const db_wmode *w) {
  for (uint32_t j = 0; j < w->m->replications; j++) {
    int64_t run_id;
    int added = db__write_run_row(w, j, &run_id);
    if (added < 0 || (added && db__write_run_metrics(w->d, run_id, &w->m->reps[j]) < 0))
      return DB_ESQL;
    sqlite3_stmt *st = w->d->st[ST_INS_BATCH_RUN];
    sqlite3_bind_int64(st, 1, w->batch_id);
    sqlite3_bind_int64(st, 2, run_id);
    if (db__done(w->d, st, "writing batch_runs") < 0)
      return DB_ESQL;
  }
  return 0;
}

/* The tables of one mode, in the order they are written. */
static int (*const db_mode_writers[])(const db_wmode *w) = {
    db__write_summary,    db__write_kinds,    db__write_buckets,         db__write_nodes,
    db__write_all_series, db__write_blast,    db__write_blast_instances, db__write_failures,
    db__write_hotspots,   db__write_capacity, db__write_sizing,          db__write_node_warnings,
    db__write_namespaces, db__write_reps,
};

/* ---- runs ---------------------------------------------------------------------------- */

int db__write_run_tx(db *d, const run_result *r, int64_t *batch_id) {
  char hash[17], key[DB_KEY_MAX];
  snprintf(hash, sizeof hash, "%016" PRIx64, r->scenario_hash);
  db__batch_key(r, key, sizeof key);
  sqlite3_stmt *st = d->st[ST_FIND_BATCH];
  db__bind_text(st, 1, key);
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
  db__bind_text(st, 1, key);
  int c = db__bind_batch(st, 2, r);
  BIND_U32(st, c, r->n_modes);
  int rc = db__done(d, st, "writing batches");
  if (rc < 0)
    return rc;
  db_wmode w = {.d = d, .r = r, .batch_id = sqlite3_last_insert_rowid(d->conn), .hash = hash};
  for (w.position = 0; w.position < r->n_modes; w.position++) {
    w.m = &r->modes[w.position];
    w.mode = mode_result_name(w.m);
    for (size_t i = 0; i < sizeof db_mode_writers / sizeof db_mode_writers[0]; i++)
      if ((rc = db_mode_writers[i](&w)) < 0)
        return rc;
  }
  *batch_id = w.batch_id;
  return 0;
}

int db__begin_write(db *d, const run_result *r) {
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

/* ---- sweeps ---------------------------------------------------------------------------- */

/* Inside a transaction: the id of sweep_key, inserting *s when missing.
 * 0 = inserted, 1 = existed. */
static int db__sweep_upsert(db *d, db_sweep_info *s) {
  sqlite3_stmt *st;
  /* id NULL: SQLite picks the next one. */
  if (db__prepare(d, DB_INSERT("INSERT OR IGNORE", "sweeps", "id", "NULL", DB_SWEEP_COLUMNS), &st) <
      0)
    return DB_ESQL;
  db__bind_sweep(st, 1, s);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, "writing sweeps");
  int inserted = sqlite3_changes(d->conn) == 1;
  if (db__prepare(d, "SELECT id FROM sweeps WHERE sweep_key = ?", &st) < 0)
    return DB_ESQL;
  db__bind_text(st, 1, s->sweep_key);
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

int db__insert_point(db *d, int64_t sweep_id, int64_t point, const char *params, int64_t batch_id) {
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "INSERT OR IGNORE INTO sweep_points(sweep_id, point, params, batch_id) "
                  "VALUES(?,?,?,?)",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, sweep_id);
  sqlite3_bind_int64(st, 2, point);
  db__bind_text(st, 3, params);
  sqlite3_bind_int64(st, 4, batch_id);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, "writing sweep_points");
  return sqlite3_changes(d->conn) == 1;
}

/* The batch already stored for (sweep, point): 1 with *id, 0 when none. */
static int db__point_batch(db *d, int64_t sweep_id, int64_t point, int64_t *id) {
  sqlite3_stmt *st;
  if (db__prepare(d, "SELECT batch_id FROM sweep_points WHERE sweep_id = ? AND point = ?", &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, sweep_id);
  sqlite3_bind_int64(st, 2, point);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db__sqlfail(d, "finding sweep point");
  return rc == SQLITE_ROW;
}

int db_write_sweep_point(db *d, int64_t sweep_id, uint32_t point, const char *params,
                         const run_result *r, int64_t *batch_id) {
  int rc = db__begin_write(d, r);
  if (rc < 0)
    return rc;
  int64_t id = -1;
  /* Checked inside the write transaction: two identical sweeps running the
   * same point at once would otherwise both store a batch (their keys differ
   * by start time) and leave the loser's batch without a point. */
  rc = db__point_batch(d, sweep_id, point, &id);
  if (rc != 0) {
    rc = db__end_tx(d, rc);
    if (rc >= 0 && batch_id)
      *batch_id = id;
    return rc;
  }
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
