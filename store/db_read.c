/* db_read: loads stored runs back into run_result, and lists batches and sweeps.
 *
 * A run is read in one read transaction, so it is a consistent snapshot even
 * when a writer commits in between. Rows are read through the column lists
 * of db_internal.h, the same lists the writer binds through; rows of a kind,
 * mode or metric this build does not know are skipped, since there is
 * nothing to put them in. */
#include <inttypes.h>

#include "db_internal.h"

DB_DEFINE_GET(batch, run_result, DB_BATCH_COLUMNS)
DB_DEFINE_GET(batch_info, db_batch_info, DB_BATCH_INFO_COLUMNS)
DB_DEFINE_GET(run, result_replication, DB_RUN_COLUMNS)
DB_DEFINE_GET(summary, mode_result, DB_SUMMARY_COLUMNS)
DB_DEFINE_GET(kind, result_kind_usage, DB_KIND_COLUMNS)
DB_DEFINE_GET(node, result_node, DB_NODE_COLUMNS)
DB_DEFINE_GET(blast, result_blast, DB_BLAST_COLUMNS)
DB_DEFINE_GET(blast_instance, result_blast_instance, DB_BLAST_INSTANCE_COLUMNS)
DB_DEFINE_GET(failure, result_failure, DB_FAILURE_COLUMNS)
DB_DEFINE_GET(sweep, db_sweep_info, DB_SWEEP_COLUMNS)
DB_DEFINE_GET(hotspot, result_hotspot, DB_HOTSPOT_COLUMNS)
DB_DEFINE_GET(capacity, result_capacity, DB_CAPACITY_COLUMNS)
DB_DEFINE_GET(sizing, result_sizing, DB_SIZING_COLUMNS)
DB_DEFINE_GET(node_warning, result_node_warning, DB_NODE_WARNING_COLUMNS)
DB_DEFINE_GET(namespace, result_namespace, DB_NAMESPACE_COLUMNS)

/* A query whose parameters are (batch_id, mode): the per-mode rows. */
static int db__prepare_mode(db *d, const char *sql, int64_t batch_id, const char *mode,
                            sqlite3_stmt **st) {
  if (db__prepare(d, sql, st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(*st, 1, batch_id);
  db__bind_text(*st, 2, mode);
  return 0;
}

/* A table keyed by (batch_id, mode, position), read into an array of
 * `size`-byte elements through read(). */
typedef struct db_positioned {
  const char *sql; /* position, then the columns; parameters (batch_id, mode) */
  const char *what;
  size_t size;
  int (*read)(sqlite3_stmt *st, void *row);
} db_positioned;

/* The rows of one mode in position order, as a new array (NULL when there
 * are none; see db__collect()). */
static void *db__load_positioned(db *d, const db_positioned *t, int64_t batch_id, const char *mode,
                                 uint32_t *n, int *rc) {
  sqlite3_stmt *st;
  size_t got = 0;
  void *rows = NULL;
  *rc = db__prepare_mode(d, t->sql, batch_id, mode, &st);
  if (*rc == 0)
    rows = db__collect(d, st, t->size, &got, t->read, t->what, rc);
  *n = (uint32_t)got;
  return rows;
}

/* db_TAG_rows: the positioned table of TAG (its struct TYPE, its columns LIST). */
#define DB_DEFINE_POSITIONED(tag, table, type, LIST)                                               \
  static int db__read_##tag(sqlite3_stmt *st, void *row) {                                         \
    db__get_##tag(st, 1, row);                                                                     \
    return 1;                                                                                      \
  }                                                                                                \
  static const db_positioned db_##tag##_rows = {                                                   \
      "SELECT position" LIST(DB_COL_NAME) " FROM " table                                           \
                                          " WHERE batch_id = ? AND mode = ? ORDER BY position",    \
      "reading " table, sizeof(type), db__read_##tag};
DB_DEFINE_POSITIONED(node, "node_usage", result_node, DB_NODE_COLUMNS)
DB_DEFINE_POSITIONED(blast_instance, "blast_instances", result_blast_instance,
                     DB_BLAST_INSTANCE_COLUMNS)
DB_DEFINE_POSITIONED(failure, "failures", result_failure, DB_FAILURE_COLUMNS)
DB_DEFINE_POSITIONED(hotspot, "hotspots", result_hotspot, DB_HOTSPOT_COLUMNS)
DB_DEFINE_POSITIONED(capacity, "shared_capacity", result_capacity, DB_CAPACITY_COLUMNS)
DB_DEFINE_POSITIONED(node_warning, "node_warnings", result_node_warning, DB_NODE_WARNING_COLUMNS)
DB_DEFINE_POSITIONED(namespace, "namespace_usage", result_namespace, DB_NAMESPACE_COLUMNS)

/* ---- one batch ------------------------------------------------------------------ */

static int db__load_batch(db *d, int64_t batch_id, run_result *out) {
  sqlite3_stmt *st;
  if (db__prepare(d, "SELECT id" DB_BATCH_COLUMNS(DB_COL_NAME) " FROM batches WHERE id = ?", &st) <
      0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, batch_id);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    db__get_batch(st, 1, out);
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW)
    return 0;
  if (rc == SQLITE_DONE)
    return db__fail(d, DB_ENOTFOUND, "%s: no batch %" PRId64, d->path, batch_id);
  return db__sqlfail(d, "reading batches");
}

