/* cli_options: the options of every command, parsed with glibc's getopt_long
 * from one table per command that also writes the option list of --help.
 *
 * cli_options_parse walks argv in order (getopt_long's RETURN_IN_ORDER mode:
 * arguments are not moved behind the options, so "run a.yaml --seed 1" and
 * "run --seed 1 a.yaml" are seen as typed), checks the syntax and hands every
 * option and argument to the command's callback, which checks the value.
 * getopt_long's own messages are off (opterr = 0); the messages are
 * meshsim's: "meshsim CMD: error: unknown option \"--x\" (see meshsim CMD
 * --help)", "--db needs a value (PATH)", "--db given twice", "--list takes
 * no value". `--name VALUE` and `--name=VALUE` are the same.
 *
 * Stricter than getopt_long alone: a name must be written whole (getopt_long
 * would take --rep for --replications, so a new option could change what an
 * old command line means), the only short option is -h and only alone, and
 * "--" is an unknown option, as it always was. The commands grew apart before
 * they shared this parser; cli_options.flags and .unknown keep the wording
 * each had (scripts/golden-check pins it). */
#ifndef MESHSIM_CLI_OPTIONS_H
#define MESHSIM_CLI_OPTIONS_H

#include <stdio.h>

#include "cli.h"

#define CLI_OPTIONS_MAX 32
#define CLI_OPTIONS_ARG (-1) /* the callback's `opt` for an argument (not an option) */

/* One option of a command's table. */
typedef struct cli_option {
  const char *name;       /* "--db"; the one named "--help" (also -h) prints the help */
  const char *arg;        /* "PATH" in the help; NULL: a flag */
  const char *help;       /* one line; a '\n' continues it aligned on the next */
  const char *if_omitted; /* non-NULL: the value may be left out (no "=" and the next
                             argument absent or an option) and is then this */
  const char *label;      /* the help's left column, when not "NAME ARG" */
  int repeat;             /* may be given again, every one passed on; else "given twice" */
} cli_option;

enum {
  /* "--x needs a value" without "(ARG)", and an empty value is passed on as
   * a value: run's and sweep's wording from before the shared parser. */
  CLI_OPTIONS_BARE = 1 << 0,
};

/* A command's options, its --help, and how its parser words its errors. */
typedef struct cli_options {
  const char *cmd; /* "run" */
  const cli_option *opts;
  int n_opts;
  /* --help prints `help`, then "options:" and the option list when `width`
   * (of the list's left column) is not 0, then `help_end` when not NULL. */
  const char *help;
  int width;
  const char *help_end;
  unsigned flags; /* CLI_OPTIONS_* */
  /* The message for an unknown option, with one %s for it; NULL: "unknown
   * option \"%s\" (see meshsim CMD --help)". */
  const char *unknown;
  /* Every option (its index in opts) and argument (CLI_OPTIONS_ARG), in the
   * order given, with its value (a flag's is its name). Returns CLI_CONTINUE
   * or, after a message, the exit status. NULL: an argument is an error. */
  int (*on_arg)(void *ctx, int opt, const char *value);
} cli_options;

/* Parses argv[1..argc-1]. Fills val[j] (when val is not NULL; n_opts
 * entries) with option j's last value, NULL when it was not given. Returns
 * CLI_CONTINUE when the command should go on, or the exit status to return
 * at once: CLI_EXIT_OK after printing the help for --help, CLI_EXIT_USAGE
 * after a message, or what the callback returned. */
int cli_options_parse(const cli_options *o, int argc, char **argv, const char **val, void *ctx);

/* The command's --help: its text around the option list, one line per
 * option ("  NAME ARG   help"). */
void cli_options_help(FILE *f, const cli_options *o);

#endif
