/* report_blast: the blast-radius section of the batch report: what one
 * proxy instance stands for (pods, services, namespaces, tenants,
 * identities, share of requests), per mode and proxy kind, in a table, a
 * chart and one sentence per kind, then the instances whose loss hits the
 * most requests. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "report_internal.h"

/* Order of blast_instances: most requests, then most pods. */
static int cmp_blast_instance(const void *a, const void *b) {
  const result_blast_instance *x = *(const result_blast_instance *const *)a;
  const result_blast_instance *y = *(const result_blast_instance *const *)b;
  if (x->request_share != y->request_share)
    return x->request_share < y->request_share ? 1 : -1;
  return (x->pods < y->pods) - (x->pods > y->pods);
}

#define BLAST_TOP 3

/* A proxy instance: what the mesh adds to the data path (sidecar, ztunnel,
 * waypoint replica or deployment). Nodes exist without a mesh and the
 * control plane, which every mesh mode has, is in no request's path (its
 * request share counts every meshed pod; the data plane runs on when it is
 * down), so neither tells one mode's risk from another's. */
static int blast_is_proxy(const result_blast_instance *b) {
  return strcmp(b->kind, BLAST_KIND_NODE) != 0 && strcmp(b->kind, BLAST_KIND_CONTROL) != 0;
}

/* The larger risk of two proxy instances: more of the requests, then more
 * tenants, then more pods; a before b on a tie. */
static int blast_larger(const result_blast_instance *a, const result_blast_instance *b) {
  if (a->request_share != b->request_share)
    return a->request_share > b->request_share;
  if (a->tenants != b->tenants)
    return a->tenants > b->tenants;
  return a->pods > b->pods;
}

/* The proxy instance of mode m with the largest radius; NULL when none. */
static const result_blast_instance *blast_largest(const mode_result *m) {
  const result_blast_instance *best = NULL;
  for (uint32_t j = 0; j < m->n_blast_instances; j++) {
    const result_blast_instance *b = &m->blast_instances[j];
    if (blast_is_proxy(b) && (!best || blast_larger(b, best)))
      best = b;
  }
  return best;
}

/* "the waypoint `ns/key` (all its replicas)", "the ztunnel on `node-1`". */
static const char *blast_instance_phrase(const result_blast_instance *b, char *buf, size_t n) {
  char code[RESULT_NAME_MAX + 2];
  report_code(code, sizeof code, b->instance);
  if (strcmp(b->kind, BLAST_KIND_SIDECAR) == 0)
    report_fmt(buf, n, "the sidecar of `%s`", code);
  else if (strcmp(b->kind, BLAST_KIND_ZTUNNEL) == 0)
    report_fmt(buf, n, "the ztunnel on `%s`", code);
  else if (strcmp(b->kind, BLAST_KIND_WAYPOINT) == 0)
    report_fmt(buf, n, "waypoint replica `%s`", code);
  else if (strcmp(b->kind, BLAST_KIND_DEPLOYMENT) == 0)
    report_fmt(buf, n, "the waypoint `%s` (all its replicas)", code);
  else
    report_fmt(buf, n, "%s `%s`", b->kind, code);
  return buf;
}

