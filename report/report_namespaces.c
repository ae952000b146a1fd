/* report_namespaces: the Namespaces section of the batch report: each
 * namespace's share of every mode (models/attribution.h has the rule), one
 * table per mode, from the stored namespace_usage rows. A batch stored
 * before schema version 5 gets one sentence saying they were not recorded. */
#include <math.h>

#include "report_internal.h"

/* The largest namespace share of a figure across modes, to name in the
 * lead sentence: the namespace that costs the mesh most in the mode that
 * costs it most. */
static const result_namespace *costliest(const run_result *r, const mode_result **in) {
  const result_namespace *best = NULL;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (uint32_t j = 0; j < r->modes[i].n_namespaces; j++) {
      const result_namespace *n = &r->modes[i].namespaces[j];
      if (!best || n->mesh_cost_usd_month > best->mesh_cost_usd_month) {
        best = n;
        *in = &r->modes[i];
      }
    }
  return best;
}

static void namespaces_table(report_batch *c, const mode_result *m) {
  static const char *const head[] = {"namespace",
                                     "runs",
                                     "pods",
                                     "mesh CPU used (cores)",
                                     "mesh CPU reserved",
                                     "mesh memory (MiB)",
                                     "cost (USD/month)",
                                     "mesh reserved (USD/month)",
                                     "cross-zone (GB/month)",
                                     "latency added (ms)",
                                     "time in its proxies (ms)"};
  report_doc_heading(&c->doc, 3, "%s", report_mode_name(m));
  report_doc_table_begin(&c->doc, 11, head, "llrrrrrrrrr");
  for (uint32_t j = 0; j < m->n_namespaces; j++) {
    const result_namespace *n = &m->namespaces[j];
    char name[RESULT_NAME_MAX + 4], code[RESULT_NAME_MAX + 2], s[9][REPORT_CELL_MAX];
    report_fmt(name, sizeof name, "`%s`", report_code(code, sizeof code, n->name));
    const char *cells[11] = {name,
                             mesh_ns_mode_name(n->mode),
                             report_count(s[0], REPORT_CELL_MAX, n->pods),
                             report_num(s[1], REPORT_CELL_MAX, n->mesh_cpu_cores),
                             report_num(s[2], REPORT_CELL_MAX, n->mesh_reserved_cpu_cores),
                             report_num(s[3], REPORT_CELL_MAX, n->mesh_mem_mib),
                             report_num(s[4], REPORT_CELL_MAX, n->cost_usd_month),
                             report_num(s[5], REPORT_CELL_MAX, n->mesh_cost_usd_month),
                             report_num(s[6], REPORT_CELL_MAX, n->cross_zone_gb_month),
                             isfinite(n->latency_gain_ms)
                                 ? report_num(s[7], REPORT_CELL_MAX, n->latency_gain_ms)
                                 : "n/a",
                             report_num(s[8], REPORT_CELL_MAX, n->mesh_time_ms)};
    report_doc_table_row(&c->doc, 11, cells);
  }
  report_doc_table_end(&c->doc);
}

void report_namespaces_section(report_batch *c) {
  const run_result *r = &c->run;
  const mode_result *where = NULL;
  const result_namespace *top = costliest(r, &where);
  report_doc_heading(&c->doc, 2, "Namespaces");
  if (!top) {
    report_doc_para(&c->doc, "This batch was stored before meshsim recorded each namespace's "
                             "share (results database schema version 4): run the scenario again "
                             "to see it.");
    return;
  }
  report_doc_para(
      &c->doc,
      "Each namespace's share of every mode (docs/model.md, \"Attribution\"). Its own sidecars "
      "and waypoints are its own; the ztunnels are split by the work each namespace puts "
      "through them (a pass counts for the pod the proxy acts for: the caller on the client "
      "side, the callee on the waypoint and server sides), the control plane by the proxies "
      "and services it configures for each. The cost is the namespace's share of the mode's "
      "nodes, in proportion to what it occupies (the larger of request and use), plus the "
      "cross-zone traffic of the calls into its services; the namespaces add up to the mode's "
      "figures. Latency added is the mean latency of the external requests entering at its "
      "services minus the same requests' in mode none (n/a without entry traffic or without "
      "none in the batch); time in its proxies is the time requests spent in proxies acting "
      "for it, per external request of the cluster.");
  char code[RESULT_NAME_MAX + 2], a[REPORT_CELL_MAX];
  report_doc_para(&c->doc,
                  "The largest mesh reservation is `%s`'s in %s mode: %s USD/month at list "
                  "prices.",
                  report_code(code, sizeof code, top->name), report_mode_name(where),
                  report_num(a, sizeof a, top->mesh_cost_usd_month));
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (r->modes[i].n_namespaces)
      namespaces_table(c, &r->modes[i]);
}
