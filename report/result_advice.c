/* result_advice: the advice as text and as JSON; see result_advice.h. */
#include "result_advice.h"

#include <math.h>
#include <string.h>

#include "result_json.h"
#include "verdict.h"

/* "12.3" or "-" for a missing figure, into buf. */
static const char *adv_num(char *buf, size_t n, const char *fmt, double v) {
  if (isfinite(v))
    snprintf(buf, n, fmt, v);
  else
    snprintf(buf, n, "-");
  return buf;
}

/* How the objective's figure is printed. */
static const char *adv_fmt_of(scenario_advise_objective o) {
  switch (o) {
  case SCN_ADVISE_CPU:
  case SCN_ADVISE_LATENCY:
    return "%.3f";
  case SCN_ADVISE_MEMORY:
    return "%.1f";
  case SCN_ADVISE_COST:
  case SCN_ADVISE_OBJECTIVE_COUNT:
    break;
  }
  return "%.2f";
}

static const char *adv_unit(scenario_advise_objective o) {
  switch (o) {
  case SCN_ADVISE_CPU:
    return "mesh CPU cores";
  case SCN_ADVISE_MEMORY:
    return "mesh memory MiB";
  case SCN_ADVISE_LATENCY:
    return "ms";
  case SCN_ADVISE_COST:
  case SCN_ADVISE_OBJECTIVE_COUNT:
    break;
  }
  return "USD/month";
}

/* ---- text ---------------------------------------------------------------------- */

static void text_head(FILE *out, const advice *a, const run_result *v) {
  const char *pct = verdict_percentile_name(v->objective_quantile);
  fprintf(out, "scenario \"%s\": minimise %s, objective %s <= %g ms and errors <= %g%%\n",
          a->scenario, scenario_advise_objective_name(a->objective), pct, v->slo_ms,
          100 * v->error_budget);
  fprintf(out, "%u simulation%s in the search (budget %u%s), %u uniform, %.1f s\n", a->simulations,
          a->simulations == 1 ? "" : "s", a->budget,
          a->budget_exhausted ? ", used up: the result may not be a local optimum" : "",
          a->uniform_simulations, a->wall_s);
  char c[32], l[32];
  if (!a->found) {
    fprintf(out, "\nno assignment meets the objective and every constraint (see the uniform "
                 "modes below for why)\n");
    return;
  }
  fprintf(out, "\nrecommendation: %s USD/month, %s %s ms, %s (verified by simulation)\n",
          adv_num(c, sizeof c, "%.2f", a->cost_usd_month), pct,
          adv_num(l, sizeof l, "%.3f", a->latency_ms), verdict_status_name(a->verdict.status));
  fprintf(out, "\n  %-24s %-17s %-10s %s\n", "namespace", "mode", "reason", "why");
  for (uint32_t i = 0; i < a->n_namespaces; i++) {
    const advice_namespace *n = &a->namespaces[i];
    fprintf(out, "  %-24s %-17s %-10s %s\n", n->name, mesh_ns_mode_name(n->mode),
            advice_reason_name(n->reason), n->why);
  }
}

static void text_uniform(FILE *out, const advice *a) {
  char c[32], l[32], val[32];
  fprintf(out, "\nagainst each uniform mode (the same seeds):\n");
  fprintf(out, "  %-17s %-11s %14s %12s %14s  %s\n", "mode", "verdict", "cost (USD/mo)",
          "latency (ms)", "objective", "constraints, or why it misses");
  for (uint32_t i = 0; i < a->n_uniform; i++) {
    const advice_uniform *u = &a->uniform[i];
    char note[RESULT_REASON_LEN + 64];
    if (u->violations)
      snprintf(note, sizeof note, "breaks the constraints of %u namespace%s: %.*s", u->violations,
               u->violations == 1 ? "" : "s", RESULT_REASON_LEN - 1, u->why);
    else
      snprintf(note, sizeof note, "%.*s", RESULT_REASON_LEN - 1, u->why[0] ? u->why : "-");
    fprintf(out, "  %-17s %-11s %14s %12s %14s  %s\n", mesh_mode_name(u->mode),
            verdict_status_name(u->status), adv_num(c, sizeof c, "%.2f", u->cost_usd_month),
            adv_num(l, sizeof l, "%.3f", u->latency_ms),
            adv_num(val, sizeof val, adv_fmt_of(a->objective), u->value), note);
  }
  if (a->found)
    fprintf(out, "  %-17s %-11s %14s %12s %14s  %s\n", "recommended",
            verdict_status_name(a->verdict.status), adv_num(c, sizeof c, "%.2f", a->cost_usd_month),
            adv_num(l, sizeof l, "%.3f", a->latency_ms),
            adv_num(val, sizeof val, adv_fmt_of(a->objective), a->value), "-");
}

