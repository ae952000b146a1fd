/* cli_common: what several subcommands share: loading a scenario with its
 * calibration profiles (printing diagnostics), and strict number parsing of
 * option values. */
#ifndef MESHSIM_CLI_COMMON_H
#define MESHSIM_CLI_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "profile.h"
#include "scenario.h"

typedef struct cli_loaded {
  scenario scn;
  profile main;    /* mesh.profile: ztunnel, waypoint, control plane (and sidecar) */
  profile sidecar; /* mesh.sidecar_profile, or a copy of main */
  model_inputs in;
} cli_loaded;

/* Loads the scenario at path with overrides applied and resolves its
 * profiles. Prints every diagnostic to stderr prefixed by nothing (they
 * carry file:line:col). Returns 0 or CLI_EXIT_FAIL. */
int cli_load(const char *cmd, const char *path, const char *const *overrides, size_t n_overrides,
             cli_loaded *out);
void cli_loaded_release(cli_loaded *l);

/* Strict parsing of an option value; prints "meshsim CMD: error: ..." and
 * returns -1 when the value is not a whole number in [min, max]. */
int cli_parse_u64(const char *cmd, const char *option, const char *value, uint64_t min,
                  uint64_t max, uint64_t *out);

/* Prints "meshsim CMD: error: <formatted>" to stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
