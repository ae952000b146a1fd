/* report_capacity: the capacity section of the batch report (issue 11,
 * items 5 and 6; models/capacity.h has the formulas): whether the nodes
 * hold what runs on them and how many are needed counting use, the hot
 * spots of each mode, what each shared proxy needs to stay under the target
 * utilisation, and the proxies' requests sized from use beside the
 * configured ones, with their cost. Everything comes from the stored
 * result_plan; a batch stored before schema version 4 gets one sentence
 * saying the figures were not recorded. */
#include <math.h>
#include <string.h>

#include "report_internal.h"

#define CAPACITY_HOTSPOTS 5 /* per mode in the report; the database keeps RESULT_HOTSPOTS_MAX */

/* Whether the batch recorded capacity figures (schema version 4 on). */
static int plan_recorded(const mode_result *m) {
  return isfinite(m->plan.target_utilisation);
}

/* `name` for a cell or a sentence (buf has room for a `code` span). */
static const char *code_cell(char *buf, size_t n, const char *name) {
  char code[RESULT_NAME_MAX + 2];
  report_fmt(buf, n, "`%s`", report_code(code, sizeof code, name));
  return buf;
}

/* ---- nodes --------------------------------------------------------------------- */

static void capacity_nodes_table(report_batch *c) {
  const run_result *r = &c->run;
  static const char *const head[] = {"mode",         "nodes needed: requests", "nodes needed: use",
                                     "nodes needed", "nodes over CPU",         "nodes over memory",
                                     "busiest node", "its CPU used / capacity"};
  report_doc_table_begin(&c->doc, 8, head, "lrrrrrlr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    const result_plan *p = &m->plan;
    if (!plan_recorded(m))
      continue;
    char s[6][REPORT_CELL_MAX], node[RESULT_NAME_MAX + 4];
    const char *cells[8] = {report_mode_name(m),
                            report_count(s[0], REPORT_CELL_MAX, p->nodes_needed_reserved),
                            report_count(s[1], REPORT_CELL_MAX, p->nodes_needed_used),
                            report_count(s[2], REPORT_CELL_MAX, m->nodes_needed),
                            report_count(s[3], REPORT_CELL_MAX, p->nodes_over_cpu),
                            report_count(s[4], REPORT_CELL_MAX, p->nodes_over_mem),
                            p->busiest_node[0] ? code_cell(node, sizeof node, p->busiest_node)
                                               : "n/a",
                            report_pct(s[5], REPORT_CELL_MAX, p->busiest_node_cpu_share)};
    report_doc_table_row(&c->doc, 8, cells);
  }
  report_doc_table_end(&c->doc);
}

/* One sentence per mode and problem: nodes over capacity, use above the
 * requests, pods that fit no pool. */
static void capacity_nodes_sentences(report_batch *c) {
  const run_result *r = &c->run;
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    const result_plan *p = &m->plan;
    const char *mode = report_mode_name(m);
    if (!plan_recorded(m))
      continue;
    if (p->n_node_warnings > 0) {
      const result_node_warning *w = &p->node_warnings[0];
      char node[RESULT_NAME_MAX + 4], a[REPORT_CELL_MAX], b[REPORT_CELL_MAX], d[REPORT_CELL_MAX],
          e[REPORT_CELL_MAX], f[REPORT_CELL_MAX];
      report_doc_item(
          &c->doc,
          "Warning: in %s mode %u of %u nodes use more than they have (%u on "
          "CPU, %u on memory). The worst, %s, uses %s of %s cores (%s) and %s MiB "
          "of %s. The simulation does not slow a pod down when its node runs out "
          "of CPU, so the latency of the pods there is optimistic.",
          mode, p->n_node_warnings, m->n_nodes, p->nodes_over_cpu, p->nodes_over_mem,
          code_cell(node, sizeof node, w->node), report_num(a, sizeof a, w->cpu_used_cores),
          report_num(b, sizeof b, w->cpu_capacity_cores),
          report_pct(d, sizeof d, w->cpu_used_cores / w->cpu_capacity_cores),
          report_num(e, sizeof e, w->mem_used_mib), report_num(f, sizeof f, w->mem_capacity_mib));
      any = 1;
    }
    if (p->nodes_needed_used > p->nodes_needed_reserved) {
      report_doc_item(&c->doc,
                      "Counting what the pods use, %s mode needs %u nodes, not the %u its "
                      "requests say: some requests are below the use, so the nodes needed "
                      "(and their cost) are the larger count.",
                      mode, p->nodes_needed_used, p->nodes_needed_reserved);
      any = 1;
    }
    if (p->pods_unplaced > 0) {
      report_doc_item(&c->doc,
                      "In %s mode %u pods (or replicas) use more than any node pool below "
                      "its `max` can give: the count from use leaves them out.",
                      mode, p->pods_unplaced);
      any = 1;
    }
  }
  if (any)
    report_doc_end_list(&c->doc);
  else
    report_doc_para(&c->doc, "No node uses more CPU or memory than it has, and the requests "
                             "cover what the pods use.");
}

