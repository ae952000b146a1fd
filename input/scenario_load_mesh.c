/* scenario_load_mesh: the mesh section (modes, per-proxy settings, the
 * waypoint's replicas and autoscale) and the namespaces.
 *
 * Without a namespaces section, namespaces are implicit: one is created,
 * with the defaults, the first time a service names it. With one, a
 * service must name a declared namespace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

static const char *const mode_names[] = {"none", "sidecar", "ambient", "ambient-waypoint",
                                         "hybrid"};
static const ld_choice mode_choice = {"mode", "modes", mode_names, NULL, 5};
static const ld_choice ns_mode_choice = {"namespace mode", "namespace modes", mode_names, NULL, 4};
static const char *const sidecar_scope_names[] = {"cluster", "namespace", "calls"};
static const ld_choice sidecar_scope_choice = {"sidecar scope", "scopes", sidecar_scope_names, NULL,
                                               3};
static const char *const waypoint_scope_names[] = {"namespace", "service-account", "service"};
static const ld_choice waypoint_scope_choice = {"waypoint scope", "scopes", waypoint_scope_names,
                                                NULL, 3};

static void convert_proxy(ld_loader *L, const yaml_node_t *mesh, mesh_proxy_kind kind,
                          const ld_schema_map *sm, yaml_node_t **out_map) {
  const char *key = mesh_proxy_kind_name(kind);
  char path[LD_PATH_MAX];
  ld_path_join(path, sizeof path, "mesh", key);
  yaml_node_t *m = ld_opt_map(L, mesh, key, sm, "mesh");
  *out_map = m;
  if (m == NULL) {
    return;
  }
  scenario_proxy_settings *ps = &L->s->mesh.proxy[kind];
  ld_opt_u32(L, m, "workers", 1, LD_MAX_WORKERS, &ps->workers);
  ld_convert_resources(L, m, "requests", path, &ps->request_millicores, &ps->request_mem_bytes);
  ld_convert_resources(L, m, "limits", path, &ps->limit_millicores, &ps->limit_mem_bytes);
  ld_check_limits(L, m, ps->request_millicores, ps->limit_millicores, ps->request_mem_bytes,
                  ps->limit_mem_bytes);
}

/* One entry of mesh.modes: "sidecar", or "PROFILE:sidecar" naming the
 * calibration profile of that mode alone (the profile is checked when the
 * run loads it, as mesh.profile is). 0, or -1 after reporting. */
static int convert_mode(ld_loader *L, const yaml_node_t *it, mesh_mode *mode,
                        char profile[SCN_NAME_MAX]) {
  profile[0] = '\0';
  const char *t;
  int v;
  if (!ld_is_scalar(it) || strrchr(ld_sval(it), ':') == NULL) {
    if (ld_val_choice(L, it, "modes", &mode_choice, &v) != 0) {
      return -1;
    }
    *mode = (mesh_mode)v;
    return 0;
  }
  if (ld_val_scalar(L, it, "modes", "a mode", &t) != 0) {
    return -1;
  }
  const char *colon = strrchr(t, ':');
  size_t plen = (size_t)(colon - t);
  char q[128], sug[512];
  if (plen == 0) {
    return ld_err_at(L, it, "invalid mode \"%s\": expected PROFILE:MODE, like linkerd-2.14:sidecar",
                     ld_quote(q, sizeof q, t));
  }
  v = mesh_mode_from_name(colon + 1);
  if (v < 0) {
    return ld_err_at(L, it, "unknown mode \"%s\" in \"%s\"%s", ld_quote(q, sizeof q, colon + 1), t,
                     ld_suggestion(sug, sizeof sug, colon + 1, mode_names, 5, "modes"));
  }
  if (strlen(t) >= SCN_NAME_MAX) {
    return ld_err_at(L, it, "mode \"%s\" is too long (at most %d bytes, profile and mode)",
                     ld_quote(q, sizeof q, t), SCN_NAME_MAX - 1);
  }
  memcpy(profile, t, plen);
  profile[plen] = '\0';
  *mode = (mesh_mode)v;
  return 0;
}

static void convert_modes(ld_loader *L, const yaml_node_t *mesh) {
  scenario_mesh *ms = &L->s->mesh;
  yaml_node_t *seq = ld_opt_seq(L, mesh, "modes", "mesh");
  if (seq == NULL) {
    return;
  }
  if (ld_seq_len(seq) == 0) {
    ld_err_at(L, seq, "\"mesh.modes\" needs at least one mode");
    return;
  }
  ms->n_modes = 0;
  for (size_t i = 0; i < ld_seq_len(seq) && !ld_stop(L); i++) {
    yaml_node_t *it = ld_seq_item(L, seq, i);
    mesh_mode mode = MESH_MODE_NONE;
    char profile[SCN_NAME_MAX];
    if (convert_mode(L, it, &mode, profile) != 0) {
      continue;
    }
    bool dup = false;
    for (uint32_t j = 0; j < ms->n_modes; j++) {
      dup = dup || (ms->modes[j] == mode && strcmp(ms->mode_profile[j], profile) == 0);
    }
    if (dup) {
      char label[2 * SCN_NAME_MAX];
      snprintf(label, sizeof label, "%s%s%s", profile, profile[0] ? ":" : "", mode_names[mode]);
      ld_err_at(L, it, "duplicate mode \"%s\" in \"mesh.modes\"", label);
      continue;
    }
    if (ms->n_modes == SCN_MODES_MAX) {
      ld_err_at(L, it, "\"mesh.modes\" holds at most %d modes", SCN_MODES_MAX);
      break;
    }
    memcpy(ms->mode_profile[ms->n_modes], profile, SCN_NAME_MAX);
    ms->modes[ms->n_modes++] = mode;
  }
}

