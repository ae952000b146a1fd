/* scenario_load_cluster: the metadata, cluster and pricing sections.
 *
 * Zones are read first: node pools name them, and a pool without `zones`
 * spans all of them (so does the default pool when `nodes` is absent).
 * Zones and pools go into name tables, for references and duplicates. */
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

static const char *const placement_names[] = {"spread", "binpack", "random"};
static const ld_choice placement_choice = {"placement", "placements", placement_names, NULL, 3};

/* The latency objective holds at one of these quantiles (result_latency has
 * exactly these four); values in thousandths. */
static const char *const percentile_names[] = {"p50", "p90", "p99", "p99.9"};
static const int percentile_milli[] = {500, 900, 990, 999};
static const ld_choice percentile_choice = {"percentile", "percentiles", percentile_names,
                                            percentile_milli, 4};

/* metadata.objective; `slo` is its latency written the older way, so the
 * two may not both be given. */
static void convert_objective(ld_loader *L, const yaml_node_t *m, bool has_slo) {
  scenario_meta *md = &L->s->meta;
  yaml_node_t *o = ld_opt_map(L, m, "objective", &ld_sch_objective, "metadata");
  if (o == NULL) {
    return;
  }
  yaml_node_t *lat = ld_get(L, o, "latency");
  if (lat != NULL && has_slo) {
    ld_err_at(L, lat,
              "\"metadata.slo\" and \"metadata.objective.latency\" both set the latency "
              "objective; keep one (with --set, change the one the file uses)");
  } else if (lat != NULL) {
    ld_val_duration(L, lat, "latency", true, &md->slo_ns);
  }
  int milli;
  if (ld_opt_choice(L, o, "percentile", &percentile_choice, &milli) == 1) {
    md->objective_quantile = milli / 1000.0;
  }
  ld_opt_share(L, o, "errors", &md->error_budget);
  yaml_node_t *tu = ld_get(L, o, "target_utilisation");
  if (tu != NULL && ld_val_share(L, tu, "target_utilisation", &md->target_utilisation) == 0 &&
      md->target_utilisation <= 0) { /* nothing fits under 0%: every proxy would need infinity */
    char q[128];
    ld_err_at(L, tu, "invalid \"target_utilisation\": must be greater than 0, got %s",
              ld_quote(q, sizeof q, ld_sval(tu)));
  }
}

void ld_convert_metadata(ld_loader *L, const yaml_node_t *root) {
  scenario_meta *md = &L->s->meta;
  yaml_node_t *m = ld_opt_map(L, root, "metadata", &ld_sch_metadata, "");
  if (m == NULL) {
    return;
  }
  ld_opt_name(L, m, "name", md->name);
  ld_opt_text(L, m, "description", md->description, sizeof md->description);
  yaml_node_t *v = ld_get(L, m, "seed");
  uint64_t seed;
  if (v != NULL && ld_val_uint(L, v, "seed", 0, UINT64_MAX, &seed) == 0) {
    md->seed = seed;
  }
  ld_opt_duration(L, m, "duration", true, &md->duration_ns);
  ld_opt_duration(L, m, "warmup", false, &md->warmup_ns);
  ld_opt_u32(L, m, "replications", 1, LD_MAX_REPLICATIONS, &md->replications);
  int has_slo = ld_opt_duration(L, m, "slo", true, &md->slo_ns);
  convert_objective(L, m, has_slo != 0);
}

/* A list of names resolved against a table, no duplicates. Returns the
 * number of indices written to out (allocated by the caller, seq_len). */
static uint32_t resolve_name_list(ld_loader *L, const yaml_node_t *seq, const char *key,
                                  const char *path, const ld_name_table *t,
                                  const char *const *names, size_t n_names, const char *noun,
                                  const char *plural, uint32_t *out) {
  uint32_t n = 0;
  unsigned char *seen = calloc(n_names ? n_names : 1, 1); /* O(1) duplicate check */
  if (seen == NULL) {
    ld_nomem(L);
    return 0;
  }
  for (size_t i = 0; i < ld_seq_len(seq) && !ld_stop(L); i++) {
    yaml_node_t *it = ld_seq_item(L, seq, i);
    const char *t_name;
    if (ld_val_scalar(L, it, key, "a name", &t_name) != 0) {
      continue;
    }
    uint32_t idx = ld_nt_find(t, t_name);
    char q[128], sug[640];
    if (idx == SCN_NONE) {
      ld_err_at(L, it, "unknown %s \"%s\"%s", noun, ld_quote(q, sizeof q, t_name),
                ld_suggestion(sug, sizeof sug, t_name, names, n_names, plural));
      continue;
    }
    if (idx < n_names && seen[idx]) {
      ld_err_at(L, it, "duplicate %s \"%s\" in \"%s\"", noun, t_name, path);
      continue;
    }
    if (idx < n_names) {
      seen[idx] = 1;
    }
    out[n++] = idx;
  }
  free(seen);
  return n;
}

/* Zones are looked up in L->zones as they are read, so finding a duplicate
 * costs O(1) per zone (a linear scan made 100,000 zones take 36 s). */