/* ---- hot spots ---------------------------------------------------------------------- */

static void capacity_hotspots(report_batch *c) {
  const run_result *r = &c->run;
  report_doc_heading(&c->doc, 3, "Hot spots");
  report_doc_para(&c->doc,
                  "The %d stations (application pods and proxy instances) of each mode with "
                  "the highest offered utilisation, highest first: the first is the busiest "
                  "station the verdict looks at. The latency per request is the time requests "
                  "spent there, queueing and being served, per successful request; its share "
                  "is that over the mean end-to-end latency (calls made in parallel overlap, "
                  "so shares may add up to more than 100%%). The database keeps %d per mode "
                  "(table `hotspots`).",
                  CAPACITY_HOTSPOTS, RESULT_HOTSPOTS_MAX);
  static const char *const head[] = {
      "mode", "rank",        "instance",    "kind",
      "node", "utilisation", "CPU (cores)", "latency per request (ms)",
      "share"};
  report_doc_table_begin(&c->doc, 9, head, "lrlllrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (uint32_t j = 0; j < m->plan.n_hotspots && j < CAPACITY_HOTSPOTS; j++) {
      const result_hotspot *h = &m->plan.hotspots[j];
      char s[5][REPORT_CELL_MAX], inst[RESULT_NAME_MAX + 4], node[RESULT_NAME_MAX + 4];
      const char *cells[9] = {report_mode_name(m),
                              report_count(s[0], REPORT_CELL_MAX, j + 1),
                              code_cell(inst, sizeof inst, h->instance),
                              h->kind,
                              code_cell(node, sizeof node, h->node),
                              report_pct(s[1], REPORT_CELL_MAX, h->utilisation),
                              report_num(s[2], REPORT_CELL_MAX, h->cpu_cores),
                              report_num(s[3], REPORT_CELL_MAX, h->latency_ms),
                              report_pct(s[4], REPORT_CELL_MAX, h->latency_share)};
      report_doc_table_row(&c->doc, 9, cells);
    }
  }
  report_doc_table_end(&c->doc);
}

/* ---- shared proxies -------------------------------------------------------------------- */

static void capacity_shared(report_batch *c, double target) {
  const run_result *r = &c->run;
  int rows = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    rows += r->modes[i].plan.n_capacity;
  if (rows == 0)
    return;
  char t[REPORT_CELL_MAX];
  report_doc_heading(&c->doc, 3, "Shared proxies");
  report_doc_para(&c->doc,
                  "What each waypoint deployment, the ztunnels and the control plane need to "
                  "stay at or under %s utilisation (the scenario's "
                  "`metadata.objective.target_utilisation`): more replicas of today's size "
                  "(the Kubernetes HPA rule: ceil(sum of the replicas' utilisation / target)), "
                  "or that much CPU for each of today's replicas. Ztunnels run one per node, "
                  "so only their CPU can grow, to what the busiest needs. The control plane is "
                  "not simulated: its utilisation is CPU used over CPU requested.",
                  report_pct(t, sizeof t, target));
  static const char *const head[] = {"mode",
                                     "kind",
                                     "instance",
                                     "replicas",
                                     "utilisation",
                                     "busiest replica",
                                     "CPU (cores)",
                                     "replicas needed",
                                     "or CPU per replica (cores)"};
  report_doc_table_begin(&c->doc, 9, head, "lllrrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (uint32_t j = 0; j < m->plan.n_capacity; j++) {
      const result_capacity *x = &m->plan.capacity[j];
      char s[6][REPORT_CELL_MAX], inst[RESULT_NAME_MAX + 4];
      const char *cells[9] = {report_mode_name(m),
                              x->kind,
                              code_cell(inst, sizeof inst, x->instance),
                              report_count(s[0], REPORT_CELL_MAX, x->replicas),
                              report_pct(s[1], REPORT_CELL_MAX, x->utilisation),
                              report_pct(s[2], REPORT_CELL_MAX, x->utilisation_max),
                              report_num(s[3], REPORT_CELL_MAX, x->cpu_cores),
                              report_count(s[4], REPORT_CELL_MAX, x->replicas_needed),
                              report_num(s[5], REPORT_CELL_MAX, x->cpu_cores_per_replica)};
      report_doc_table_row(&c->doc, 9, cells);
    }
  }
  report_doc_table_end(&c->doc);
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const result_plan *p = &r->modes[i].plan;
    for (uint32_t j = 0; j < p->n_capacity; j++) {
      const result_capacity *x = &p->capacity[j];
      if (!(x->replicas_needed > x->replicas))
        continue;
      char inst[RESULT_NAME_MAX + 4], a[REPORT_CELL_MAX], b[REPORT_CELL_MAX];
      report_doc_item(
          &c->doc,
          "In %s mode, %s %s runs at %s utilisation on %u replica%s: it needs %u "
          "to stay under %s.",
          report_mode_name(&r->modes[i]), x->kind, code_cell(inst, sizeof inst, x->instance),
          report_pct(a, sizeof a, x->utilisation), x->replicas, x->replicas == 1 ? "" : "s",
          x->replicas_needed, report_pct(b, sizeof b, p->target_utilisation));
      any = 1;
    }
  }
  if (any)
    report_doc_end_list(&c->doc);
}

