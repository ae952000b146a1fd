/* model: runs a scenario through the simulation, one mode at a time.
 *
 * For each mode the topology is built, every proxy and application pod
 * becomes a sim_station, and external requests walk their call trees through
 * the stations of that mode's paths (path.h). Replications use seeds derived
 * from the scenario seed and are the same for every mode; inside a
 * replication every call's random choices come from its key (crn.h), so all
 * modes see identical arrivals, call trees, service times and pod choices.
 *
 * Results (result.h) are filled per mode: latency from merged histograms with
 * CIs over replications, CPU and memory per component kind and node,
 * reserved resources, nodes needed and money (cost.h). */
#ifndef MESHSIM_MODEL_H
#define MESHSIM_MODEL_H

#include <stdint.h>

#include "diag.h"
#include "profile.h"
#include "result.h"
#include "scenario.h"

/* Called with a line per station visit of traced requests (tests, --trace). */
typedef void (*model_trace_fn)(void *ctx, const char *line);
/* Called now and then with the share of the whole run done (0..1). */
typedef void (*model_progress_fn)(void *ctx, double done);

typedef struct model_inputs {
  const scenario *scn;
  const profile *proxy_profile[MESH_PROXY_COUNT]; /* per proxy kind */
  const profile_control_plane *control_plane;
  const char *profile_name;
  /* Per mode of the scenario, the profile it names ("linkerd-2.14:sidecar"),
   * which then calibrates all of that mode; NULL: the fields above. */
  const profile *mode_profile[SCN_MODES_MAX];
  model_trace_fn trace; /* optional */
  void *trace_ctx;
  uint64_t trace_requests;    /* trace the first N root requests of replication 0 */
  model_progress_fn progress; /* optional */
  void *progress_ctx;
  volatile int *interrupt; /* optional: when it becomes non-zero the run stops (ERR_EINTR) */
  uint32_t jobs;           /* modes simulated at once in threads (0 or 1: one after another) */
  /* Optional: receives one error when a run fails for a reason the scenario
   * can fix (pools at their max; a failure that names no instance), located
   * at the scenario's path (scn->path). Only errors are added, and only the
   * first failing mode's. */
  diag_list *diag;
  /* The engine's lookahead (prefetching only; no result depends on it):
   * 0 when the stations outgrow a core's cache (the default), 1 always,
   * -1 never. For tests and benchmarks. */
  int lookahead;
} model_inputs;

/* Runs every mode listed in the scenario (scn->mesh.modes) and fills *out
 * (caller frees with run_result_release). With in->jobs > 1 up to that many
 * modes run at once in threads: each mode owns its topology, engine and
 * streams, and its numbers do not depend on the others, so the result is
 * identical to a serial run. Returns 0 or a negative SIM_E* code; on error
 * *out holds nothing. */
int model_run(const model_inputs *in, run_result *out);

/* What to tell the user when model_run returned rc != 0: the message the
 * model put in `d` (a cause the scenario can fix), else a text for the code,
 * so running out of memory is never reported as pods that do not fit. */
const char *model_failure_message(int rc, const diag_list *d);

/* Runs one mode with all replications; a fixable failure's message goes to
 * in->diag as for model_run. */
int model_run_mode(const model_inputs *in, mesh_mode mode, uint32_t mode_index, uint32_t n_modes,
                   mode_result *out);

/* Seed of replication r (the same for every mode). */
uint64_t model_replication_seed(uint64_t scenario_seed, uint32_t r);

#endif
