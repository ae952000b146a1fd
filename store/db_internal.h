/* db_internal: what the files of the results store share; not a public interface.
 *
 * The store (db.h) is one module in five files: db.c opens and closes the
 * database and holds the small SQL helpers, db_schema.c the schema text and
 * its migrations, db_write.c writes a run in one transaction, db_read.c loads
 * and lists, db_merge.c copies one database into another.
 *
 * Every table whose rows mirror a struct has its columns listed once below,
 * as X(column, storage type, struct field). The writer builds its INSERT and
 * binds through the list, the reader builds its SELECT and reads through the
 * same list, so the two cannot drift apart and no column is read by a
 * hand-counted index. Storage types: TXT (a char array), BOOL, U32, SZ, I64,
 * U64 (SQLite has no unsigned 64-bit integer: stored as its two's complement
 * bit pattern), DBL (NaN is stored as NULL and read back as NaN), HEX (a
 * uint64_t stored as 16 hex digits), STATUS (a result_status by its name),
 * REASONS (a result_verdict's reasons, one a line) and NSMODE (a
 * mesh_ns_mode by its name); db_advice.c adds the types of its own tables. */
#ifndef MESHSIM_DB_INTERNAL_H
#define MESHSIM_DB_INTERNAL_H

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "verdict.h"

#define DB_ERRMSG_MAX 1024
#define DB_KEY_MAX    (RESULT_TEXT_MAX + 256)

/* The writer's statements, prepared on first use and kept until db_close(). */
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
  ST_INS_HOTSPOT,
  ST_INS_CAPACITY,
  ST_INS_SIZING,
  ST_INS_NODE_WARNING,
  ST_INS_NAMESPACE,
  ST_COUNT
};

struct db {
  sqlite3 *conn;
  char *path;
  sqlite3_stmt *st[ST_COUNT];
  char errmsg[DB_ERRMSG_MAX];
};

/* ---- db.c: errors, statements, transactions ---------------------------------- */

/* Records the message in d->errmsg and returns code, so a failure path is one line. */
int db__fail(db *d, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records "path: what: sqlite message" and returns DB_ESQL. */
int db__sqlfail(db *d, const char *what);
int db__exec(db *d, const char *sql, const char *what);
/* Runs a statement expected to return no row, then resets it for reuse. */
int db__done(db *d, sqlite3_stmt *st, const char *what);
/* Single integer from a query without parameters. */
int db__int_query(db *d, const char *sql, int64_t *out);
int db__prepare(db *d, const char *sql, sqlite3_stmt **st);
/* Finalizes `st` and maps the last step result to 0 or DB_ESQL. */
int db__finish(db *d, sqlite3_stmt *st, int step_rc, const char *what);
/* Ends a write transaction: COMMIT when rc >= 0, else ROLLBACK; returns rc or DB_ESQL. */
int db__end_tx(db *d, int rc);

/* Reads every row of `st` into a malloc'd array of `size`-byte elements
 * (each zeroed first) through read(), which returns 1 to keep the row or 0
 * to skip it. Finalizes `st`. Returns the array (NULL when
 * empty or on failure; the caller frees it) with *n its length and *rc 0 or
 * a negative code (`what` names the query in the message). */
void *db__collect(db *d, sqlite3_stmt *st, size_t size, size_t *n,
                  int (*read)(sqlite3_stmt *st, void *row), const char *what, int *rc);

/* ---- db_schema.c ------------------------------------------------------------ */

/* Refuses databases that belong to something else or to a newer meshsim,
 * then applies the missing migrations in one transaction. */
int db__upgrade(db *d);

/* ---- db_write.c (also used by db_merge.c) -------------------------------------- */

/* Checks r and opens the write transaction of a run: 0 or DB_E*. */
int db__begin_write(db *d, const run_result *r);
/* Writes r inside the caller's transaction: 0 with the new id, 1 with the id
 * of an identical batch already stored, or a negative code (roll back). */
int db__write_run_tx(db *d, const run_result *r, int64_t *batch_id);
/* Inside a transaction: INSERT OR IGNORE of one sweep_points row; 1 when
 * added, 0 when it was there. */
int db__insert_point(db *d, int64_t sweep_id, int64_t point, const char *params, int64_t batch_id);

/* ---- value conversions ---------------------------------------------------------- */

static inline void db__bind_text(sqlite3_stmt *st, int i, const char *s) {
  sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static inline sqlite3_int64 db__u64_to_db(uint64_t v) {
  sqlite3_int64 s;
  memcpy(&s, &v, sizeof s);
  return s;
}

static inline uint64_t db__u64_from_db(sqlite3_int64 s) {
  uint64_t v;
  memcpy(&v, &s, sizeof v);
  return v;
}

/* NULL (how SQLite stores NaN) reads back as NaN, not 0. */
static inline double db__col_double(sqlite3_stmt *st, int i) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL)
    return NAN;
  return sqlite3_column_double(st, i);
}

