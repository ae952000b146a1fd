/* results_fixture: a plausible run_result for the results-store, report and
 * CSV tests (header-only, static functions), plus temp-directory helpers
 * and the checks the report and sweep-report tests share.
 *
 * The numbers are made up but consistent the way the model's are: latency
 * quantiles come from a real sim_hist filled with deterministic samples,
 * confidence intervals from per-replication values via sim_ci95, ambient
 * modes use ztunnels instead of sidecars, and so on. Everything is derived
 * from a small LCG, so a given `variant` always produces the same run. */
#ifndef MESHSIM_RESULTS_FIXTURE_H
#define MESHSIM_RESULTS_FIXTURE_H

#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"
#include "mesh_types.h"
#include "result.h"
#include "sim_hist.h"
#include "sim_stats.h"
#include "verdict.h"

typedef struct fixture_opts {
  uint32_t n_modes;      /* 1..3: sidecar, ambient, ambient-waypoint */
  uint32_t replications; /* >= 1 */
  uint32_t n_seconds;    /* series length */
  uint32_t n_nodes;
  uint32_t samples; /* latency samples per replication */
  int failures;     /* 1: one failure drill per mode */
  uint32_t variant; /* changes every number and the seed */
} fixture_opts;

static inline fixture_opts fixture_defaults(void) {
  fixture_opts o = {3, 3, 20, 4, 2000, 1, 0};
  return o;
}

/* Params with a comma and double quotes, for the CSV quoting tests. */
#define FIXTURE_PARAMS "metadata.description=\"busy, then quiet\";metadata.seed=7"

static inline uint64_t fixture_lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 11;
}

/* Uniform in (0, 1). */
static inline double fixture_u01(uint64_t *s) {
  return ((double)fixture_lcg(s) + 0.5) / 9007199254740992.0;
}

