/* cmd_export: `meshsim export --csv DIR`: every table of the results
 * database as an RFC 4180 CSV file, for spreadsheets and scripts. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "csv_export.h"
#include "db.h"

/* Options in one table: the parser and --help both read it. */
enum { EO_DB, EO_CSV, EO_HELP, EO_COUNT };

static const struct {
  const char *name;
  const char *arg; /* NULL: a flag */
  const char *help;
} export_opts[EO_COUNT] = {
    [EO_DB] = {"--db", "PATH", "results database (default: " DB_DEFAULT_PATH ")"},
    [EO_CSV] = {"--csv", "DIR", "directory for one TABLE.csv per table (created if missing)"},
    [EO_HELP] = {"--help", NULL, "this text (also -h)"},
};

static void export_usage(FILE *f) {
  fprintf(f, "usage: meshsim export [--db PATH] --csv DIR\n\n"
             "Writes every table of the results database (runs, mode_summary, series, ...)\n"
             "as DIR/TABLE.csv: RFC 4180, header row, CRLF line ends.\n\n"
             "options:\n");
  for (int i = 0; i < EO_COUNT; i++) {
    char left[32];
    snprintf(left, sizeof left, "%s%s%s", export_opts[i].name, export_opts[i].arg ? " " : "",
             export_opts[i].arg ? export_opts[i].arg : "");
    fprintf(f, "  %-18s %s\n", left, export_opts[i].help);
  }
}

/* Strict table-driven parsing: --opt VALUE or --opt=VALUE, each at most once,
 * no positional arguments. Returns -1 after printing a usage error. */
static int export_parse(int argc, char **argv, const char *val[EO_COUNT], int seen[EO_COUNT]) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h"))
      a = "--help";
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    int o = -1;
    for (int j = 0; j < EO_COUNT && strncmp(a, "--", 2) == 0; j++)
      if (strlen(export_opts[j].name) == len && !strncmp(a, export_opts[j].name, len))
        o = j;
    if (o < 0) {
      if (a[0] == '-')
        cli_usage_error("export", "unknown option \"%s\" (see meshsim export --help)", argv[i]);
      else
        cli_usage_error("export", "unexpected argument \"%s\" (see meshsim export --help)", a);
      return -1;
    }
    if (seen[o]) {
      cli_usage_error("export", "%s given twice", export_opts[o].name);
      return -1;
    }
    seen[o] = 1;
    if (!export_opts[o].arg) {
      if (eq) {
        cli_usage_error("export", "%s takes no value", export_opts[o].name);
        return -1;
      }
      continue;
    }
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v || !*v) {
      cli_usage_error("export", "%s needs a value (%s)", export_opts[o].name, export_opts[o].arg);
      return -1;
    }
    val[o] = v;
  }
  return 0;
}

int cli_cmd_export(int argc, char **argv) {
  const char *val[EO_COUNT] = {0};
  int seen[EO_COUNT] = {0};
  if (export_parse(argc, argv, val, seen) != 0)
    return CLI_EXIT_USAGE;
  if (seen[EO_HELP]) {
    export_usage(stdout);
    return CLI_EXIT_OK;
  }
  if (!val[EO_CSV])
    return cli_usage_error("export", "--csv DIR is required (see meshsim export --help)");
  const char *path = val[EO_DB] ? val[EO_DB] : DB_DEFAULT_PATH;
  db *d = NULL;
  char err[1024];
  if (db_open(path, 0, &d, err, sizeof err) != 0) {
    fprintf(stderr, "meshsim export: error: %s\n", err);
    return CLI_EXIT_FAIL;
  }
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