static void convert_zones(ld_loader *L, const yaml_node_t *cluster) {
  scenario_cluster *c = &L->s->cluster;
  yaml_node_t *zs = ld_opt_seq(L, cluster, "zones", "cluster");
  if (zs != NULL && ld_seq_len(zs) == 0) {
    ld_err_at(L, zs, "\"cluster.zones\" needs at least one zone");
  }
  size_t n = zs != NULL && ld_seq_len(zs) > 0 ? ld_seq_len(zs) : c->n_zones;
  if (ld_nt_init(&L->zones, n) != 0) {
    ld_nomem(L);
    return;
  }
  if (zs == NULL || ld_seq_len(zs) == 0) {
    for (uint32_t i = 0; i < c->n_zones; i++) {
      ld_nt_put(&L->zones, c->zones[i], i);
    }
    return;
  }
  char(*zones)[SCN_NAME_MAX] = calloc(n, sizeof *zones);
  if (zones == NULL) {
    ld_nomem(L);
    return;
  }
  free(c->zones);
  c->zones = zones;
  c->n_zones = 0;
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    yaml_node_t *it = ld_seq_item(L, zs, i);
    char name[SCN_NAME_MAX];
    if (ld_val_name(L, it, "zones", name) != 0) {
      continue;
    }
    if (ld_nt_find(&L->zones, name) != SCN_NONE) {
      ld_err_at(L, it, "duplicate zone \"%s\" in \"cluster.zones\"", name);
      continue;
    }
    memcpy(c->zones[c->n_zones], name, SCN_NAME_MAX);
    ld_nt_put(&L->zones, c->zones[c->n_zones], c->n_zones);
    c->n_zones++;
  }
}

static const char **zone_names(ld_loader *L) {
  scenario_cluster *c = &L->s->cluster;
  const char **names = calloc(c->n_zones + 1, sizeof *names);
  if (names == NULL) {
    return NULL;
  }
  for (uint32_t i = 0; i < c->n_zones; i++) {
    names[i] = c->zones[i];
  }
  return names;
}

/* A pool over every zone, in declaration order. */
static int all_zones(ld_loader *L, scenario_node_pool *p) {
  uint32_t n = L->s->cluster.n_zones;
  uint32_t *z = calloc(n > 0 ? n : 1, sizeof *z);
  if (z == NULL) {
    return ld_nomem(L);
  }
  for (uint32_t i = 0; i < n; i++) {
    z[i] = i;
  }
  free(p->zones);
  p->zones = z;
  p->n_zones = n;
  return 0;
}

static void convert_pool(ld_loader *L, const yaml_node_t *m, const char *path,
                         scenario_node_pool *p, const char **znames) {
  if (!ld_check_map(L, m, &ld_sch_pool, path)) {
    return;
  }
  if (ld_get(L, m, "name") == NULL) {
    ld_missing(L, m, "name", path);
  } else {
    ld_opt_name(L, m, "name", p->name);
  }
  ld_opt_u32(L, m, "count", 0, LD_MAX_NODES, &p->count);
  int has_max = ld_opt_u32(L, m, "max", 0, LD_MAX_NODES, &p->max_count);
  ld_opt_cpu(L, m, "cpu", true, &p->cpu_millicores);
  ld_opt_size(L, m, "memory", true, &p->mem_bytes);
  if (has_max == 1 && p->max_count > 0 && p->count > p->max_count) {
    ld_err_at(L, ld_get(L, m, "max"), "invalid \"max\": %u is below the starting count %u",
              p->max_count, p->count);
  }
  yaml_node_t *zs = ld_opt_seq(L, m, "zones", path);
  if (zs != NULL) {
    if (ld_seq_len(zs) == 0) {
      ld_err_at(L, zs, "\"%s.zones\" needs at least one zone (or leave it out for all zones)",
                path);
      return;
    }
    uint32_t *z = calloc(ld_seq_len(zs), sizeof *z);
    if (z == NULL) {
      ld_nomem(L);
      return;
    }
    free(p->zones);
    p->zones = z;
    char zpath[LD_PATH_MAX];
    ld_path_join(zpath, sizeof zpath, path, "zones");
    p->n_zones = resolve_name_list(L, zs, "zones", zpath, &L->zones, znames, L->s->cluster.n_zones,
                                   "zone", "zones", z);
  }
}