static inline void fixture_mode(mode_result *m, mesh_mode mode, uint32_t idx, const fixture_opts *o,
                                uint64_t *rng) {
  double slow = 1.0 + 0.25 * idx; /* modes differ: later ones a bit slower */
  /* No ingress gateway in these runs: the gateway kind (the last) stays 0
   * and has no rows, series or columns in the store. */
  double mesh_cpu[3][MESH_KIND_COUNT] = {
      {2.0, 0.9, 0, 0, 0.15}, {2.0, 0, 0.3, 0, 0.08}, {2.0, 0, 0.3, 0.45, 0.1}};
  double mesh_mem[3][MESH_KIND_COUNT] = {
      {2048, 1400, 0, 0, 300}, {2048, 0, 160, 0, 200}, {2048, 0, 160, 240, 220}};
  uint32_t instances[3][MESH_KIND_COUNT] = {{24, 24, 0, 0, 1}, {24, 0, 4, 0, 1}, {24, 0, 4, 2, 1}};
  uint32_t mi = idx < 3 ? idx : 2;
  double vary = 1.0 + 0.01 * o->variant;

  m->mode = mode;
  m->replications = o->replications;
  sim_hist_init(&m->latency_hist_ns);
  m->reps = calloc(o->replications, sizeof *m->reps);
  double *p50 = calloc(o->replications, sizeof *p50), *p99 = calloc(o->replications, sizeof *p99);
  double *mean = calloc(o->replications, sizeof *mean), *p90 = calloc(o->replications, sizeof *p90);
  double *p999 = calloc(o->replications, sizeof *p999);
  double tput = 0;
  for (uint32_t j = 0; j < o->replications; j++) {
    sim_hist h;
    sim_hist_init(&h);
    for (uint32_t s = 0; s < o->samples; s++) {
      /* lognormal-ish: exp of a sum of uniforms, median ~2 ms, long tail */
      double z = (fixture_u01(rng) + fixture_u01(rng) + fixture_u01(rng) - 1.5) * 2.0;
      double ms = 2.0 * slow * vary * exp(0.6 * z);
      if (fixture_u01(rng) < 0.01)
        ms *= 8; /* a slow tail */
      sim_hist_add(&h, (int64_t)(ms * 1e6));
    }
    result_replication *rep = &m->reps[j];
    rep->seed = 7000 + 31 * o->variant + j;
    rep->requests = h.count;
    rep->errors = 3 + j + idx;
    rep->slo_violations = 11 + 2 * j + idx;
    rep->throughput_rps = (double)h.count / 20.0 * (1 - 0.001 * j);
    rep->mean_ms = mean[j] = sim_hist_mean(&h) / 1e6;
    rep->p50_ms = p50[j] = sim_hist_quantile(&h, 0.5) / 1e6;
    rep->p90_ms = p90[j] = sim_hist_quantile(&h, 0.9) / 1e6;
    rep->p99_ms = p99[j] = sim_hist_quantile(&h, 0.99) / 1e6;
    rep->p999_ms = p999[j] = sim_hist_quantile(&h, 0.999) / 1e6;
    for (int k = 0; k < MESH_KIND_GATEWAY; k++) {
      rep->cpu_cores[k] = mesh_cpu[mi][k] * vary * (1 + 0.02 * j);
      rep->mem_mib[k] = mesh_mem[mi][k] * vary * (1 + 0.01 * j);
    }
    rep->wall_s = 0.4 + 0.1 * j;
    m->requests += rep->requests;
    m->errors += rep->errors;
    m->slo_violations += rep->slo_violations;
    tput += rep->throughput_rps;
    sim_hist_merge(&m->latency_hist_ns, &h);
    sim_hist_release(&h);
  }
  m->throughput_rps = tput / o->replications;
  const sim_hist *H = &m->latency_hist_ns;
  m->latency.mean_ms = sim_hist_mean(H) / 1e6;
  m->latency.p50_ms = sim_hist_quantile(H, 0.5) / 1e6;
  m->latency.p90_ms = sim_hist_quantile(H, 0.9) / 1e6;
  m->latency.p99_ms = sim_hist_quantile(H, 0.99) / 1e6;
  m->latency.p999_ms = sim_hist_quantile(H, 0.999) / 1e6;
  sim_ci95(mean, o->replications, &m->latency.mean_ci);
  sim_ci95(p50, o->replications, &m->latency.p50_ci);
  sim_ci95(p90, o->replications, &m->latency.p90_ci);
  sim_ci95(p99, o->replications, &m->latency.p99_ci);
  sim_ci95(p999, o->replications, &m->latency.p999_ci);
  free(mean);
  free(p50);
  free(p90);
  free(p99);
  free(p999);

  double cpu_total = 0, mem_total = 0, res_cpu = 0, res_mem = 0;
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    result_kind_usage *u = &m->kind[k];
    u->instances = instances[mi][k];
    u->cpu_cores_mean = mesh_cpu[mi][k] * vary;
    u->cpu_cores_peak = u->cpu_cores_mean * 1.6;
    u->mem_mib_mean = mesh_mem[mi][k] * vary;
    u->mem_mib_peak = u->mem_mib_mean * 1.1;
    u->reserved_cpu_cores = u->instances * (k == MESH_KIND_APP ? 0.25 : 0.1);
    u->reserved_mem_mib = u->instances * (k == MESH_KIND_APP ? 256 : 128);
    if (k != MESH_KIND_APP) {
      cpu_total += u->cpu_cores_mean;
      mem_total += u->mem_mib_mean;
    }
    res_cpu += u->reserved_cpu_cores;
    res_mem += u->reserved_mem_mib;
  }
  m->mesh_cpu_cores = cpu_total;
  m->mesh_mem_mib = mem_total;
  m->reserved_cpu_cores = res_cpu + 0.5 * o->n_nodes; /* + system reserved per node */
  m->reserved_mem_mib = res_mem + 512.0 * o->n_nodes;
  m->nodes_needed = o->n_nodes - (idx > 0 && o->n_nodes > 1 ? 1 : 0);
  m->cross_zone_gb_month = 120.5 + 10 * idx;
  m->cost_compute_usd_month = 140.0 * m->nodes_needed;
  m->cost_network_usd_month = 0.01 * m->cross_zone_gb_month;
  m->cost_usd_month = m->cost_compute_usd_month + m->cost_network_usd_month;
  m->cost_reserved_usd_month = 31.5 * m->reserved_cpu_cores + 0.004 * m->reserved_mem_mib;
  m->cost_mesh_reserved_usd_month = 0.25 * m->cost_reserved_usd_month + 1.5 * idx;

  m->n_nodes = o->n_nodes;
  m->nodes = calloc(o->n_nodes ? o->n_nodes : 1, sizeof *m->nodes);
  for (uint32_t i = 0; i < o->n_nodes; i++) {
    result_node *n = &m->nodes[i];
    snprintf(n->name, sizeof n->name, "node-%u", i + 1);
    n->zone = i % 3;
    n->pods = 6 + i;
    for (int k = 0; k < MESH_KIND_GATEWAY; k++) {
      n->cpu_cores[k] = mesh_cpu[mi][k] / o->n_nodes * (1 + 0.1 * i);
      n->mem_mib[k] = mesh_mem[mi][k] / o->n_nodes;
    }
    n->reserved_cpu_cores = 2.0 + 0.1 * i;
    n->reserved_mem_mib = 4096 + 64.0 * i;
    n->capacity_cpu_cores = 4;
    n->capacity_mem_mib = 16384;
  }

  result_series *se = &m->series;
  se->n_seconds = o->n_seconds;
  if (o->n_seconds) {
    se->throughput_rps = calloc(o->n_seconds, sizeof(double));
    se->p99_ms = calloc(o->n_seconds, sizeof(double));
    se->error_rate = calloc(o->n_seconds, sizeof(double));
    for (int k = 0; k < MESH_KIND_GATEWAY; k++)
      se->cpu_cores[k] = calloc(o->n_seconds, sizeof(double));
    /* Waypoints scale 2 -> 3 -> 2 in the waypoint mode (autoscaling). */
    if (mode == MESH_MODE_AMBIENT_WAYPOINT)
      se->waypoint_replicas = calloc(o->n_seconds, sizeof(double));
    for (uint32_t s = 0; s < o->n_seconds; s++) {
      if (se->waypoint_replicas)
        se->waypoint_replicas[s] = (s >= 6 && s < 12) ? 3 : 2;
      se->throughput_rps[s] = m->throughput_rps * (0.9 + 0.2 * fixture_u01(rng));
      se->p99_ms[s] = m->latency.p99_ms * (0.8 + 0.4 * fixture_u01(rng));
      se->error_rate[s] = (s >= 5 && s < 8) ? 0.02 * (1 + idx) : 0.0;
      for (int k = 0; k < MESH_KIND_GATEWAY; k++)
        se->cpu_cores[k][s] = mesh_cpu[mi][k] * (0.9 + 0.2 * fixture_u01(rng));
    }
  }

  /* Blast radius: one proxy kind per mode, waypoints on top for the third. */
  mesh_proxy_kind kinds[2] = {mode == MESH_MODE_SIDECAR ? MESH_PROXY_SIDECAR : MESH_PROXY_ZTUNNEL,
                              MESH_PROXY_WAYPOINT};
  int nk = mode == MESH_MODE_AMBIENT_WAYPOINT ? 2 : 1;
  for (int i = 0; i < nk; i++) {
    mesh_proxy_kind k = kinds[i];
    result_blast *b = &m->blast[k];
    m->has_blast[k] = 1;
    b->instances = k == MESH_PROXY_SIDECAR ? 24 : k == MESH_PROXY_ZTUNNEL ? 4 : 2;
    b->pods_max = k == MESH_PROXY_SIDECAR ? 1 : k == MESH_PROXY_ZTUNNEL ? 9 : 14;
    b->pods_mean = k == MESH_PROXY_SIDECAR ? 1 : k == MESH_PROXY_ZTUNNEL ? 6.0 : 12.0;
    b->services_max = k == MESH_PROXY_SIDECAR ? 1 : 7;
    b->namespaces_max = k == MESH_PROXY_SIDECAR ? 1 : 3;
    b->tenants_max = k == MESH_PROXY_SIDECAR ? 1 : 2;
    b->identities_max = k == MESH_PROXY_SIDECAR ? 1 : 6;
    b->request_share_max = k == MESH_PROXY_SIDECAR ? 0.125 : 0.75;
    b->request_share_mean = k == MESH_PROXY_SIDECAR ? 0.05 : 0.4;
  }
  m->n_blast_instances = 3;
  m->blast_instances = calloc(3, sizeof *m->blast_instances);
  for (uint32_t i = 0; i < 3; i++) {
    result_blast_instance *b = &m->blast_instances[i];
    snprintf(b->kind, sizeof b->kind, "%s", mesh_proxy_kind_name(kinds[0]));
    snprintf(b->instance, sizeof b->instance, "%s-%u", mesh_proxy_kind_name(kinds[0]), i);
    b->pods = 3 + i;
    b->services = 2 + i;
    b->namespaces = 1 + i;
    b->tenants = 1;
    b->identities = 2 + i;
    b->l7_services = i;
    b->request_share = 0.1 * (i + 1);
  }

  if (o->failures) {
    m->n_failures = 1;
    m->failures = calloc(1, sizeof *m->failures);
    result_failure *f = &m->failures[0];
    snprintf(f->name, sizeof f->name, "zt-crash");
    snprintf(f->component, sizeof f->component, "%s",
             mode == MESH_MODE_SIDECAR ? "sidecar" : "ztunnel");
    snprintf(f->instance, sizeof f->instance, "node-3");
    f->has_target = true;
    f->at_s = 5;
    f->down_s = 3;
    f->failed_requests = 120 + 40 * idx;
    f->slo_violations = 30 + idx;
    f->affected_pods = mode == MESH_MODE_SIDECAR ? 1 : 9;
    f->affected_services = mode == MESH_MODE_SIDECAR ? 1 : 7;
    f->affected_namespaces = mode == MESH_MODE_SIDECAR ? 1 : 3;
    f->affected_tenants = mode == MESH_MODE_SIDECAR ? 1 : 4;
    f->recovery_s = 2.4 + idx;
    f->detect_s = mode == MESH_MODE_SIDECAR ? 2.0 : NAN; /* a ztunnel is never taken out */
    f->p99_during_ms = 80.5 + idx;
    f->p99_steady_ms = 21.25;
    f->slo_violations_steady = 4 + idx;
    f->n_seconds = o->n_seconds;
    f->error_rate = calloc(o->n_seconds ? o->n_seconds : 1, sizeof(double));
    for (uint32_t s = 0; s < o->n_seconds; s++)
      f->error_rate[s] = (s >= 5 && s < 8) ? 0.031 * (1 + idx) * (s == 6 ? 2 : 1) : 0.0;
  }
}

