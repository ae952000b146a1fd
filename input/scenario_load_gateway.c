/* scenario_load_gateway: the `gateways` list (ingress gateways) and the
 * traffic entries' `via` that names one. See models/scenario.h for what a
 * gateway is and docs/scenario-format.md for the keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

/* The namespace Istio's documentation installs its ingress gateway into
 * (istio.io/latest/docs/setup/additional-setup/gateway: `helm install
 * istio-ingress istio/gateway -n istio-ingress`). */
#define LD_GATEWAY_NS_DEFAULT "istio-ingress"

static void convert_gateway(ld_loader *L, const yaml_node_t *m, const char *path, size_t i) {
  scenario *s = L->s;
  uint32_t idx = s->n_gateways++;
  scenario_gateway *g = &s->gateways[idx];
  snprintf(g->name, sizeof g->name, "gateway-%zu", i + 1);
  snprintf(g->ns, sizeof g->ns, "%s", LD_GATEWAY_NS_DEFAULT);
  g->replicas = 1; /* the gateway chart's autoscaling.minReplicas */
  g->use_waypoint = false;
  yaml_node_t *nv = ld_get(L, m, "name");
  if (nv == NULL) {
    ld_missing(L, m, "name", path);
  } else if (ld_opt_name(L, m, "name", g->name) == 1) {
    uint32_t prev = ld_nt_find(&L->gateways, g->name);
    if (prev != SCN_NONE) {
      ld_err_at(L, nv, "duplicate gateway \"%s\"", g->name);
    } else {
      ld_nt_put(&L->gateways, g->name, idx);
    }
  }
  ld_opt_name(L, m, "namespace", g->ns);
  ld_opt_u32(L, m, "replicas", 1, LD_MAX_WAYPOINT_REPLICAS, &g->replicas);
  ld_opt_bool(L, m, "use_waypoint", &g->use_waypoint);
}

void ld_convert_gateways(ld_loader *L, const yaml_node_t *root) {
  scenario *s = L->s;
  yaml_node_t *seq = ld_opt_seq(L, root, "gateways", "");
  if (seq == NULL || ld_seq_len(seq) == 0) {
    return;
  }
  size_t n = ld_seq_len(seq);
  s->gateways = calloc(n, sizeof *s->gateways);
  if (s->gateways == NULL || ld_nt_init(&L->gateways, n) != 0) {
    ld_nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    yaml_node_t *m = ld_seq_item(L, seq, i);
    char path[LD_PATH_MAX];
    ld_element_path(L, path, sizeof path, "gateways", m, "name", i);
    if (ld_check_map(L, m, &ld_sch_gateway, path)) {
      convert_gateway(L, m, path, i);
    }
  }
}

uint32_t ld_resolve_gateway(ld_loader *L, const yaml_node_t *v) {
  const scenario *s = L->s;
  const char *t;
  if (ld_val_scalar(L, v, "via", "a gateway name", &t) != 0) {
    return SCN_NONE;
  }
  uint32_t idx = s->n_gateways ? ld_nt_find(&L->gateways, t) : SCN_NONE;
  if (idx == SCN_NONE) {
    const char **names = malloc((s->n_gateways ? s->n_gateways : 1) * sizeof *names);
    if (names == NULL) {
      ld_nomem(L);
      return SCN_NONE;
    }
    for (uint32_t i = 0; i < s->n_gateways; i++) {
      names[i] = s->gateways[i].name;
    }
    char q[128], sug[640];
    if (s->n_gateways == 0) {
      ld_err_at(L, v, "unknown gateway \"%s\": the scenario declares no \"gateways\"",
                ld_quote(q, sizeof q, t));
    } else {
      ld_err_at(L, v, "unknown gateway \"%s\"%s", ld_quote(q, sizeof q, t),
                ld_suggestion(sug, sizeof sug, t, names, s->n_gateways, "gateways"));
    }
    free(names);
  }
  return idx;
}