static inline void db__col_text(sqlite3_stmt *st, int i, char *dst, size_t n) {
  const unsigned char *s = sqlite3_column_text(st, i);
  snprintf(dst, n, "%s", s ? (const char *)s : "");
}

static inline void db__bind_hex(sqlite3_stmt *st, int i, uint64_t v) {
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)v);
  sqlite3_bind_text(st, i, hex, -1, SQLITE_TRANSIENT);
}

static inline uint64_t db__col_hex(sqlite3_stmt *st, int i) {
  char hex[32];
  db__col_text(st, i, hex, sizeof hex);
  return strtoull(hex, NULL, 16);
}

/* A verdict's status as its name ("meets"); text the store did not write
 * reads as "misses", the status that recommends nothing. */
static inline void db__bind_status(sqlite3_stmt *st, int i, result_status s) {
  db__bind_text(st, i, verdict_status_name(s));
}

static inline result_status db__col_status(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  int v = s ? verdict_status_from_name((const char *)s) : -1;
  return v < 0 ? RESULT_MISSES : (result_status)v;
}

/* A verdict's reasons, one a line (a reason holds no newline). */
static inline void db__bind_reasons(sqlite3_stmt *st, int i, const result_verdict *v) {
  char buf[RESULT_REASONS_MAX * RESULT_REASON_LEN];
  size_t at = 0;
  buf[0] = '\0';
  for (uint32_t k = 0; k < v->n_reasons && k < RESULT_REASONS_MAX; k++)
    at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", k ? "\n" : "", v->reasons[k]);
  sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

static inline void db__col_reasons(sqlite3_stmt *st, int i, result_verdict *v) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  v->n_reasons = 0;
  while (s && *s && v->n_reasons < RESULT_REASONS_MAX) {
    size_t len = strcspn(s, "\n");
    snprintf(v->reasons[v->n_reasons++], RESULT_REASON_LEN, "%.*s", (int)len, s);
    s += len + (s[len] == '\n');
  }
}

/* A namespace's mode by its name ("ambient"); text the store did not write
 * reads as "none". */
static inline void db__bind_ns_mode(sqlite3_stmt *st, int i, mesh_ns_mode m) {
  db__bind_text(st, i, mesh_ns_mode_name(m));
}

static inline mesh_ns_mode db__col_ns_mode(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  int v = s ? mesh_ns_mode_from_name((const char *)s) : -1;
  return v < 0 ? MESH_NS_NONE : (mesh_ns_mode)v;
}

#define BIND_TXT(st, i, v)     db__bind_text((st), (i), (v))
#define BIND_BOOL(st, i, v)    sqlite3_bind_int64((st), (i), (v) ? 1 : 0)
#define BIND_U32(st, i, v)     sqlite3_bind_int64((st), (i), (sqlite3_int64)(v))
#define BIND_SZ(st, i, v)      sqlite3_bind_int64((st), (i), (sqlite3_int64)(v))
#define BIND_I64(st, i, v)     sqlite3_bind_int64((st), (i), (sqlite3_int64)(v))
#define BIND_U64(st, i, v)     sqlite3_bind_int64((st), (i), db__u64_to_db(v))
#define BIND_DBL(st, i, v)     sqlite3_bind_double((st), (i), (v))
#define BIND_HEX(st, i, v)     db__bind_hex((st), (i), (v))
#define BIND_STATUS(st, i, v)  db__bind_status((st), (i), (v))
#define BIND_REASONS(st, i, v) db__bind_reasons((st), (i), &(v))
#define BIND_NSMODE(st, i, v)  db__bind_ns_mode((st), (i), (v))
#define GET_TXT(st, i, lv)     db__col_text((st), (i), (lv), sizeof(lv))
#define GET_BOOL(st, i, lv)    ((lv) = sqlite3_column_int64((st), (i)) != 0)
#define GET_U32(st, i, lv)     ((lv) = (uint32_t)sqlite3_column_int64((st), (i)))
#define GET_SZ(st, i, lv)      ((lv) = (size_t)sqlite3_column_int64((st), (i)))
#define GET_I64(st, i, lv)     ((lv) = (int64_t)sqlite3_column_int64((st), (i)))
#define GET_U64(st, i, lv)     ((lv) = db__u64_from_db(sqlite3_column_int64((st), (i))))
#define GET_DBL(st, i, lv)     ((lv) = db__col_double((st), (i)))
#define GET_HEX(st, i, lv)     ((lv) = db__col_hex((st), (i)))
#define GET_STATUS(st, i, lv)  ((lv) = db__col_status((st), (i)))
#define GET_REASONS(st, i, lv) db__col_reasons((st), (i), &(lv))
#define GET_NSMODE(st, i, lv)  ((lv) = db__col_ns_mode((st), (i)))