static void convert_autoscale(ld_loader *L, const yaml_node_t *wp) {
  scenario_autoscale *a = &L->s->waypoint_autoscale;
  /* Presence enables it, even as a bare "autoscale:" taking every default. */
  yaml_node_t *v = ld_get_raw(L, wp, "autoscale");
  if (v == NULL) {
    return;
  }
  a->enabled = true;
  if (ld_is_null(v) || !ld_check_map(L, v, &ld_sch_autoscale, "mesh.waypoint.autoscale")) {
    return;
  }
  ld_opt_number(L, v, "target_utilisation", LD_RANGE_UNIT_POS, &a->target_utilisation);
  ld_opt_duration(L, v, "scale_up_delay", false, &a->scale_up_delay_ns);
  ld_opt_duration(L, v, "scale_down_delay", false, &a->scale_down_delay_ns);
  ld_opt_u32(L, v, "min", 1, LD_MAX_WAYPOINT_REPLICAS, &a->min_replicas);
  int has_max = ld_opt_u32(L, v, "max", 1, LD_MAX_WAYPOINT_REPLICAS, &a->max_replicas);
  if (a->max_replicas < a->min_replicas) {
    ld_err_at(L, has_max == 1 ? ld_get(L, v, "max") : v, "invalid \"max\": %u is below \"min\" %u",
              a->max_replicas, a->min_replicas);
  } else if (L->s->mesh.waypoint_replicas < a->min_replicas ||
             L->s->mesh.waypoint_replicas > a->max_replicas) {
    ld_warn_at(L, v, "waypoint replicas %u are outside the autoscale range [%u, %u]",
               L->s->mesh.waypoint_replicas, a->min_replicas, a->max_replicas);
  }
}

void ld_convert_mesh(ld_loader *L, const yaml_node_t *root) {
  scenario_mesh *ms = &L->s->mesh;
  yaml_node_t *m = ld_opt_map(L, root, "mesh", &ld_sch_mesh, "");
  if (m == NULL) {
    return;
  }
  ld_opt_name(L, m, "profile", ms->profile);
  ld_opt_text(L, m, "sidecar_profile", ms->sidecar_profile, sizeof ms->sidecar_profile);
  convert_modes(L, m);
  yaml_node_t *sc, *zt, *wp;
  convert_proxy(L, m, MESH_PROXY_SIDECAR, &ld_sch_sidecar, &sc);
  convert_proxy(L, m, MESH_PROXY_ZTUNNEL, &ld_sch_ztunnel, &zt);
  convert_proxy(L, m, MESH_PROXY_WAYPOINT, &ld_sch_waypoint, &wp);
  yaml_node_t *gw;
  convert_proxy(L, m, MESH_PROXY_GATEWAY, &ld_sch_gateway_proxy, &gw);
  int v;
  if (sc != NULL && ld_opt_choice(L, sc, "scope", &sidecar_scope_choice, &v) == 1) {
    ms->sidecar_scope = (mesh_sidecar_scope)v;
  }
  if (wp != NULL) {
    if (ld_opt_choice(L, wp, "scope", &waypoint_scope_choice, &v) == 1) {
      ms->waypoint_scope = (mesh_waypoint_scope)v;
    }
    ld_opt_u32(L, wp, "replicas", 1, LD_MAX_WAYPOINT_REPLICAS, &ms->waypoint_replicas);
    convert_autoscale(L, wp);
  }
  ld_opt_number(L, m, "new_connection_share", LD_RANGE_UNIT, &ms->new_connection_share);
  yaml_node_t *rt = ld_opt_map(L, m, "retries", &ld_sch_mesh_retries, "mesh");
  if (rt != NULL) {
    ld_opt_u32(L, rt, "attempts", 0, LD_MAX_ATTEMPTS, &ms->retries);
    ld_opt_duration(L, rt, "backoff", false, &ms->retry_backoff_ns);
    ld_opt_duration(L, rt, "connect_timeout", false, &ms->connect_timeout_ns);
  }
}

static void namespace_defaults(ld_loader *L, scenario_namespace *ns) {
  ns->compliance = false;
  ns->hybrid_mode = MESH_NS_AMBIENT_WAYPOINT;
  ns->waypoint_scope = L->s->mesh.waypoint_scope;
  ns->waypoint_replicas = 0;
}