void report_blast_verdict(report_batch *c) {
  const run_result *r = &c->run;
  const mode_result *worst_m = NULL, *rec_m = NULL;
  const result_blast_instance *worst = NULL;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    const result_blast_instance *b = blast_largest(m);
    if (m->verdict.status != RESULT_MEETS || !b)
      continue;
    if (!worst || blast_larger(b, worst)) {
      worst = b;
      worst_m = m;
    }
    if (r->recommendation.has_mode &&
        !strcmp(mode_result_name(m), result_recommendation_name(&r->recommendation)))
      rec_m = m;
  }
  if (!worst)
    return;
  /* The same instance, as large, in other modes (a waypoint shared by two modes). */
  char also[RESULT_TEXT_MAX] = "";
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    const result_blast_instance *b = blast_largest(m);
    if (m == worst_m || m->verdict.status != RESULT_MEETS || !b || blast_larger(worst, b) ||
        strcmp(b->kind, worst->kind) != 0 || strcmp(b->instance, worst->instance) != 0)
      continue;
    size_t len = strlen(also);
    report_fmt(also + len, sizeof also - len, "%s`%s`", len ? ", " : " (the same in ",
               report_mode_name(m));
  }
  if (also[0]) {
    size_t len = strlen(also);
    report_fmt(also + len, sizeof also - len, ")");
  }
  char what[2 * RESULT_NAME_MAX], share[REPORT_CELL_MAX], rec[3 * RESULT_NAME_MAX] = "";
  if (rec_m && rec_m != worst_m && !strstr(also, report_mode_name(rec_m))) {
    const result_blast_instance *b = blast_largest(rec_m);
    char w2[2 * RESULT_NAME_MAX], s2[REPORT_CELL_MAX];
    report_fmt(rec, sizeof rec,
               "; in the recommended `%s`, %s: %u pod%s of %u tenant%s, %s of requests",
               report_mode_name(rec_m), blast_instance_phrase(b, w2, sizeof w2), b->pods,
               b->pods == 1 ? "" : "s", b->tenants, b->tenants == 1 ? "" : "s",
               report_pct(s2, sizeof s2, b->request_share));
  }
  report_doc_para(&c->doc,
                  "Largest blast radius of a proxy among the modes that meet the objective: %s in "
                  "`%s`%s, which serves %u pod%s of %u tenant%s, sees %u service%s in clear text "
                  "and lies in the call tree of %s of external requests%s.",
                  blast_instance_phrase(worst, what, sizeof what), report_mode_name(worst_m), also,
                  worst->pods, worst->pods == 1 ? "" : "s", worst->tenants,
                  worst->tenants == 1 ? "" : "s", worst->l7_services,
                  worst->l7_services == 1 ? "" : "s",
                  report_pct(share, sizeof share, worst->request_share), rec);
}

/* The few instances of each mode whose loss hits most requests. */
static void blast_top_instances(report_batch *c) {
  const run_result *r = &c->run;
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    any |= r->modes[i].n_blast_instances > 0;
  if (!any)
    return;
  report_doc_para(&c->doc,
                  "The %d instances of each mode whose call trees carry the most "
                  "external requests (all component kinds, nodes and control plane "
                  "included):",
                  BLAST_TOP);
  static const char *const head[] = {
      "mode",     "kind",       "instance", "request share", "pods",
      "services", "namespaces", "tenants",  "identities",    "L7 services in clear text"};
  report_doc_table_begin(&c->doc, 10, head, "lllrrrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    if (!m->n_blast_instances)
      continue;
    const result_blast_instance **order = malloc(m->n_blast_instances * sizeof *order);
    if (!order)
      continue;
    for (uint32_t j = 0; j < m->n_blast_instances; j++)
      order[j] = &m->blast_instances[j];
    qsort(order, m->n_blast_instances, sizeof *order, cmp_blast_instance);
    for (uint32_t j = 0; j < m->n_blast_instances && j < BLAST_TOP; j++) {
      const result_blast_instance *b = order[j];
      char s[7][REPORT_CELL_MAX], inst[RESULT_NAME_MAX + 4], code[RESULT_NAME_MAX + 2];
      report_fmt(inst, sizeof inst, "`%s`", report_code(code, sizeof code, b->instance));
      const char *cells[10] = {report_mode_name(m),
                               b->kind,
                               inst,
                               report_pct(s[0], REPORT_CELL_MAX, b->request_share),
                               report_count(s[1], REPORT_CELL_MAX, b->pods),
                               report_count(s[2], REPORT_CELL_MAX, b->services),
                               report_count(s[3], REPORT_CELL_MAX, b->namespaces),
                               report_count(s[4], REPORT_CELL_MAX, b->tenants),
                               report_count(s[5], REPORT_CELL_MAX, b->identities),
                               report_count(s[6], REPORT_CELL_MAX, b->l7_services)};
      report_doc_table_row(&c->doc, 10, cells);
    }
    free(order);
  }
  report_doc_table_end(&c->doc);
}

