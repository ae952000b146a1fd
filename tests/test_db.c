/* Tests for db: a synthetic run written and read back field by field
 * (histogram buckets included); two runs and the batch listing; a failed
 * write (constraint violation, injected trigger errors) and a process
 * killed mid-transaction leave no partial rows and a sound database;
 * user_version and application_id; databases of versions 1 to 4
 * upgraded on open (failures.has_target, verdicts, capacity tables,
 * namespace shares); newer
 * and foreign databases refused;
 * the UNIQUE run_key makes re-inserting the same runs add nothing. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "advice.h"
#include "db.h"
#include "results_fixture.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

typedef fixture_store dbt; /* the test state */

static int setup(void **state) {
  /* A nested, not yet existing directory: db_open must create it. */
  return fixture_store_setup(state, "db", "sub/dir/meshsim.db", NULL);
}

static int teardown(void **state) {
  return fixture_store_teardown(state);
}

/* ---- comparison helpers ---- */

#define assert_same_double(a, b) assert_same_double_at((a), (b), #a, __LINE__)
static void assert_same_double_at(double a, double b, const char *expr, int line) {
  if (isnan(a) && isnan(b))
    return;
  if (a != b)
    fail_msg("line %d: %s = %.17g, stored %.17g", line, expr, a, b);
}

static void assert_same_ci(const sim_ci *a, const sim_ci *b) {
  assert_int_equal(a->n, b->n);
  assert_same_double(a->mean, b->mean);
  assert_same_double(a->half_width, b->half_width);
  assert_same_double(a->lo, b->lo);
  assert_same_double(a->hi, b->hi);
}

static void assert_same_series(const double *a, const double *b, uint32_t n) {
  if (!a) {
    assert_null(b);
    return;
  }
  assert_non_null(b);
  for (uint32_t s = 0; s < n; s++)
    assert_same_double(a[s], b[s]);
}

static void assert_same_mode(const mode_result *a, const mode_result *b) {
  assert_int_equal(a->mode, b->mode);
  assert_int_equal(a->replications, b->replications);
  assert_int_equal(a->requests, b->requests);
  assert_int_equal(a->errors, b->errors);
  assert_int_equal(a->slo_violations, b->slo_violations);
  assert_same_double(a->throughput_rps, b->throughput_rps);
  assert_same_double(a->latency.mean_ms, b->latency.mean_ms);
  assert_same_double(a->latency.p50_ms, b->latency.p50_ms);
  assert_same_double(a->latency.p90_ms, b->latency.p90_ms);
  assert_same_double(a->latency.p99_ms, b->latency.p99_ms);
  assert_same_double(a->latency.p999_ms, b->latency.p999_ms);
  assert_same_ci(&a->latency.mean_ci, &b->latency.mean_ci);
  assert_same_ci(&a->latency.p50_ci, &b->latency.p50_ci);
  assert_same_ci(&a->latency.p90_ci, &b->latency.p90_ci);
  assert_same_ci(&a->latency.p99_ci, &b->latency.p99_ci);
  assert_same_ci(&a->latency.p999_ci, &b->latency.p999_ci);

  /* The histogram comes back bucket for bucket, so quantiles match too. */
  const sim_hist *ha = &a->latency_hist_ns, *hb = &b->latency_hist_ns;
  assert_int_equal(ha->count, hb->count);
  assert_int_equal(ha->overflow, hb->overflow);
  assert_same_double(ha->sum, hb->sum);
  assert_int_equal(ha->min, hb->min);
  assert_int_equal(ha->max, hb->max);
  for (size_t i = 0; i < sim_hist_bucket_count(); i++)
    if (ha->buckets[i] != hb->buckets[i])
      fail_msg("bucket %zu: %llu written, %llu read", i, (unsigned long long)ha->buckets[i],
               (unsigned long long)hb->buckets[i]);
  assert_same_double(sim_hist_quantile(ha, 0.99), sim_hist_quantile(hb, 0.99));

  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    const result_kind_usage *x = &a->kind[k], *y = &b->kind[k];
    assert_int_equal(x->instances, y->instances);
    assert_same_double(x->cpu_cores_mean, y->cpu_cores_mean);
    assert_same_double(x->cpu_cores_peak, y->cpu_cores_peak);
    assert_same_double(x->mem_mib_mean, y->mem_mib_mean);
    assert_same_double(x->mem_mib_peak, y->mem_mib_peak);
    assert_same_double(x->reserved_cpu_cores, y->reserved_cpu_cores);
    assert_same_double(x->reserved_mem_mib, y->reserved_mem_mib);
  }
  assert_same_double(a->mesh_cpu_cores, b->mesh_cpu_cores);
  assert_same_double(a->mesh_mem_mib, b->mesh_mem_mib);
  assert_same_double(a->reserved_cpu_cores, b->reserved_cpu_cores);
  assert_same_double(a->reserved_mem_mib, b->reserved_mem_mib);
  assert_int_equal(a->nodes_needed, b->nodes_needed);
  assert_same_double(a->cross_zone_gb_month, b->cross_zone_gb_month);
  assert_same_double(a->cost_compute_usd_month, b->cost_compute_usd_month);
  assert_same_double(a->cost_network_usd_month, b->cost_network_usd_month);
  assert_same_double(a->cost_usd_month, b->cost_usd_month);
  assert_same_double(a->cost_reserved_usd_month, b->cost_reserved_usd_month);
  assert_same_double(a->cost_mesh_reserved_usd_month, b->cost_mesh_reserved_usd_month);

  assert_int_equal(a->n_nodes, b->n_nodes);
  for (uint32_t i = 0; i < a->n_nodes; i++) {
    const result_node *x = &a->nodes[i], *y = &b->nodes[i];
    assert_string_equal(x->name, y->name);
    assert_int_equal(x->zone, y->zone);
    assert_int_equal(x->pods, y->pods);
    for (int k = 0; k < MESH_KIND_COUNT; k++) {
      assert_same_double(x->cpu_cores[k], y->cpu_cores[k]);
      assert_same_double(x->mem_mib[k], y->mem_mib[k]);
    }
    assert_same_double(x->reserved_cpu_cores, y->reserved_cpu_cores);
    assert_same_double(x->reserved_mem_mib, y->reserved_mem_mib);
    assert_same_double(x->capacity_cpu_cores, y->capacity_cpu_cores);
    assert_same_double(x->capacity_mem_mib, y->capacity_mem_mib);
  }

  assert_int_equal(a->series.n_seconds, b->series.n_seconds);
  uint32_t ns = a->series.n_seconds;
  assert_same_series(a->series.throughput_rps, b->series.throughput_rps, ns);
  assert_same_series(a->series.p99_ms, b->series.p99_ms, ns);
  assert_same_series(a->series.error_rate, b->series.error_rate, ns);
  assert_same_series(a->series.waypoint_replicas, b->series.waypoint_replicas, ns);
  for (int k = 0; k < MESH_KIND_COUNT; k++)
    assert_same_series(a->series.cpu_cores[k], b->series.cpu_cores[k], ns);

  for (uint32_t j = 0; j < a->replications; j++) {
    const result_replication *x = &a->reps[j], *y = &b->reps[j];
    assert_int_equal(x->seed, y->seed);
    assert_int_equal(x->requests, y->requests);
    assert_int_equal(x->errors, y->errors);
    assert_int_equal(x->slo_violations, y->slo_violations);
    assert_same_double(x->throughput_rps, y->throughput_rps);
    assert_same_double(x->mean_ms, y->mean_ms);
    assert_same_double(x->p50_ms, y->p50_ms);
    assert_same_double(x->p90_ms, y->p90_ms);
    assert_same_double(x->p99_ms, y->p99_ms);
    assert_same_double(x->p999_ms, y->p999_ms);
    for (int k = 0; k < MESH_KIND_COUNT; k++) {
      assert_same_double(x->cpu_cores[k], y->cpu_cores[k]);
      assert_same_double(x->mem_mib[k], y->mem_mib[k]);
    }
    assert_same_double(x->wall_s, y->wall_s);
  }

  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    assert_int_equal(!!a->has_blast[k], !!b->has_blast[k]);
    if (!a->has_blast[k])
      continue;
    const result_blast *x = &a->blast[k], *y = &b->blast[k];
    assert_int_equal(x->instances, y->instances);
    assert_int_equal(x->pods_max, y->pods_max);
    assert_same_double(x->pods_mean, y->pods_mean);
    assert_int_equal(x->services_max, y->services_max);
    assert_int_equal(x->namespaces_max, y->namespaces_max);
    assert_int_equal(x->tenants_max, y->tenants_max);
    assert_int_equal(x->identities_max, y->identities_max);
    assert_same_double(x->request_share_max, y->request_share_max);
    assert_same_double(x->request_share_mean, y->request_share_mean);
  }
  assert_int_equal(a->n_blast_instances, b->n_blast_instances);
  for (uint32_t i = 0; i < a->n_blast_instances; i++) {
    const result_blast_instance *x = &a->blast_instances[i], *y = &b->blast_instances[i];
    assert_string_equal(x->kind, y->kind);
    assert_string_equal(x->instance, y->instance);
    assert_int_equal(x->pods, y->pods);
    assert_int_equal(x->services, y->services);
    assert_int_equal(x->namespaces, y->namespaces);
    assert_int_equal(x->tenants, y->tenants);
    assert_int_equal(x->identities, y->identities);
    assert_int_equal(x->l7_services, y->l7_services);
    assert_same_double(x->request_share, y->request_share);
  }

  assert_int_equal(a->n_failures, b->n_failures);
  for (uint32_t i = 0; i < a->n_failures; i++) {
    const result_failure *x = &a->failures[i], *y = &b->failures[i];
    assert_string_equal(x->name, y->name);
    assert_string_equal(x->component, y->component);
    assert_string_equal(x->instance, y->instance);
    assert_int_equal(x->has_target, y->has_target);
    assert_same_double(x->at_s, y->at_s);
    assert_same_double(x->down_s, y->down_s);
    assert_int_equal(x->failed_requests, y->failed_requests);
    assert_int_equal(x->slo_violations, y->slo_violations);
    assert_int_equal(x->affected_pods, y->affected_pods);
    assert_int_equal(x->affected_services, y->affected_services);
    assert_int_equal(x->affected_namespaces, y->affected_namespaces);
    assert_int_equal(x->affected_tenants, y->affected_tenants);
    assert_same_double(x->recovery_s, y->recovery_s);
    assert_same_double(x->detect_s, y->detect_s);
    assert_same_double(x->p99_during_ms, y->p99_during_ms);
    assert_same_double(x->p99_steady_ms, y->p99_steady_ms);
    assert_int_equal(x->slo_violations_steady, y->slo_violations_steady);
    assert_int_equal(x->n_seconds, y->n_seconds);
    assert_same_series(x->error_rate, y->error_rate, x->n_seconds);
  }
}

