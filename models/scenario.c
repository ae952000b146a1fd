/* scenario: defaults, teardown and small queries over the in-memory scenario.
 *
 * The defaults here are the ones documented in docs/scenario-format.md; the
 * loader starts from them and overwrites what the file sets, so the two must
 * change together. */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_name(char *dst, size_t size, const char *src) {
  size_t len = strlen(src);
  if (len >= size) {
    len = size - 1;
  }
  memcpy(dst, src, len);
  dst[len] = '\0';
}

void scenario_init_defaults(scenario *s) {
  memset(s, 0, sizeof *s);

  s->meta.seed = 1;
  s->meta.duration_ns = 10 * SIM_S;
  s->meta.warmup_ns = 1 * SIM_S;
  s->meta.replications = 3;
  s->meta.slo_ns = 100 * SIM_MS;
  s->meta.objective_quantile = 0.99;
  s->meta.error_budget = 0.001;
  s->meta.target_utilisation = 0.7;

  /* One zone and one pool of 3 x (8 vCPU, 32 GiB) over it. Allocation
   * failure leaves them empty; the loader reports out of memory then. */
  s->cluster.zones = calloc(1, sizeof *s->cluster.zones);
  if (s->cluster.zones != NULL) {
    copy_name(s->cluster.zones[0], SCN_NAME_MAX, "zone-a");
    s->cluster.n_zones = 1;
    s->cluster.pools = calloc(1, sizeof *s->cluster.pools);
    uint32_t *pool_zones = calloc(1, sizeof *pool_zones);
    if (s->cluster.pools != NULL && pool_zones != NULL) {
      scenario_node_pool *p = &s->cluster.pools[0];
      copy_name(p->name, SCN_NAME_MAX, "default");
      p->count = 3;
      p->max_count = 0;
      p->cpu_millicores = 8000;
      p->mem_bytes = (int64_t)32 << 30;
      p->zones = pool_zones;
      p->n_zones = 1;
      s->cluster.n_pools = 1;
    } else {
      free(s->cluster.pools);
      free(pool_zones);
      s->cluster.pools = NULL;
    }
  }
  s->cluster.same_node_ns = 20 * SIM_US;
  s->cluster.same_zone_ns = 100 * SIM_US;
  s->cluster.cross_zone_ns = 500 * SIM_US;
  s->cluster.bandwidth_bytes_per_s = 10e9 / 8.0; /* 10 Gbit/s */
  s->cluster.placement = MESH_PLACE_SPREAD;

  /* Public on-demand list prices (x86, us-east), USD. */
  s->pricing.vcpu_hour_usd = 0.0316;
  s->pricing.gib_hour_usd = 0.0042;
  s->pricing.cross_zone_gb_usd = 0.01;
  s->pricing.hours_per_month = 730.0;

  copy_name(s->mesh.profile, SCN_NAME_MAX, "istio-1.24");
  for (int m = 0; m < MESH_MODE_COUNT; m++) {
    s->mesh.modes[m] = (mesh_mode)m;
  }
  s->mesh.n_modes = MESH_MODE_COUNT;
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    s->mesh.proxy[k].workers = 0;
    s->mesh.proxy[k].request_millicores = -1;
    s->mesh.proxy[k].request_mem_bytes = -1;
    s->mesh.proxy[k].limit_millicores = -1;
    s->mesh.proxy[k].limit_mem_bytes = -1;
  }
  s->mesh.sidecar_scope = MESH_SCOPE_CLUSTER;
  s->mesh.waypoint_scope = MESH_WAYPOINT_NAMESPACE;
  s->mesh.waypoint_replicas = 1;
  s->mesh.new_connection_share = 0.01;
  /* Istio's default retry policy: 2 retries on connect-failure,
   * refused-stream, unavailable, cancelled (istio/istio
   * pilot/pkg/networking/core/route/retry/retry.go, DefaultPolicy); Envoy's
   * retry back-off base interval, 25 ms (router filter docs); MeshConfig
   * connectTimeout, 10 s. */
  s->mesh.retries = 2;
  s->mesh.retry_backoff_ns = 25 * SIM_MS;
  s->mesh.connect_timeout_ns = 10 * SIM_S;
  /* A dead container: the kubelet's status sync (PLEG relist, 1 s) plus the
   * EndpointSlice update and istiod's push (debounce 100 ms): about 2 s. A
   * lost node: kube-controller-manager's --node-monitor-grace-period, 40 s
   * (Kubernetes before 1.32; 50 s since). */
  s->cluster.detect_pod_ns = 2 * SIM_S;
  s->cluster.detect_node_ns = 40 * SIM_S;

  /* Off unless the file has mesh.waypoint.autoscale; the values are what
   * that section starts from. */
  s->waypoint_autoscale.enabled = false;
  s->waypoint_autoscale.target_utilisation = 0.7;
  s->waypoint_autoscale.scale_up_delay_ns = 30 * SIM_S;
  s->waypoint_autoscale.scale_down_delay_ns = 300 * SIM_S;
  s->waypoint_autoscale.min_replicas = 1;
  s->waypoint_autoscale.max_replicas = 10;

  /* meshsim advise: the cheapest assignment among the three mesh modes. */
  s->advise.objective = SCN_ADVISE_COST;
  s->advise.modes = SCN_NS_MODE_BIT(MESH_NS_SIDECAR) | SCN_NS_MODE_BIT(MESH_NS_AMBIENT) |
                    SCN_NS_MODE_BIT(MESH_NS_AMBIENT_WAYPOINT);
}

