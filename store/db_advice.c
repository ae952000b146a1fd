/* db_advice: what `meshsim advise` found (models/advice.h), written in one
 * transaction beside the batch holding its verified runs, and read back for
 * the report. Every table's columns come from one list in db_internal.h, as
 * for the runs; the storage types only these tables use are here: MODESET
 * (a set of namespace modes as "sidecar,ambient"), MODE, OBJECTIVE and
 * REASON (a mesh_mode, an advise objective, an advice_reason by name). */
#include <inttypes.h>

#include "advice.h"
#include "db_internal.h"

/* A set of namespace modes (SCN_NS_MODE_BIT bits) as "sidecar,ambient";
 * names this build does not know are skipped. */
static inline void db__bind_mode_set(sqlite3_stmt *st, int i, unsigned bits) {
  char buf[128];
  size_t at = 0;
  buf[0] = '\0';
  for (int m = 0; m < MESH_NS_COUNT; m++)
    if (bits & SCN_NS_MODE_BIT(m))
      at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", at ? "," : "",
                             mesh_ns_mode_name((mesh_ns_mode)m));
  sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

static inline unsigned db__col_mode_set(sqlite3_stmt *st, int i) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  unsigned bits = 0;
  while (s && *s) {
    size_t len = strcspn(s, ",");
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), s);
    int m = mesh_ns_mode_from_name(name);
    if (m >= 0)
      bits |= SCN_NS_MODE_BIT(m);
    s += len + (s[len] == ',');
  }
  return bits;
}

/* Enums stored by name: a mesh_mode, an advise objective, an advice reason;
 * unknown text reads as the first value. */
static inline void db__bind_mesh_mode(sqlite3_stmt *st, int i, mesh_mode m) {
  db__bind_text(st, i, mesh_mode_name(m));
}
static inline mesh_mode db__col_mesh_mode(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  int v = s ? mesh_mode_from_name((const char *)s) : -1;
  return v < 0 ? MESH_MODE_NONE : (mesh_mode)v;
}
static inline void db__bind_objective(sqlite3_stmt *st, int i, scenario_advise_objective o) {
  db__bind_text(st, i, scenario_advise_objective_name(o));
}
static inline scenario_advise_objective db__col_objective(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  int v = s ? scenario_advise_objective_from_name((const char *)s) : -1;
  return v < 0 ? SCN_ADVISE_COST : (scenario_advise_objective)v;
}
static inline void db__bind_reason(sqlite3_stmt *st, int i, advice_reason r) {
  db__bind_text(st, i, advice_reason_name(r));
}
static inline advice_reason db__col_reason(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  int v = s ? advice_reason_from_name((const char *)s) : -1;
  return v < 0 ? ADVICE_REASON_COST : (advice_reason)v;
}

#define BIND_MODESET(st, i, v)   db__bind_mode_set((st), (i), (v))
#define BIND_MODE(st, i, v)      db__bind_mesh_mode((st), (i), (v))
#define BIND_OBJECTIVE(st, i, v) db__bind_objective((st), (i), (v))
#define BIND_REASON(st, i, v)    db__bind_reason((st), (i), (v))
#define GET_MODESET(st, i, lv)   ((lv) = db__col_mode_set((st), (i)))
#define GET_MODE(st, i, lv)      ((lv) = db__col_mesh_mode((st), (i)))
#define GET_OBJECTIVE(st, i, lv) ((lv) = db__col_objective((st), (i)))
#define GET_REASON(st, i, lv)    ((lv) = db__col_reason((st), (i)))

DB_DEFINE_BIND(advice, advice, DB_ADVICE_COLUMNS)
DB_DEFINE_BIND(advice_ns, advice_namespace, DB_ADVICE_NS_COLUMNS)
DB_DEFINE_BIND(advice_uniform, advice_uniform, DB_ADVICE_UNIFORM_COLUMNS)
DB_DEFINE_BIND(advice_alt, advice_alternative, DB_ADVICE_ALT_COLUMNS)
DB_DEFINE_BIND(advice_constraint, advice_constraint, DB_ADVICE_CONSTRAINT_COLUMNS)
DB_DEFINE_BIND(advice_step, advice_step, DB_ADVICE_STEP_COLUMNS)
DB_DEFINE_BIND(advice_risk, advice_risk, DB_ADVICE_RISK_COLUMNS)
DB_DEFINE_GET(advice, advice, DB_ADVICE_COLUMNS)
DB_DEFINE_GET(advice_ns, advice_namespace, DB_ADVICE_NS_COLUMNS)
DB_DEFINE_GET(advice_uniform, advice_uniform, DB_ADVICE_UNIFORM_COLUMNS)
DB_DEFINE_GET(advice_alt, advice_alternative, DB_ADVICE_ALT_COLUMNS)
DB_DEFINE_GET(advice_constraint, advice_constraint, DB_ADVICE_CONSTRAINT_COLUMNS)
DB_DEFINE_GET(advice_step, advice_step, DB_ADVICE_STEP_COLUMNS)
DB_DEFINE_GET(advice_risk, advice_risk, DB_ADVICE_RISK_COLUMNS)

