/* cli: the meshsim command-line front end. Each subcommand is a function
 * taking its own argv (argv[0] is the subcommand name) and returning the
 * process exit status; main.c dispatches from a table. Only cli/ exits. */
#ifndef MESHSIM_CLI_H
#define MESHSIM_CLI_H

/* Exit statuses shared by every subcommand. */
enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAIL = 1,  /* the work failed (bad scenario, I/O error) */
  CLI_EXIT_USAGE = 2, /* bad command line */
  CLI_EXIT_INTERRUPTED = 130,
  CLI_CONTINUE = -1 /* not an exit status: what a step returns when the command goes on */
};

int cli_cmd_run(int argc, char **argv);
int cli_cmd_validate(int argc, char **argv);
int cli_cmd_report(int argc, char **argv);
int cli_cmd_export(int argc, char **argv);
int cli_cmd_profiles(int argc, char **argv);
int cli_cmd_sweep(int argc, char **argv);
int cli_cmd_merge(int argc, char **argv);
int cli_cmd_import(int argc, char **argv);
int cli_cmd_calibrate(int argc, char **argv);
int cli_cmd_advise(int argc, char **argv);

#endif