static const char *const advise_objective_names[SCN_ADVISE_OBJECTIVE_COUNT] = {"cost", "cpu",
                                                                               "memory", "latency"};

const char *scenario_advise_objective_name(scenario_advise_objective o) {
  return (unsigned)o < SCN_ADVISE_OBJECTIVE_COUNT ? advise_objective_names[o] : "?";
}

int scenario_advise_objective_from_name(const char *name) {
  for (int i = 0; i < SCN_ADVISE_OBJECTIVE_COUNT; i++) {
    if (strcmp(advise_objective_names[i], name) == 0) {
      return i;
    }
  }
  return -1;
}

static void free_calls(scenario_call *calls, uint32_t n) {
  for (uint32_t j = 0; calls != NULL && j < n; j++) {
    free(calls[j].choice);
  }
  free(calls);
}

void scenario_release(scenario *s) {
  if (s == NULL) {
    return;
  }
  for (uint32_t i = 0; i < s->cluster.n_pools; i++) {
    free(s->cluster.pools[i].zones);
  }
  free(s->cluster.pools);
  free(s->cluster.zones);
  free(s->namespaces);
  free(s->service_accounts);
  free(s->service_account_ns);
  for (uint32_t i = 0; i < s->n_services; i++) {
    scenario_service *sv = &s->services[i];
    free(sv->dist_storage);
    free_calls(sv->calls, sv->n_calls);
    for (uint32_t o = 0; o < sv->n_ops; o++) {
      free(sv->ops[o].dist_storage);
      free_calls(sv->ops[o].calls, sv->ops[o].n_calls);
    }
    free(sv->ops);
  }
  free(s->services);
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    free(s->traffic[i].bursts);
    free(s->traffic[i].mix);
  }
  free(s->traffic);
  free(s->gateways);
  free(s->failures);
  free(s->advise.pins);
  memset(s, 0, sizeof *s);
}

/* Linear scans: callers resolve names once at load time, never per event. */
uint32_t scenario_find_service(const scenario *s, const char *name) {
  for (uint32_t i = 0; i < s->n_services; i++) {
    if (strcmp(s->services[i].name, name) == 0) {
      return i;
    }
  }
  return SCN_NONE;
}

uint32_t scenario_find_namespace(const scenario *s, const char *name) {
  for (uint32_t i = 0; i < s->n_namespaces; i++) {
    if (strcmp(s->namespaces[i].name, name) == 0) {
      return i;
    }
  }
  return SCN_NONE;
}

double scenario_call_mean(const scenario_call *c) {
  return (double)c->count * c->probability;
}

uint64_t scenario_pod_count(const scenario *s) {
  uint64_t pods = 0;
  for (uint32_t i = 0; i < s->n_services; i++) {
    pods += s->services[i].replicas;
  }
  return pods;
}

uint32_t scenario_traffic_n_targets(const scenario_traffic *t) {
  return t->n_mix ? t->n_mix : 1;
}

scenario_target scenario_traffic_target_at(const scenario *s, const scenario_traffic *t,
                                           uint32_t i) {
  if (t->n_mix) {
    return t->mix[i];
  }
  const scenario_service *sv = &s->services[t->service];
  scenario_target x = {t->service, t->op, 1.0, sv->request_bytes, sv->response_bytes};
  if (sv->n_ops) {
    x.request_bytes = sv->ops[t->op].request_bytes;
    x.response_bytes = sv->ops[t->op].response_bytes;
  }
  return x;
}

const char *scenario_mode_label(const scenario *s, uint32_t i, char *buf, size_t size) {
  const char *mode = mesh_mode_name(s->mesh.modes[i]);
  if (s->mesh.mode_profile[i][0] == '\0') {
    snprintf(buf, size, "%s", mode);
  } else {
    snprintf(buf, size, "%s:%s", s->mesh.mode_profile[i], mode);
  }
  return buf;
}