/* One table of rows keyed by (advice_id, position). */
typedef struct db_advice_table {
  const char *insert; /* parameters: advice_id, position, the columns */
  const char *select; /* position, the columns; parameter: advice_id */
  const char *what;
  size_t size;
  int (*bind)(sqlite3_stmt *st, int c, const void *row);
  int (*read)(sqlite3_stmt *st, void *row);
} db_advice_table;

#define DB_ADVICE_TABLE(tag, table, type, LIST)                                                    \
  static int db__bind_##tag##_row(sqlite3_stmt *st, int c, const void *row) {                      \
    return db__bind_##tag(st, c, row);                                                             \
  }                                                                                                \
  static int db__read_##tag##_row(sqlite3_stmt *st, void *row) {                                   \
    db__get_##tag(st, 1, row);                                                                     \
    return 1;                                                                                      \
  }                                                                                                \
  static const db_advice_table db_##tag##_table = {                                                \
      "INSERT INTO " table                                                                         \
      "(advice_id, position" LIST(DB_COL_NAME) ") VALUES(?,?" LIST(DB_COL_PARAM) ")",              \
      "SELECT position" LIST(DB_COL_NAME) " FROM " table " WHERE advice_id = ? ORDER BY position", \
      table,                                                                                       \
      sizeof(type),                                                                                \
      db__bind_##tag##_row,                                                                        \
      db__read_##tag##_row};
DB_ADVICE_TABLE(advice_ns, "advice_namespaces", advice_namespace, DB_ADVICE_NS_COLUMNS)
DB_ADVICE_TABLE(advice_uniform, "advice_uniform", advice_uniform, DB_ADVICE_UNIFORM_COLUMNS)
DB_ADVICE_TABLE(advice_alt, "advice_alternatives", advice_alternative, DB_ADVICE_ALT_COLUMNS)
DB_ADVICE_TABLE(advice_constraint, "advice_constraints", advice_constraint,
                DB_ADVICE_CONSTRAINT_COLUMNS)
DB_ADVICE_TABLE(advice_step, "advice_steps", advice_step, DB_ADVICE_STEP_COLUMNS)

/* ---- write ---------------------------------------------------------------------- */

static int db__write_rows(db *d, const db_advice_table *t, int64_t id, const void *rows,
                          uint32_t n) {
  sqlite3_stmt *st;
  if (db__prepare(d, t->insert, &st) < 0)
    return DB_ESQL;
  int rc = 0;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, i);
    t->bind(st, 3, (const unsigned char *)rows + i * t->size);
    rc = db__done(d, st, t->what);
  }
  sqlite3_finalize(st);
  return rc;
}

static int db__write_risks(db *d, int64_t id, const advice *a) {
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "INSERT INTO advice_risks(advice_id, step, position" DB_ADVICE_RISK_COLUMNS(
                      DB_COL_NAME) ") VALUES(?,?,?" DB_ADVICE_RISK_COLUMNS(DB_COL_PARAM) ")",
                  &st) < 0)
    return DB_ESQL;
  int rc = 0;
  for (uint32_t s = 0; rc == 0 && s < a->n_steps; s++)
    for (uint32_t k = 0; rc == 0 && k < a->steps[s].n_risks; k++) {
      sqlite3_bind_int64(st, 1, id);
      sqlite3_bind_int64(st, 2, s);
      sqlite3_bind_int64(st, 3, k);
      db__bind_advice_risk(st, 4, &a->steps[s].risks[k]);
      rc = db__done(d, st, "writing advice_risks");
    }
  sqlite3_finalize(st);
  return rc;
}