static void convert_namespace(ld_loader *L, const yaml_node_t *m, const char *path,
                              scenario_namespace *ns) {
  if (!ld_check_map(L, m, &ld_sch_namespace, path)) {
    return;
  }
  if (ld_get(L, m, "name") == NULL) {
    ld_missing(L, m, "name", path);
  } else {
    ld_opt_name(L, m, "name", ns->name);
  }
  memcpy(ns->tenant, ns->name, SCN_NAME_MAX);
  ld_opt_name(L, m, "tenant", ns->tenant);
  ld_opt_text(L, m, "team", ns->team, sizeof ns->team);
  ld_opt_bool(L, m, "compliance", &ns->compliance);
  int v;
  ns->hybrid_mode = ns->compliance ? MESH_NS_SIDECAR : MESH_NS_AMBIENT_WAYPOINT;
  if (ld_opt_choice(L, m, "mode", &ns_mode_choice, &v) == 1) {
    ns->hybrid_mode = (mesh_ns_mode)v;
    if (ns->compliance && ns->hybrid_mode != MESH_NS_SIDECAR) {
      ld_warn_at(L, ld_get(L, m, "mode"),
                 "namespace \"%s\" is marked compliance but runs \"%s\" in hybrid mode; only "
                 "sidecars keep one identity per pod",
                 ns->name, mode_names[v]);
    }
  }
  if (ld_opt_choice(L, m, "waypoint_scope", &waypoint_scope_choice, &v) == 1) {
    ns->waypoint_scope = (mesh_waypoint_scope)v;
  }
  ld_opt_u32(L, m, "waypoint_replicas", 0, LD_MAX_WAYPOINT_REPLICAS, &ns->waypoint_replicas);
}

void ld_convert_namespaces(ld_loader *L, const yaml_node_t *root, size_t n_services) {
  scenario *s = L->s;
  yaml_node_t *raw = ld_get_raw(L, root, "namespaces");
  L->namespaces_declared = raw != NULL;
  yaml_node_t *seq = ld_opt_seq(L, root, "namespaces", "");
  size_t n = seq != NULL ? ld_seq_len(seq) : 0;
  size_t cap = L->namespaces_declared ? n : n_services + 1;
  s->namespaces = calloc(cap > 0 ? cap : 1, sizeof *s->namespaces);
  L->ns_ids = calloc(cap > 0 ? cap : 1, sizeof *L->ns_ids);
  if (s->namespaces == NULL || L->ns_ids == NULL || ld_nt_init(&L->namespaces, cap) != 0) {
    ld_nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    yaml_node_t *m = ld_seq_item(L, seq, i);
    char path[LD_PATH_MAX];
    ld_element_path(L, path, sizeof path, "namespaces", m, "name", i);
    scenario_namespace *ns = &s->namespaces[s->n_namespaces];
    namespace_defaults(L, ns);
    convert_namespace(L, m, path, ns);
    if (ns->name[0] == '\0') {
      continue; /* reported */
    }
    uint32_t prev = ld_nt_find(&L->namespaces, ns->name);
    if (prev != SCN_NONE) {
      char w[LD_PATH_MAX];
      ld_err_at(L, ld_get(L, m, "name"), "duplicate namespace \"%s\" (first defined at %s)",
                ns->name, ld_where_text(L, ld_node_at(L, L->ns_ids[prev]), w, sizeof w));
      continue;
    }
    L->ns_ids[s->n_namespaces] = ld_node_id(L, m);
    ld_nt_put(&L->namespaces, ns->name, s->n_namespaces);
    s->n_namespaces++;
  }
}

static const char **namespace_names(ld_loader *L) {
  const char **names = calloc(L->s->n_namespaces + 1, sizeof *names);
  if (names != NULL) {
    for (uint32_t i = 0; i < L->s->n_namespaces; i++) {
      names[i] = L->s->namespaces[i].name;
    }
  }
  return names;
}

uint32_t ld_resolve_namespace(ld_loader *L, const char *name, const yaml_node_t *where) {
  scenario *s = L->s;
  uint32_t idx = ld_nt_find(&L->namespaces, name);
  if (idx != SCN_NONE) {
    return idx;
  }
  if (!L->namespaces_declared) {
    scenario_namespace *ns = &s->namespaces[s->n_namespaces];
    memset(ns, 0, sizeof *ns);
    namespace_defaults(L, ns);
    snprintf(ns->name, sizeof ns->name, "%s", name);
    memcpy(ns->tenant, ns->name, SCN_NAME_MAX);
    ld_nt_put(&L->namespaces, ns->name, s->n_namespaces);
    return s->n_namespaces++;
  }
  const char **names = namespace_names(L);
  if (names == NULL) {
    ld_nomem(L);
    return SCN_NONE;
  }
  char q[128], sug[640];
  ld_err_at(L, where, "unknown namespace \"%s\"%s", ld_quote(q, sizeof q, name),
            ld_suggestion(sug, sizeof sug, name, names, s->n_namespaces, "namespaces"));
  free(names);
  return SCN_NONE;
}