static int db__load_kinds(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  sqlite3_stmt *st;
  if (db__prepare_mode(d,
                       "SELECT kind" DB_KIND_COLUMNS(
                           DB_COL_NAME) " FROM kind_usage WHERE batch_id = ? AND mode = ?",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int k = mesh_kind_from_name((const char *)sqlite3_column_text(st, 0));
    if (k >= 0)
      db__get_kind(st, 1, &m->kind[k]);
  }
  return db__finish(d, st, rc, "reading kind_usage");
}

static int db__load_buckets(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  sim_hist *h = &m->latency_hist_ns;
  sqlite3_stmt *st;
  if (db__prepare_mode(d,
                       "SELECT lo_ns, count FROM latency_buckets WHERE batch_id = ? AND mode = ? "
                       "ORDER BY lo_ns",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t lo = sqlite3_column_int64(st, 0);
    h->buckets[sim_hist_bucket_of(lo)] += db__u64_from_db(sqlite3_column_int64(st, 1));
  }
  return db__finish(d, st, rc, "reading latency_buckets");
}

static int db__load_nodes(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  int rc;
  m->nodes = db__load_positioned(d, &db_node_rows, batch_id, mode, &m->n_nodes, &rc);
  return rc;
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

static int db__load_series(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  result_series *se = &m->series;
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
    (*slot)[s] = db__col_double(st, 2);
  }
  return db__finish(d, st, rc, "reading series");
}

static int db__load_blast(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  sqlite3_stmt *st;
  if (db__prepare_mode(
          d,
          "SELECT kind" DB_BLAST_COLUMNS(DB_COL_NAME) " FROM blast WHERE batch_id = ? AND mode = ?",
          batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int k = mesh_proxy_kind_from_name((const char *)sqlite3_column_text(st, 0));
    if (k < 0)
      continue;
    m->has_blast[k] = 1;
    db__get_blast(st, 1, &m->blast[k]);
  }
  return db__finish(d, st, rc, "reading blast");
}

static int db__load_blast_instances(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  int rc;
  m->blast_instances =
      db__load_positioned(d, &db_blast_instance_rows, batch_id, mode, &m->n_blast_instances, &rc);
  return rc;
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
      f->error_rate[s] = db__col_double(st, 1);
  }
  return db__finish(d, st, rc, "reading failure_series");
}

/* The failures, then each one's error-rate series (by id, in the same order). */
static int db__load_failures(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  int rc;
  m->failures = db__load_positioned(d, &db_failure_rows, batch_id, mode, &m->n_failures, &rc);
  uint32_t n = m->n_failures;
  sqlite3_stmt *st;
  if (rc < 0 || n == 0)
    return rc;
  if (db__prepare_mode(d,
                       "SELECT id FROM failures WHERE batch_id = ? AND mode = ? ORDER BY position",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  for (uint32_t i = 0; rc == 0 && i < n; i++)
    rc = sqlite3_step(st) == SQLITE_ROW
             ? db__load_failure_series(d, sqlite3_column_int64(st, 0), &m->failures[i])
             : db__sqlfail(d, "reading failures");
  sqlite3_finalize(st);
  return rc;
}

/* ---- capacity (models/capacity.h) ------------------------------------------------- */

/* Into the plan's fixed array: the first RESULT_HOTSPOTS_MAX rows. */
static int db__load_hotspots(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  int rc;
  uint32_t n;
  result_hotspot *rows = db__load_positioned(d, &db_hotspot_rows, batch_id, mode, &n, &rc);
  result_plan *p = &m->plan;
  p->n_hotspots = n < RESULT_HOTSPOTS_MAX ? n : RESULT_HOTSPOTS_MAX;
  if (rows)
    memcpy(p->hotspots, rows, p->n_hotspots * sizeof *rows);
  free(rows);
  return rc;
}

static int db__load_capacity(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  int rc;
  m->plan.capacity =
      db__load_positioned(d, &db_capacity_rows, batch_id, mode, &m->plan.n_capacity, &rc);
  return rc;
}

static int db__load_sizing(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  sqlite3_stmt *st;
  if (db__prepare_mode(d,
                       "SELECT kind" DB_SIZING_COLUMNS(
                           DB_COL_NAME) " FROM proxy_sizing WHERE batch_id = ? AND mode = ?",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int k = mesh_proxy_kind_from_name((const char *)sqlite3_column_text(st, 0));
    if (k < 0)
      continue;
    m->plan.has_sizing[k] = 1;
    db__get_sizing(st, 1, &m->plan.sizing[k]);
  }
  return db__finish(d, st, rc, "reading proxy_sizing");
}

static int db__load_node_warnings(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  int rc;
  m->plan.node_warnings =
      db__load_positioned(d, &db_node_warning_rows, batch_id, mode, &m->plan.n_node_warnings, &rc);
  return rc;
}

/* Each namespace's share (models/attribution.h); none before schema version 5. */
static int db__load_namespaces(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  int rc;
  m->namespaces = db__load_positioned(d, &db_namespace_rows, batch_id, mode, &m->n_namespaces, &rc);
  return rc;
}

/* CPU and memory per kind of one replication, from its run_metrics rows. */
static int db__load_run_metrics(sqlite3_stmt *mt, int64_t run_id, result_replication *rep) {
  sqlite3_bind_int64(mt, 1, run_id);
  int rc;
  while ((rc = sqlite3_step(mt)) == SQLITE_ROW) {
    int k = mesh_kind_from_name((const char *)sqlite3_column_text(mt, 0));
    const char *metric = (const char *)sqlite3_column_text(mt, 1);
    if (k < 0 || !metric)
      continue;
    if (strcmp(metric, "cpu_cores") == 0)
      rep->cpu_cores[k] = db__col_double(mt, 2);
    else if (strcmp(metric, "mem_mib") == 0)
      rep->mem_mib[k] = db__col_double(mt, 2);
  }
  sqlite3_reset(mt);
  return rc;
}

static int db__load_reps(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  if (m->replications == 0)
    return 0;
  m->reps = calloc(m->replications, sizeof *m->reps);
  if (!m->reps)
    return db__fail(d, ERR_ENOMEM, "out of memory reading replications");
  sqlite3_stmt *st, *mt;
  if (db__prepare_mode(d,
                       "SELECT t.id, t.replication" DB_RUN_COLUMNS(
                           DB_COL_TNAME) " FROM batch_runs br JOIN runs t ON t.id = br.run_id "
                                         "WHERE br.batch_id = ? AND t.mode = ? "
                                         "ORDER BY t.replication",
                       batch_id, mode, &st) < 0)
    return DB_ESQL;
  if (db__prepare(d, "SELECT kind, metric, value FROM run_metrics WHERE run_id = ?", &mt) < 0) {
    sqlite3_finalize(st);
    return DB_ESQL;
  }
  int rc, mrc = SQLITE_DONE;
  while (mrc == SQLITE_DONE && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t j = sqlite3_column_int64(st, 1);
    if (j < 0 || j >= m->replications)
      continue;
    db__get_run(st, 2, &m->reps[j]);
    mrc = db__load_run_metrics(mt, sqlite3_column_int64(st, 0), &m->reps[j]);
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

/* What one mode holds besides its mode_summary row, in the order it is read. */
static int (*const db_mode_loaders[])(db *d, int64_t batch_id, const char *mode, mode_result *m) = {
    db__load_kinds,    db__load_buckets,         db__load_nodes,         db__load_series,
    db__load_blast,    db__load_blast_instances, db__load_failures,      db__load_hotspots,
    db__load_capacity, db__load_sizing,          db__load_node_warnings, db__load_namespaces,
    db__load_reps,
};

static int db__load_mode(db *d, int64_t batch_id, const char *mode, mode_result *m) {
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < sizeof db_mode_loaders / sizeof db_mode_loaders[0]; i++)
    rc = db_mode_loaders[i](d, batch_id, mode, m);
  return rc;
}

static int db__load_modes(db *d, int64_t batch_id, run_result *out) {
  int64_t n = 0;
  sqlite3_stmt *st;
  if (db__prepare(d, "SELECT count(*) FROM mode_summary WHERE batch_id = ?", &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, batch_id);
  if (sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (n == 0)
    return 0;
  out->modes = calloc((size_t)n, sizeof *out->modes);
  if (!out->modes)
    return db__fail(d, ERR_ENOMEM, "out of memory reading modes");

  if (db__prepare(d,
                  "SELECT mode" DB_SUMMARY_COLUMNS(
                      DB_COL_NAME) " FROM mode_summary WHERE batch_id = ? ORDER BY position",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, batch_id);
  int rc = SQLITE_DONE, ret = 0;
  while (ret == 0 && out->n_modes < n && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    char mode[RESULT_NAME_MAX];
    db__col_text(st, 0, mode, sizeof mode);
    int mm = mesh_mode_from_label(mode);
    if (mm < 0) {
      ret = db__fail(d, ERR_EINVAL,
                     "%s: batch %" PRId64 " has unknown mode '%s'; valid modes are: %s", d->path,
                     batch_id, mode, mesh_mode_names_list());
      break;
    }
    mode_result *m = &out->modes[out->n_modes++];
    m->mode = (mesh_mode)mm;
    snprintf(m->name, sizeof m->name, "%s", mode); /* "sidecar" or "linkerd-2.14:sidecar" */
    if (sim_hist_init(&m->latency_hist_ns) != 0) {
      ret = db__fail(d, ERR_ENOMEM, "out of memory for a histogram");
      break;
    }
    db__get_summary(st, 1, m);
    ret = db__load_mode(d, batch_id, mode, m);
  }
  if (ret < 0) {
    sqlite3_finalize(st);
    return ret;
  }
  return db__finish(d, st, out->n_modes < n ? rc : SQLITE_DONE, "reading mode_summary");
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
  if (rc == 0) /* not stored: it follows from the verdicts and costs that are */
    verdict_recommend(out, &out->recommendation);
  if (rc < 0) {
    run_result_release(out);
    memset(out, 0, sizeof *out); /* safe to free again */
  }
  return rc;
}

/* ---- listing ---------------------------------------------------------------- */

static int db__read_batch_info(sqlite3_stmt *st, void *row) {
  db_batch_info *b = row;
  int c = 0;
  GET_I64(st, c++, b->id);
  c = db__get_batch_info(st, c, b);
  GET_TXT(st, c, b->modes);
  return 1;
}

int db_list_batches(db *d, const char *scenario, unsigned flags, db_batch_info **out, size_t *n) {
  d->errmsg[0] = '\0';
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "SELECT t.id" DB_BATCH_INFO_COLUMNS(
                      DB_COL_TNAME) ", (SELECT group_concat(mode, ', ') FROM (SELECT mode FROM "
                                    "mode_summary ms WHERE ms.batch_id = t.id ORDER BY position)) "
                                    "FROM batches t WHERE (?1 IS NULL OR t.scenario = ?1) "
                                    "AND (?2 = 0 OR t.id = (SELECT b2.id FROM batches b2 "
                                    "  WHERE b2.scenario = t.scenario "
                                    "  ORDER BY b2.started_at DESC, b2.id DESC LIMIT 1)) "
                                    "ORDER BY t.started_at DESC, t.id DESC",
                  &st) < 0)
    return DB_ESQL;
  if (scenario)
    db__bind_text(st, 1, scenario);
  sqlite3_bind_int(st, 2, (flags & DB_LIST_LATEST) ? 1 : 0);
  int rc;
  *out = db__collect(d, st, sizeof **out, n, db__read_batch_info, "listing batches", &rc);
  return rc;
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
    db__bind_text(st, 1, scenario);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *batch_id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW)
    return 0;
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, "finding latest batch");
  if (scenario)
    return db__fail(d, DB_ENOTFOUND, "%s: no results for scenario '%s'", d->path, scenario);
  return db__fail(d, DB_ENOTFOUND, "%s: the database holds no runs yet", d->path);
}

int64_t db_count_rows(db *d, const char *table) {
  int known = 0;
  for (const char *const *t = db_table_names(); *t; t++)
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

/* Every column of db_sweep_info, n_stored last. */
#define DB_SELECT_SWEEPS                                                                           \
  "SELECT id" DB_SWEEP_COLUMNS(DB_COL_NAME) ", (SELECT count(*) FROM sweep_points p "              \
                                            "WHERE p.sweep_id = sweeps.id) FROM sweeps"

static int db__read_sweep(sqlite3_stmt *st, void *row) {
  db_sweep_info *s = row;
  int c = 0;
  GET_I64(st, c++, s->id);
  c = db__get_sweep(st, c, s);
  GET_U32(st, c, s->n_stored);
  return 1;
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

int db_list_sweeps(db *d, db_sweep_info **out, size_t *n) {
  d->errmsg[0] = '\0';
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  if (db__prepare(d, DB_SELECT_SWEEPS " ORDER BY created_at DESC, id DESC", &st) < 0)
    return DB_ESQL;
  int rc;
  *out = db__collect(d, st, sizeof **out, n, db__read_sweep, "listing sweeps", &rc);
  return rc;
}

int db_load_sweep(db *d, int64_t sweep_id, db_sweep_info *out) {
  d->errmsg[0] = '\0';
  sqlite3_stmt *st;
  if (db__prepare(d, DB_SELECT_SWEEPS " WHERE id = ?", &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, sweep_id);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    memset(out, 0, sizeof *out);
    db__read_sweep(st, out);
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW)
    return 0;
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

/* A sweep point's identity, then its mode_summary row; 0 (skip) for a mode
 * this build does not know. */
static int db__read_sweep_row(sqlite3_stmt *st, void *row) {
  db_sweep_row *w = row;
  int c = 0;
  GET_U32(st, c++, w->point);
  GET_I64(st, c++, w->batch_id);
  GET_TXT(st, c++, w->params);
  const char *label = (const char *)sqlite3_column_text(st, c++);
  int mode = mesh_mode_from_label(label);
  GET_U32(st, c++, w->position);
  db__get_summary(st, c, &w->summary);
  if (mode < 0)
    return 0;
  w->summary.mode = (mesh_mode)mode;
  snprintf(w->summary.name, sizeof w->summary.name, "%s", label);
  return 1;
}

int db_load_sweep_rows(db *d, int64_t sweep_id, db_sweep_row **rows, size_t *n) {
  d->errmsg[0] = '\0';
  *rows = NULL;
  *n = 0;
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "SELECT p.point, p.batch_id, p.params, t.mode, t.position" DB_SUMMARY_COLUMNS(
                      DB_COL_TNAME) " FROM sweep_points p JOIN mode_summary t "
                                    "ON t.batch_id = p.batch_id WHERE p.sweep_id = ? "
                                    "ORDER BY p.point, t.position",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, sweep_id);
  int rc;
  *rows = db__collect(d, st, sizeof **rows, n, db__read_sweep_row, "reading sweep points", &rc);
  /* Per-kind figures too, so every metric of a mode reads the same here. */
  for (size_t i = 0; rc == 0 && i < *n; i++) {
    db_sweep_row *w = &(*rows)[i];
    rc = db__load_kinds(d, w->batch_id, mode_result_name(&w->summary), &w->summary);
  }
  if (rc < 0) {
    free(*rows);
    *rows = NULL;
    *n = 0;
  }
  return rc;
}