static void text_alternatives(FILE *out, const advice *a) {
  if (!a->found)
    return;
  fprintf(out, "\nrunner-ups (simulated, meeting everything):\n");
  if (a->n_alternatives == 0)
    fprintf(out, "  none: no other simulated assignment meets the objective and the constraints\n");
  char v[32];
  for (uint32_t i = 0; i < a->n_alternatives; i++) {
    const advice_alternative *al = &a->alternatives[i];
    double d = a->value != 0 ? 100 * (al->value - a->value) / fabs(a->value) : 0;
    char diff[32];
    if (fabs(d) < 0.01)
      snprintf(diff, sizeof diff, "the same within noise");
    else
      snprintf(diff, sizeof diff, "%+.2f%%", d);
    fprintf(out, "  %u. %s %s (%s): %s\n", al->rank,
            adv_num(v, sizeof v, adv_fmt_of(a->objective), al->value), adv_unit(a->objective), diff,
            al->changes);
  }
}

static void text_plan(FILE *out, const advice *a) {
  if (!a->has_plan)
    return;
  fprintf(out, "\nmigration plan from %s (%u more simulations): %s\n", a->plan_from,
          a->plan_simulations,
          a->plan_safe         ? "every intermediate state meets the objective"
          : a->plan_exhaustive ? "no order avoids a state that misses the objective"
                               : "no safe order found within the budget");
  char c[32], l[32];
  for (uint32_t i = 0; i < a->n_steps; i++) {
    const advice_step *s = &a->steps[i];
    char what[3 * RESULT_NAME_MAX];
    if (s->step == 0)
      snprintf(what, sizeof what, "start");
    else
      snprintf(what, sizeof what, "%.63s: %s -> %s", s->ns, mesh_ns_mode_name(s->from),
               mesh_ns_mode_name(s->to));
    fprintf(out, "  %2u. %-48s %-10s %12s USD/mo %10s ms%s%s\n", s->step, what,
            verdict_status_name(s->status), adv_num(c, sizeof c, "%.2f", s->cost_usd_month),
            adv_num(l, sizeof l, "%.3f", s->latency_ms), s->why[0] ? "  " : "", s->why);
    for (uint32_t k = 0; k < s->n_risks; k++) {
      const advice_risk *r = &s->risks[k];
      fprintf(out, "      - [%s] %s%s%s%s\n", r->kind, r->text, r->source[0] ? " (" : "", r->source,
              r->source[0] ? ")" : "");
    }
  }
}