/* ---- column lists ------------------------------------------------------------- */

/* batches, after batch_key (the writer's) and before n_modes: run_result. */
#define DB_BATCH_COLUMNS(X)                                                                        \
  X(scenario, TXT, scenario)                                                                       \
  X(scenario_path, TXT, scenario_path)                                                             \
  X(scenario_hash, HEX, scenario_hash)                                                             \
  X(params, TXT, params)                                                                           \
  X(profile, TXT, profile)                                                                         \
  X(version, TXT, version)                                                                         \
  X(started_at, TXT, started_at)                                                                   \
  X(wall_s, DBL, wall_s)                                                                           \
  X(seed, U64, seed)                                                                               \
  X(replications, U32, replications)                                                               \
  X(duration_s, DBL, duration_s)                                                                   \
  X(warmup_s, DBL, warmup_s)                                                                       \
  X(slo_ms, DBL, slo_ms)                                                                           \
  X(objective_quantile, DBL, objective_quantile)                                                   \
  X(error_budget, DBL, error_budget)

/* batches as db_list_batches() shows them: db_batch_info. */
#define DB_BATCH_INFO_COLUMNS(X)                                                                   \
  X(scenario, TXT, scenario)                                                                       \
  X(scenario_hash, TXT, scenario_hash)                                                             \
  X(params, TXT, params)                                                                           \
  X(profile, TXT, profile)                                                                         \
  X(version, TXT, version)                                                                         \
  X(started_at, TXT, started_at)                                                                   \
  X(seed, U64, seed)                                                                               \
  X(replications, U32, replications)                                                               \
  X(wall_s, DBL, wall_s)

/* runs, after the identity columns (run_key ... replication): result_replication. */
#define DB_RUN_COLUMNS(X)                                                                          \
  X(seed, U64, seed)                                                                               \
  X(requests, U64, requests)                                                                       \
  X(errors, U64, errors)                                                                           \
  X(slo_violations, U64, slo_violations)                                                           \
  X(throughput_rps, DBL, throughput_rps)                                                           \
  X(latency_mean_ms, DBL, mean_ms)                                                                 \
  X(latency_p50_ms, DBL, p50_ms)                                                                   \
  X(latency_p90_ms, DBL, p90_ms)                                                                   \
  X(latency_p99_ms, DBL, p99_ms)                                                                   \
  X(latency_p999_ms, DBL, p999_ms)                                                                 \
  X(wall_s, DBL, wall_s)

/* mode_summary, after (batch_id, mode, position): mode_result. */
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
  X(series_seconds, U32, series.n_seconds)                                                         \
  X(unfinished, U64, unfinished)                                                                   \
  X(busiest_instance, TXT, busiest.instance)                                                       \
  X(busiest_kind, TXT, busiest.kind)                                                               \
  X(busiest_node, TXT, busiest.node)                                                               \
  X(busiest_utilisation, DBL, busiest.utilisation)                                                 \
  X(verdict, STATUS, verdict.status)                                                               \
  X(verdict_reasons, REASONS, verdict)                                                             \
  X(bottleneck, TXT, verdict.bottleneck)                                                           \
  X(errors_timeout, U64, error_causes.timeout)                                                     \
  X(errors_rejected, U64, error_causes.rejected)                                                   \
  X(errors_outage, U64, error_causes.outage)                                                       \
  X(fail_mean_ms, DBL, error_causes.fail_mean_ms)                                                  \
  X(fail_p50_ms, DBL, error_causes.fail_p50_ms)                                                    \
  X(fail_p99_ms, DBL, error_causes.fail_p99_ms)                                                    \
  DB_PLAN_COLUMNS(X)

