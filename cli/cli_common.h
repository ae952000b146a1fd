/* cli_common: what several subcommands share: loading a scenario with its
 * calibration profiles (printing diagnostics), strict number parsing of
 * option values, and catching Ctrl-C and SIGTERM. */
#ifndef MESHSIM_CLI_COMMON_H
#define MESHSIM_CLI_COMMON_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "sweep_point.h"

/* Loads the scenario at path with overrides applied, and the profiles its
 * modes need (sweep_point_load). Prints every diagnostic to stderr as it
 * is (file:line:col), then "meshsim CMD: error: why" when there is more to
 * say. Returns 0 (release *out with sweep_point_release) or CLI_EXIT_FAIL. */
int cli_load(const char *cmd, const char *path, const char *const *overrides, size_t n_overrides,
             sweep_point *out);

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

/* One option of a command's table: the parser and --help both read it. */
typedef struct cli_option {
  const char *name;       /* "--db" */
  const char *arg;        /* "PATH" in the help; NULL: a flag */
  const char *help;       /* one line */
  const char *if_omitted; /* non-NULL: the value may be left out (no "=" and the next
                             argument absent or an option) and is then this */
} cli_option;

/* Strict table-driven parsing of argv[1..argc-1]: --opt VALUE or --opt=VALUE,
 * each option at most once, -h meaning --help, no positional arguments.
 * Fills val[j] with option j's value and sets seen[j]. Returns 0, or -1
 * after printing a usage error ("meshsim CMD: error: ..."). */
int cli_parse_options(const char *cmd, const cli_option *opts, int n_opts, int argc, char **argv,
                      const char **val, int *seen);

/* The "options:" lines of --help: "  --name ARG         help", one per option. */
void cli_print_options(FILE *f, const cli_option *opts, int n_opts);

/* db_open(path, flags, out); on failure prints "meshsim CMD: error: <why>"
 * to stderr and returns CLI_EXIT_FAIL (*out stays NULL). */
int cli_db_open(const char *cmd, const char *path, unsigned flags, db **out);

/* Prints "meshsim CMD: error: <formatted>" to stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