static void assert_same_verdict(const mode_result *a, const mode_result *b);
static void assert_same_plan(const result_plan *a, const result_plan *b);
static void assert_same_namespaces(const mode_result *a, const mode_result *b);

static void assert_same_run(const run_result *a, const run_result *b) {
  assert_string_equal(a->scenario, b->scenario);
  assert_string_equal(a->scenario_path, b->scenario_path);
  assert_int_equal(a->scenario_hash, b->scenario_hash);
  assert_string_equal(a->params, b->params);
  assert_string_equal(a->profile, b->profile);
  assert_string_equal(a->version, b->version);
  assert_string_equal(a->started_at, b->started_at);
  assert_int_equal(a->seed, b->seed);
  assert_int_equal(a->replications, b->replications);
  assert_same_double(a->duration_s, b->duration_s);
  assert_same_double(a->warmup_s, b->warmup_s);
  assert_same_double(a->slo_ms, b->slo_ms);
  assert_same_double(a->objective_quantile, b->objective_quantile);
  assert_same_double(a->error_budget, b->error_budget);
  assert_same_double(a->wall_s, b->wall_s);
  assert_int_equal(a->n_modes, b->n_modes);
  for (uint32_t i = 0; i < a->n_modes; i++) {
    assert_same_mode(&a->modes[i], &b->modes[i]);
    assert_same_verdict(&a->modes[i], &b->modes[i]);
    assert_same_plan(&a->modes[i].plan, &b->modes[i].plan);
    assert_same_namespaces(&a->modes[i], &b->modes[i]);
  }
  assert_int_equal(a->recommendation.has_mode, b->recommendation.has_mode);
  assert_int_equal(a->recommendation.mode, b->recommendation.mode);
  assert_string_equal(a->recommendation.why, b->recommendation.why);
}

/* Each namespace's share (models/attribution.h), field by field. */
static void assert_same_namespaces(const mode_result *a, const mode_result *b) {
  assert_int_equal(a->n_namespaces, b->n_namespaces);
  for (uint32_t i = 0; i < a->n_namespaces; i++) {
    const result_namespace *x = &a->namespaces[i], *y = &b->namespaces[i];
    assert_string_equal(x->name, y->name);
    assert_string_equal(x->tenant, y->tenant);
    assert_int_equal(x->mode, y->mode);
    assert_int_equal(x->pods, y->pods);
    for (int k = 0; k < MESH_KIND_COUNT; k++) {
      assert_same_double(x->cpu_cores[k], y->cpu_cores[k]);
      assert_same_double(x->mem_mib[k], y->mem_mib[k]);
    }
    assert_same_double(x->mesh_cpu_cores, y->mesh_cpu_cores);
    assert_same_double(x->mesh_mem_mib, y->mesh_mem_mib);
    assert_same_double(x->reserved_cpu_cores, y->reserved_cpu_cores);
    assert_same_double(x->reserved_mem_mib, y->reserved_mem_mib);
    assert_same_double(x->mesh_reserved_cpu_cores, y->mesh_reserved_cpu_cores);
    assert_same_double(x->mesh_reserved_mem_mib, y->mesh_reserved_mem_mib);
    assert_same_double(x->cross_zone_gb_month, y->cross_zone_gb_month);
    assert_same_double(x->cost_usd_month, y->cost_usd_month);
    assert_same_double(x->mesh_cost_usd_month, y->mesh_cost_usd_month);
    assert_int_equal(x->entry_requests, y->entry_requests);
    assert_int_equal(x->entry_errors, y->entry_errors);
    assert_same_double(x->entry_latency_ms, y->entry_latency_ms);
    assert_same_double(x->latency_gain_ms, y->latency_gain_ms);
    assert_same_double(x->mesh_time_ms, y->mesh_time_ms);
  }
}

/* The verdict and what it was decided from. */
static void assert_same_verdict(const mode_result *a, const mode_result *b) {
  assert_int_equal(a->unfinished, b->unfinished);
  assert_int_equal(a->error_causes.timeout, b->error_causes.timeout);
  assert_int_equal(a->error_causes.rejected, b->error_causes.rejected);
  assert_int_equal(a->error_causes.outage, b->error_causes.outage);
  assert_same_double(a->error_causes.fail_mean_ms, b->error_causes.fail_mean_ms);
  assert_same_double(a->error_causes.fail_p50_ms, b->error_causes.fail_p50_ms);
  assert_same_double(a->error_causes.fail_p99_ms, b->error_causes.fail_p99_ms);
  assert_string_equal(a->busiest.instance, b->busiest.instance);
  assert_string_equal(a->busiest.kind, b->busiest.kind);
  assert_string_equal(a->busiest.node, b->busiest.node);
  assert_same_double(a->busiest.utilisation, b->busiest.utilisation);
  assert_int_equal(a->verdict.status, b->verdict.status);
  assert_int_equal(a->verdict.n_reasons, b->verdict.n_reasons);
  for (uint32_t k = 0; k < a->verdict.n_reasons; k++)
    assert_string_equal(a->verdict.reasons[k], b->verdict.reasons[k]);
  assert_string_equal(a->verdict.bottleneck, b->verdict.bottleneck);
}

/* Hot spots, capacity, sizing and node warnings (models/capacity.h). */
static void assert_same_plan(const result_plan *a, const result_plan *b) {
  assert_same_double(a->target_utilisation, b->target_utilisation);
  assert_same_double(a->headroom, b->headroom);
  assert_int_equal(a->n_hotspots, b->n_hotspots);
  for (uint32_t i = 0; i < a->n_hotspots; i++) {
    const result_hotspot *x = &a->hotspots[i], *y = &b->hotspots[i];
    assert_string_equal(x->instance, y->instance);
    assert_string_equal(x->kind, y->kind);
    assert_string_equal(x->node, y->node);
    assert_same_double(x->utilisation, y->utilisation);
    assert_same_double(x->cpu_cores, y->cpu_cores);
    assert_same_double(x->latency_ms, y->latency_ms);
    assert_same_double(x->latency_share, y->latency_share);
  }
  assert_int_equal(a->n_capacity, b->n_capacity);
  for (uint32_t i = 0; i < a->n_capacity; i++) {
    const result_capacity *x = &a->capacity[i], *y = &b->capacity[i];
    assert_string_equal(x->kind, y->kind);
    assert_string_equal(x->instance, y->instance);
    assert_int_equal(x->replicas, y->replicas);
    assert_same_double(x->utilisation, y->utilisation);
    assert_same_double(x->utilisation_max, y->utilisation_max);
    assert_same_double(x->cpu_cores, y->cpu_cores);
    assert_int_equal(x->replicas_needed, y->replicas_needed);
    assert_same_double(x->cpu_cores_per_replica, y->cpu_cores_per_replica);
  }
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    assert_int_equal(!!a->has_sizing[k], !!b->has_sizing[k]);
    if (!a->has_sizing[k])
      continue;
    const result_sizing *x = &a->sizing[k], *y = &b->sizing[k];
    assert_int_equal(x->instances, y->instances);
    assert_same_double(x->request_cpu_cores, y->request_cpu_cores);
    assert_same_double(x->request_mem_mib, y->request_mem_mib);
    assert_same_double(x->p95_cpu_cores, y->p95_cpu_cores);
    assert_same_double(x->p95_mem_mib, y->p95_mem_mib);
    assert_same_double(x->max_cpu_cores, y->max_cpu_cores);
    assert_same_double(x->right_cpu_cores, y->right_cpu_cores);
    assert_same_double(x->right_mem_mib, y->right_mem_mib);
    assert_same_double(x->cost_usd_month, y->cost_usd_month);
    assert_same_double(x->right_cost_usd_month, y->right_cost_usd_month);
  }
  assert_int_equal(a->nodes_needed_reserved, b->nodes_needed_reserved);
  assert_int_equal(a->nodes_needed_used, b->nodes_needed_used);
  assert_int_equal(a->pods_unplaced, b->pods_unplaced);
  assert_string_equal(a->busiest_node, b->busiest_node);
  assert_same_double(a->busiest_node_cpu_share, b->busiest_node_cpu_share);
  assert_same_double(a->node_mem_share_max, b->node_mem_share_max);
  assert_int_equal(a->nodes_over_cpu, b->nodes_over_cpu);
  assert_int_equal(a->nodes_over_mem, b->nodes_over_mem);
  assert_int_equal(a->n_node_warnings, b->n_node_warnings);
  for (uint32_t i = 0; i < a->n_node_warnings; i++) {
    const result_node_warning *x = &a->node_warnings[i], *y = &b->node_warnings[i];
    assert_string_equal(x->node, y->node);
    assert_same_double(x->cpu_used_cores, y->cpu_used_cores);
    assert_same_double(x->cpu_capacity_cores, y->cpu_capacity_cores);
    assert_same_double(x->mem_used_mib, y->mem_used_mib);
    assert_same_double(x->mem_capacity_mib, y->mem_capacity_mib);
  }
}