/* mode_summary, version 4: the capacity figures of result_plan (what it
 * holds besides its tables below). */
#define DB_PLAN_COLUMNS(X)                                                                         \
  X(target_utilisation, DBL, plan.target_utilisation)                                              \
  X(headroom, DBL, plan.headroom)                                                                  \
  X(nodes_needed_reserved, U32, plan.nodes_needed_reserved)                                        \
  X(nodes_needed_used, U32, plan.nodes_needed_used)                                                \
  X(pods_unplaced, U32, plan.pods_unplaced)                                                        \
  X(nodes_over_cpu, U32, plan.nodes_over_cpu)                                                      \
  X(nodes_over_mem, U32, plan.nodes_over_mem)                                                      \
  X(busiest_node_by_cpu, TXT, plan.busiest_node)                                                   \
  X(busiest_node_cpu_share, DBL, plan.busiest_node_cpu_share)                                      \
  X(node_mem_share_max, DBL, plan.node_mem_share_max)

/* hotspots, after (batch_id, mode, position): result_hotspot. */
#define DB_HOTSPOT_COLUMNS(X)                                                                      \
  X(instance, TXT, instance)                                                                       \
  X(kind, TXT, kind)                                                                               \
  X(node, TXT, node)                                                                               \
  X(utilisation, DBL, utilisation)                                                                 \
  X(cpu_cores, DBL, cpu_cores)                                                                     \
  X(latency_ms, DBL, latency_ms)                                                                   \
  X(latency_share, DBL, latency_share)

/* shared_capacity, after (batch_id, mode, position): result_capacity. */
#define DB_CAPACITY_COLUMNS(X)                                                                     \
  X(kind, TXT, kind)                                                                               \
  X(instance, TXT, instance)                                                                       \
  X(replicas, U32, replicas)                                                                       \
  X(utilisation, DBL, utilisation)                                                                 \
  X(utilisation_max, DBL, utilisation_max)                                                         \
  X(cpu_cores, DBL, cpu_cores)                                                                     \
  X(replicas_needed, U32, replicas_needed)                                                         \
  X(cpu_cores_per_replica, DBL, cpu_cores_per_replica)

/* proxy_sizing, after (batch_id, mode, kind): result_sizing. */
#define DB_SIZING_COLUMNS(X)                                                                       \
  X(instances, U32, instances)                                                                     \
  X(request_cpu_cores, DBL, request_cpu_cores)                                                     \
  X(request_mem_mib, DBL, request_mem_mib)                                                         \
  X(p95_cpu_cores, DBL, p95_cpu_cores)                                                             \
  X(p95_mem_mib, DBL, p95_mem_mib)                                                                 \
  X(max_cpu_cores, DBL, max_cpu_cores)                                                             \
  X(right_cpu_cores, DBL, right_cpu_cores)                                                         \
  X(right_mem_mib, DBL, right_mem_mib)                                                             \
  X(cost_usd_month, DBL, cost_usd_month)                                                           \
  X(right_cost_usd_month, DBL, right_cost_usd_month)

/* node_warnings, after (batch_id, mode, position): result_node_warning. */
#define DB_NODE_WARNING_COLUMNS(X)                                                                 \
  X(node, TXT, node)                                                                               \
  X(cpu_used_cores, DBL, cpu_used_cores)                                                           \
  X(cpu_capacity_cores, DBL, cpu_capacity_cores)                                                   \
  X(mem_used_mib, DBL, mem_used_mib)                                                               \
  X(mem_capacity_mib, DBL, mem_capacity_mib)

/* kind_usage, after (batch_id, mode, kind): result_kind_usage. */
#define DB_KIND_COLUMNS(X)                                                                         \
  X(instances, U32, instances)                                                                     \
  X(cpu_cores_mean, DBL, cpu_cores_mean)                                                           \
  X(cpu_cores_peak, DBL, cpu_cores_peak)                                                           \
  X(mem_mib_mean, DBL, mem_mib_mean)                                                               \
  X(mem_mib_peak, DBL, mem_mib_peak)                                                               \
  X(reserved_cpu_cores, DBL, reserved_cpu_cores)                                                   \
  X(reserved_mem_mib, DBL, reserved_mem_mib)