/* Hot spots, shared-proxy capacity, sizing and node warnings
 * (models/capacity.h) consistent with the busiest station fixture_run
 * names: ambient-waypoint's one waypoint replica runs at 125% of what it can
 * do, so it needs 2 replicas at the 70% target; sidecar mode's requests are
 * below its use, so it needs a node more than its requests say, and one
 * node runs over its CPU. */
static inline void fixture_plan(mode_result *m, uint32_t idx, const fixture_opts *o) {
  result_plan *p = &m->plan;
  int wp = m->mode == MESH_MODE_AMBIENT_WAYPOINT, sc = m->mode == MESH_MODE_SIDECAR;
  p->target_utilisation = 0.7;
  p->headroom = 0.15;
  static const char *const apps[3] = {"cart-1", "cart-0", "catalog-2"};
  p->n_hotspots = wp ? 4 : 3;
  for (uint32_t i = 0; i < p->n_hotspots; i++) {
    result_hotspot *h = &p->hotspots[i];
    int is_wp = wp && i == 0;
    snprintf(h->instance, sizeof h->instance, "%s", is_wp ? "shop/waypoint#0" : apps[i - wp]);
    snprintf(h->kind, sizeof h->kind, "%s", is_wp ? "waypoint" : "app");
    snprintf(h->node, sizeof h->node, "node-%u", i == 0 ? idx : i);
    h->utilisation = m->busiest.utilisation - 0.05 * i;
    h->cpu_cores = 0.8 * h->utilisation;
    h->latency_ms = 0.4 + 0.1 * i;
    h->latency_share = h->latency_ms / m->latency.mean_ms;
  }
  p->n_capacity = wp ? 3 : sc ? 1 : 2;
  p->capacity = calloc(p->n_capacity, sizeof *p->capacity);
  uint32_t c = 0;
  if (wp) {
    result_capacity *w = &p->capacity[c++];
    snprintf(w->kind, sizeof w->kind, "waypoint");
    snprintf(w->instance, sizeof w->instance, "shop/waypoint");
    w->replicas = 1;
    w->utilisation = w->utilisation_max = m->busiest.utilisation;
    w->cpu_cores = 2 * w->utilisation;
    w->replicas_needed = 2;
    w->cpu_cores_per_replica = w->cpu_cores / 0.7;
  }
  if (!sc) {
    result_capacity *z = &p->capacity[c++];
    snprintf(z->kind, sizeof z->kind, "ztunnel");
    snprintf(z->instance, sizeof z->instance, "ztunnel");
    z->replicas = o->n_nodes;
    z->utilisation = 0.12;
    z->utilisation_max = 0.2;
    z->cpu_cores = 0.3;
    z->replicas_needed = o->n_nodes;
    z->cpu_cores_per_replica = 2 * 0.2 / 0.7;
  }
  result_capacity *cp = &p->capacity[c++];
  snprintf(cp->kind, sizeof cp->kind, "control_plane");
  snprintf(cp->instance, sizeof cp->instance, "istiod");
  cp->replicas = 1;
  cp->utilisation = cp->utilisation_max = 0.3 + 0.01 * idx;
  cp->cpu_cores = 0.5 * cp->utilisation;
  cp->replicas_needed = 1;
  cp->cpu_cores_per_replica = cp->cpu_cores / 0.7;
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    int has = k == MESH_PROXY_SIDECAR ? sc : k == MESH_PROXY_ZTUNNEL ? !sc : wp;
    if (!has)
      continue;
    result_sizing *z = &p->sizing[k];
    p->has_sizing[k] = 1;
    z->instances = m->kind[mesh_proxy_kind_to_kind((mesh_proxy_kind)k)].instances;
    z->request_cpu_cores = 0.1;
    z->request_mem_mib = 128;
    z->p95_cpu_cores = sc ? 0.136 : 0.0713 + 0.01 * k;
    z->p95_mem_mib = 55.8 - k;
    z->max_cpu_cores = 2 * z->p95_cpu_cores;
    z->right_cpu_cores = ceil(z->p95_cpu_cores * 1.15 * 1000) / 1000;
    z->right_mem_mib = ceil(z->p95_mem_mib * 1.15);
    z->cost_usd_month = z->instances * (0.1 * 31.5 + 128 * 0.004);
    z->right_cost_usd_month = z->instances * (z->right_cpu_cores * 31.5 + z->right_mem_mib * 0.004);
  }
  p->nodes_needed_used = m->nodes_needed;
  p->nodes_needed_reserved = m->nodes_needed - (sc && m->nodes_needed > 1 ? 1 : 0);
  p->pods_unplaced = 0;
  snprintf(p->busiest_node, sizeof p->busiest_node, "node-%u", o->n_nodes);
  p->busiest_node_cpu_share = sc ? 1.22 : 0.6 + 0.05 * idx;
  p->node_mem_share_max = 0.43;
  if (sc && o->n_nodes) {
    p->nodes_over_cpu = 1;
    p->n_node_warnings = 1;
    p->node_warnings = calloc(1, sizeof *p->node_warnings);
    result_node_warning *w = &p->node_warnings[0];
    snprintf(w->node, sizeof w->node, "node-%u", o->n_nodes);
    w->cpu_used_cores = 4.88;
    w->cpu_capacity_cores = 4;
    w->mem_used_mib = 7045;
    w->mem_capacity_mib = 16384;
  }
}