void result_advice_text(FILE *out, const advice *a, const run_result *verified) {
  text_head(out, a, verified);
  text_uniform(out, a);
  text_alternatives(out, a);
  fprintf(out, "\nconstraints:\n");
  for (uint32_t i = 0; i < a->n_constraints; i++)
    fprintf(out, "  - %s%s%s\n", a->constraints[i].ns, a->constraints[i].ns[0] ? ": " : "",
            a->constraints[i].text);
  text_plan(out, a);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void j_num(FILE *out, const char *key, double v, int comma) {
  fprintf(out, "\"%s\": ", key);
  if (isfinite(v))
    fprintf(out, "%.9g", v);
  else
    fputs("null", out);
  if (comma)
    fputs(", ", out);
}

static void j_str(FILE *out, const char *key, const char *s, int comma) {
  fprintf(out, "\"%s\": ", key);
  result_json_string(out, s);
  if (comma)
    fputs(", ", out);
}

static void j_modes(FILE *out, unsigned bits) {
  fputc('[', out);
  for (int m = 0, first = 1; m < MESH_NS_COUNT; m++)
    if (bits & SCN_NS_MODE_BIT(m)) {
      fputs(first ? "" : ", ", out);
      result_json_string(out, mesh_ns_mode_name((mesh_ns_mode)m));
      first = 0;
    }
  fputc(']', out);
}

static void j_verdict(FILE *out, const result_verdict *v) {
  fputs("{\"status\": ", out);
  result_json_string(out, verdict_status_name(v->status));
  fputs(", \"reasons\": [", out);
  for (uint32_t i = 0; i < v->n_reasons; i++) {
    fputs(i ? ", " : "", out);
    result_json_string(out, v->reasons[i]);
  }
  fputs("], \"bottleneck\": ", out);
  if (v->bottleneck[0])
    result_json_string(out, v->bottleneck);
  else
    fputs("null", out);
  fputc('}', out);
}

static void j_assignment(FILE *out, const advice *a) {
  if (!a->found) {
    fputs("\"assignment\": null, \"verdict\": null, \"cost_usd_month\": null, ", out);
    return;
  }
  fputs("\"assignment\": {", out);
  for (uint32_t i = 0; i < a->n_namespaces; i++) {
    fputs(i ? ", " : "", out);
    result_json_string(out, a->namespaces[i].name);
    fputs(": ", out);
    result_json_string(out, mesh_ns_mode_name(a->namespaces[i].mode));
  }
  fputs("}, \"verdict\": ", out);
  j_verdict(out, &a->verdict);
  fputs(", ", out);
  j_num(out, "cost_usd_month", a->cost_usd_month, 1);
}

static void j_uniform(FILE *out, const advice *a) {
  fputs("\"uniform\": [", out);
  for (uint32_t i = 0; i < a->n_uniform; i++) {
    const advice_uniform *u = &a->uniform[i];
    fputs(i ? ", {" : "{", out);
    j_str(out, "mode", mesh_mode_name(u->mode), 1);
    j_str(out, "verdict", verdict_status_name(u->status), 1);
    j_num(out, "cost_usd_month", u->cost_usd_month, 1);
    j_num(out, "value", u->value, 1);
    j_num(out, "latency_ms", u->latency_ms, 1);
    fprintf(out, "\"violations\": %u, ", u->violations);
    j_str(out, "why", u->why, 0);
    fputc('}', out);
  }
  fputs("], ", out);
}

static void j_constraints(FILE *out, const advice *a) {
  fputs("\"constraints\": [", out);
  for (uint32_t i = 0; i < a->n_constraints; i++) {
    const advice_constraint *c = &a->constraints[i];
    fputs(i ? ", {" : "{", out);
    j_str(out, "kind", c->kind, 0);
    fputs(", \"namespace\": ", out);
    if (c->ns[0])
      result_json_string(out, c->ns);
    else
      fputs("null", out);
    fputs(", \"modes\": ", out);
    if (c->modes)
      j_modes(out, c->modes);
    else
      fputs("null", out);
    fputs(", \"limit\": ", out);
    if (c->limit)
      fprintf(out, "%u", c->limit);
    else
      fputs("null", out);
    fputs(", ", out);
    j_str(out, "text", c->text, 0);
    fputc('}', out);
  }
  fputs("], ", out);
}

static void j_reasons(FILE *out, const advice *a) {
  fputs("\"reasons\": {", out);
  for (uint32_t i = 0; a->found && i < a->n_namespaces; i++) {
    const advice_namespace *n = &a->namespaces[i];
    fputs(i ? ", " : "", out);
    result_json_string(out, n->name);
    fputs(": {", out);
    j_str(out, "reason", advice_reason_name(n->reason), 1);
    j_str(out, "why", n->why, 1);
    fputs("\"allowed\": ", out);
    j_modes(out, n->allowed);
    fputc('}', out);
  }
  fputs("}, \"alternatives\": [", out);
  for (uint32_t i = 0; i < a->n_alternatives; i++) {
    const advice_alternative *al = &a->alternatives[i];
    fprintf(out, "%s{\"rank\": %u, ", i ? ", " : "", al->rank);
    j_str(out, "verdict", verdict_status_name(al->status), 1);
    j_num(out, "cost_usd_month", al->cost_usd_month, 1);
    j_num(out, "value", al->value, 1);
    j_num(out, "latency_ms", al->latency_ms, 1);
    j_str(out, "changes", al->changes, 0);
    fputc('}', out);
  }
  fputs("], ", out);
}

static void j_plan(FILE *out, const advice *a) {
  fputs("\"migration\": ", out);
  if (!a->has_plan) {
    fputs("null", out);
    return;
  }
  fputc('{', out);
  j_str(out, "from", a->plan_from, 0);
  fprintf(out, ", \"safe\": %s, \"exhaustive\": %s, \"simulations\": %u, \"steps\": [",
          a->plan_safe ? "true" : "false", a->plan_exhaustive ? "true" : "false",
          a->plan_simulations);
  for (uint32_t i = 0; i < a->n_steps; i++) {
    const advice_step *s = &a->steps[i];
    fprintf(out, "%s{\"step\": %u, \"namespace\": ", i ? ", " : "", s->step);
    if (s->step == 0)
      fputs("null, \"from\": null, \"to\": null, ", out);
    else {
      result_json_string(out, s->ns);
      fputs(", ", out);
      j_str(out, "from", mesh_ns_mode_name(s->from), 1);
      j_str(out, "to", mesh_ns_mode_name(s->to), 1);
    }
    j_str(out, "verdict", verdict_status_name(s->status), 1);
    j_num(out, "cost_usd_month", s->cost_usd_month, 1);
    j_num(out, "value", s->value, 1);
    j_num(out, "latency_ms", s->latency_ms, 1);
    j_str(out, "why", s->why, 1);
    fputs("\"risks\": [", out);
    for (uint32_t k = 0; k < s->n_risks; k++) {
      fputs(k ? ", {" : "{", out);
      j_str(out, "kind", s->risks[k].kind, 1);
      j_str(out, "text", s->risks[k].text, 1);
      j_str(out, "source", s->risks[k].source, 0);
      fputc('}', out);
    }
    fputs("]}", out);
  }
  fputs("]}", out);
}

int result_advice_json(FILE *out, const advice *a, const run_result *verified) {
  fputc('{', out);
  j_assignment(out, a);
  j_uniform(out, a);
  j_constraints(out, a);
  j_str(out, "scenario", a->scenario, 1);
  j_str(out, "minimise", scenario_advise_objective_name(a->objective), 1);
  j_num(out, "value", a->value, 1);
  j_num(out, "latency_ms", a->latency_ms, 1);
  fputs("\"objective\": {", out);
  j_num(out, "latency_ms", verified->slo_ms, 1);
  j_str(out, "percentile", verdict_percentile_name(verified->objective_quantile), 1);
  j_num(out, "error_budget", verified->error_budget, 0);
  fputs("}, ", out);
  j_reasons(out, a);
  fprintf(out,
          "\"simulations\": {\"search\": %u, \"uniform\": %u, \"budget\": %u, "
          "\"budget_exhausted\": %s}, ",
          a->simulations, a->uniform_simulations, a->budget,
          a->budget_exhausted ? "true" : "false");
  fprintf(out, "\"batch_id\": %lld, ", (long long)a->batch_id);
  j_plan(out, a);
  fputs("}\n", out);
  return ferror(out) ? -1 : 0;
}
