/* cli_common: what several commands share: loading a scenario with its
 * calibration profiles (printing the diagnostics), the shorthand options of
 * run and sweep, strict number parsing of option values, catching Ctrl-C and
 * SIGTERM, and the shape of an error message. Option parsing itself is in
 * cli_options.h. */
#ifndef MESHSIM_CLI_COMMON_H
#define MESHSIM_CLI_COMMON_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "db.h"
#include "sweep_point.h"

/* Loads the scenario at path with overrides applied, and the profiles its
 * modes need (sweep_point_load). Prints every diagnostic to stderr as it
 * is (file:line:col), then "meshsim CMD: error: why" when there is more to
 * say. Returns 0 (release *out with sweep_point_release) or CLI_EXIT_FAIL. */
int cli_load(const char *cmd, const char *path, const char *const *overrides, size_t n_overrides,
             sweep_point *out);
/* cli_load listing up to max_listed warnings of one kind (diag_list's
 * max_listed; SIZE_MAX: every one). */
int cli_load_listing(const char *cmd, const char *path, const char *const *overrides,
                     size_t n_overrides, size_t max_listed, sweep_point *out);

/* The options run and sweep share that stand for an override, so that the
 * loader checks them like the file and they count in the scenario hash. */
typedef enum cli_shorthand {
  CLI_SHORTHAND_MODES,        /* --modes LIST: mesh.modes=[LIST] */
  CLI_SHORTHAND_SEED,         /* --seed N: metadata.seed=N */
  CLI_SHORTHAND_REPLICATIONS, /* --replications K: metadata.replications=K */
  CLI_SHORTHAND_DURATION,     /* --duration T: metadata.duration=T */
  CLI_SHORTHANDS
} cli_shorthand;

/* Writes the override `value` of shorthand `sh` stands for into buf.
 * Returns CLI_CONTINUE, or CLI_EXIT_USAGE after a message: --seed must be a
 * whole number, like --jobs, rather than an error in the scenario. */
int cli_shorthand_override(const char *cmd, cli_shorthand sh, const char *value, char *buf,
                           size_t n);

/* The scenario FILE argument of run and sweep: sets *file, or after a
 * second one returns CLI_EXIT_USAGE with a message; else CLI_CONTINUE. */
int cli_take_file(const char *cmd, const char **file, const char *arg);

/* Strict parsing of an option value; prints "meshsim CMD: error: ..." and
 * returns -1 when the value is not a whole number in [min, max]. */
int cli_parse_u64(const char *cmd, const char *option, const char *value, uint64_t min,
                  uint64_t max, uint64_t *out);

/* The number of online cores, the default of --jobs. */
uint64_t cli_cores(void);

/* Ctrl-C and SIGTERM set the returned flag (cleared first) instead of
 * ending the process, until cli_interrupts_restore puts the old handlers
 * back. Models and the sweep runner poll the flag and stop. */
typedef struct cli_interrupts {
  struct sigaction old_int, old_term;
} cli_interrupts;
volatile int *cli_interrupts_catch(cli_interrupts *saved);
void cli_interrupts_restore(const cli_interrupts *saved);

/* db_open(path, flags, out); on failure prints "meshsim CMD: error: <why>"
 * to stderr and returns CLI_EXIT_FAIL (*out stays NULL). */
/* --max-events N / --max-memory SIZE into *b (which starts at the defaults:
 * cli_budget_default). CLI_CONTINUE, or CLI_EXIT_USAGE after a message. */
work_budget cli_budget_default(void);
int cli_parse_max_events(const char *cmd, const char *value, work_budget *b);
int cli_parse_max_memory(const char *cmd, const char *value, work_budget *b);

/* Refuses a loaded scenario whose work estimate is over budget b with `jobs`
 * modes at once: prints the diagnostic and returns CLI_EXIT_FAIL; else
 * CLI_CONTINUE. */
int cli_check_work(const sweep_point *p, const char *path, const work_budget *b, uint32_t jobs);

int cli_db_open(const char *cmd, const char *path, unsigned flags, db **out);

/* Prints "meshsim CMD: error: <formatted>" to stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
