/* cli_common: scenario + profile loading and option parsing shared by commands. */
#include "cli_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"

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

int cli_parse_options(const char *cmd, const cli_option *opts, int n_opts, int argc, char **argv,
                      const char **val, int *seen) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h"))
      a = "--help";
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    int o = -1;
    for (int j = 0; j < n_opts && strncmp(a, "--", 2) == 0; j++)
      if (strlen(opts[j].name) == len && !strncmp(a, opts[j].name, len))
        o = j;
    if (o < 0) {
      if (a[0] == '-')
        cli_usage_error(cmd, "unknown option \"%s\" (see meshsim %s --help)", argv[i], cmd);
      else
        cli_usage_error(cmd, "unexpected argument \"%s\" (see meshsim %s --help)", a, cmd);
      return -1;
    }
    if (seen[o]) {
      cli_usage_error(cmd, "%s given twice", opts[o].name);
      return -1;
    }
    seen[o] = 1;
    if (!opts[o].arg) {
      if (eq) {
        cli_usage_error(cmd, "%s takes no value", opts[o].name);
        return -1;
      }
      continue;
    }
    if (opts[o].if_omitted && !eq && (i + 1 >= argc || argv[i + 1][0] == '-')) {
      val[o] = opts[o].if_omitted;
      continue;
    }
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v || !*v) {
      cli_usage_error(cmd, "%s needs a value (%s)", opts[o].name, opts[o].arg);
      return -1;
    }
    val[o] = v;
  }
  return 0;
}

void cli_print_options(FILE *f, const cli_option *opts, int n_opts) {
  for (int i = 0; i < n_opts; i++) {
    char left[40];
    snprintf(left, sizeof left, "%s%s%s", opts[i].name, opts[i].arg ? " " : "",
             opts[i].arg ? opts[i].arg : "");
    fprintf(f, "  %-18s %s\n", left, opts[i].help);
  }
}

int cli_load(const char *cmd, const char *path, const char *const *overrides, size_t n_overrides,
             sweep_point *out) {
  diag_list d;
  diag_list_init(&d);
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