/* node_usage, after (batch_id, mode, position): result_node. Its per-kind
 * columns are named after mesh_kind_name(); a new kind needs two columns
 * here and a migration. The gateway kind (the last) has none yet: a node's
 * gateway replicas count in its totals (reserved, capacity) and in the
 * kind_usage rows, not in a column of their own here. */
_Static_assert(MESH_KIND_COUNT == 6, "node_usage has a CPU and a memory column per kind");
#define DB_NODE_COLUMNS(X)                                                                         \
  X(node, TXT, name)                                                                               \
  X(zone, U32, zone)                                                                               \
  X(pods, U32, pods)                                                                               \
  X(cpu_cores_app, DBL, cpu_cores[MESH_KIND_APP])                                                  \
  X(cpu_cores_sidecar, DBL, cpu_cores[MESH_KIND_SIDECAR])                                          \
  X(cpu_cores_ztunnel, DBL, cpu_cores[MESH_KIND_ZTUNNEL])                                          \
  X(cpu_cores_waypoint, DBL, cpu_cores[MESH_KIND_WAYPOINT])                                        \
  X(cpu_cores_control_plane, DBL, cpu_cores[MESH_KIND_CONTROL_PLANE])                              \
  X(mem_mib_app, DBL, mem_mib[MESH_KIND_APP])                                                      \
  X(mem_mib_sidecar, DBL, mem_mib[MESH_KIND_SIDECAR])                                              \
  X(mem_mib_ztunnel, DBL, mem_mib[MESH_KIND_ZTUNNEL])                                              \
  X(mem_mib_waypoint, DBL, mem_mib[MESH_KIND_WAYPOINT])                                            \
  X(mem_mib_control_plane, DBL, mem_mib[MESH_KIND_CONTROL_PLANE])                                  \
  X(reserved_cpu_cores, DBL, reserved_cpu_cores)                                                   \
  X(reserved_mem_mib, DBL, reserved_mem_mib)                                                       \
  X(capacity_cpu_cores, DBL, capacity_cpu_cores)                                                   \
  X(capacity_mem_mib, DBL, capacity_mem_mib)

/* blast, after (batch_id, mode, kind): result_blast. */
#define DB_BLAST_COLUMNS(X)                                                                        \
  X(instances, U32, instances)                                                                     \
  X(pods_max, U32, pods_max)                                                                       \
  X(pods_mean, DBL, pods_mean)                                                                     \
  X(services_max, U32, services_max)                                                               \
  X(namespaces_max, U32, namespaces_max)                                                           \
  X(tenants_max, U32, tenants_max)                                                                 \
  X(identities_max, U32, identities_max)                                                           \
  X(request_share_max, DBL, request_share_max)                                                     \
  X(request_share_mean, DBL, request_share_mean)

/* blast_instances, after (batch_id, mode, position): result_blast_instance. */
#define DB_BLAST_INSTANCE_COLUMNS(X)                                                               \
  X(kind, TXT, kind)                                                                               \
  X(instance, TXT, instance)                                                                       \
  X(pods, U32, pods)                                                                               \
  X(services, U32, services)                                                                       \
  X(namespaces, U32, namespaces)                                                                   \
  X(tenants, U32, tenants)                                                                         \
  X(identities, U32, identities)                                                                   \
  X(l7_services, U32, l7_services)                                                                 \
  X(request_share, DBL, request_share)

/* failures, after (batch_id, mode, position): result_failure. */
#define DB_FAILURE_COLUMNS(X)                                                                      \
  X(name, TXT, name)                                                                               \
  X(component, TXT, component)                                                                     \
  X(instance, TXT, instance)                                                                       \
  X(at_s, DBL, at_s)                                                                               \
  X(down_s, DBL, down_s)                                                                           \
  X(failed_requests, U64, failed_requests)                                                         \
  X(slo_violations, U64, slo_violations)                                                           \
  X(affected_pods, U32, affected_pods)                                                             \
  X(affected_services, U32, affected_services)                                                     \
  X(affected_namespaces, U32, affected_namespaces)                                                 \
  X(affected_tenants, U32, affected_tenants)                                                       \
  X(recovery_s, DBL, recovery_s)                                                                   \
  X(series_seconds, U32, n_seconds)                                                                \
  X(has_target, BOOL, has_target)                                                                  \
  X(p99_during_ms, DBL, p99_during_ms)                                                             \
  X(p99_steady_ms, DBL, p99_steady_ms)                                                             \
  X(slo_violations_steady, U64, slo_violations_steady)                                             \
  X(detect_s, DBL, detect_s)

