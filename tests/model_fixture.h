/* model_fixture: small hand-built scenarios and a round-number profile for
 * model tests (no YAML needed). Everything is static inline so each test
 * program includes what it uses. */
#ifndef MESHSIM_MODEL_FIXTURE_H
#define MESHSIM_MODEL_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "profile.h"
#include "scenario.h"

/* A profile with round numbers: easy to reason about in assertions. */
static inline void fx_profile(profile *p) {
  memset(p, 0, sizeof *p);
  strcpy(p->name, "test");
  const double pass[MESH_PROXY_COUNT] = {50e3, 20e3, 60e3, 70e3};
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    profile_proxy *x = &p->proxy[k];
    for (int q = 0; q < MESH_PROTO_COUNT; q++)
      x->pass_cpu_ns[q] = pass[k];
    x->on_path_fraction = 0.5;
    x->workers = 2;
    x->mem_base_bytes = 10e6;
    x->mem_per_service_bytes = 1e5;
    x->mem_per_endpoint_bytes = 1e4;
    x->mem_per_connection_bytes = 1e3;
    x->mem_per_inflight_bytes = 1e4;
    x->request_millicores = 100;
    x->request_mem_bytes = 128 << 20;
    p->has_proxy[k] = 1;
  }
  p->control_plane.base_millicores = 100;
  p->control_plane.per_proxy_millicores = 1;
  p->control_plane.mem_base_bytes = 100e6;
  p->control_plane.mem_per_proxy_bytes = 1e5;
  p->control_plane.request_millicores = 500;
  p->control_plane.request_mem_bytes = 512 << 20;
  p->control_plane.replicas = 1;
}

static inline void fx_inputs(model_inputs *in, const scenario *s, const profile *p) {
  memset(in, 0, sizeof *in);
  in->scn = s;
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    in->proxy_profile[k] = p;
  in->control_plane = &p->control_plane;
  in->profile_name = p->name;
}

/* Runs the modes s lists with every proxy kind and the control plane taken
 * from p; the run must succeed (release r with run_result_release). */
static inline void fx_run(const scenario *s, const profile *p, run_result *r) {
  model_inputs in;
  fx_inputs(&in, s, p);
  assert_int_equal(model_run(&in, r), 0);
}

/* A scenario with `nodes` nodes in one zone (or one zone per node), no
 * latency, and no services yet. */
static inline void fx_scenario(scenario *s, uint32_t nodes, int zone_per_node) {
  scenario_init_defaults(s);
  strcpy(s->meta.name, "fixture");
  s->meta.duration_ns = 10 * SIM_S;
  s->meta.warmup_ns = 1 * SIM_S;
  s->meta.replications = 2;
  uint32_t nz = zone_per_node ? nodes : 1;
  free(s->cluster.zones);
  s->cluster.zones = calloc(nz, sizeof *s->cluster.zones);
  s->cluster.n_zones = nz;
  for (uint32_t z = 0; z < nz; z++)
    snprintf(s->cluster.zones[z], SCN_NAME_MAX, "zone-%u", z);
  scenario_node_pool *pool = &s->cluster.pools[0];
  free(pool->zones);
  pool->zones = calloc(nz, sizeof *pool->zones);
  for (uint32_t z = 0; z < nz; z++)
    pool->zones[z] = z;
  pool->n_zones = nz;
  pool->count = nodes;
  s->cluster.same_node_ns = 0;
  s->cluster.same_zone_ns = 0;
  s->cluster.cross_zone_ns = 0;
  s->cluster.bandwidth_bytes_per_s = 0;
  s->mesh.new_connection_share = 0;
}

