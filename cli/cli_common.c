/* cli_common: scenario loading, shorthands, numbers, interrupts and error
 * messages shared by the commands; see cli_common.h. */
#include "cli_common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_options.h"
#include "diag.h"
#include "units.h"

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "meshsim %s: error: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_db_open(const char *cmd, const char *path, unsigned flags, db **out) {
  char err[1024];
  if (db_open(path, flags, out, err, sizeof err) != 0) {
    fprintf(stderr, "meshsim %s: error: %s\n", cmd, err);
    return CLI_EXIT_FAIL;
  }
  return 0;
}

int cli_parse_u64(const char *cmd, const char *option, const char *value, uint64_t min,
                  uint64_t max, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  if (!value || !*value || *value == '-') {
    cli_usage_error(cmd, "%s expects a whole number, got \"%s\"", option, value ? value : "");
    return -1;
  }
  unsigned long long v = strtoull(value, &end, 10);
  if (errno || *end || v < min || v > max) {
    cli_usage_error(cmd, "%s expects a whole number from %llu to %llu, got \"%s\"", option,
                    (unsigned long long)min, (unsigned long long)max, value);
    return -1;
  }
  *out = v;
  return 0;
}

uint64_t cli_cores(void) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? (uint64_t)cores : 1;
}

static const struct {
  const char *option, *format;
} cli_shorthands[CLI_SHORTHANDS] = {
    [CLI_SHORTHAND_MODES] = {"--modes", "mesh.modes=[%s]"},
    [CLI_SHORTHAND_SEED] = {"--seed", "metadata.seed=%s"},
    [CLI_SHORTHAND_REPLICATIONS] = {"--replications", "metadata.replications=%s"},
    [CLI_SHORTHAND_DURATION] = {"--duration", "metadata.duration=%s"},
};

int cli_shorthand_override(const char *cmd, cli_shorthand sh, const char *value, char *buf,
                           size_t n) {
  uint64_t seed;
  if (sh == CLI_SHORTHAND_SEED &&
      cli_parse_u64(cmd, cli_shorthands[sh].option, value, 0, UINT64_MAX, &seed) != 0)
    return CLI_EXIT_USAGE;
  /* The value as typed, not as parsed: it is part of the run's identity. */
  snprintf(buf, n, cli_shorthands[sh].format, value);
  return CLI_CONTINUE;
}

int cli_take_file(const char *cmd, const char **file, const char *arg) {
  if (*file)
    return cli_usage_error(cmd, "one scenario file expected, got \"%s\" too", arg);
  *file = arg;
  return CLI_CONTINUE;
}

static volatile sig_atomic_t cli_interrupted;

static void cli_on_signal(int sig) {
  (void)sig;
  cli_interrupted = 1;
}

volatile int *cli_interrupts_catch(cli_interrupts *saved) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = cli_on_signal;
  cli_interrupted = 0;
  sigaction(SIGINT, &sa, &saved->old_int);
  sigaction(SIGTERM, &sa, &saved->old_term);
  /* sig_atomic_t is int on every platform meshsim builds on. */
  return (volatile int *)&cli_interrupted;
}

void cli_interrupts_restore(const cli_interrupts *saved) {
  sigaction(SIGINT, &saved->old_int, NULL);
  sigaction(SIGTERM, &saved->old_term, NULL);
}

int cli_load(const char *cmd, const char *path, const char *const *overrides, size_t n_overrides,
             sweep_point *out) {
  return cli_load_listing(cmd, path, overrides, n_overrides, DIAG_DEFAULT_MAX_LISTED, out);
}

int cli_load_listing(const char *cmd, const char *path, const char *const *overrides,
                     size_t n_overrides, size_t max_listed, sweep_point *out) {
  diag_list d;
  diag_list_init(&d);
  d.max_listed = max_listed;
  char why[512];
  int rc = sweep_point_load(out, path, overrides, n_overrides, &d, why, sizeof why);
  diag_print(&d, stderr);
  diag_list_release(&d);
  if (rc == 0)
    return 0;
  if (why[0])
    fprintf(stderr, "meshsim %s: error: %s\n", cmd, why);
  return CLI_EXIT_FAIL;
}

work_budget cli_budget_default(void) {
  return (work_budget){WORK_DEFAULT_MAX_EVENTS, WORK_DEFAULT_MAX_MEMORY};
}

int cli_parse_max_events(const char *cmd, const char *value, work_budget *b) {
  double x;
  if (units_parse_number(value, &x) != 0 || !(x >= 1) || isinf(x))
    return cli_usage_error(cmd, "--max-events expects a number of events like 1e11, got \"%s\"",
                           value);
  b->max_events = x;
  return CLI_CONTINUE;
}

int cli_parse_max_memory(const char *cmd, const char *value, work_budget *b) {
  int64_t bytes;
  if (units_parse_size(value, &bytes) != 0 || bytes <= 0)
    return cli_usage_error(cmd, "--max-memory expects a size like 16Gi, got \"%s\"", value);
  b->max_memory_bytes = (double)bytes;
  return CLI_CONTINUE;
}

int cli_check_work(const sweep_point *p, const char *path, const work_budget *b, uint32_t jobs) {
  diag_list d;
  diag_list_init(&d);
  int rc = work_check(&p->work, b, jobs, path, &d);
  diag_print(&d, stderr);
  diag_list_release(&d);
  return rc != 0 ? CLI_EXIT_FAIL : CLI_CONTINUE;
}