/* Row counts of every table, in db_table_names() order. */
static void count_all(db *d, int64_t *counts) {
  const char *const *t = db_table_names();
  for (size_t i = 0; t[i]; i++) {
    counts[i] = db_count_rows(d, t[i]);
    assert_true(counts[i] >= 0);
  }
}

static size_t n_tables(void) {
  size_t n = 0;
  while (db_table_names()[n])
    n++;
  return n;
}

static void assert_counts_equal(const int64_t *a, const int64_t *b) {
  const char *const *t = db_table_names();
  for (size_t i = 0; t[i]; i++)
    if (a[i] != b[i])
      fail_msg("table %s: %lld rows before, %lld after", t[i], (long long)a[i], (long long)b[i]);
}

static void assert_integrity_ok(sqlite3 *conn) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(conn, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_prepare_v2(conn, "PRAGMA foreign_key_check", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE); /* no dangling reference */
  sqlite3_finalize(st);
}

static int64_t int_query(sqlite3 *conn, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(conn));
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}

/* ---- tests ---- */

/* Every field of a 3-mode, 3-replication run survives the round trip. */
static void test_roundtrip(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r, back;
  fixture_run(&r, &o);
  r.modes[1].failures[0].has_target = false; /* a drill with nothing to hit there */
  int64_t id = 0;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  assert_true(id > 0);
  assert_int_equal(db_load_run(t->d, id, &back), 0);
  assert_same_run(&r, &back);
  assert_false(back.modes[1].failures[0].has_target);
  assert_true(back.modes[0].failures[0].has_target);

  /* The plain tables hold what users query. */
  assert_int_equal(db_count_rows(t->d, "batches"), 1);
  assert_int_equal(db_count_rows(t->d, "runs"), o.n_modes * o.replications);
  assert_int_equal(db_count_rows(t->d, "mode_summary"), o.n_modes);
  assert_int_equal(db_count_rows(t->d, "kind_usage"), o.n_modes * MESH_KIND_GATEWAY);
  assert_int_equal(db_count_rows(t->d, "run_metrics"),
                   o.n_modes * o.replications * MESH_KIND_GATEWAY * 2);
  assert_int_equal(db_count_rows(t->d, "node_usage"), o.n_modes * o.n_nodes);
  assert_int_equal(db_count_rows(t->d, "failures"), o.n_modes);
  assert_int_equal(db_count_rows(t->d, "failure_series"), o.n_modes * o.n_seconds);
  /* The capacity tables: one row per hot spot, shared proxy, proxy kind, node warning. */
  int64_t hot = 0, cap = 0, siz = 0, warn = 0;
  for (uint32_t i = 0; i < r.n_modes; i++) {
    const result_plan *p = &r.modes[i].plan;
    hot += p->n_hotspots;
    cap += p->n_capacity;
    warn += p->n_node_warnings;
    for (int k = 0; k < MESH_PROXY_COUNT; k++)
      siz += p->has_sizing[k] != 0;
  }
  assert_true(hot > 0 && cap > 0 && siz > 0 && warn > 0);
  assert_int_equal(db_count_rows(t->d, "hotspots"), hot);
  assert_int_equal(db_count_rows(t->d, "shared_capacity"), cap);
  assert_int_equal(db_count_rows(t->d, "proxy_sizing"), siz);
  assert_int_equal(db_count_rows(t->d, "node_warnings"), warn);
  assert_int_equal(int_query(db_sqlite(t->d), "SELECT replicas_needed FROM shared_capacity "
                                              "WHERE instance = 'shop/waypoint'"),
                   2);
  /* 3 series + one per kind per mode, and the waypoint replicas of ambient-waypoint. */
  assert_int_equal(db_count_rows(t->d, "series"),
                   o.n_modes * o.n_seconds * (3 + MESH_KIND_GATEWAY) + o.n_seconds);
  assert_int_equal(int_query(db_sqlite(t->d), "SELECT count(*) FROM series WHERE metric = "
                                              "'waypoint_replicas' AND mode = 'ambient-waypoint'"),
                   o.n_seconds);
  assert_int_equal(int_query(db_sqlite(t->d), "SELECT count(*) FROM batches WHERE slo_ms = 100"),
                   1);
  sqlite3 *conn = db_sqlite(t->d);
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT requests FROM runs WHERE mode = 'ambient' AND replication = 1 AND "
           "scenario = 'fixture-shop'");
  assert_int_equal(int_query(conn, sql), r.modes[1].reps[1].requests);
  assert_int_equal(int_query(conn, "SELECT count(*) FROM runs WHERE scenario_hash = "
                                   "'0123456789abcdef'"),
                   o.n_modes * o.replications);
  /* Only non-empty buckets are stored, and they add up to the count. */
  snprintf(sql, sizeof sql,
           "SELECT sum(count) FROM latency_buckets WHERE batch_id = %lld AND mode = 'sidecar'",
           (long long)id);
  assert_int_equal(int_query(conn, sql), r.modes[0].latency_hist_ns.count);
  assert_int_equal(int_query(conn, "SELECT count(*) FROM latency_buckets WHERE count = 0"), 0);
  run_result_release(&back);
  run_result_release(&r);
}

/* A mode that names its profile is stored under its label, and read back
 * with it (and its mode, the label's end); the other modes keep their names. */
static void test_labelled_modes(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r, back;
  fixture_run(&r, &o);
  assert_int_equal(r.modes[0].mode, MESH_MODE_SIDECAR);
  snprintf(r.modes[0].name, sizeof r.modes[0].name, "linkerd-2.14:sidecar");
  int64_t id = 0;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  assert_int_equal(db_load_run(t->d, id, &back), 0);
  assert_string_equal(back.modes[0].name, "linkerd-2.14:sidecar");
  assert_int_equal(back.modes[0].mode, MESH_MODE_SIDECAR);
  assert_string_equal(mode_result_name(&back.modes[1]), "ambient");
  assert_int_equal(int_query(db_sqlite(t->d), "SELECT count(*) FROM runs WHERE mode = "
                                              "'linkerd-2.14:sidecar'"),
                   o.replications);
  assert_int_equal(int_query(db_sqlite(t->d), "SELECT count(*) FROM kind_usage WHERE mode = "
                                              "'linkerd-2.14:sidecar'"),
                   MESH_KIND_GATEWAY);
  run_result_release(&back);
  run_result_release(&r);
}