static inline uint32_t fx_namespace(scenario *s, const char *name, mesh_ns_mode hybrid) {
  s->namespaces = realloc(s->namespaces, (s->n_namespaces + 1) * sizeof *s->namespaces);
  scenario_namespace *ns = &s->namespaces[s->n_namespaces];
  memset(ns, 0, sizeof *ns);
  snprintf(ns->name, SCN_NAME_MAX, "%s", name);
  snprintf(ns->tenant, SCN_NAME_MAX, "%s", name);
  ns->hybrid_mode = hybrid;
  ns->waypoint_scope = MESH_WAYPOINT_NAMESPACE;
  return s->n_namespaces++;
}

static inline uint32_t fx_service(scenario *s, const char *name, uint32_t ns, uint32_t replicas,
                                  double mean_service_ns, int needs_l7) {
  s->services = realloc(s->services, (s->n_services + 1) * sizeof *s->services);
  scenario_service *sv = &s->services[s->n_services];
  memset(sv, 0, sizeof *sv);
  snprintf(sv->name, SCN_NAME_MAX, "%s", name);
  sv->ns = ns;
  s->service_accounts =
      realloc(s->service_accounts, (s->n_service_accounts + 1) * sizeof *s->service_accounts);
  s->service_account_ns =
      realloc(s->service_account_ns, (s->n_service_accounts + 1) * sizeof *s->service_account_ns);
  snprintf(s->service_accounts[s->n_service_accounts], SCN_NAME_MAX, "%.31s/%.31s",
           s->namespaces[ns].name, name);
  s->service_account_ns[s->n_service_accounts] = ns;
  sv->service_account = s->n_service_accounts++;
  sv->replicas = replicas;
  sv->protocol = MESH_PROTO_HTTP1;
  sv->cpu_request_millicores = 100;
  sv->mem_request_bytes = 128 << 20;
  sv->app_workers = 1;
  sv->working_set_bytes = -1;
  sim_dist_exponential(mean_service_ns, &sv->service_time_ns);
  sv->request_bytes = 1024;
  sv->response_bytes = 1024;
  sv->needs_l7 = needs_l7 != 0;
  sv->lb = MESH_LB_RANDOM;
  sv->retry.attempts = 1;
  return s->n_services++;
}

static inline void fx_call(scenario *s, uint32_t from, uint32_t to, uint32_t count, double p) {
  scenario_service *sv = &s->services[from];
  sv->calls = realloc(sv->calls, (sv->n_calls + 1) * sizeof *sv->calls);
  scenario_call *c = &sv->calls[sv->n_calls++];
  memset(c, 0, sizeof *c);
  c->target = to;
  c->count = count;
  c->probability = p;
  c->request_bytes = s->services[to].request_bytes; /* as the loader fills them */
  c->response_bytes = s->services[to].response_bytes;
}

static inline void fx_traffic(scenario *s, uint32_t service, double rps) {
  s->traffic = realloc(s->traffic, (s->n_traffic + 1) * sizeof *s->traffic);
  scenario_traffic *t = &s->traffic[s->n_traffic++];
  memset(t, 0, sizeof *t);
  t->service = service;
  t->from = SCN_NONE;
  t->via = SCN_NONE;
  t->rate_rps = rps;
  t->arrival = SCN_ARRIVAL_POISSON;
  t->timeout_ns = SCN_CLIENT_TIMEOUT_DEFAULT_NS; /* as the loader sets it */
}

/* An ingress gateway with `replicas` replicas; returns its index. */
static inline uint32_t fx_gateway(scenario *s, const char *name, uint32_t replicas) {
  s->gateways = realloc(s->gateways, (s->n_gateways + 1) * sizeof *s->gateways);
  scenario_gateway *g = &s->gateways[s->n_gateways];
  memset(g, 0, sizeof *g);
  snprintf(g->name, SCN_NAME_MAX, "%s", name);
  snprintf(g->ns, SCN_NAME_MAX, "istio-ingress");
  g->replicas = replicas;
  return s->n_gateways++;
}

static inline void fx_modes(scenario *s, const mesh_mode *modes, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    s->mesh.modes[i] = modes[i];
  s->mesh.n_modes = n;
}

#endif
