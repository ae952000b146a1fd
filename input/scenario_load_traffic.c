/* scenario_load_traffic: the traffic and failures sections.
 *
 * A traffic entry names a service (at most one entry each), its rate and
 * its bursts; with traffic_csv set the section may be absent, since the CSV
 * rows are added after it. A failure names a target kind, an instance or
 * a pick rule, and a window; one that starts after the measured window is
 * only warned about. */
#include <stdio.h>
#include <stdlib.h>

#include "scenario_load_internal.h"

static const char *const arrival_names[] = {"poisson", "constant"};
static const int arrival_values[] = {SCN_ARRIVAL_POISSON, SCN_ARRIVAL_CONSTANT};
static const ld_choice arrival_choice = {"arrival process", "arrival processes", arrival_names,
                                         arrival_values, 2};
static const char *const target_names[] = {"sidecar", "ztunnel",       "waypoint",
                                           "node",    "control-plane", "gateway"};
static const int target_values[] = {SCN_FAIL_SIDECAR, SCN_FAIL_ZTUNNEL,       SCN_FAIL_WAYPOINT,
                                    SCN_FAIL_NODE,    SCN_FAIL_CONTROL_PLANE, SCN_FAIL_GATEWAY};
static const ld_choice target_choice = {"failure target", "targets", target_names, target_values,
                                        6};
static const char *const pick_names[] = {"random", "busiest", "rolling"};
static const int pick_values[] = {SCN_PICK_RANDOM, SCN_PICK_BUSIEST, SCN_PICK_ROLLING};
static const ld_choice pick_choice = {"pick", "picks", pick_names, pick_values, 3};
static const char *const fkind_names[] = {"crash", "upgrade"};
static const int fkind_values[] = {SCN_FAIL_CRASH, SCN_FAIL_UPGRADE};
static const ld_choice fkind_choice = {"failure kind", "kinds", fkind_names, fkind_values, 2};

static void convert_bursts(ld_loader *L, const yaml_node_t *m, const char *path,
                           scenario_traffic *t) {
  yaml_node_t *seq = ld_opt_seq(L, m, "bursts", path);
  if (seq == NULL || ld_seq_len(seq) == 0) {
    return;
  }
  size_t n = ld_seq_len(seq);
  t->bursts = calloc(n, sizeof *t->bursts);
  if (t->bursts == NULL) {
    ld_nomem(L);
    return;
  }
  char lpath[LD_PATH_MAX];
  ld_path_join(lpath, sizeof lpath, path, "bursts");
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    yaml_node_t *b = ld_seq_item(L, seq, i);
    char bpath[LD_PATH_MAX + 24];
    snprintf(bpath, sizeof bpath, "%s.%zu", lpath, i);
    if (!ld_check_map(L, b, &ld_sch_burst, bpath)) {
      continue;
    }
    scenario_burst *bu = &t->bursts[t->n_bursts];
    const char *req[] = {"at", "duration", "multiplier"};
    bool ok = true;
    for (int k = 0; k < 3; k++) {
      if (ld_get(L, b, req[k]) == NULL) {
        ld_missing(L, b, req[k], bpath);
        ok = false;
      }
    }
    ok = ld_opt_duration(L, b, "at", false, &bu->at_ns) >= 0 && ok;
    ok = ld_opt_duration(L, b, "duration", true, &bu->duration_ns) >= 0 && ok;
    ok = ld_opt_number(L, b, "multiplier", LD_RANGE_POS, &bu->multiplier) >= 0 && ok;
    if (ok && bu->at_ns >= L->s->meta.duration_ns) {
      ld_warn_at(L, ld_get(L, b, "at"), "burst starts at or after the end of the measured window");
    }
    t->n_bursts++;
  }
}