static int db__write_advice_tx(db *d, const advice *a) {
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "INSERT INTO advice(batch_id" DB_ADVICE_COLUMNS(
                      DB_COL_NAME) ") VALUES(?" DB_ADVICE_COLUMNS(DB_COL_PARAM) ")",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, a->batch_id);
  db__bind_advice(st, 2, a);
  int rc = db__done(d, st, "writing advice");
  sqlite3_finalize(st);
  int64_t id = sqlite3_last_insert_rowid(d->conn);
  if (rc == 0)
    rc = db__write_rows(d, &db_advice_ns_table, id, a->namespaces, a->n_namespaces);
  if (rc == 0)
    rc = db__write_rows(d, &db_advice_uniform_table, id, a->uniform, a->n_uniform);
  if (rc == 0)
    rc = db__write_rows(d, &db_advice_alt_table, id, a->alternatives, a->n_alternatives);
  if (rc == 0)
    rc = db__write_rows(d, &db_advice_constraint_table, id, a->constraints, a->n_constraints);
  if (rc == 0)
    rc = db__write_rows(d, &db_advice_step_table, id, a->steps, a->n_steps);
  if (rc == 0)
    rc = db__write_risks(d, id, a);
  return rc;
}

int db_write_advice(db *d, const advice *a) {
  d->errmsg[0] = '\0';
  if (!a || a->batch_id <= 0)
    return db__fail(d, ERR_EINVAL, "advice names no stored batch");
  if (db__exec(d, "BEGIN IMMEDIATE", "starting transaction") < 0)
    return DB_ESQL;
  return db__end_tx(d, db__write_advice_tx(d, a));
}

/* ---- read ------------------------------------------------------------------------ */

static void *db__read_rows(db *d, const db_advice_table *t, int64_t id, uint32_t *n, int *rc) {
  sqlite3_stmt *st;
  size_t got = 0;
  void *rows = NULL;
  *rc = db__prepare(d, t->select, &st) < 0 ? DB_ESQL : 0;
  if (*rc == 0) {
    sqlite3_bind_int64(st, 1, id);
    rows = db__collect(d, st, t->size, &got, t->read, t->what, rc);
  }
  *n = (uint32_t)got;
  return rows;
}

static int db__read_risks(db *d, int64_t id, advice *a) {
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "SELECT step" DB_ADVICE_RISK_COLUMNS(
                      DB_COL_NAME) " FROM advice_risks WHERE advice_id = ? ORDER BY step, position",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, id);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t s = sqlite3_column_int64(st, 0);
    if (s < 0 || s >= a->n_steps)
      continue;
    advice_step *step = &a->steps[s];
    advice_risk *r = realloc(step->risks, (step->n_risks + 1) * sizeof *r);
    if (!r) {
      sqlite3_finalize(st);
      return db__fail(d, ERR_ENOMEM, "out of memory reading advice_risks");
    }
    step->risks = r;
    memset(&r[step->n_risks], 0, sizeof *r);
    db__get_advice_risk(st, 1, &r[step->n_risks++]);
  }
  return db__finish(d, st, rc, "reading advice_risks");
}

static int db__read_advice(db *d, int64_t id, advice *a) {
  int rc;
  a->namespaces = db__read_rows(d, &db_advice_ns_table, id, &a->n_namespaces, &rc);
  if (rc == 0)
    a->uniform = db__read_rows(d, &db_advice_uniform_table, id, &a->n_uniform, &rc);
  if (rc == 0)
    a->alternatives = db__read_rows(d, &db_advice_alt_table, id, &a->n_alternatives, &rc);
  if (rc == 0)
    a->constraints = db__read_rows(d, &db_advice_constraint_table, id, &a->n_constraints, &rc);
  if (rc == 0)
    a->steps = db__read_rows(d, &db_advice_step_table, id, &a->n_steps, &rc);
  if (rc == 0)
    rc = db__read_risks(d, id, a);
  return rc;
}

int db_load_advice(db *d, int64_t batch_id, advice *out) {
  memset(out, 0, sizeof *out);
  d->errmsg[0] = '\0';
  sqlite3_stmt *st;
  if (db__prepare(d,
                  "SELECT id" DB_ADVICE_COLUMNS(
                      DB_COL_NAME) " FROM advice WHERE batch_id = ? ORDER BY id DESC LIMIT 1",
                  &st) < 0)
    return DB_ESQL;
  sqlite3_bind_int64(st, 1, batch_id);
  int step = sqlite3_step(st);
  int64_t id = -1;
  if (step == SQLITE_ROW) {
    id = sqlite3_column_int64(st, 0);
    db__get_advice(st, 1, out);
  }
  sqlite3_finalize(st);
  if (step == SQLITE_DONE)
    return db__fail(d, DB_ENOTFOUND, "%s: no advice for batch %" PRId64, d->path, batch_id);
  if (step != SQLITE_ROW)
    return db__sqlfail(d, "reading advice");
  out->batch_id = batch_id;
  if (db__exec(d, "BEGIN", "starting read") < 0)
    return DB_ESQL;
  int rc = db__read_advice(d, id, out);
  sqlite3_exec(d->conn, "COMMIT", NULL, NULL, NULL);
  if (rc < 0)
    advice_release(out);
  return rc;
}
