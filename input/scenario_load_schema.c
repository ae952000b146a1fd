/* scenario_load_schema: the keys every mapping of a scenario file may hold.
 *
 * One table per mapping, nested as the file is: a key is a single value
 * (LEAF), a mapping (MAP, with its table) or a list (LIST, with its
 * element's table, whose list_key names an element in `--set` paths). The
 * tables drive the unknown-key check with its did-you-mean, and the walk
 * of an override's KEY, so the two always agree on what the format allows.
 * docs/scenario-format.md documents the same keys for people. */
#include <string.h>

#include "scenario_load_internal.h"

#define LEAF(n)                                                                                    \
  { n, LD_KEY_LEAF, NULL }
#define MAP(n, s)                                                                                  \
  { n, LD_KEY_MAP, s }
#define LIST(n, s)                                                                                 \
  { n, LD_KEY_LIST, s }
#define SCHEMA(var, lk, ...)                                                                       \
  static const ld_schema_key var##_keys[] = {__VA_ARGS__};                                         \
  const ld_schema_map var = {var##_keys, sizeof(var##_keys) / sizeof(var##_keys[0]), lk}

SCHEMA(ld_sch_resources, NULL, LEAF("cpu"), LEAF("memory"));
SCHEMA(ld_sch_dist, NULL, LEAF("dist"), LEAF("value"), LEAF("mean"), LEAF("min"), LEAF("max"),
       LEAF("p99"), LEAF("median"), LEAF("sigma"), LEAF("alpha"), LIST("points", NULL));
/* `mix` and `one_of` map names the file chooses (operations, targets) to
 * weights: their keys are checked where they are read, not here. */
SCHEMA(ld_sch_call, "service", LEAF("service"), LEAF("count"), LEAF("probability"),
       LEAF("request_size"), LEAF("response_size"), MAP("mix", NULL), MAP("one_of", NULL));
SCHEMA(ld_sch_operation, "name", LEAF("name"), LEAF("weight"), MAP("service_time", &ld_sch_dist),
       LEAF("request_size"), LEAF("response_size"), LEAF("parallel"), LIST("calls", &ld_sch_call));
SCHEMA(ld_sch_retry, NULL, LEAF("attempts"), LEAF("timeout"), LEAF("backoff"));
SCHEMA(ld_sch_connection_pool, NULL, LEAF("max_requests"));
SCHEMA(ld_sch_burst, NULL, LEAF("at"), LEAF("duration"), LEAF("multiplier"));
SCHEMA(ld_sch_autoscale, NULL, LEAF("target_utilisation"), LEAF("scale_up_delay"),
       LEAF("scale_down_delay"), LEAF("min"), LEAF("max"));
SCHEMA(ld_sch_ztunnel, NULL, LEAF("workers"), MAP("requests", &ld_sch_resources),
       MAP("limits", &ld_sch_resources));
SCHEMA(ld_sch_sidecar, NULL, LEAF("workers"), MAP("requests", &ld_sch_resources),
       MAP("limits", &ld_sch_resources), LEAF("scope"));
SCHEMA(ld_sch_waypoint, NULL, LEAF("workers"), MAP("requests", &ld_sch_resources),
       MAP("limits", &ld_sch_resources), LEAF("scope"), LEAF("replicas"),
       MAP("autoscale", &ld_sch_autoscale));
/* mesh.gateway: the settings every ingress gateway replica shares. */
SCHEMA(ld_sch_gateway_proxy, NULL, LEAF("workers"), MAP("requests", &ld_sch_resources),
       MAP("limits", &ld_sch_resources));
SCHEMA(ld_sch_network, NULL, LEAF("same_node"), LEAF("same_zone"), LEAF("cross_zone"),
       LEAF("bandwidth"));
SCHEMA(ld_sch_detection, NULL, LEAF("pod"), LEAF("node"));
SCHEMA(ld_sch_mesh_retries, NULL, LEAF("attempts"), LEAF("backoff"), LEAF("connect_timeout"));
SCHEMA(ld_sch_pool, "name", LEAF("name"), LEAF("count"), LEAF("max"), LEAF("cpu"), LEAF("memory"),
       LIST("zones", NULL));
SCHEMA(ld_sch_objective, NULL, LEAF("latency"), LEAF("percentile"), LEAF("errors"),
       LEAF("target_utilisation"));
SCHEMA(ld_sch_metadata, NULL, LEAF("name"), LEAF("description"), LEAF("seed"), LEAF("duration"),
       LEAF("warmup"), LEAF("replications"), LEAF("slo"), MAP("objective", &ld_sch_objective));
SCHEMA(ld_sch_cluster, NULL, LIST("zones", NULL), LIST("nodes", &ld_sch_pool),
       MAP("network", &ld_sch_network), LEAF("placement"),
       MAP("system_reserved", &ld_sch_resources), MAP("detection", &ld_sch_detection),
       LEAF("pod_churn"));
SCHEMA(ld_sch_pricing, NULL, LEAF("vcpu_hour"), LEAF("gib_hour"), LEAF("cross_zone_gb"),
       LEAF("hours_per_month"));
SCHEMA(ld_sch_mesh, NULL, LEAF("profile"), LEAF("sidecar_profile"), LIST("modes", NULL),
       MAP("sidecar", &ld_sch_sidecar), MAP("ztunnel", &ld_sch_ztunnel),
       MAP("waypoint", &ld_sch_waypoint), LEAF("new_connection_share"),
       MAP("retries", &ld_sch_mesh_retries), MAP("gateway", &ld_sch_gateway_proxy));
/* What a namespace's `defaults` may give its services: the keys of
 * ld_sch_service but the identity and the calls. */
SCHEMA(ld_sch_service_defaults, NULL, LEAF("replicas"), LEAF("protocol"),
       MAP("requests", &ld_sch_resources), MAP("limits", &ld_sch_resources), LEAF("workers"),
       MAP("service_time", &ld_sch_dist), LEAF("request_size"), LEAF("response_size"), LEAF("l7"),
       LEAF("parallel"), LEAF("lb"), MAP("retry", &ld_sch_retry), LEAF("queue_limit"),
       MAP("connection_pool", &ld_sch_connection_pool), LEAF("traffic_distribution"));
SCHEMA(ld_sch_namespace, "name", LEAF("name"), LEAF("tenant"), LEAF("team"), LEAF("compliance"),
       LEAF("mode"), LEAF("waypoint_scope"), LEAF("waypoint_replicas"),
       MAP("defaults", &ld_sch_service_defaults));
SCHEMA(ld_sch_service, "name", LEAF("name"), LEAF("namespace"), LEAF("service_account"),
       LEAF("replicas"), LEAF("protocol"), MAP("requests", &ld_sch_resources),
       MAP("limits", &ld_sch_resources), LEAF("workers"), MAP("service_time", &ld_sch_dist),
       LEAF("request_size"), LEAF("response_size"), LEAF("l7"), LEAF("parallel"), LEAF("lb"),
       LIST("calls", &ld_sch_call), MAP("retry", &ld_sch_retry), LEAF("queue_limit"),
       MAP("connection_pool", &ld_sch_connection_pool), LEAF("traffic_distribution"),
       LEAF("idle_cpu"), LEAF("working_set"), LIST("operations", &ld_sch_operation));
SCHEMA(ld_sch_traffic, "service", LEAF("service"), LEAF("from"), LEAF("via"), LEAF("rate"),
       LEAF("arrival"), LEAF("timeout"), LIST("bursts", &ld_sch_burst), MAP("mix", NULL));
SCHEMA(ld_sch_gateway, "name", LEAF("name"), LEAF("namespace"), LEAF("replicas"),
       LEAF("use_waypoint"));
SCHEMA(ld_sch_failure, "name", LEAF("name"), LEAF("target"), LEAF("instance"), LEAF("pick"),
       LEAF("kind"), LEAF("at"), LEAF("duration"), LEAF("drain"));
SCHEMA(ld_sch_advise_pin, "namespace", LEAF("namespace"), LIST("modes", NULL));
SCHEMA(ld_sch_advise, NULL, LEAF("objective"), LIST("modes", NULL),
       LIST("pins", &ld_sch_advise_pin), LEAF("max_tenants_per_proxy"), LEAF("max_pods_per_proxy"),
       LEAF("budget"));
SCHEMA(ld_sch_root, NULL, MAP("metadata", &ld_sch_metadata), MAP("cluster", &ld_sch_cluster),
       MAP("pricing", &ld_sch_pricing), MAP("mesh", &ld_sch_mesh),
       LIST("namespaces", &ld_sch_namespace), LIST("services", &ld_sch_service),
       LEAF("services_csv"), LEAF("call_graph_csv"), LIST("traffic", &ld_sch_traffic),
       LEAF("traffic_csv"), LIST("gateways", &ld_sch_gateway), LIST("failures", &ld_sch_failure),
       MAP("advise", &ld_sch_advise));

const ld_schema_key *ld_schema_find(const ld_schema_map *sm, const char *name) {
  for (size_t i = 0; i < sm->n; i++) {
    if (strcmp(sm->keys[i].name, name) == 0) {
      return &sm->keys[i];
    }
  }
  return NULL;
}

size_t ld_schema_key_names(const ld_schema_map *sm, const char **names, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < sm->n && n < max; i++) {
    names[n++] = sm->keys[i].name;
  }
  return n;
}

