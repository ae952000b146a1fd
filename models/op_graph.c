/* op_graph: the graph of operations; see op_graph.h. */
#include "op_graph.h"

#include <stdlib.h>
#include <string.h>

#include "sim_error.h"

void op_graph_release(op_graph *g) {
  free(g->nodes);
  free(g->first);
  free(g->order);
  memset(g, 0, sizeof *g);
}

/* Whether every way of the n calls names a node that exists. */
static bool op_graph_calls_ok(const scenario *s, const scenario_call *calls, uint32_t n) {
  for (uint32_t j = 0; j < n; j++) {
    for (uint32_t i = 0; i < scenario_call_n_targets(&calls[j]); i++) {
      scenario_target t = scenario_call_target_at(&calls[j], i);
      if (t.service >= s->n_services)
        return false;
      uint32_t ops = s->services[t.service].n_ops;
      if (ops ? t.op >= ops : t.op != 0)
        return false;
    }
  }
  return true;
}

int op_graph_init(op_graph *g, const scenario *s) {
  memset(g, 0, sizeof *g);
  g->s = s;
  g->first = malloc(((size_t)s->n_services + 1) * sizeof *g->first);
  if (!g->first)
    return SIM_ENOMEM;
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->n_services; i++) {
    g->first[i] = n;
    n += s->services[i].n_ops ? s->services[i].n_ops : 1;
  }
  g->first[s->n_services] = n;
  g->n_nodes = n;
  g->nodes = calloc(n ? n : 1, sizeof *g->nodes);
  if (!g->nodes) {
    op_graph_release(g);
    return SIM_ENOMEM;
  }
  for (uint32_t i = 0; i < s->n_services; i++) {
    const scenario_service *sv = &s->services[i];
    for (uint32_t o = 0; o < (sv->n_ops ? sv->n_ops : 1); o++) {
      op_node *x = &g->nodes[g->first[i] + o];
      x->service = i;
      x->op = o;
      x->calls = scenario_op_calls(sv, o, &x->n_calls);
      x->service_time = sv->n_ops ? sv->ops[o].service_time_ns : sv->service_time_ns;
      x->parallel = sv->n_ops ? sv->ops[o].parallel : sv->parallel;
      if (!op_graph_calls_ok(s, x->calls, x->n_calls)) {
        op_graph_release(g);
        return SIM_EINVAL;
      }
      for (uint32_t j = 0; j < x->n_calls; j++)
        x->n_ordinals += x->calls[j].count;
    }
  }
  return 0;
}

int op_graph_sort(op_graph *g) {
  uint32_t n = g->n_nodes;
  uint32_t *indeg = calloc(n ? n : 1, sizeof *indeg);
  free(g->order);
  g->order = malloc((n ? n : 1) * sizeof *g->order);
  if (!indeg || !g->order) {
    free(indeg);
    free(g->order);
    g->order = NULL;
    return SIM_ENOMEM;
  }
  for (uint32_t u = 0; u < n; u++)
    for (uint32_t j = 0; j < g->nodes[u].n_calls; j++) {
      const scenario_call *c = &g->nodes[u].calls[j];
      if (op_graph_call_live(c))
        for (uint32_t i = 0; i < scenario_call_n_targets(c); i++)
          indeg[op_graph_target(g, c, i)]++;
    }
  /* Kahn: callers before callees; leftovers mean a cycle. */
  uint32_t head = 0, tail = 0;
  for (uint32_t u = 0; u < n; u++)
    if (indeg[u] == 0)
      g->order[tail++] = u;
  while (head < tail) {
    uint32_t u = g->order[head++];
    for (uint32_t j = 0; j < g->nodes[u].n_calls; j++) {
      const scenario_call *c = &g->nodes[u].calls[j];
      if (!op_graph_call_live(c))
        continue;
      for (uint32_t i = 0; i < scenario_call_n_targets(c); i++) {
        uint32_t v = op_graph_target(g, c, i);
        if (--indeg[v] == 0)
          g->order[tail++] = v;
      }
    }
  }
  free(indeg);
  if (tail != n) {
    free(g->order);
    g->order = NULL;
    return SIM_EINVAL;
  }
  return 0;
}
