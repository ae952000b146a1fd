/* main: meshsim's entry point; dispatches subcommands from a table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct cli_command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} cli_command;

static const cli_command cli_commands[] = {
    {"run", cli_cmd_run, "simulate a scenario in every mode and compare them"},
    {"validate", cli_cmd_validate, "check a scenario file without running it"},
    {"profiles", cli_cmd_profiles, "list the built-in calibration profiles"},
    {"report", cli_cmd_report,
     "write a Markdown/HTML report with charts from the results database"},
    {"export", cli_cmd_export, "export the results database as CSV files"},
    {"sweep", cli_cmd_sweep, "run a scenario over a grid of parameter values (cores, shards)"},
    {"merge", cli_cmd_merge, "combine results databases (sweep shards) into one"},
    {"import", cli_cmd_import, "write a scenario from Kubernetes objects and monitoring data"},
    {"calibrate", cli_cmd_calibrate, "write a calibration profile from fortio results"},
    {"advise", cli_cmd_advise, "which mode each namespace should run, and how to get there"},
};

static void cli_usage(FILE *f) {
  fprintf(f, "usage: meshsim <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof cli_commands / sizeof cli_commands[0]; i++)
    fprintf(f, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].summary);
  fprintf(f, "\n'meshsim <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    cli_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    cli_usage(stdout);
    return CLI_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("meshsim %s\n", MESHSIM_VERSION);
    return CLI_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof cli_commands / sizeof cli_commands[0]; i++)
    if (!strcmp(argv[1], cli_commands[i].name))
      return cli_commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "meshsim: unknown command '%s'\n\n", argv[1]);
  cli_usage(stderr);
  return CLI_EXIT_USAGE;
}
