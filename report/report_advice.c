/* report_advice: the Recommendation section of the batch report, for a
 * batch stored by `meshsim advise` (its verified runs): the mode of every
 * namespace with the reason, the whole cluster against each uniform mode,
 * the runner-ups, the constraints, and the migration plan step by step with
 * the risks of each and their sources. From the stored advice
 * (store/db_advice.c); nothing for a batch `meshsim run` stored. */
#include <math.h>

#include "advice.h"
#include "report_internal.h"
#include "verdict.h"

static const char *ns_cell(char *buf, size_t n, const char *name) {
  char code[RESULT_NAME_MAX + 2];
  report_fmt(buf, n, "`%s`", report_code(code, sizeof code, name));
  return buf;
}

static void advice_assignment(report_batch *c, const advice *a) {
  static const char *const head[] = {"namespace", "mode", "reason", "why"};
  report_doc_table_begin(&c->doc, 4, head, "llll");
  for (uint32_t i = 0; i < a->n_namespaces; i++) {
    const advice_namespace *n = &a->namespaces[i];
    char name[RESULT_NAME_MAX + 4];
    const char *cells[4] = {ns_cell(name, sizeof name, n->name), mesh_ns_mode_name(n->mode),
                            advice_reason_name(n->reason), n->why};
    report_doc_table_row(&c->doc, 4, cells);
  }
  report_doc_table_end(&c->doc);
}

static void advice_uniform_table(report_batch *c, const advice *a) {
  static const char *const head[] = {"assignment",         "verdict",
                                     "cost (USD/month)",   "latency (ms)",
                                     "objective's figure", "constraints broken, or why it misses"};
  report_doc_table_begin(&c->doc, 6, head, "llrrrl");
  char s[4][REPORT_CELL_MAX], why[RESULT_REASON_LEN + 64];
  for (uint32_t i = 0; i < a->n_uniform; i++) {
    const advice_uniform *u = &a->uniform[i];
    if (u->violations)
      report_fmt(why, sizeof why, "%u namespace%s: %s", u->violations,
                 u->violations == 1 ? "" : "s", u->why);
    else
      report_fmt(why, sizeof why, "%s", u->why[0] ? u->why : "-");
    const char *cells[6] = {mesh_mode_name(u->mode),
                            verdict_status_name(u->status),
                            report_num(s[0], REPORT_CELL_MAX, u->cost_usd_month),
                            report_num(s[1], REPORT_CELL_MAX, u->latency_ms),
                            report_num(s[2], REPORT_CELL_MAX, u->value),
                            why};
    report_doc_table_row(&c->doc, 6, cells);
  }
  if (a->found) {
    const char *cells[6] = {"recommended",
                            verdict_status_name(a->verdict.status),
                            report_num(s[0], REPORT_CELL_MAX, a->cost_usd_month),
                            report_num(s[1], REPORT_CELL_MAX, a->latency_ms),
                            report_num(s[2], REPORT_CELL_MAX, a->value),
                            "-"};
    report_doc_table_row(&c->doc, 6, cells);
  }
  report_doc_table_end(&c->doc);
}

static void advice_lists(report_batch *c, const advice *a) {
  char v[REPORT_CELL_MAX];
  if (a->found) {
    report_doc_para(&c->doc, "Runner-ups, the next best simulated assignments that meet the "
                             "objective and every constraint, as changes to the recommendation:");
    for (uint32_t i = 0; i < a->n_alternatives; i++)
      report_doc_item(&c->doc, "%s (%s): %s", report_num(v, sizeof v, a->alternatives[i].value),
                      scenario_advise_objective_name(a->objective), a->alternatives[i].changes);
    if (a->n_alternatives == 0)
      report_doc_item(&c->doc, "none: no other simulated assignment meets everything");
    report_doc_end_list(&c->doc);
  }
  report_doc_para(&c->doc, "Constraints:");
  for (uint32_t i = 0; i < a->n_constraints; i++)
    report_doc_item(&c->doc, "%s%s%s", a->constraints[i].ns, a->constraints[i].ns[0] ? ": " : "",
                    a->constraints[i].text);
  report_doc_end_list(&c->doc);
}