/* Each namespace's share (models/attribution.h): two namespaces of two
 * tenants, the second with no entry traffic (its latency NAN). */
static inline void fixture_namespaces(mode_result *m, uint32_t idx) {
  static const char *const names[2] = {"shop", "pay"};
  m->n_namespaces = 2;
  m->namespaces = calloc(2, sizeof *m->namespaces);
  for (uint32_t i = 0; i < 2; i++) {
    result_namespace *n = &m->namespaces[i];
    snprintf(n->name, sizeof n->name, "%s", names[i]);
    snprintf(n->tenant, sizeof n->tenant, "tenant-%u", i);
    n->mode = m->mode == MESH_MODE_SIDECAR                      ? MESH_NS_SIDECAR
              : i == 0 && m->mode == MESH_MODE_AMBIENT_WAYPOINT ? MESH_NS_AMBIENT_WAYPOINT
                                                                : MESH_NS_AMBIENT;
    n->pods = 4 + i;
    for (int k = 0; k < MESH_KIND_GATEWAY; k++) {
      n->cpu_cores[k] = 0.01 * (k + 1) + 0.1 * i + 0.001 * idx;
      n->mem_mib[k] = 12.5 * (k + 1) + i;
    }
    n->mesh_cpu_cores = 0.14 + 0.4 * i;
    n->mesh_mem_mib = 175 + 4 * i;
    n->reserved_cpu_cores = 1.2 + i;
    n->reserved_mem_mib = 1536 + 64 * i;
    n->mesh_reserved_cpu_cores = 0.4 + 0.1 * i;
    n->mesh_reserved_mem_mib = 512;
    n->cross_zone_gb_month = 3.25 * (i + 1);
    n->cost_usd_month = 41.5 + 7 * i + idx;
    n->mesh_cost_usd_month = 14.75 + i;
    n->entry_requests = i ? 0 : 9000 + idx;
    n->entry_errors = i ? 0 : 3;
    n->entry_latency_ms = i ? NAN : 12.5 + idx;
    n->latency_gain_ms = i ? NAN : 0.75 * idx;
    n->mesh_time_ms = 0.3 + 0.2 * i;
  }
}

