/* op_graph: the graph a request walks, one node per operation.
 *
 * A service with named operations (scenario_service.ops) is one node per
 * operation; a service without is one node, the service itself. A node
 * carries what a visit to it does: its service time, its calls and whether
 * they fan out in parallel. Its edges are its calls' targets, every way of
 * a choice (scenario_call.choice) included, each to the node of the
 * (service, operation) it names.
 *
 * Why a graph of operations and not of services: real services call each
 * other both ways (socialNetwork's user-service and social-graph-service,
 * TrainTicket's travel and seat) through different operations, so the
 * service graph has cycles while every operation's tree is finite. The
 * loader refuses cycles between operations (input/scenario_load_check.c);
 * the simulation (models/model_sim.c), the work estimate (work.h) and the
 * structural blast radius (blast.h) walk this graph.
 *
 * Node numbering: the nodes of service s are first[s] .. first[s + 1] - 1,
 * in the order of its operations; with no operations anywhere node i is
 * service i, so every computation over nodes is, step for step, the one it
 * was over services. Building costs O(services + operations); the order,
 * O(nodes + edges). Pure: no engine, no I/O, no globals. */
#ifndef MESHSIM_OP_GRAPH_H
#define MESHSIM_OP_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

typedef struct op_node {
  uint32_t service;
  uint32_t op; /* index into the service's ops (0 when it has none) */
  /* A copy of the scenario's (empirical points still borrowed): every
   * application pass reads it, and beside the node it costs no cache miss
   * of its own (the service records are 288 bytes apart). */
  sim_dist service_time;
  const scenario_call *calls; /* borrowed from the scenario */
  uint32_t n_calls;
  uint32_t n_ordinals; /* calls per visit before probabilities: the sum of the counts */
  bool parallel;
} op_node;

typedef struct op_graph {
  const scenario *s;
  uint32_t n_nodes;
  op_node *nodes;  /* owned */
  uint32_t *first; /* owned: per service its first node, and first[n_services] = n_nodes */
  uint32_t *order; /* owned, NULL until op_graph_sort: every node, callers before callees */
} op_graph;

/* Builds the nodes of s (borrowed: s must outlive g). Returns 0, SIM_EINVAL
 * when a call names a service or operation s does not have, or SIM_ENOMEM;
 * on error g holds nothing. */
int op_graph_init(op_graph *g, const scenario *s);
void op_graph_release(op_graph *g);

/* The node of operation op of service sv. */
static inline uint32_t op_graph_node(const op_graph *g, uint32_t sv, uint32_t op) {
  return g->first[sv] + op;
}

/* The node way `i` of call c leads to. */
static inline uint32_t op_graph_target(const op_graph *g, const scenario_call *c, uint32_t i) {
  return c->n_choice ? g->first[c->choice[i].service] + c->choice[i].op
                     : g->first[c->target] + c->op;
}

/* A call that can happen at all (count and probability above 0); the
 * others never cross anything and are no edges. */
static inline bool op_graph_call_live(const scenario_call *c) {
  return c->count > 0 && c->probability > 0;
}

/* Fills g->order by Kahn's algorithm over the live calls. Returns 0,
 * SIM_EINVAL on a cycle between nodes, or SIM_ENOMEM. */
int op_graph_sort(op_graph *g);

#endif