/* Two batches of two scenarios: listing, latest per scenario, loading each. */
static void test_two_runs(void **state) {
  dbt *t = *state;
  fixture_opts o1 = fixture_defaults(), o2 = fixture_defaults();
  o2.n_modes = 2;
  o2.replications = 2;
  o2.failures = 0;
  o2.variant = 5;
  run_result a, b, back;
  fixture_run(&a, &o1);
  fixture_run(&b, &o2);
  snprintf(b.scenario, sizeof b.scenario, "other");
  int64_t ida, idb, idc;
  assert_int_equal(db_write_run(t->d, &a, &ida), 0);
  assert_int_equal(db_write_run(t->d, &b, &idb), 0);
  assert_true(idb != ida);

  assert_int_equal(db_load_run(t->d, ida, &back), 0);
  assert_same_run(&a, &back);
  run_result_release(&back);
  assert_int_equal(db_load_run(t->d, idb, &back), 0);
  assert_same_run(&b, &back);
  run_result_release(&back);

  /* A third batch of the first scenario, started later. */
  snprintf(a.started_at, sizeof a.started_at, "2026-02-01T00:00:00Z");
  a.seed = 99;
  for (uint32_t i = 0; i < a.n_modes; i++)
    for (uint32_t j = 0; j < a.modes[i].replications; j++)
      a.modes[i].reps[j].seed += 1000;
  assert_int_equal(db_write_run(t->d, &a, &idc), 0);

  int64_t latest;
  assert_int_equal(db_latest_batch(t->d, NULL, &latest), 0);
  assert_int_equal(latest, idc);
  assert_int_equal(db_latest_batch(t->d, "other", &latest), 0);
  assert_int_equal(latest, idb);
  assert_int_equal(db_latest_batch(t->d, "nope", &latest), DB_ENOTFOUND);
  assert_non_null(strstr(db_errmsg(t->d), "nope"));

  db_batch_info *list;
  size_t n;
  assert_int_equal(db_list_batches(t->d, NULL, 0, &list, &n), 0);
  assert_int_equal(n, 3);
  assert_int_equal(list[0].id, idc); /* newest first */
  assert_string_equal(list[0].modes, "sidecar, ambient, ambient-waypoint");
  assert_string_equal(list[0].scenario_hash, "0123456789abcdef");
  assert_int_equal(list[0].seed, 99);
  free(list);
  assert_int_equal(db_list_batches(t->d, NULL, DB_LIST_LATEST, &list, &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(list[0].id, idc);
  assert_int_equal(list[1].id, idb);
  assert_string_equal(list[1].modes, "sidecar, ambient");
  free(list);
  assert_int_equal(db_list_batches(t->d, "fixture-shop", 0, &list, &n), 0);
  assert_int_equal(n, 2);
  assert_string_equal(list[1].scenario, "fixture-shop");
  assert_string_equal(list[1].params, FIXTURE_PARAMS);
  free(list);
  assert_int_equal(db_load_run(t->d, idc + 100, &back), DB_ENOTFOUND);
  run_result_release(&a);
  run_result_release(&b);
}

/* Ways to make a write fail part-way: each must leave no row behind. */
typedef struct fail_case {
  const char *name;
  const char *trigger; /* SQL run on the side before the write, or NULL */
  int duplicate_mode;  /* make modes[1] the same mode as modes[0] */
} fail_case;

static const fail_case fail_cases[] = {
    {"duplicate mode (primary key violation in mode_summary)", NULL, 1},
    {"error while writing runs",
     "CREATE TRIGGER t_fail BEFORE INSERT ON runs WHEN NEW.replication = 2 "
     "BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
     0},
    {"error on the very last table",
     "CREATE TRIGGER t_fail BEFORE INSERT ON failure_series WHEN NEW.second = 7 "
     "BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
     0},
    {"error on the last row of the batch",
     "CREATE TRIGGER t_fail BEFORE INSERT ON batch_runs WHEN "
     "(SELECT count(*) FROM batch_runs WHERE batch_id = NEW.batch_id) >= 8 "
     "BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
     0},
};

static void test_failed_write_leaves_nothing(void **state) {
  dbt *t = *state;
  sqlite3 *conn = db_sqlite(t->d);
  fixture_opts o = fixture_defaults();
  run_result good;
  fixture_run(&good, &o);
  int64_t id;
  assert_int_equal(db_write_run(t->d, &good, &id), 0);
  size_t nt = n_tables();
  int64_t *before = calloc(nt, sizeof *before), *after = calloc(nt, sizeof *after);
  for (size_t i = 0; i < N_ELEMS(fail_cases); i++) {
    const fail_case *fc = &fail_cases[i];
    fixture_opts ob = fixture_defaults();
    ob.variant = 10 + (uint32_t)i;
    run_result bad;
    fixture_run(&bad, &ob);
    if (fc->duplicate_mode)
      bad.modes[1].mode = bad.modes[0].mode;
    if (fc->trigger)
      assert_int_equal(sqlite3_exec(conn, fc->trigger, NULL, NULL, NULL), SQLITE_OK);
    count_all(t->d, before);
    int64_t bad_id = -1;
    int rc = db_write_run(t->d, &bad, &bad_id);
    if (rc >= 0)
      fail_msg("case '%s': write succeeded", fc->name);
    assert_int_equal(rc, DB_ESQL);
    assert_true(strlen(db_errmsg(t->d)) > 0);
    assert_int_equal(bad_id, -1);
    count_all(t->d, after);
    assert_counts_equal(before, after);
    assert_integrity_ok(conn);
    assert_int_equal(sqlite3_get_autocommit(conn), 1); /* no transaction left open */
    if (fc->trigger)
      assert_int_equal(sqlite3_exec(conn, "DROP TRIGGER t_fail", NULL, NULL, NULL), SQLITE_OK);
    /* The database still takes the same run once the fault is gone. */
    if (!fc->duplicate_mode) {
      assert_int_equal(db_write_run(t->d, &bad, &bad_id), 0);
      run_result back;
      assert_int_equal(db_load_run(t->d, bad_id, &back), 0);
      assert_same_run(&bad, &back);
      run_result_release(&back);
    }
    run_result_release(&bad);
  }
  /* Invalid input is refused before anything is written. */
  run_result empty;
  memset(&empty, 0, sizeof empty);
  count_all(t->d, before);
  assert_int_equal(db_write_run(t->d, &empty, &id), ERR_EINVAL);
  count_all(t->d, after);
  assert_counts_equal(before, after);
  free(before);
  free(after);
  run_result_release(&good);
}

/* Kills the writer for real part-way through its transaction (SIGKILL from
 * a progress handler, deterministic), then checks the database the next
 * process sees: hot journal rolled back, integrity ok, counts unchanged. */
static int kill_after_calls(void *arg) {
  long *left = arg;
  if (--*left <= 0)
    kill(getpid(), SIGKILL);
  return 0;
}

static int count_calls(void *arg) {
  ++*(long *)arg;
  return 0;
}

#define PROGRESS_OPS 100 /* virtual-machine instructions per progress call */

/* Progress calls a full write of r takes, measured on a scratch database. */
static long write_cost(const char *dir, const run_result *r) {
  char path[600], err[256];
  snprintf(path, sizeof path, "%s/scratch.db", dir);
  db *d;
  assert_int_equal(db_open(path, DB_OPEN_CREATE, &d, err, sizeof err), 0);
  long calls = 0;
  sqlite3_progress_handler(db_sqlite(d), PROGRESS_OPS, count_calls, &calls);
  int64_t id;
  assert_int_equal(db_write_run(d, r, &id), 0);
  sqlite3_progress_handler(db_sqlite(d), 0, NULL, NULL);
  db_close(d);
  return calls;
}

static void test_killed_mid_write(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  o.n_seconds = 120;
  run_result r;
  fixture_run(&r, &o);
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  size_t nt = n_tables();
  int64_t *before = calloc(nt, sizeof *before), *after = calloc(nt, sizeof *after);
  count_all(t->d, before);
  /* No connection of ours stays open across fork(). */
  db_close(t->d);
  t->d = NULL;

  fixture_opts o2 = o;
  o2.variant = 20;
  run_result r2;
  fixture_run(&r2, &o2);
  long total = write_cost(t->dir, &r2);
  assert_true(total > 100);
  /* Early (batch and first mode), middle (series), at the very end. */
  const long kill_at[] = {total / 20, total / 2, total - 2};
  for (size_t c = 0; c < N_ELEMS(kill_at); c++) {
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      char err[256];
      db *d2;
      if (db_open(t->dbpath, 0, &d2, err, sizeof err) != 0)
        _exit(3);
      long left = kill_at[c];
      sqlite3_progress_handler(db_sqlite(d2), PROGRESS_OPS, kill_after_calls, &left);
      int64_t id2;
      db_write_run(d2, &r2, &id2);
      _exit(4); /* the write finished: the kill point was too late */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
      fail_msg("kill point %ld of %ld: writer was not killed (status %d)", kill_at[c], total,
               status);
    /* A rollback journal left behind proves the kill came mid-transaction. */
    char journal[600];
    snprintf(journal, sizeof journal, "%s-journal", t->dbpath);
    if (!fixture_file_exists(journal))
      fail_msg("kill point %ld of %ld: no journal left behind", kill_at[c], total);

    db *d3;
    char err[256];
    assert_int_equal(db_open(t->dbpath, 0, &d3, err, sizeof err), 0);
    count_all(d3, after);
    assert_counts_equal(before, after);
    assert_integrity_ok(db_sqlite(d3));
    run_result back;
    assert_int_equal(db_load_run(d3, id, &back), 0);
    assert_same_run(&r, &back);
    run_result_release(&back);
    db_close(d3);
  }
  /* After all that, the same run still goes in whole. */
  char err[256];
  assert_int_equal(db_open(t->dbpath, 0, &t->d, err, sizeof err), 0);
  int64_t id2;
  assert_int_equal(db_write_run(t->d, &r2, &id2), 0);
  assert_int_equal(db_count_rows(t->d, "batches"), before[0] + 1);
  free(before);
  free(after);
  run_result_release(&r2);
  run_result_release(&r);
}

static void test_schema_version(void **state) {
  dbt *t = *state;
  assert_int_equal(db_schema_version(t->d), DB_SCHEMA_VERSION);
  assert_int_equal(DB_SCHEMA_VERSION, 6);
  assert_int_equal(int_query(db_sqlite(t->d), "PRAGMA application_id"), DB_APPLICATION_ID);
  /* Every documented table exists. */
  for (const char *const *n = db_table_names(); *n; n++)
    assert_true(db_count_rows(t->d, *n) == 0);
  assert_int_equal(db_count_rows(t->d, "sqlite_schema"), ERR_EINVAL);
  /* Reopening does not migrate again. */
  db_close(t->d);
  char err[256];
  assert_int_equal(db_open(t->dbpath, 0, &t->d, err, sizeof err), 0);
  assert_int_equal(db_schema_version(t->d), DB_SCHEMA_VERSION);
}

/* Column names of `table`, comma-separated, in table order. */
static void table_columns(sqlite3 *conn, const char *table, char *buf, size_t n) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT group_concat(name, ',') FROM pragma_table_info('%s')", table);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
}

/* What version 3 added: dropping it leaves a version 2 database. */
#define DROP_V3                                                                                    \
  "ALTER TABLE batches DROP COLUMN objective_quantile; "                                           \
  "ALTER TABLE batches DROP COLUMN error_budget; "                                                 \
  "ALTER TABLE mode_summary DROP COLUMN unfinished; "                                              \
  "ALTER TABLE mode_summary DROP COLUMN busiest_instance; "                                        \
  "ALTER TABLE mode_summary DROP COLUMN busiest_kind; "                                            \
  "ALTER TABLE mode_summary DROP COLUMN busiest_node; "                                            \
  "ALTER TABLE mode_summary DROP COLUMN busiest_utilisation; "                                     \
  "ALTER TABLE mode_summary DROP COLUMN verdict; "                                                 \
  "ALTER TABLE mode_summary DROP COLUMN verdict_reasons; "                                         \
  "ALTER TABLE mode_summary DROP COLUMN bottleneck; "

/* What version 6 added: dropping it leaves a version 5 database. */
#define DROP_V6 "ALTER TABLE failures DROP COLUMN detect_s; "

/* What version 5 added: dropping it leaves a version 4 database. */
#define DROP_V5                                                                                    \
  "DROP TABLE namespace_usage; DROP TABLE advice_risks; DROP TABLE advice_steps; "                 \
  "DROP TABLE advice_constraints; DROP TABLE advice_alternatives; DROP TABLE advice_uniform; "     \
  "DROP TABLE advice_namespaces; DROP TABLE advice; "

/* What version 4 added: dropping it leaves a version 3 database. */
#define DROP_V4                                                                                    \
  "DROP TABLE hotspots; DROP TABLE shared_capacity; DROP TABLE proxy_sizing; "                     \
  "DROP TABLE node_warnings; "                                                                     \
  "ALTER TABLE mode_summary DROP COLUMN target_utilisation; "                                      \
  "ALTER TABLE mode_summary DROP COLUMN headroom; "                                                \
  "ALTER TABLE mode_summary DROP COLUMN nodes_needed_reserved; "                                   \
  "ALTER TABLE mode_summary DROP COLUMN nodes_needed_used; "                                       \
  "ALTER TABLE mode_summary DROP COLUMN pods_unplaced; "                                           \
  "ALTER TABLE mode_summary DROP COLUMN nodes_over_cpu; "                                          \
  "ALTER TABLE mode_summary DROP COLUMN nodes_over_mem; "                                          \
  "ALTER TABLE mode_summary DROP COLUMN busiest_node_by_cpu; "                                     \
  "ALTER TABLE mode_summary DROP COLUMN busiest_node_cpu_share; "                                  \
  "ALTER TABLE mode_summary DROP COLUMN node_mem_share_max; "                                      \
  "ALTER TABLE mode_summary DROP COLUMN errors_timeout; "                                          \
  "ALTER TABLE mode_summary DROP COLUMN errors_rejected; "                                         \
  "ALTER TABLE mode_summary DROP COLUMN errors_outage; "                                           \
  "ALTER TABLE mode_summary DROP COLUMN fail_mean_ms; "                                            \
  "ALTER TABLE mode_summary DROP COLUMN fail_p50_ms; "                                             \
  "ALTER TABLE mode_summary DROP COLUMN fail_p99_ms; "                                             \
  "ALTER TABLE failures DROP COLUMN p99_during_ms; "                                               \
  "ALTER TABLE failures DROP COLUMN p99_steady_ms; "                                               \
  "ALTER TABLE failures DROP COLUMN slo_violations_steady; "

/* r as a database before version 6 keeps it: no drill's time to detect. */
static void forget_detect(run_result *r) {
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (uint32_t f = 0; f < r->modes[i].n_failures; f++)
      r->modes[i].failures[f].detect_s = NAN;
}

/* r as a database before version 5 keeps it: no namespace shares (nor
 * times to detect). */
static void forget_namespaces(run_result *r) {
  forget_detect(r);
  for (uint32_t i = 0; i < r->n_modes; i++) {
    free(r->modes[i].namespaces);
    r->modes[i].namespaces = NULL;
    r->modes[i].n_namespaces = 0;
  }
}

/* r as a database before version 4 keeps it: no capacity figures but the
 * nodes needed, which counted requests alone (nor namespace shares). */
static void forget_plan(run_result *r) {
  forget_namespaces(r);
  for (uint32_t i = 0; i < r->n_modes; i++) {
    mode_result *m = &r->modes[i];
    free(m->plan.capacity);
    free(m->plan.node_warnings);
    memset(&m->plan, 0, sizeof m->plan);
    m->plan.target_utilisation = NAN;
    m->plan.headroom = NAN;
    m->plan.busiest_node_cpu_share = NAN;
    m->plan.node_mem_share_max = NAN;
    m->plan.nodes_needed_reserved = m->nodes_needed;
    /* nor errors by cause, times to failure, or drills against the steady state */
    m->error_causes = (result_errors){0, 0, 0, NAN, NAN, NAN};
    for (uint32_t f = 0; f < m->n_failures; f++) {
      m->failures[f].p99_during_ms = NAN;
      m->failures[f].p99_steady_ms = NAN;
      m->failures[f].slo_violations_steady = 0;
    }
  }
}

/* r as a database before version 3 keeps it: no busiest station, nothing
 * known to be left in flight, judged on latency and errors alone. */
static void forget_stations(run_result *r) {
  for (uint32_t i = 0; i < r->n_modes; i++) {
    memset(&r->modes[i].busiest, 0, sizeof r->modes[i].busiest);
    r->modes[i].busiest.utilisation = NAN; /* not recorded */
    r->modes[i].unfinished = 0;
    r->modes[i].error_causes = (result_errors){0, 0, 0, NAN, NAN, NAN}; /* nor these (v4) */
  }
  verdict_apply(r);
}

/* Closes t's database, runs `sql` on the file as an older meshsim would
 * have left it, and opens it again, which must migrate it to the current
 * schema version. */
static void reopen_downgraded(dbt *t, const char *sql) {
  db_close(t->d);
  t->d = NULL;
  sqlite3 *conn;
  assert_int_equal(sqlite3_open(t->dbpath, &conn), SQLITE_OK);
  assert_int_equal(sqlite3_exec(conn, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(conn);
  char err[256];
  assert_int_equal(db_open(t->dbpath, 0, &t->d, err, sizeof err), 0);
  assert_int_equal(db_schema_version(t->d), DB_SCHEMA_VERSION);
}

/* A database of schema version 2 (no verdicts) is upgraded on open: the
 * batches get the default objective of their time (p99, 0.1%), each mode
 * a verdict on latency and errors alone, with the reasons verdict.c would
 * give, and the tables end up as new ones are. */
static void test_migrates_version_2(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  r.modes[0].latency.p99_ms = 212.3;            /* sidecar misses its latency */
  r.modes[2].latency.p99_ms = 15401.48;         /* and ambient-waypoint by far */
  r.modes[1].errors = r.modes[1].requests / 40; /* ambient misses its error budget */
  verdict_apply(&r);
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  char fresh[2][2048], migrated[2048];
  table_columns(db_sqlite(t->d), "mode_summary", fresh[0], sizeof fresh[0]);
  table_columns(db_sqlite(t->d), "batches", fresh[1], sizeof fresh[1]);
  reopen_downgraded(t, DROP_V6 DROP_V5 DROP_V4 DROP_V3 "PRAGMA user_version = 2;");
  table_columns(db_sqlite(t->d), "mode_summary", migrated, sizeof migrated);
  assert_string_equal(migrated, fresh[0]);
  table_columns(db_sqlite(t->d), "batches", migrated, sizeof migrated);
  assert_string_equal(migrated, fresh[1]);
  assert_integrity_ok(db_sqlite(t->d));
  run_result back;
  assert_int_equal(db_load_run(t->d, id, &back), 0);
  assert_same_double(back.objective_quantile, 0.99);
  assert_same_double(back.error_budget, 0.001);
  /* Judged again from what version 2 kept: the overloaded waypoint is not
   * known to be. */
  int was = r.modes[2].verdict.status;
  forget_stations(&r);
  forget_plan(&r);
  assert_int_equal(was, RESULT_OVERLOADED);
  for (uint32_t i = 0; i < back.n_modes; i++) {
    const result_verdict *g = &back.modes[i].verdict, *w = &r.modes[i].verdict;
    printf("%-17s want %-10s %s | got %-10s %s\n", mesh_mode_name(r.modes[i].mode),
           verdict_status_name(w->status), w->n_reasons ? w->reasons[0] : "-",
           verdict_status_name(g->status), g->n_reasons ? g->reasons[0] : "-");
  }
  assert_same_run(&r, &back);
  assert_int_equal(back.modes[0].verdict.status, RESULT_MISSES);
  assert_int_equal(back.modes[1].verdict.status, RESULT_MISSES);
  run_result_release(&back);
  run_result_release(&r);
}

/* A database of schema version 1 (no failures.has_target) is upgraded on
 * open: the column is added, drills whose instance reads "(none in this
 * mode)" get 0, the others 1, and the table ends up as a new one is. */
static void test_migrates_version_1(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  snprintf(r.modes[0].failures[0].instance, sizeof r.modes[0].failures[0].instance,
           "(none in this mode)");
  r.modes[0].failures[0].failed_requests = 0;
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  char fresh[1024], migrated[1024];
  table_columns(db_sqlite(t->d), "failures", fresh, sizeof fresh);
  assert_non_null(strstr(fresh, ",series_seconds,has_target"));
  db_close(t->d);
  t->d = NULL;

  /* Back to version 1, as an older meshsim left it. */
  sqlite3 *conn;
  assert_int_equal(sqlite3_open(t->dbpath, &conn), SQLITE_OK);
  assert_int_equal(sqlite3_exec(conn,
                                DROP_V6 DROP_V5 DROP_V4 DROP_V3
                                "ALTER TABLE failures DROP COLUMN has_target; "
                                "PRAGMA user_version = 1;",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  table_columns(conn, "failures", migrated, sizeof migrated);
  assert_null(strstr(migrated, "has_target"));
  sqlite3_close(conn);

  char err[256];
  assert_int_equal(db_open(t->dbpath, 0, &t->d, err, sizeof err), 0);
  assert_int_equal(db_schema_version(t->d), DB_SCHEMA_VERSION);
  table_columns(db_sqlite(t->d), "failures", migrated, sizeof migrated);
  assert_string_equal(migrated, fresh);
  assert_int_equal(int_query(db_sqlite(t->d), "SELECT count(*) FROM failures WHERE has_target = 0"),
                   1);
  assert_integrity_ok(db_sqlite(t->d));
  r.modes[0].failures[0].has_target = false; /* what the model says of it */
  forget_stations(&r);
  forget_plan(&r);
  run_result back;
  assert_int_equal(db_load_run(t->d, id, &back), 0);
  assert_same_run(&r, &back);
  assert_false(back.modes[0].failures[0].has_target);
  assert_true(back.modes[1].failures[0].has_target);
  run_result_release(&back);
  run_result_release(&r);
}

/* A database of schema version 5 (no time to detect) is upgraded on open:
 * failures gets detect_s, NULL for the drills stored before, and its
 * columns end up as a new database's. */
static void test_migrates_version_5(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  char fresh[2048], migrated[2048];
  table_columns(db_sqlite(t->d), "failures", fresh, sizeof fresh);
  reopen_downgraded(t, DROP_V6 "PRAGMA user_version = 5;");
  assert_int_equal(db_schema_version(t->d), 6);
  table_columns(db_sqlite(t->d), "failures", migrated, sizeof migrated);
  assert_string_equal(migrated, fresh);
  assert_integrity_ok(db_sqlite(t->d));
  run_result back;
  assert_int_equal(db_load_run(t->d, id, &back), 0);
  forget_detect(&r);
  assert_same_run(&r, &back);
  assert_true(isnan(back.modes[0].failures[0].detect_s));
  run_result_release(&back);
  run_result_release(&r);
}

/* A database of schema version 4 (no namespace shares) is upgraded on open:
 * namespace_usage is created empty, its batches load without namespaces,
 * and the table ends up as a new one is. */
static void test_migrates_version_4(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  assert_int_equal(db_count_rows(t->d, "namespace_usage"), 2 * r.n_modes);
  char fresh[2048], migrated[2048];
  table_columns(db_sqlite(t->d), "namespace_usage", fresh, sizeof fresh);
  reopen_downgraded(t, DROP_V6 DROP_V5 "PRAGMA user_version = 4;");
  table_columns(db_sqlite(t->d), "namespace_usage", migrated, sizeof migrated);
  assert_string_equal(migrated, fresh);
  assert_int_equal(db_count_rows(t->d, "namespace_usage"), 0);
  assert_integrity_ok(db_sqlite(t->d));
  run_result back;
  assert_int_equal(db_load_run(t->d, id, &back), 0);
  forget_namespaces(&r);
  assert_same_run(&r, &back);
  run_result_release(&back);
  run_result_release(&r);
}

/* A database of schema version 3 (no capacity figures) is upgraded on open:
 * mode_summary gets the capacity columns, nodes_needed_reserved takes the
 * nodes needed it stored (which counted requests alone), nothing else is
 * made up (nodes_needed_used 0, the target NULL), the four capacity tables
 * are created empty, and the tables end up as new ones are. */
static void test_migrates_version_3(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  static const char *const tables[] = {"mode_summary", "hotspots", "shared_capacity",
                                       "proxy_sizing", "node_warnings"};
  char fresh[N_ELEMS(tables)][2048], migrated[2048];
  for (size_t i = 0; i < N_ELEMS(tables); i++)
    table_columns(db_sqlite(t->d), tables[i], fresh[i], sizeof fresh[i]);
  assert_non_null(strstr(fresh[0], ",bottleneck,target_utilisation,headroom,"));
  reopen_downgraded(t, DROP_V6 DROP_V5 DROP_V4 "PRAGMA user_version = 3;");
  for (size_t i = 0; i < N_ELEMS(tables); i++) {
    table_columns(db_sqlite(t->d), tables[i], migrated, sizeof migrated);
    assert_string_equal(migrated, fresh[i]);
  }
  assert_integrity_ok(db_sqlite(t->d));
  assert_int_equal(db_count_rows(t->d, "hotspots"), 0);
  assert_int_equal(int_query(db_sqlite(t->d),
                             "SELECT count(*) FROM mode_summary WHERE "
                             "nodes_needed_reserved = nodes_needed AND "
                             "nodes_needed_used = 0 AND target_utilisation IS NULL"),
                   r.n_modes);
  run_result back;
  assert_int_equal(db_load_run(t->d, id, &back), 0);
  forget_plan(&r);
  assert_same_run(&r, &back);
  /* A run stored now sits beside it with its figures whole. */
  run_result fresh_run, back2;
  o.variant = 9;
  fixture_run(&fresh_run, &o);
  int64_t id2;
  assert_int_equal(db_write_run(t->d, &fresh_run, &id2), 0);
  assert_int_equal(db_load_run(t->d, id2, &back2), 0);
  assert_same_run(&fresh_run, &back2);
  run_result_release(&back2);
  run_result_release(&fresh_run);
  run_result_release(&back);
  run_result_release(&r);
}

/* Databases this build must not touch. */
typedef struct refuse_case {
  const char *name;
  const char *sql; /* run on a fresh file before db_open */
  int want;
  const char *msg; /* part of the message */
} refuse_case;

static const refuse_case refuse_cases[] = {
    {"newer schema", "PRAGMA application_id = 1299408964; PRAGMA user_version = 7;", DB_ENEWER,
     "schema version 7 is newer"},
    {"much newer schema", "PRAGMA application_id = 1299408964; PRAGMA user_version = 17;",
     DB_ENEWER, "version 17"},
    {"someone else's tables", "CREATE TABLE notes(x);", DB_EFOREIGN,
     "not a meshsim results database"},
    {"someone else's application id", "PRAGMA application_id = 42;", DB_EFOREIGN,
     "not a meshsim results database"},
    {"an earlier draft of version 1",
     "PRAGMA application_id = 1299408964; PRAGMA user_version = 1; CREATE TABLE batches(id);",
     DB_EFOREIGN, "earlier draft of schema version 1"},
};

static void test_refuses_other_databases(void **state) {
  dbt *t = *state;
  assert_int_equal(DB_APPLICATION_ID, 1299408964);
  for (size_t i = 0; i < N_ELEMS(refuse_cases); i++) {
    const refuse_case *rc = &refuse_cases[i];
    char path[600];
    snprintf(path, sizeof path, "%s/refuse-%zu.db", t->dir, i);
    sqlite3 *conn;
    assert_int_equal(sqlite3_open(path, &conn), SQLITE_OK);
    assert_int_equal(sqlite3_exec(conn, rc->sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(conn);
    db *d = (db *)1;
    char err[512];
    int got = db_open(path, DB_OPEN_CREATE, &d, err, sizeof err);
    if (got != rc->want)
      fail_msg("case '%s': got %d (%s), want %d", rc->name, got, err, rc->want);
    assert_null(d);
    assert_non_null(strstr(err, rc->msg));
    assert_non_null(strstr(err, path));
  }
  /* A missing file without DB_OPEN_CREATE, and a directory. */
  char path[600], err[512];
  db *d;
  snprintf(path, sizeof path, "%s/missing.db", t->dir);
  assert_int_equal(db_open(path, 0, &d, err, sizeof err), DB_ENOTFOUND);
  assert_non_null(strstr(err, "no results database"));
  assert_false(fixture_file_exists(path));
  assert_int_equal(db_open(t->dir, DB_OPEN_CREATE, &d, err, sizeof err), ERR_EINVAL);
  /* A file that is not SQLite at all. */
  snprintf(path, sizeof path, "%s/text.db", t->dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("this is not a database, just some text that is long enough to be a header\n", f);
  fclose(f);
  assert_true(db_open(path, 0, &d, err, sizeof err) < 0);
  assert_null(d);
}

/* The same runs written again add no row; a new batch with the same seeds
 * (another invocation) shares the existing runs instead of copying them. */
static void test_rerun_is_idempotent(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  int64_t id1, id2, id3;
  assert_int_equal(db_write_run(t->d, &r, &id1), 0);
  size_t nt = n_tables();
  int64_t *c1 = calloc(nt, sizeof *c1), *c2 = calloc(nt, sizeof *c2);
  count_all(t->d, c1);
  assert_int_equal(db_write_run(t->d, &r, &id2), 1); /* already stored */
  assert_int_equal(id2, id1);
  count_all(t->d, c2);
  assert_counts_equal(c1, c2);

  /* Same scenario, params, version and seeds, started later. */
  snprintf(r.started_at, sizeof r.started_at, "2026-03-01T00:00:00Z");
  assert_int_equal(db_write_run(t->d, &r, &id3), 0);
  assert_true(id3 != id1);
  assert_int_equal(db_count_rows(t->d, "runs"), c1[1]); /* runs unchanged */
  assert_int_equal(db_count_rows(t->d, "batches"), c1[0] + 1);
  assert_int_equal(db_count_rows(t->d, "batch_runs"), 2 * c1[2]);
  run_result back;
  assert_int_equal(db_load_run(t->d, id3, &back), 0);
  snprintf(back.started_at, sizeof back.started_at, "%s", r.started_at);
  assert_same_run(&r, &back); /* replications come back through the shared runs */
  run_result_release(&back);

  /* INSERT OR IGNORE on run_key, as `meshsim merge` will use it. */
  sqlite3 *conn = db_sqlite(t->d);
  assert_int_equal(sqlite3_exec(conn,
                                "INSERT OR IGNORE INTO runs SELECT NULL, run_key, batch_id, "
                                "scenario, scenario_hash, params, version, started_at, mode, "
                                "replication, seed, requests, errors, slo_violations, "
                                "throughput_rps, latency_mean_ms, latency_p50_ms, latency_p90_ms, "
                                "latency_p99_ms, latency_p999_ms, wall_s FROM runs",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_changes(conn), 0);
  assert_int_equal(db_count_rows(t->d, "runs"), c1[1]);
  free(c1);
  free(c2);
  run_result_release(&r);
}

/* NaN (no value) is stored as NULL and read back as NaN; a run without
 * series, nodes or failures round-trips as such. */
/* What `meshsim advise` found goes in beside its batch and comes back
 * field by field: namespaces with their reasons, uniform modes, runner-ups,
 * constraints, and the plan's steps with their risks. */
static void fill_advice(advice *a, int64_t batch) {
  memset(a, 0, sizeof *a);
  snprintf(a->scenario, sizeof a->scenario, "fixture-shop");
  a->objective = SCN_ADVISE_MEMORY;
  a->found = true;
  a->verdict.status = RESULT_MEETS;
  a->cost_usd_month = 1413.28;
  a->value = 442.54;
  a->latency_ms = 7.25;
  a->budget = 40;
  a->simulations = 17;
  a->uniform_simulations = 4;
  a->has_plan = true;
  snprintf(a->plan_from, sizeof a->plan_from, "current");
  a->plan_safe = true;
  a->plan_exhaustive = true;
  a->plan_simulations = 5;
  a->wall_s = 1.25;
  a->batch_id = batch;
  a->n_namespaces = 2;
  a->namespaces = calloc(2, sizeof *a->namespaces);
  snprintf(a->namespaces[0].name, RESULT_NAME_MAX, "shop");
  a->namespaces[0].mode = MESH_NS_AMBIENT_WAYPOINT;
  a->namespaces[0].allowed =
      SCN_NS_MODE_BIT(MESH_NS_SIDECAR) | SCN_NS_MODE_BIT(MESH_NS_AMBIENT_WAYPOINT);
  a->namespaces[0].reason = ADVICE_REASON_L7;
  snprintf(a->namespaces[0].why, RESULT_REASON_LEN, "needs L7");
  snprintf(a->namespaces[1].name, RESULT_NAME_MAX, "pay");
  a->namespaces[1].mode = MESH_NS_SIDECAR;
  a->namespaces[1].allowed = SCN_NS_MODE_BIT(MESH_NS_SIDECAR);
  a->namespaces[1].reason = ADVICE_REASON_PINNED;
  a->n_uniform = 1;
  a->uniform = calloc(1, sizeof *a->uniform);
  a->uniform[0] = (advice_uniform){MESH_MODE_AMBIENT,    RESULT_OVERLOADED, 1200.5, 380.25, NAN, 2,
                                   "ztunnel n-0 at 131%"};
  a->n_alternatives = 1;
  a->alternatives = calloc(1, sizeof *a->alternatives);
  a->alternatives[0] = (advice_alternative){1, RESULT_MEETS, 1413.28, 450.5, 8.5, "shop: x -> y"};
  a->n_constraints = 1;
  a->constraints = calloc(1, sizeof *a->constraints);
  a->constraints[0] =
      (advice_constraint){"pin", "pay", SCN_NS_MODE_BIT(MESH_NS_SIDECAR), 0, "pinned to sidecar"};
  a->n_steps = 2;
  a->steps = calloc(2, sizeof *a->steps);
  a->steps[1].step = 1;
  snprintf(a->steps[1].ns, RESULT_NAME_MAX, "shop");
  a->steps[1].from = MESH_NS_SIDECAR;
  a->steps[1].to = MESH_NS_AMBIENT_WAYPOINT;
  a->steps[1].status = RESULT_MISSES;
  a->steps[1].cost_usd_month = 1500;
  snprintf(a->steps[1].why, RESULT_REASON_LEN, "p99 212 ms > 100 ms objective");
  a->steps[1].n_risks = 2;
  a->steps[1].risks = calloc(2, sizeof *a->steps[1].risks);
  a->steps[1].risks[0] = (advice_risk){"waypoint", "deploy the waypoint first", "https://x/y"};
  a->steps[1].risks[1] = (advice_risk){"capacity", "ztunnel n-0 at 87%", ""};
}

static void test_advice_round_trip(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  advice a, b;
  assert_int_equal(db_load_advice(t->d, id, &b), DB_ENOTFOUND);
  fill_advice(&a, id);
  assert_int_equal(db_write_advice(t->d, &a), 0);
  assert_int_equal(db_load_advice(t->d, id, &b), 0);
  assert_string_equal(a.scenario, b.scenario);
  assert_int_equal(a.objective, b.objective);
  assert_int_equal(a.found, b.found);
  assert_int_equal(a.verdict.status, b.verdict.status);
  assert_same_double(a.cost_usd_month, b.cost_usd_month);
  assert_same_double(a.value, b.value);
  assert_same_double(a.latency_ms, b.latency_ms);
  assert_int_equal(a.budget, b.budget);
  assert_int_equal(a.simulations, b.simulations);
  assert_int_equal(a.has_plan && a.plan_safe && a.plan_exhaustive,
                   b.has_plan && b.plan_safe && b.plan_exhaustive);
  assert_string_equal(a.plan_from, b.plan_from);
  assert_int_equal(b.batch_id, id);
  assert_int_equal(b.n_namespaces, 2);
  for (uint32_t i = 0; i < 2; i++) {
    assert_string_equal(a.namespaces[i].name, b.namespaces[i].name);
    assert_int_equal(a.namespaces[i].mode, b.namespaces[i].mode);
    assert_int_equal(a.namespaces[i].allowed, b.namespaces[i].allowed);
    assert_int_equal(a.namespaces[i].reason, b.namespaces[i].reason);
    assert_string_equal(a.namespaces[i].why, b.namespaces[i].why);
  }
  assert_int_equal(b.n_uniform, 1);
  assert_int_equal(b.uniform[0].mode, MESH_MODE_AMBIENT);
  assert_int_equal(b.uniform[0].status, RESULT_OVERLOADED);
  assert_same_double(b.uniform[0].latency_ms, NAN);
  assert_int_equal(b.uniform[0].violations, 2);
  assert_string_equal(b.uniform[0].why, a.uniform[0].why);
  assert_int_equal(b.n_alternatives, 1);
  assert_string_equal(b.alternatives[0].changes, a.alternatives[0].changes);
  assert_same_double(b.alternatives[0].value, 450.5);
  assert_int_equal(b.n_constraints, 1);
  assert_int_equal(b.constraints[0].modes, a.constraints[0].modes);
  assert_string_equal(b.constraints[0].ns, "pay");
  assert_int_equal(b.n_steps, 2);
  assert_int_equal(b.steps[1].from, MESH_NS_SIDECAR);
  assert_int_equal(b.steps[1].to, MESH_NS_AMBIENT_WAYPOINT);
  assert_int_equal(b.steps[1].status, RESULT_MISSES);
  assert_string_equal(b.steps[1].why, a.steps[1].why);
  assert_int_equal(b.steps[0].n_risks, 0);
  assert_int_equal(b.steps[1].n_risks, 2);
  for (uint32_t k = 0; k < 2; k++) {
    assert_string_equal(a.steps[1].risks[k].kind, b.steps[1].risks[k].kind);
    assert_string_equal(a.steps[1].risks[k].text, b.steps[1].risks[k].text);
    assert_string_equal(a.steps[1].risks[k].source, b.steps[1].risks[k].source);
  }
  advice_release(&b);
  /* Deleting the batch takes its advice with it. */
  assert_int_equal(sqlite3_exec(db_sqlite(t->d), "PRAGMA foreign_keys = ON; DELETE FROM batches;",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(db_count_rows(t->d, "advice"), 0);
  assert_int_equal(db_count_rows(t->d, "advice_risks"), 0);
  a.batch_id = 0;
  assert_true(db_write_advice(t->d, &a) < 0); /* no batch: refused */
  advice_release(&a);
  run_result_release(&r);
}

static void test_sparse_run(void **state) {
  dbt *t = *state;
  fixture_opts o = fixture_defaults();
  o.n_modes = 1;
  o.replications = 1;
  o.n_seconds = 0;
  o.n_nodes = 0;
  o.failures = 0;
  run_result r, back;
  fixture_run(&r, &o);
  r.modes[0].throughput_rps = NAN;
  r.modes[0].latency.p999_ci.lo = NAN;
  r.wall_s = NAN;
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  assert_int_equal(db_load_run(t->d, id, &back), 0);
  assert_same_run(&r, &back);
  assert_true(isnan(back.modes[0].throughput_rps));
  assert_null(back.modes[0].series.throughput_rps);
  assert_null(back.modes[0].nodes);
  assert_int_equal(back.modes[0].latency.p50_ci.n, 1);
  assert_int_equal(
      int_query(db_sqlite(t->d), "SELECT count(*) FROM mode_summary WHERE throughput_rps IS NULL"),
      1);
  run_result_release(&back);
  run_result_release(&r);
}

/* ---- sweeps and merging ---- */

static void sweep_fixture_info(db_sweep_info *s, const char *key, uint32_t n_points) {
  memset(s, 0, sizeof *s);
  snprintf(s->sweep_key, sizeof s->sweep_key, "%s", key);
  snprintf(s->scenario, sizeof s->scenario, "fixture-shop");
  snprintf(s->scenario_path, sizeof s->scenario_path, "scenarios/fixture, shop.yaml");
  snprintf(s->file_hash, sizeof s->file_hash, "00000000000000aa");
  snprintf(s->version, sizeof s->version, "0.1.0-test");
  snprintf(s->spec, sizeof s->spec, "--set traffic.web.rate=1..3\n--replications 3");
  snprintf(s->keys, sizeof s->keys, "traffic.web.rate");
  snprintf(s->created_at, sizeof s->created_at, "2026-01-02T03:00:00Z");
  s->n_points = n_points;
}

/* The run of sweep point p: a fixture variant per point. */
static void sweep_point_run(run_result *r, uint32_t p, char *params, size_t n) {
  fixture_opts o = fixture_defaults();
  o.n_modes = 2;
  o.replications = 2;
  o.n_seconds = 8;
  o.variant = 100 + p;
  fixture_run(r, &o);
  snprintf(params, n, "traffic.web.rate=%u", p + 1);
  snprintf(r->params, sizeof r->params, "metadata.replications=3;%s", params);
}

static void test_sweep_tables(void **state) {
  dbt *t = *state;
  db_sweep_info s, again;
  sweep_fixture_info(&s, "00000000000000s1", 3);
  assert_int_equal(db_sweep_open(t->d, &s), 0);
  assert_true(s.id > 0);
  again = s;
  again.id = 0;
  assert_int_equal(db_sweep_open(t->d, &again), 1); /* same key: the same sweep */
  assert_int_equal(again.id, s.id);
  assert_int_equal(db_count_rows(t->d, "sweeps"), 1);

  int64_t batch[3];
  for (uint32_t p = 0; p < 3; p += 2) { /* points 0 and 2 */
    run_result r;
    char params[64];
    sweep_point_run(&r, p, params, sizeof params);
    assert_int_equal(db_write_sweep_point(t->d, s.id, p, params, &r, &batch[p]), 0);
    run_result_release(&r);
  }
  unsigned char done[3] = {0};
  assert_int_equal(db_sweep_points_stored(t->d, s.id, done, 3), 0);
  assert_int_equal(done[0], 1);
  assert_int_equal(done[1], 0);
  assert_int_equal(done[2], 1);

  /* Storing point 2 again adds nothing and names the stored batch. */
  size_t nt = n_tables();
  int64_t *c1 = calloc(nt, sizeof *c1), *c2 = calloc(nt, sizeof *c2);
  count_all(t->d, c1);
  run_result r;
  char params[64];
  sweep_point_run(&r, 2, params, sizeof params);
  int64_t id = 0;
  assert_int_equal(db_write_sweep_point(t->d, s.id, 2, params, &r, &id), 1);
  assert_int_equal(id, batch[2]);
  count_all(t->d, c2);
  assert_counts_equal(c1, c2);
  /* So does the same point run again by an identical sweep started later
   * (another batch key): no batch is stored without its point. */
  snprintf(r.started_at, sizeof r.started_at, "2099-01-01T00:00:00Z");
  assert_int_equal(db_write_sweep_point(t->d, s.id, 2, params, &r, &id), 1);
  assert_int_equal(id, batch[2]);
  count_all(t->d, c2);
  assert_counts_equal(c1, c2);

  /* The rows a sweep report reads: every (point, mode), point order. */
  db_sweep_row *rows;
  size_t n;
  assert_int_equal(db_load_sweep_rows(t->d, s.id, &rows, &n), 0);
  assert_int_equal(n, 4);
  assert_int_equal(rows[0].point, 0);
  assert_int_equal(rows[0].summary.mode, MESH_MODE_SIDECAR);
  assert_int_equal(rows[1].summary.mode, MESH_MODE_AMBIENT);
  assert_int_equal(rows[3].point, 2);
  assert_int_equal(rows[3].batch_id, batch[2]);
  assert_string_equal(rows[3].params, "traffic.web.rate=3");
  assert_same_double(rows[3].summary.mesh_cpu_cores, r.modes[1].mesh_cpu_cores);
  assert_same_double(rows[3].summary.cost_reserved_usd_month, r.modes[1].cost_reserved_usd_month);
  assert_same_double(rows[3].summary.latency.p99_ms, r.modes[1].latency.p99_ms);
  assert_int_equal(rows[3].summary.nodes_needed, r.modes[1].nodes_needed);
  /* Kind usage too, so per-kind metrics read the same from a sweep row. */
  assert_same_double(rows[3].summary.kind[MESH_KIND_ZTUNNEL].cpu_cores_mean,
                     r.modes[1].kind[MESH_KIND_ZTUNNEL].cpu_cores_mean);
  assert_int_equal(rows[3].summary.kind[MESH_KIND_APP].instances,
                   r.modes[1].kind[MESH_KIND_APP].instances);
  free(rows);
  run_result_release(&r);

  int64_t sid;
  assert_int_equal(db_sweep_of_batch(t->d, batch[2], &sid), 0);
  assert_int_equal(sid, s.id);
  assert_int_equal(db_latest_sweep(t->d, &sid), 0);
  assert_int_equal(sid, s.id);
  db_sweep_info *list;
  assert_int_equal(db_list_sweeps(t->d, &list, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(list[0].n_stored, 2);
  assert_int_equal(list[0].n_points, 3);
  assert_string_equal(list[0].spec, s.spec);
  free(list);
  /* A batch outside any sweep. */
  fixture_opts o = fixture_defaults();
  o.variant = 77;
  fixture_run(&r, &o);
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  assert_int_equal(db_sweep_of_batch(t->d, id, &sid), DB_ENOTFOUND);
  run_result_release(&r);
  free(c1);
  free(c2);
}

/* Opens (creating) dir/name. */
static db *open_in(const dbt *t, const char *name) {
  char path[600], err[512];
  snprintf(path, sizeof path, "%s/%s", t->dir, name);
  db *d = NULL;
  if (db_open(path, DB_OPEN_CREATE, &d, err, sizeof err) != 0)
    fail_msg("%s", err);
  return d;
}

/* Two shards of a 3-point sweep (points 0, 2 and 1) and a plain batch,
 * merged: everything arrives once, reads back equal, and merging again
 * (all of it, or one shard twice) adds no row. */
static void test_merge(void **state) {
  dbt *t = *state;
  db *sh[2] = {open_in(t, "shard-0.db"), open_in(t, "shard-1.db")};
  db_sweep_info s;
  run_result runs[3];
  int64_t ids[3];
  for (int k = 0; k < 2; k++) {
    sweep_fixture_info(&s, "00000000000000s2", 3);
    assert_int_equal(db_sweep_open(sh[k], &s), 0);
    for (uint32_t p = (uint32_t)k; p < 3; p += 2) {
      char params[64];
      sweep_point_run(&runs[p], p, params, sizeof params);
      assert_int_equal(db_write_sweep_point(sh[k], s.id, p, params, &runs[p], &ids[p]), 0);
    }
  }
  run_result plain;
  fixture_opts o = fixture_defaults();
  o.variant = 55;
  fixture_run(&plain, &o);
  int64_t pid;
  assert_int_equal(db_write_run(sh[1], &plain, &pid), 0);

  db *out = t->d; /* the test's database: empty */
  db_merge_stats st;
  memset(&st, 0, sizeof st);
  assert_int_equal(db_merge(out, sh[0], &st), 0);
  assert_int_equal(db_merge(out, sh[1], &st), 0);
  assert_int_equal(st.batches_read, 4);
  assert_int_equal(st.batches_added, 4);
  assert_int_equal(st.sweeps_added, 1);
  assert_int_equal(st.points_added, 3);
  assert_int_equal(db_count_rows(out, "batches"), 4);
  assert_int_equal(db_count_rows(out, "sweeps"), 1);
  assert_int_equal(db_count_rows(out, "sweep_points"), 3);
  assert_int_equal(db_count_rows(out, "runs"), 3 * 2 * 2 + 3 * 3);
  assert_integrity_ok(db_sqlite(out));

  /* Every point reads back as written, through the merged sweep. */
  db_sweep_row *rows;
  size_t n;
  int64_t sid;
  assert_int_equal(db_latest_sweep(out, &sid), 0);
  assert_int_equal(db_load_sweep_rows(out, sid, &rows, &n), 0);
  assert_int_equal(n, 6);
  for (uint32_t p = 0; p < 3; p++) {
    assert_int_equal(rows[2 * p].point, p);
    run_result back;
    assert_int_equal(db_load_run(out, rows[2 * p].batch_id, &back), 0);
    assert_same_run(&runs[p], &back);
    run_result_release(&back);
  }
  free(rows);

  size_t nt = n_tables();
  int64_t *c1 = calloc(nt, sizeof *c1), *c2 = calloc(nt, sizeof *c2);
  count_all(out, c1);
  memset(&st, 0, sizeof st);
  assert_int_equal(db_merge(out, sh[1], &st), 0); /* a shard twice */
  assert_int_equal(db_merge(out, sh[0], &st), 0);
  assert_int_equal(st.batches_added, 0);
  assert_int_equal(st.points_added, 0);
  assert_int_equal(st.sweeps_added, 0);
  count_all(out, c2);
  assert_counts_equal(c1, c2);
  free(c1);
  free(c2);
  for (int k = 0; k < 3; k++)
    run_result_release(&runs[k]);
  run_result_release(&plain);
  db_close(sh[0]);
  db_close(sh[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_labelled_modes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_two_runs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed_write_leaves_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_killed_mid_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
      cmocka_unit_test_setup_teardown(test_migrates_version_5, setup, teardown),
      cmocka_unit_test_setup_teardown(test_migrates_version_4, setup, teardown),
      cmocka_unit_test_setup_teardown(test_migrates_version_3, setup, teardown),
      cmocka_unit_test_setup_teardown(test_migrates_version_2, setup, teardown),
      cmocka_unit_test_setup_teardown(test_migrates_version_1, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refuses_other_databases, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rerun_is_idempotent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sparse_run, setup, teardown),
      cmocka_unit_test_setup_teardown(test_advice_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sweep_tables, setup, teardown),
      cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
