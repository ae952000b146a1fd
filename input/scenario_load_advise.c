/* scenario_load_advise: the advise section, what `meshsim advise` minimises
 * and the constraints on each namespace's mode (docs/advise.md). Converted
 * after the services, so a pin names a namespace that exists; without the
 * section the defaults of scenario_init_defaults hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

#define LD_MAX_ADVISE_BUDGET 100000u
#define LD_MAX_ADVISE_LIMIT  10000000u

static const char *const objective_names[] = {"cost", "cpu", "memory", "latency"};
static const ld_choice objective_choice = {"objective", "objectives", objective_names, NULL, 4};
static const char *const ns_mode_names[] = {"none", "sidecar", "ambient", "ambient-waypoint"};
static const ld_choice ns_mode_choice = {"namespace mode", "namespace modes", ns_mode_names, NULL,
                                         4};

/* A mode, or a list of modes, as bits (SCN_NS_MODE_BIT); 0 after reporting. */
static unsigned convert_mode_set(ld_loader *L, const yaml_node_t *v, const char *path) {
  int mode;
  if (ld_is_scalar(v)) {
    return ld_val_choice(L, v, path, &ns_mode_choice, &mode) == 0 ? SCN_NS_MODE_BIT(mode) : 0;
  }
  if (!ld_is_seq(v)) {
    char g[96];
    ld_err_at(L, v, "expected a mode or a list of modes for \"%s\", got %s", path,
              ld_got_text(v, g, sizeof g));
    return 0;
  }
  if (ld_seq_len(v) == 0) {
    ld_err_at(L, v, "\"%s\" needs at least one mode", path);
    return 0;
  }
  unsigned bits = 0;
  bool bad = false;
  for (size_t i = 0; i < ld_seq_len(v) && !ld_stop(L); i++) {
    yaml_node_t *it = ld_seq_item(L, v, i);
    if (ld_val_choice(L, it, path, &ns_mode_choice, &mode) != 0) {
      bad = true;
    } else if (bits & SCN_NS_MODE_BIT(mode)) {
      ld_err_at(L, it, "duplicate mode \"%s\" in \"%s\"", ns_mode_names[mode], path);
      bad = true;
    } else {
      bits |= SCN_NS_MODE_BIT(mode);
    }
  }
  return bad ? 0 : bits;
}

/* The namespace a pin names; SCN_NONE after reporting. */
static uint32_t pin_namespace(ld_loader *L, const yaml_node_t *v) {
  char name[SCN_NAME_MAX];
  if (ld_val_name(L, v, "namespace", name) != 0) {
    return SCN_NONE;
  }
  uint32_t ns = ld_nt_find(&L->namespaces, name);
  if (ns != SCN_NONE) {
    return ns;
  }
  const char **names = calloc(L->s->n_namespaces + 1, sizeof *names);
  char q[128], sug[640];
  for (uint32_t i = 0; names && i < L->s->n_namespaces; i++) {
    names[i] = L->s->namespaces[i].name;
  }
  ld_err_at(L, v, "unknown namespace \"%s\"%s", ld_quote(q, sizeof q, name),
            names ? ld_suggestion(sug, sizeof sug, name, names, L->s->n_namespaces, "namespaces")
                  : "");
  free(names);
  return SCN_NONE;
}

static void convert_pins(ld_loader *L, const yaml_node_t *m) {
  scenario_advise *a = &L->s->advise;
  yaml_node_t *seq = ld_opt_seq(L, m, "pins", "advise");
  if (seq == NULL || ld_seq_len(seq) == 0) {
    return;
  }
  a->pins = calloc(ld_seq_len(seq), sizeof *a->pins);
  if (a->pins == NULL) {
    ld_nomem(L);
    return;
  }
  for (size_t i = 0; i < ld_seq_len(seq) && !ld_stop(L); i++) {
    yaml_node_t *it = ld_seq_item(L, seq, i);
    char path[LD_PATH_MAX], modes_path[LD_PATH_MAX];
    ld_element_path(L, path, sizeof path, "advise.pins", it, "namespace", i);
    if (!ld_check_map(L, it, &ld_sch_advise_pin, path)) {
      continue;
    }
    yaml_node_t *nv = ld_get(L, it, "namespace"), *mv = ld_get(L, it, "modes");
    if (nv == NULL || mv == NULL) {
      ld_missing(L, it, nv == NULL ? "namespace" : "modes", path);
      continue;
    }
    uint32_t ns = pin_namespace(L, nv);
    ld_path_join(modes_path, sizeof modes_path, path, "modes");
    unsigned bits = convert_mode_set(L, mv, modes_path);
    if (ns == SCN_NONE || bits == 0) {
      continue;
    }
    for (uint32_t j = 0; j < a->n_pins; j++) {
      if (a->pins[j].ns == ns) {
        ld_err_at(L, nv, "namespace \"%s\" is pinned twice in \"advise.pins\"",
                  L->s->namespaces[ns].name);
        ns = SCN_NONE;
        break;
      }
    }
    if (ns != SCN_NONE) {
      a->pins[a->n_pins++] = (scenario_advise_pin){ns, bits};
    }
  }
}

void ld_convert_advise(ld_loader *L, const yaml_node_t *root) {
  yaml_node_t *m = ld_opt_map(L, root, "advise", &ld_sch_advise, "");
  if (m == NULL) {
    return;
  }
  scenario_advise *a = &L->s->advise;
  int v;
  if (ld_opt_choice(L, m, "objective", &objective_choice, &v) == 1) {
    a->objective = (scenario_advise_objective)v;
  }
  yaml_node_t *modes = ld_get(L, m, "modes");
  unsigned bits = modes != NULL ? convert_mode_set(L, modes, "advise.modes") : 0;
  if (bits != 0) {
    a->modes = bits;
  }
  ld_opt_u32(L, m, "max_tenants_per_proxy", 0, LD_MAX_ADVISE_LIMIT, &a->max_tenants_per_proxy);
  ld_opt_u32(L, m, "max_pods_per_proxy", 0, LD_MAX_ADVISE_LIMIT, &a->max_pods_per_proxy);
  ld_opt_u32(L, m, "budget", 1, LD_MAX_ADVISE_BUDGET, &a->budget);
  convert_pins(L, m);
}
