/* model_sim: one replication of one mode (internal to models/).
 *
 * Stations: index p < n_pods is the application of pod p, index n_pods + x
 * is proxy x of the topology. Call records come from a pool that grows
 * geometrically and is reused through a free list: nothing is allocated per
 * request once the pool has reached the peak number of calls in flight. */
#ifndef MESHSIM_MODEL_SIM_H
#define MESHSIM_MODEL_SIM_H

#include <stdint.h>

#include "model.h"
#include "sim_hist.h"
#include "topology.h"

typedef struct model_rep {
  uint64_t requests; /* measured requests that finished */
  uint64_t errors;
  uint64_t slo_violations;
  uint64_t unfinished; /* measured requests still in flight at the drain limit */
  sim_hist latency_ns;
  uint32_t n_stations;
  double *busy_ns;    /* per station: worker time of passes accepted in the window */
  double *sojourn_ns; /* per station: time requests spent there (in-flight integral) */
  uint32_t n_seconds;
  double *cpu_ns_sec[MESH_KIND_COUNT];      /* per second of the window */
  double *inflight_ns_sec[MESH_KIND_COUNT]; /* per second: in-flight integral */
  double *done_sec;                         /* requests finished per second */
  double *failed_sec;
  double *p99_ms_sec;
  double cross_zone_bytes;
  uint64_t events;
  double wall_s;
} model_rep;

int model_rep_init(model_rep *r, uint32_t n_stations, uint32_t n_seconds);
void model_rep_release(model_rep *r);

/* Simulates one replication of topology t. trace_requests > 0 traces that
 * many root requests through in->trace. Returns 0 or a negative SIM_E* code. */
int model_sim_replication(const topology *t, const model_inputs *in, uint64_t seed,
                          uint64_t trace_requests, model_rep *out);

#endif