/* The table row of proxy kind k in mode m. */
static void blast_row(report_batch *c, const mode_result *m, int k) {
  const result_blast *b = &m->blast[k];
  char s[9][REPORT_CELL_MAX];
  const char *cells[11] = {report_mode_name(m),
                           mesh_proxy_kind_name((mesh_proxy_kind)k),
                           report_count(s[0], REPORT_CELL_MAX, b->instances),
                           report_count(s[1], REPORT_CELL_MAX, b->pods_max),
                           report_num(s[2], REPORT_CELL_MAX, b->pods_mean),
                           report_count(s[3], REPORT_CELL_MAX, b->services_max),
                           report_count(s[4], REPORT_CELL_MAX, b->namespaces_max),
                           report_count(s[5], REPORT_CELL_MAX, b->tenants_max),
                           report_count(s[6], REPORT_CELL_MAX, b->identities_max),
                           report_pct(s[7], REPORT_CELL_MAX, b->request_share_max),
                           report_pct(s[8], REPORT_CELL_MAX, b->request_share_mean)};
  report_doc_table_row(&c->doc, 11, cells);
}

/* The same numbers of proxy kind k in mode m as a sentence. */
static void blast_sentence(report_batch *c, const mode_result *m, int k) {
  const result_blast *b = &m->blast[k];
  char a[REPORT_CELL_MAX], p[REPORT_CELL_MAX], q[REPORT_CELL_MAX];
  report_doc_item(&c->doc,
                  "In `%s`, one %s (of %u) serves up to %u pod%s (%s on average) of up to "
                  "%u service%s, %u namespace%s and %u tenant%s, holds the credentials of up "
                  "to %u identit%s, and carries up to %s of external requests (%s on "
                  "average).",
                  report_mode_name(m), mesh_proxy_kind_name((mesh_proxy_kind)k), b->instances,
                  b->pods_max, b->pods_max == 1 ? "" : "s", report_num(a, sizeof a, b->pods_mean),
                  b->services_max, b->services_max == 1 ? "" : "s", b->namespaces_max,
                  b->namespaces_max == 1 ? "" : "s", b->tenants_max, b->tenants_max == 1 ? "" : "s",
                  b->identities_max, b->identities_max == 1 ? "y" : "ies",
                  report_pct(p, sizeof p, b->request_share_max),
                  report_pct(q, sizeof q, b->request_share_mean));
}

void report_blast_section(report_batch *c) {
  const run_result *r = &c->run;
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (int k = 0; k < MESH_PROXY_COUNT; k++)
      any |= r->modes[i].has_blast[k];
  if (!any)
    return;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Blast radius");
  report_doc_para(doc, "What a single proxy instance stands for: the pods, services, namespaces "
                       "and tenants whose traffic crosses it, the identities whose credentials it "
                       "holds, and the share of external requests whose call tree touches it. "
                       "These are the workloads one crash or one compromise of that instance "
                       "reaches.");
  report_chart_image(&c->doc, &c->charts, "blast", report_chart_blast(&c->charts, r),
                     "Blast radius per mode and proxy kind (maximum over instances, log scale)");
  static const char *const head[] = {"mode",
                                     "proxy kind",
                                     "instances",
                                     "pods (max)",
                                     "pods (mean)",
                                     "services (max)",
                                     "namespaces (max)",
                                     "tenants (max)",
                                     "identities (max)",
                                     "request share (max)",
                                     "request share (mean)"};
  report_doc_table_begin(doc, 11, head, "llrrrrrrrrr");
  const mode_result *worst_m = NULL; /* the kind and mode that reach the most pods */
  int worst_k = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (int k = 0; k < MESH_PROXY_COUNT; k++) {
      const mode_result *m = &r->modes[i];
      if (!m->has_blast[k])
        continue;
      if (!worst_m || m->blast[k].pods_max > worst_m->blast[worst_k].pods_max) {
        worst_m = m;
        worst_k = k;
      }
      blast_row(c, m, k);
    }
  report_doc_table_end(doc);
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (int k = 0; k < MESH_PROXY_COUNT; k++)
      if (r->modes[i].has_blast[k])
        blast_sentence(c, &r->modes[i], k);
  report_doc_end_list(doc);
  blast_top_instances(c);
  if (worst_m)
    report_doc_para(doc,
                    "The widest blast radius is a %s in `%s`: one instance reaches up to %u pods "
                    "of %u tenants.",
                    mesh_proxy_kind_name((mesh_proxy_kind)worst_k), report_mode_name(worst_m),
                    worst_m->blast[worst_k].pods_max, worst_m->blast[worst_k].tenants_max);
}