/* ---- right-sized requests ------------------------------------------------------------- */

static void capacity_sizing(report_batch *c) {
  const run_result *r = &c->run;
  int rows = 0;
  double headroom = NAN;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (int k = 0; k < MESH_PROXY_COUNT; k++)
      if (r->modes[i].plan.has_sizing[k]) {
        rows++;
        headroom = r->modes[i].plan.headroom;
      }
  if (rows == 0)
    return;
  char h[REPORT_CELL_MAX];
  report_doc_heading(&c->doc, 3, "Proxy requests sized from use");
  report_doc_para(&c->doc,
                  "Per proxy kind, the request of one instance as configured and as the use "
                  "says: the 95th percentile of per-second use per instance over every second "
                  "of every replication, plus %s headroom (the Kubernetes Vertical Pod "
                  "Autoscaler's default safety margin), CPU in cores and memory in MiB. The "
                  "busiest instance's mean use shows how uneven the instances are: one request "
                  "serves them all. The costs price every instance's request at list prices.",
                  report_pct(h, sizeof h, headroom));
  static const char *const head[] = {"mode",
                                     "kind",
                                     "instances",
                                     "CPU request",
                                     "CPU p95",
                                     "busiest instance CPU",
                                     "CPU right-sized",
                                     "memory request",
                                     "memory p95",
                                     "memory right-sized",
                                     "cost as configured (USD/month)",
                                     "cost right-sized (USD/month)"};
  report_doc_table_begin(&c->doc, 12, head, "llrrrrrrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (int k = 0; k < MESH_PROXY_COUNT; k++) {
      if (!m->plan.has_sizing[k])
        continue;
      const result_sizing *z = &m->plan.sizing[k];
      char s[10][REPORT_CELL_MAX];
      const char *cells[12] = {report_mode_name(m),
                               mesh_proxy_kind_name((mesh_proxy_kind)k),
                               report_count(s[0], REPORT_CELL_MAX, z->instances),
                               report_num(s[1], REPORT_CELL_MAX, z->request_cpu_cores),
                               report_num(s[2], REPORT_CELL_MAX, z->p95_cpu_cores),
                               report_num(s[3], REPORT_CELL_MAX, z->max_cpu_cores),
                               report_num(s[4], REPORT_CELL_MAX, z->right_cpu_cores),
                               report_num(s[5], REPORT_CELL_MAX, z->request_mem_mib),
                               report_num(s[6], REPORT_CELL_MAX, z->p95_mem_mib),
                               report_num(s[7], REPORT_CELL_MAX, z->right_mem_mib),
                               report_num(s[8], REPORT_CELL_MAX, z->cost_usd_month),
                               report_num(s[9], REPORT_CELL_MAX, z->right_cost_usd_month)};
      report_doc_table_row(&c->doc, 12, cells);
    }
  }
  report_doc_table_end(&c->doc);
}

/* ---- the section ----------------------------------------------------------------------- */

void report_capacity_section(report_batch *c) {
  const run_result *r = &c->run;
  double target = NAN;
  for (uint32_t i = 0; i < r->n_modes && !isfinite(target); i++)
    if (plan_recorded(&r->modes[i]))
      target = r->modes[i].plan.target_utilisation;
  report_doc_heading(&c->doc, 2, "Capacity");
  if (!isfinite(target)) {
    report_doc_para(&c->doc, "This batch was stored before meshsim recorded hot spots, capacity "
                             "and sizing (results database schema version 3): run the scenario "
                             "again to see them. Its nodes needed count requests alone.");
    return;
  }
  report_doc_para(&c->doc,
                  "Whether the nodes hold what runs on them, where the load concentrates, what "
                  "the shared proxies need, and what the proxies' requests would be if sized "
                  "from use (docs/model.md, \"Capacity\"). A node's used CPU is its pods' "
                  "(proxies' idle CPU and the control plane included) plus the system "
                  "reservation, its memory the proxies' plus the applications' requests plus "
                  "the system reservation. The nodes needed are the larger of two bin "
                  "packings: of the requests, and of each pod at the larger of its request "
                  "and its use.");
  capacity_nodes_table(c);
  capacity_nodes_sentences(c);
  capacity_hotspots(c);
  capacity_shared(c, target);
  capacity_sizing(c);
}