/* Fills *r (zeroed first); free it with run_result_release(). */
static inline void fixture_run(run_result *r, const fixture_opts *o) {
  static const mesh_mode modes[3] = {MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                                     MESH_MODE_AMBIENT_WAYPOINT};
  memset(r, 0, sizeof *r);
  uint64_t rng = 0x9e3779b97f4a7c15ULL ^ o->variant;
  snprintf(r->scenario, sizeof r->scenario, "fixture-shop");
  snprintf(r->scenario_path, sizeof r->scenario_path, "scenarios/fixture, shop.yaml");
  r->scenario_hash = 0x0123456789abcdefULL + o->variant;
  snprintf(r->params, sizeof r->params, "%s", FIXTURE_PARAMS);
  snprintf(r->profile, sizeof r->profile, "istio-1.24");
  snprintf(r->version, sizeof r->version, "0.1.0-test");
  snprintf(r->started_at, sizeof r->started_at, "2026-01-02T03:04:%02uZ", o->variant % 60);
  r->seed = 7 + o->variant;
  r->replications = o->replications;
  r->duration_s = o->n_seconds;
  r->warmup_s = 2;
  r->slo_ms = 100;
  r->wall_s = 1.5;
  r->n_modes = o->n_modes;
  r->modes = calloc(o->n_modes, sizeof *r->modes);
  r->objective_quantile = 0.99;
  r->error_budget = 0.001;
  for (uint32_t i = 0; i < o->n_modes; i++) {
    mode_result *m = &r->modes[i];
    fixture_mode(m, modes[i % 3], i, o, &rng);
    /* The busiest station: ambient-waypoint's waypoint is overloaded. */
    int wp = m->mode == MESH_MODE_AMBIENT_WAYPOINT;
    snprintf(m->busiest.instance, sizeof m->busiest.instance, "%s",
             wp ? "shop/waypoint#0" : "cart-1");
    snprintf(m->busiest.kind, sizeof m->busiest.kind, "%s", wp ? "waypoint" : "app");
    snprintf(m->busiest.node, sizeof m->busiest.node, "node-%u", i);
    m->busiest.utilisation = wp ? 1.25 + 0.01 * o->variant : 0.4 + 0.1 * i;
    m->unfinished = wp ? 3 : 0;
    m->error_causes = (result_errors){.timeout = wp ? 40 : 0,
                                      .rejected = wp ? 7 : 0,
                                      .outage = 0,
                                      .fail_mean_ms = wp ? 812.5 : NAN,
                                      .fail_p50_ms = wp ? 1000 : NAN,
                                      .fail_p99_ms = wp ? 1000.5 : NAN};
    fixture_plan(m, i, o);
    fixture_namespaces(m, i);
  }
  verdict_apply(r);
}