/* namespace_usage, after (batch_id, mode, position), version 5: result_namespace
 * (models/attribution.h). Per-kind columns as node_usage's. */
#define DB_NAMESPACE_COLUMNS(X)                                                                    \
  X(namespace, TXT, name)                                                                          \
  X(tenant, TXT, tenant)                                                                           \
  X(namespace_mode, NSMODE, mode)                                                                  \
  X(pods, U32, pods)                                                                               \
  X(cpu_cores_app, DBL, cpu_cores[MESH_KIND_APP])                                                  \
  X(cpu_cores_sidecar, DBL, cpu_cores[MESH_KIND_SIDECAR])                                          \
  X(cpu_cores_ztunnel, DBL, cpu_cores[MESH_KIND_ZTUNNEL])                                          \
  X(cpu_cores_waypoint, DBL, cpu_cores[MESH_KIND_WAYPOINT])                                        \
  X(cpu_cores_control_plane, DBL, cpu_cores[MESH_KIND_CONTROL_PLANE])                              \
  X(mem_mib_app, DBL, mem_mib[MESH_KIND_APP])                                                      \
  X(mem_mib_sidecar, DBL, mem_mib[MESH_KIND_SIDECAR])                                              \
  X(mem_mib_ztunnel, DBL, mem_mib[MESH_KIND_ZTUNNEL])                                              \
  X(mem_mib_waypoint, DBL, mem_mib[MESH_KIND_WAYPOINT])                                            \
  X(mem_mib_control_plane, DBL, mem_mib[MESH_KIND_CONTROL_PLANE])                                  \
  X(mesh_cpu_cores, DBL, mesh_cpu_cores)                                                           \
  X(mesh_mem_mib, DBL, mesh_mem_mib)                                                               \
  X(reserved_cpu_cores, DBL, reserved_cpu_cores)                                                   \
  X(reserved_mem_mib, DBL, reserved_mem_mib)                                                       \
  X(mesh_reserved_cpu_cores, DBL, mesh_reserved_cpu_cores)                                         \
  X(mesh_reserved_mem_mib, DBL, mesh_reserved_mem_mib)                                             \
  X(cross_zone_gb_month, DBL, cross_zone_gb_month)                                                 \
  X(cost_usd_month, DBL, cost_usd_month)                                                           \
  X(mesh_cost_usd_month, DBL, mesh_cost_usd_month)                                                 \
  X(entry_requests, U64, entry_requests)                                                           \
  X(entry_errors, U64, entry_errors)                                                               \
  X(entry_latency_ms, DBL, entry_latency_ms)                                                       \
  X(latency_gain_ms, DBL, latency_gain_ms)                                                         \
  X(mesh_time_ms, DBL, mesh_time_ms)

/* advice, after (id, batch_id), version 5: models/advice.h's advice. */
#define DB_ADVICE_COLUMNS(X)                                                                       \
  X(scenario, TXT, scenario)                                                                       \
  X(objective, OBJECTIVE, objective)                                                               \
  X(found, BOOL, found)                                                                            \
  X(verdict, STATUS, verdict.status)                                                               \
  X(verdict_reasons, REASONS, verdict)                                                             \
  X(bottleneck, TXT, verdict.bottleneck)                                                           \
  X(cost_usd_month, DBL, cost_usd_month)                                                           \
  X(value, DBL, value)                                                                             \
  X(latency_ms, DBL, latency_ms)                                                                   \
  X(budget, U32, budget)                                                                           \
  X(simulations, U32, simulations)                                                                 \
  X(uniform_simulations, U32, uniform_simulations)                                                 \
  X(budget_exhausted, BOOL, budget_exhausted)                                                      \
  X(has_plan, BOOL, has_plan)                                                                      \
  X(plan_from, TXT, plan_from)                                                                     \
  X(plan_safe, BOOL, plan_safe)                                                                    \
  X(plan_exhaustive, BOOL, plan_exhaustive)                                                        \
  X(plan_simulations, U32, plan_simulations)                                                       \
  X(wall_s, DBL, wall_s)