void ld_convert_traffic(ld_loader *L, const yaml_node_t *root) {
  scenario *s = L->s;
  yaml_node_t *raw = ld_get_raw(L, root, "traffic");
  yaml_node_t *seq = ld_opt_seq(L, root, "traffic", "");
  /* With traffic_csv the entries may all come from the CSV file; the check
   * that some traffic exists then runs after it is read. */
  bool from_csv = L->csv[LD_CSV_TRAFFIC].used;
  if (raw == NULL) {
    if (!from_csv) {
      ld_err_at(L, ld_node_at(L, L->root_id),
                "missing required key \"traffic\" at the top level: at least one service needs "
                "external traffic");
    }
    return;
  }
  if (seq == NULL) {
    if (ld_is_null(raw) && !from_csv) {
      ld_err_at(L, raw, "\"traffic\" needs at least one entry");
    }
    return;
  }
  size_t n = ld_seq_len(seq);
  if (n == 0) {
    if (!from_csv) {
      ld_err_at(L, seq, "\"traffic\" needs at least one entry");
    }
    return;
  }
  s->traffic = calloc(n, sizeof *s->traffic);
  L->traffic_ids = calloc(n, sizeof *L->traffic_ids);
  const char **names = ld_service_names(L);
  if (s->traffic == NULL || L->traffic_ids == NULL || names == NULL ||
      ld_nt_init(&L->traffic, n) != 0) {
    free(names);
    ld_nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    yaml_node_t *m = ld_seq_item(L, seq, i);
    char path[LD_PATH_MAX];
    ld_element_path(L, path, sizeof path, "traffic", m, "service", i);
    if (!ld_check_map(L, m, &ld_sch_traffic, path)) {
      continue;
    }
    scenario_traffic *t = &s->traffic[s->n_traffic];
    t->service = SCN_NONE;
    t->from = SCN_NONE;
    t->via = SCN_NONE;
    t->arrival = SCN_ARRIVAL_POISSON;
    t->timeout_ns = SCN_CLIENT_TIMEOUT_DEFAULT_NS;
    L->traffic_ids[s->n_traffic] = ld_node_id(L, m);
    s->n_traffic++;
    yaml_node_t *sv = ld_get(L, m, "service");
    uint32_t op = LD_OP_ANY;
    if (sv == NULL) {
      ld_missing(L, m, "service", path);
    } else {
      t->service = ld_resolve_target(L, sv, "service", names, &op);
    }
    if (t->service != SCN_NONE) {
      /* One entry per target as written: "cart", or each operation of it. */
      const char *nm = ld_sval(sv);
      uint32_t prev = ld_nt_find(&L->traffic, nm);
      if (prev != SCN_NONE) {
        char w[LD_PATH_MAX];
        ld_err_at(L, sv, "duplicate traffic entry for service \"%s\" (first at %s)", nm,
                  ld_where_text(L, ld_node_at(L, L->traffic_ids[prev]), w, sizeof w));
      } else {
        ld_nt_put(&L->traffic, nm, (uint32_t)(s->n_traffic - 1));
      }
      ld_resolve_traffic_ops(L, m, path, t, op);
    }
    yaml_node_t *fv = ld_get(L, m, "from");
    if (fv != NULL) {
      t->from = ld_resolve_service(L, fv, "from", names);
    }
    yaml_node_t *vv = ld_get(L, m, "via");
    if (vv != NULL && fv != NULL) {
      ld_err_at(L, vv,
                "a traffic entry takes either \"from\" (a client in the mesh) or \"via\" (an "
                "ingress gateway for a client outside it), not both");
    } else if (vv != NULL) {
      t->via = ld_resolve_gateway(L, vv);
    }
    yaml_node_t *rv = ld_get(L, m, "rate");
    const char *rt;
    if (rv == NULL) {
      ld_missing(L, m, "rate", path);
    } else if (ld_val_scalar(L, rv, "rate", units_expected(UNITS_RATE), &rt) == 0) {
      int rc = units_parse_rate(rt, &t->rate_rps);
      if (rc != 0) {
        ld_val_unit_error(L, rv, "rate", UNITS_RATE, rc, rt);
      } else if (t->rate_rps <= 0.0) {
        char q[128];
        ld_err_at(L, rv, "invalid \"rate\": must be greater than 0, got \"%s\"",
                  ld_quote(q, sizeof q, rt));
      }
    }
    int v;
    if (ld_opt_choice(L, m, "arrival", &arrival_choice, &v) == 1) {
      t->arrival = (scenario_arrival)v;
    }
    ld_opt_duration(L, m, "timeout", false, &t->timeout_ns);
    convert_bursts(L, m, path, t);
  }
  free(names);
}