static void advice_plan(report_batch *c, const advice *a) {
  if (!a->has_plan)
    return;
  report_doc_heading(&c->doc, 3, "Migration plan");
  report_doc_para(&c->doc,
                  "From %s to the recommendation, one namespace at a time, every state simulated "
                  "(%u simulations beyond the search's): %s. The risks under each step are what "
                  "the simulation does "
                  "not model (the order of operations, policies that change meaning, paths "
                  "between sidecars and ambient pods), each with its source, and what the "
                  "simulation of the state after the step found.",
                  a->plan_from, a->plan_simulations,
                  a->plan_safe         ? "no intermediate state misses the objective"
                  : a->plan_exhaustive ? "no order avoids a state that misses the objective"
                                       : "no safe order was found within the budget");
  static const char *const head[] = {"step",         "move",         "verdict", "cost (USD/month)",
                                     "latency (ms)", "why it misses"};
  report_doc_table_begin(&c->doc, 6, head, "rllrrl");
  for (uint32_t i = 0; i < a->n_steps; i++) {
    const advice_step *st = &a->steps[i];
    char s[3][REPORT_CELL_MAX], move[3 * RESULT_NAME_MAX + 16], code[RESULT_NAME_MAX + 2];
    if (st->step == 0)
      report_fmt(move, sizeof move, "start");
    else
      report_fmt(move, sizeof move, "`%s`: %s -> %s", report_code(code, sizeof code, st->ns),
                 mesh_ns_mode_name(st->from), mesh_ns_mode_name(st->to));
    const char *cells[6] = {report_count(s[0], REPORT_CELL_MAX, st->step),
                            move,
                            verdict_status_name(st->status),
                            report_num(s[1], REPORT_CELL_MAX, st->cost_usd_month),
                            report_num(s[2], REPORT_CELL_MAX, st->latency_ms),
                            st->why[0] ? st->why : "-"};
    report_doc_table_row(&c->doc, 6, cells);
  }
  report_doc_table_end(&c->doc);
  for (uint32_t i = 0; i < a->n_steps; i++) {
    const advice_step *st = &a->steps[i];
    if (!st->n_risks)
      continue;
    char code[RESULT_NAME_MAX + 2];
    report_doc_para(&c->doc, "Step %u, `%s`:", st->step, report_code(code, sizeof code, st->ns));
    for (uint32_t k = 0; k < st->n_risks; k++) {
      const advice_risk *r = &st->risks[k];
      report_doc_item(&c->doc, "%s: %s%s%s%s", r->kind, r->text, r->source[0] ? " (" : "",
                      r->source, r->source[0] ? ")" : "");
    }
    report_doc_end_list(&c->doc);
  }
}

void report_advice_section(report_batch *c) {
  advice a;
  if (db_load_advice(c->d, c->info->batch_id, &a) != 0)
    return; /* a batch `meshsim run` stored: no advice */
  char v[REPORT_CELL_MAX], l[REPORT_CELL_MAX];
  report_doc_heading(&c->doc, 2, "Recommendation");
  report_doc_para(&c->doc,
                  "This batch holds the verified runs of `meshsim advise` (docs/advise.md): "
                  "each namespace's mode minimising %s while the whole cluster meets the "
                  "objective and every constraint, found by %u simulations of candidate "
                  "assignments (budget %u%s) after the %u uniform modes, all with the same "
                  "seeds. Mode `hybrid` in the tables of this report is the recommendation.",
                  scenario_advise_objective_name(a.objective), a.simulations, a.budget,
                  a.budget_exhausted ? ", used up" : "", a.uniform_simulations);
  if (a.found)
    report_doc_para(&c->doc,
                    "Verified: %s, %s USD/month, latency %s ms at the objective's "
                    "percentile.",
                    verdict_status_name(a.verdict.status),
                    report_num(v, sizeof v, a.cost_usd_month),
                    report_num(l, sizeof l, a.latency_ms));
  else
    report_doc_para(&c->doc, "No assignment met the objective and every constraint; the uniform "
                             "modes below say why.");
  if (a.found)
    advice_assignment(c, &a);
  advice_uniform_table(c, &a);
  advice_lists(c, &a);
  advice_plan(c, &a);
  advice_release(&a);
}