/* ---- temp directories ---- */

static inline void fixture_rm_rf(const char *path) {
  struct stat sb;
  if (lstat(path, &sb) != 0)
    return;
  if (S_ISDIR(sb.st_mode)) {
    DIR *d = opendir(path);
    if (d) {
      struct dirent *e;
      while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
          continue;
        char sub[4096];
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub)
          fixture_rm_rf(sub);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

/* Creates a fresh directory under TMPDIR (or /tmp); buf receives its path. */
static inline char *fixture_tmpdir(char *buf, size_t n, const char *tag) {
  const char *base = getenv("TMPDIR");
  snprintf(buf, n, "%s/meshsim-%s-XXXXXX", base && *base ? base : "/tmp", tag);
  return mkdtemp(buf);
}

static inline int fixture_file_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Whole file as a NUL-terminated string (caller frees); NULL if unreadable. */
static inline char *fixture_slurp(const char *path, size_t *len) {
  if (len)
    *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      char *p = realloc(buf, cap * 2);
      if (!p) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = p;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf)
    buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

/* ---- a results database in a fresh temp directory ---- */

typedef struct fixture_store {
  char dir[256];    /* the temp directory; fixture_store_close removes it */
  char dbpath[512]; /* dir/DB_REL, created by fixture_store_open */
  char out[512];    /* dir/OUT_REL, not created; "" without OUT_REL */
  db *d;
} fixture_store;

/* Makes the temp directory (TAG in its name) and creates the database in
 * it; missing directories in DB_REL are db_open's to create. 0 or -1. */
static inline int fixture_store_open(fixture_store *t, const char *tag, const char *db_rel,
                                     const char *out_rel) {
  if (!fixture_tmpdir(t->dir, sizeof t->dir, tag))
    return -1;
  snprintf(t->dbpath, sizeof t->dbpath, "%s/%s", t->dir, db_rel);
  if (out_rel)
    snprintf(t->out, sizeof t->out, "%s/%s", t->dir, out_rel);
  char err[512];
  if (db_open(t->dbpath, DB_OPEN_CREATE, &t->d, err, sizeof err) != 0) {
    fprintf(stderr, "db_open: %s\n", err);
    fixture_rm_rf(t->dir);
    return -1;
  }
  return 0;
}

static inline void fixture_store_close(fixture_store *t) {
  db_close(t->d);
  fixture_rm_rf(t->dir);
}

/* cmocka setup and teardown for tests whose state is a fixture_store. */
static inline int fixture_store_setup(void **state, const char *tag, const char *db_rel,
                                      const char *out_rel) {
  fixture_store *t = calloc(1, sizeof *t);
  if (!t || fixture_store_open(t, tag, db_rel, out_rel) != 0) {
    free(t);
    return -1;
  }
  *state = t;
  return 0;
}

static inline int fixture_store_teardown(void **state) {
  fixture_store *t = *state;
  fixture_store_close(t);
  free(t);
  return 0;
}

/* ---- checks shared by the report tests ---- */

/* Whether a gnuplot program is in PATH: the chart checks need one. */
static inline int fixture_have_gnuplot(void) {
  const char *path = getenv("PATH");
  char buf[1024];
  while (path && *path) {
    const char *c = strchr(path, ':');
    size_t l = c ? (size_t)(c - path) : strlen(path);
    snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)l, path);
    if (access(buf, X_OK) == 0)
      return 1;
    if (!c)
      break;
    path = c + 1;
  }
  return 0;
}

static inline uint32_t fixture_be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A whole PNG: signature, a 13-byte IHDR first with both sides at least
 * 100 pixels, IEND last. */
static inline void fixture_assert_png(const char *path) {
  size_t n;
  unsigned char *b = (unsigned char *)fixture_slurp(path, &n);
  if (!b)
    fail_msg("%s missing", path);
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  if (n < 8 + 25 + 12 || memcmp(b, sig, 8) != 0)
    fail_msg("%s: not a PNG (%zu bytes)", path, n);
  assert_int_equal(fixture_be32(b + 8), 13); /* IHDR is first and 13 bytes long */
  assert_memory_equal(b + 12, "IHDR", 4);
  assert_true(fixture_be32(b + 16) >= 100); /* width */
  assert_true(fixture_be32(b + 20) >= 100); /* height */
  assert_memory_equal(b + n - 12, iend, 12);
  free(b);
}

/* Fails with the caller's line when hay lacks needle. */
#define assert_contains(hay, needle) fixture_assert_contains_at((hay), (needle), __LINE__)
static inline void fixture_assert_contains_at(const char *hay, const char *needle, int line) {
  if (!strstr(hay, needle))
    fail_msg("line %d: report lacks \"%s\"", line, needle);
}

#endif