void ld_convert_failures(ld_loader *L, const yaml_node_t *root) {
  scenario *s = L->s;
  yaml_node_t *seq = ld_opt_seq(L, root, "failures", "");
  if (seq == NULL || ld_seq_len(seq) == 0) {
    return;
  }
  size_t n = ld_seq_len(seq);
  s->failures = calloc(n, sizeof *s->failures);
  L->failure_ids = calloc(n, sizeof *L->failure_ids);
  if (s->failures == NULL || L->failure_ids == NULL || ld_nt_init(&L->failures, n) != 0) {
    ld_nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    yaml_node_t *m = ld_seq_item(L, seq, i);
    char path[LD_PATH_MAX];
    ld_element_path(L, path, sizeof path, "failures", m, "name", i);
    if (!ld_check_map(L, m, &ld_sch_failure, path)) {
      continue;
    }
    uint32_t idx = s->n_failures++;
    scenario_failure *f = &s->failures[idx];
    L->failure_ids[idx] = ld_node_id(L, m);
    snprintf(f->name, sizeof f->name, "failure-%zu", i + 1);
    f->pick = SCN_PICK_RANDOM;
    f->kind = SCN_FAIL_CRASH;
    if (ld_opt_name(L, m, "name", f->name) >= 0) {
      uint32_t prev = ld_nt_find(&L->failures, f->name);
      if (prev != SCN_NONE) {
        char w[LD_PATH_MAX];
        ld_err_at(L, ld_get(L, m, "name") != NULL ? ld_get(L, m, "name") : m,
                  "duplicate failure \"%s\" (first defined at %s)", f->name,
                  ld_where_text(L, ld_node_at(L, L->failure_ids[prev]), w, sizeof w));
      } else {
        ld_nt_put(&L->failures, f->name, idx);
      }
    }
    int v;
    int has_target = ld_opt_choice(L, m, "target", &target_choice, &v);
    if (has_target == 0) {
      ld_missing(L, m, "target", path);
    } else if (has_target == 1) {
      f->target = (scenario_failure_target)v;
    }
    yaml_node_t *inst = ld_get(L, m, "instance");
    yaml_node_t *pick = ld_get(L, m, "pick");
    if (inst != NULL && pick != NULL) {
      ld_err_at(L, pick, "a failure takes either \"instance\" or \"pick\", not both");
    } else if (inst != NULL) {
      if (ld_val_name(L, inst, "instance", f->instance) == 0) {
        f->pick = SCN_PICK_NAMED;
      }
    } else if (ld_opt_choice(L, m, "pick", &pick_choice, &v) == 1) {
      f->pick = (scenario_failure_pick)v;
    }
    if (ld_opt_choice(L, m, "kind", &fkind_choice, &v) == 1) {
      f->kind = (scenario_failure_kind)v;
    }
    if (ld_get(L, m, "at") == NULL) {
      ld_missing(L, m, "at", path);
    } else if (ld_opt_duration(L, m, "at", false, &f->at_ns) == 1 &&
               f->at_ns >= s->meta.duration_ns) {
      ld_warn_at(L, ld_get(L, m, "at"),
                 "failure \"%s\" starts at or after the end of the measured "
                 "window",
                 f->name);
    }
    if (ld_get(L, m, "duration") == NULL) {
      ld_missing(L, m, "duration", path);
    } else {
      ld_opt_duration(L, m, "duration", true, &f->duration_ns);
    }
    yaml_node_t *drain = ld_get(L, m, "drain");
    if (drain != NULL && f->kind != SCN_FAIL_UPGRADE) {
      ld_err_at(L, drain, "\"drain\" applies only to failures of kind \"upgrade\"");
    } else {
      ld_opt_duration(L, m, "drain", false, &f->drain_ns);
    }
  }
}
