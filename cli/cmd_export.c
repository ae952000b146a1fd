/* cmd_export: `meshsim export --csv DIR`: every table of the results
 * database as an RFC 4180 CSV file, for spreadsheets and scripts. */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"
#include "csv_export.h"
#include "db.h"

/* Options in one table: the parser and --help both read it. */
enum { EO_DB, EO_CSV, EO_HELP, EO_COUNT };

static const cli_option export_opts[EO_COUNT] = {
    [EO_DB] = {"--db", "PATH", "results database (default: " DB_DEFAULT_PATH ")", .repeat = 0},
    [EO_CSV] = {"--csv", "DIR", "directory for one TABLE.csv per table (created if missing)",
                .repeat = 0},
    [EO_HELP] = {"--help", NULL, "this text (also -h)", .repeat = 0},
};

static const cli_options export_cli = {
    .cmd = "export",
    .opts = export_opts,
    .n_opts = EO_COUNT,
    .help = "usage: meshsim export [--db PATH] --csv DIR\n\n"
            "Writes every table of the results database (runs, mode_summary, series, ...)\n"
            "as DIR/TABLE.csv: RFC 4180, header row, CRLF line ends.\n\n",
    .width = 18};

int cli_cmd_export(int argc, char **argv) {
  const char *val[EO_COUNT];
  int status = cli_options_parse(&export_cli, argc, argv, val, NULL);
  if (status != CLI_CONTINUE)
    return status;
  if (!val[EO_CSV])
    return cli_usage_error("export", "--csv DIR is required (see meshsim export --help)");
  const char *path = val[EO_DB] ? val[EO_DB] : DB_DEFAULT_PATH;
  db *d = NULL;
  if (cli_db_open("export", path, 0, &d) != 0)
    return CLI_EXIT_FAIL;
  csvx_info info;
  int rc = csvx_export(d, val[EO_CSV], &info);
  db_close(d);
  if (rc < 0) {
    fprintf(stderr, "meshsim export: error: %s\n", info.error);
    return CLI_EXIT_FAIL;
  }
  printf("wrote %d tables (%" PRId64 " rows) to %s\n", info.tables, info.rows, val[EO_CSV]);
  return CLI_EXIT_OK;
}