/* advice_namespaces, after (advice_id, position): advice_namespace. */
#define DB_ADVICE_NS_COLUMNS(X)                                                                    \
  X(namespace, TXT, name)                                                                          \
  X(namespace_mode, NSMODE, mode)                                                                  \
  X(allowed, MODESET, allowed)                                                                     \
  X(reason, REASON, reason)                                                                        \
  X(why, TXT, why)

/* advice_uniform, after (advice_id, position): advice_uniform. */
#define DB_ADVICE_UNIFORM_COLUMNS(X)                                                               \
  X(mode, MODE, mode)                                                                              \
  X(verdict, STATUS, status)                                                                       \
  X(cost_usd_month, DBL, cost_usd_month)                                                           \
  X(value, DBL, value)                                                                             \
  X(latency_ms, DBL, latency_ms)                                                                   \
  X(violations, U32, violations)                                                                   \
  X(why, TXT, why)

/* advice_alternatives, after (advice_id, position): advice_alternative. */
#define DB_ADVICE_ALT_COLUMNS(X)                                                                   \
  X(rank, U32, rank)                                                                               \
  X(verdict, STATUS, status)                                                                       \
  X(cost_usd_month, DBL, cost_usd_month)                                                           \
  X(value, DBL, value)                                                                             \
  X(latency_ms, DBL, latency_ms)                                                                   \
  X(changes, TXT, changes)

/* advice_constraints, after (advice_id, position): advice_constraint. */
#define DB_ADVICE_CONSTRAINT_COLUMNS(X)                                                            \
  X(kind, TXT, kind)                                                                               \
  X(namespace, TXT, ns)                                                                            \
  X(modes, MODESET, modes)                                                                         \
  X(limit_value, U32, limit)                                                                       \
  X(text, TXT, text)

/* advice_steps, after (advice_id, position): advice_step but its risks. */
#define DB_ADVICE_STEP_COLUMNS(X)                                                                  \
  X(step, U32, step)                                                                               \
  X(namespace, TXT, ns)                                                                            \
  X(from_mode, NSMODE, from)                                                                       \
  X(to_mode, NSMODE, to)                                                                           \
  X(verdict, STATUS, status)                                                                       \
  X(cost_usd_month, DBL, cost_usd_month)                                                           \
  X(value, DBL, value)                                                                             \
  X(latency_ms, DBL, latency_ms)                                                                   \
  X(why, TXT, why)

/* advice_risks, after (advice_id, step, position): advice_risk. */
#define DB_ADVICE_RISK_COLUMNS(X)                                                                  \
  X(kind, TXT, kind)                                                                               \
  X(text, TXT, text)                                                                               \
  X(source, TXT, source)

/* sweeps, after id: db_sweep_info. */
#define DB_SWEEP_COLUMNS(X)                                                                        \
  X(sweep_key, TXT, sweep_key)                                                                     \
  X(scenario, TXT, scenario)                                                                       \
  X(scenario_path, TXT, scenario_path)                                                             \
  X(file_hash, TXT, file_hash)                                                                     \
  X(version, TXT, version)                                                                         \
  X(spec, TXT, spec)                                                                               \
  X(keys, TXT, keys)                                                                               \
  X(n_points, U32, n_points)                                                                       \
  X(created_at, TXT, created_at)

/* What a list expands to: ", a, b" (names; with DB_COL_TNAME qualified by
 * the alias `t`, for joins), ",?,?" (parameters), and the statements that
 * bind or read `row`'s fields from column c on. */
#define DB_COL_NAME(name, type, field)  ", " #name
#define DB_COL_TNAME(name, type, field) ", t." #name
#define DB_COL_PARAM(name, type, field) ",?"
#define DB_COL_BIND(name, type, field)  BIND_##type(st, c++, row->field);
#define DB_COL_GET(name, type, field)   GET_##type(st, c++, row->field);

/* Defines db__bind_TAG(st, c, row) and db__get_TAG(st, c, row): bind or read
 * the columns of LIST from parameter or column c on; both return the index
 * after the last one. */
#define DB_DEFINE_BIND(tag, type, LIST)                                                            \
  static int db__bind_##tag(sqlite3_stmt *st, int c, const type *row) {                            \
    LIST(DB_COL_BIND)                                                                              \
    return c;                                                                                      \
  }
#define DB_DEFINE_GET(tag, type, LIST)                                                             \
  static int db__get_##tag(sqlite3_stmt *st, int c, type *row) {                                   \
    LIST(DB_COL_GET)                                                                               \
    return c;                                                                                      \
  }

#endif