bool ld_check_map(ld_loader *L, const yaml_node_t *n, const ld_schema_map *sm, const char *path) {
  char g[96], ib[LD_PATH_MAX + 8];
  if (!ld_is_map(n)) {
    if (path[0] == '\0') {
      ld_err_at(L, n, "expected a mapping of sections (metadata, cluster, services, ...), got %s",
                ld_got_text(n, g, sizeof g));
    } else {
      ld_err_at(L, n, "expected a mapping for \"%s\", got %s", path, ld_got_text(n, g, sizeof g));
    }
    return false;
  }
  const char *names[32];
  size_t nn = ld_schema_key_names(sm, names, 32);
  yaml_node_pair_t *start = n->data.mapping.pairs.start;
  for (yaml_node_pair_t *p = start; p < n->data.mapping.pairs.top && !ld_stop(L); p++) {
    yaml_node_t *k = ld_node_at(L, p->key);
    if (!ld_is_scalar(k) || ld_is_null(k)) {
      ld_err_at(L, k, "keys %s must be plain names, got %s", ld_in_path(path, ib, sizeof ib),
                ld_got_text(k, g, sizeof g));
      continue;
    }
    char q[128], sug[640];
    if (ld_schema_find(sm, ld_sval(k)) == NULL) {
      ld_err_at(L, k, "unknown key \"%s\" %s%s", ld_quote(q, sizeof q, ld_sval(k)),
                ld_in_path(path, ib, sizeof ib),
                ld_suggestion(sug, sizeof sug, ld_sval(k), names, nn, "keys"));
      continue;
    }
    for (yaml_node_pair_t *e = start; e < p; e++) {
      yaml_node_t *ek = ld_node_at(L, e->key);
      if (ld_is_scalar(ek) && strcmp(ld_sval(ek), ld_sval(k)) == 0) {
        char w[LD_PATH_MAX];
        ld_err_at(L, k, "duplicate key \"%s\" %s (first at %s)", ld_sval(k),
                  ld_in_path(path, ib, sizeof ib), ld_where_text(L, ek, w, sizeof w));
        break;
      }
    }
  }
  return true;
}
