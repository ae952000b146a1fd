/* db_merge: copies every batch, sweep and sweep point of one results
 * database into another (`meshsim merge`, joining the shards of a sweep).
 *
 * Batches go through db_load_run and db_write_run, so identical batches are
 * skipped by batch_key and replications shared by run_key, and the copy
 * is as good as the original run. Sweeps match by sweep_key and points by
 * (sweep_id, point), with batch ids translated into the target's ids. */
#include <inttypes.h>

#include "db_internal.h"

typedef struct db_id_pair {
  int64_t from, to;
} db_id_pair;

static int db__cmp_pair(const void *a, const void *b) {
  int64_t x = ((const db_id_pair *)a)->from, y = ((const db_id_pair *)b)->from;
  return (x > y) - (x < y);
}

static int db__read_id(sqlite3_stmt *st, void *row) {
  *(int64_t *)row = sqlite3_column_int64(st, 0);
  return 1;
}

/* Ids of every batch of `in`, ascending (malloc'd). */
static int db__batch_ids(db *in, int64_t **ids, size_t *n) {
  sqlite3_stmt *st;
  *ids = NULL;
  *n = 0;
  if (db__prepare(in, "SELECT id FROM batches ORDER BY id", &st) < 0)
    return DB_ESQL;
  int rc;
  *ids = db__collect(in, st, sizeof **ids, n, db__read_id, "listing batches", &rc);
  return rc;
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