static void convert_pools(ld_loader *L, const yaml_node_t *cluster) {
  scenario_cluster *c = &L->s->cluster;
  yaml_node_t *ps = ld_opt_seq(L, cluster, "nodes", "cluster");
  if (ps == NULL) {
    /* The default pool spans whatever zones the file declared. */
    for (uint32_t i = 0; i < c->n_pools; i++) {
      all_zones(L, &c->pools[i]);
    }
    if (ld_nt_init(&L->pools, c->n_pools) != 0) {
      ld_nomem(L);
    }
    return;
  }
  size_t n = ld_seq_len(ps);
  if (n == 0) {
    ld_err_at(L, ps, "\"cluster.nodes\" needs at least one node pool");
    return;
  }
  scenario_node_pool *pools = calloc(n, sizeof *pools);
  L->pool_ids = calloc(n, sizeof *L->pool_ids);
  const char **znames = zone_names(L);
  if (pools == NULL || L->pool_ids == NULL || znames == NULL || ld_nt_init(&L->pools, n) != 0) {
    free(pools);
    free(znames);
    ld_nomem(L);
    return;
  }
  for (uint32_t i = 0; i < c->n_pools; i++) {
    free(c->pools[i].zones);
  }
  free(c->pools);
  c->pools = pools;
  c->n_pools = (uint32_t)n;
  for (size_t i = 0; i < n; i++) {
    scenario_node_pool *p = &pools[i];
    p->count = 3;
    p->cpu_millicores = 8000;
    p->mem_bytes = (int64_t)32 << 30;
    all_zones(L, p);
  }
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    yaml_node_t *m = ld_seq_item(L, ps, i);
    char path[LD_PATH_MAX];
    ld_element_path(L, path, sizeof path, "cluster.nodes", m, "name", i);
    L->pool_ids[i] = ld_node_id(L, m);
    convert_pool(L, m, path, &pools[i], znames);
    if (pools[i].name[0] == '\0') {
      continue;
    }
    uint32_t prev = ld_nt_find(&L->pools, pools[i].name);
    if (prev != SCN_NONE) {
      char w[LD_PATH_MAX];
      ld_err_at(L, ld_get(L, m, "name"), "duplicate node pool \"%s\" (first defined at %s)",
                pools[i].name, ld_where_text(L, ld_node_at(L, L->pool_ids[prev]), w, sizeof w));
    } else {
      ld_nt_put(&L->pools, pools[i].name, (uint32_t)i);
    }
  }
  free(znames);
}

void ld_convert_cluster(ld_loader *L, const yaml_node_t *root) {
  scenario_cluster *c = &L->s->cluster;
  yaml_node_t *m = ld_opt_map(L, root, "cluster", &ld_sch_cluster, "");
  convert_zones(L, m);
  convert_pools(L, m);
  if (m == NULL) {
    return;
  }
  yaml_node_t *net = ld_opt_map(L, m, "network", &ld_sch_network, "cluster");
  if (net != NULL) {
    ld_opt_duration(L, net, "same_node", false, &c->same_node_ns);
    ld_opt_duration(L, net, "same_zone", false, &c->same_zone_ns);
    ld_opt_duration(L, net, "cross_zone", false, &c->cross_zone_ns);
    yaml_node_t *bw = ld_get(L, net, "bandwidth");
    const char *t;
    if (bw != NULL && ld_val_scalar(L, bw, "bandwidth", units_expected(UNITS_BANDWIDTH), &t) == 0) {
      int rc = units_parse_bandwidth(t, &c->bandwidth_bytes_per_s);
      if (rc != 0) {
        ld_val_unit_error(L, bw, "bandwidth", UNITS_BANDWIDTH, rc, t);
      }
    }
    if (c->same_node_ns > c->same_zone_ns || c->same_zone_ns > c->cross_zone_ns) {
      ld_warn_at(L, net,
                 "network latencies are usually ordered same_node <= same_zone <= cross_zone");
    }
  }
  int placement;
  if (ld_opt_choice(L, m, "placement", &placement_choice, &placement) == 1) {
    c->placement = (mesh_placement)placement;
  }
  yaml_node_t *sr = ld_opt_map(L, m, "system_reserved", &ld_sch_resources, "cluster");
  if (sr != NULL) {
    ld_opt_cpu(L, sr, "cpu", false, &c->system_reserved_millicores);
    ld_opt_size(L, sr, "memory", false, &c->system_reserved_mem_bytes);
  }
  yaml_node_t *pc = ld_get(L, m, "pod_churn");
  const char *pt;
  if (pc != NULL && ld_val_scalar(L, pc, "pod_churn", units_expected(UNITS_RATE), &pt) == 0) {
    int rc = units_parse_rate(pt, &c->pod_churn_per_s);
    if (rc != 0) {
      ld_val_unit_error(L, pc, "pod_churn", UNITS_RATE, rc, pt);
    }
  }
  yaml_node_t *dt = ld_opt_map(L, m, "detection", &ld_sch_detection, "cluster");
  if (dt != NULL) {
    ld_opt_duration(L, dt, "pod", false, &c->detect_pod_ns);
    ld_opt_duration(L, dt, "node", false, &c->detect_node_ns);
  }
}

void ld_convert_pricing(ld_loader *L, const yaml_node_t *root) {
  scenario_pricing *p = &L->s->pricing;
  yaml_node_t *m = ld_opt_map(L, root, "pricing", &ld_sch_pricing, "");
  if (m == NULL) {
    return;
  }
  ld_opt_number(L, m, "vcpu_hour", LD_RANGE_NONNEG, &p->vcpu_hour_usd);
  ld_opt_number(L, m, "gib_hour", LD_RANGE_NONNEG, &p->gib_hour_usd);
  ld_opt_number(L, m, "cross_zone_gb", LD_RANGE_NONNEG, &p->cross_zone_gb_usd);
  ld_opt_number(L, m, "hours_per_month", LD_RANGE_POS, &p->hours_per_month);
}
