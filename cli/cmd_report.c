/* cmd_report: `meshsim report`: the Markdown/HTML comparison report of a
 * stored batch or sweep, with gnuplot charts; `--list` shows what is
 * stored. Without --batch or --sweep the latest thing stored is reported:
 * a sweep when the latest batch is one of its points. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "db.h"
#include "mesh_types.h"
#include "report.h"

/* Options in one table: the parser and --help both read it. */
enum {
  RO_DB,
  RO_SCENARIO,
  RO_BATCH,
  RO_SWEEP,
  RO_BASELINE,
  RO_OUT,
  RO_FORMAT,
  RO_LIST,
  RO_HELP,
  RO_COUNT
};

static const struct {
  const char *name;
  const char *arg; /* NULL: a flag */
  const char *help;
} report_opts[RO_COUNT] = {
    [RO_DB] = {"--db", "PATH", "results database (default: " DB_DEFAULT_PATH ")"},
    [RO_SCENARIO] = {"--scenario", "NAME", "latest batch of this scenario (default: latest batch)"},
    [RO_BATCH] = {"--batch", "ID", "this batch (ids: meshsim report --list)"},
    [RO_SWEEP] = {"--sweep", "[ID|latest]",
                  "a sweep report: metrics against the swept value, crossovers"},
    [RO_BASELINE] = {"--baseline", "MODE", "mode the deltas are against (default: first mode)"},
    [RO_OUT] = {"--out", "DIR", "output directory for report.md, report.html, charts/"},
    [RO_FORMAT] = {"--format", "png|svg",
                   "chart images (default: png, or svg if gnuplot has no png)"},
    [RO_LIST] = {"--list", NULL, "list the stored batches, newest first, and exit"},
    [RO_HELP] = {"--help", NULL, "this text (also -h)"},
};

static void report_usage(FILE *f) {
  fprintf(f, "usage: meshsim report [--db PATH] [--scenario NAME] [--batch ID] "
             "[--baseline MODE] [--format png|svg] --out DIR\n"
             "       meshsim report [--db PATH] --sweep [ID|latest] [--format png|svg] --out DIR\n"
             "       meshsim report [--db PATH] [--scenario NAME] --list\n\n"
             "Writes DIR/report.md and DIR/report.html comparing the modes of one stored run,\n"
             "with charts drawn by gnuplot in DIR/charts/. Everything comes from the database.\n"
             "Without --batch or --sweep it reports the latest batch, or its whole sweep when\n"
             "that batch is a point of a sweep (meshsim sweep).\n\n"
             "options:\n");
  for (int i = 0; i < RO_COUNT; i++) {
    char left[40];
    snprintf(left, sizeof left, "%s%s%s", report_opts[i].name, report_opts[i].arg ? " " : "",
             report_opts[i].arg ? report_opts[i].arg : "");
    fprintf(f, "  %-18s %s\n", left, report_opts[i].help);
  }
  fprintf(
      f,
      "\nenvironment:\n  MESHSIM_GNUPLOT    gnuplot program to run (default: gnuplot in PATH)\n");
}

/* Strict table-driven parsing: --opt VALUE or --opt=VALUE, each at most once,
 * no positional arguments. Returns -1 after printing a usage error. */
static int report_parse(int argc, char **argv, const char *val[RO_COUNT], int seen[RO_COUNT]) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h"))
      a = "--help";
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    int o = -1;
    for (int j = 0; j < RO_COUNT && strncmp(a, "--", 2) == 0; j++)
      if (strlen(report_opts[j].name) == len && !strncmp(a, report_opts[j].name, len))
        o = j;
    if (o < 0) {
      if (a[0] == '-')
        cli_usage_error("report", "unknown option \"%s\" (see meshsim report --help)", argv[i]);
      else
        cli_usage_error("report", "unexpected argument \"%s\" (see meshsim report --help)", a);
      return -1;
    }
    if (seen[o]) {
      cli_usage_error("report", "%s given twice", report_opts[o].name);
      return -1;
    }
    seen[o] = 1;
    if (!report_opts[o].arg) {
      if (eq) {
        cli_usage_error("report", "%s takes no value", report_opts[o].name);
        return -1;
      }
      continue;
    }
    /* --sweep's value is optional: the latest sweep. */
    if (o == RO_SWEEP && !eq && (i + 1 >= argc || argv[i + 1][0] == '-')) {
      val[o] = "latest";
      continue;
    }
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v || !*v) {
      cli_usage_error("report", "%s needs a value (%s)", report_opts[o].name, report_opts[o].arg);
      return -1;
    }
    val[o] = v;
  }
  return 0;
}

static int report_list(db *d, const char *name) {
  db_batch_info *b = NULL;
  size_t n = 0;
  if (db_list_batches(d, name, 0, &b, &n) < 0) {
    fprintf(stderr, "meshsim report: error: %s\n", db_errmsg(d));
    return CLI_EXIT_FAIL;
  }
  if (n == 0) {
    fprintf(stderr, "meshsim report: %s holds no runs%s%s\n", db_path(d),
            name ? " of scenario " : "", name ? name : "");
  } else {
    printf("%6s  %-20s  %-20s  %-16s  %6s  %4s  %-8s  %s\n", "batch", "started (UTC)", "scenario",
           "hash", "seed", "reps", "version", "modes [params]");
    for (size_t i = 0; i < n; i++)
      printf("%6" PRId64 "  %-20s  %-20s  %-16s  %6" PRIu64 "  %4u  %-8s  %s%s%s%s\n", b[i].id,
             b[i].started_at, b[i].scenario, b[i].scenario_hash, b[i].seed, b[i].replications,
             b[i].version, b[i].modes, b[i].params[0] ? " [" : "", b[i].params,
             b[i].params[0] ? "]" : "");
  }
  free(b);
  db_sweep_info *sw = NULL;
  size_t ns = 0;
  if (!name && db_list_sweeps(d, &sw, &ns) == 0 && ns > 0) {
    printf("\n%6s  %-20s  %-20s  %-13s  %s\n", "sweep", "created (UTC)", "scenario", "points",
           "keys");
    for (size_t i = 0; i < ns; i++) {
      char pts[32];
      snprintf(pts, sizeof pts, "%u/%u", sw[i].n_stored, sw[i].n_points);
      printf("%6" PRId64 "  %-20s  %-20s  %-13s  %s\n", sw[i].id, sw[i].created_at, sw[i].scenario,
             pts, sw[i].keys);
    }
  }
  free(sw);
  return CLI_EXIT_OK;
}

int cli_cmd_report(int argc, char **argv) {
  const char *val[RO_COUNT] = {0};
  int seen[RO_COUNT] = {0};
  if (report_parse(argc, argv, val, seen) != 0)
    return CLI_EXIT_USAGE;
  if (seen[RO_HELP]) {
    report_usage(stdout);
    return CLI_EXIT_OK;
  }
  uint64_t batch = 0;
  if (val[RO_BATCH] && cli_parse_u64("report", "--batch", val[RO_BATCH], 1, INT64_MAX, &batch) != 0)
    return CLI_EXIT_USAGE;
  uint64_t sweep = 0;
  if (val[RO_SWEEP] && strcmp(val[RO_SWEEP], "latest") != 0 &&
      cli_parse_u64("report", "--sweep", val[RO_SWEEP], 1, INT64_MAX, &sweep) != 0)
    return CLI_EXIT_USAGE;
  if (val[RO_SWEEP] && val[RO_BATCH])
    return cli_usage_error("report", "--batch and --sweep exclude each other");
  if (val[RO_BASELINE] && mesh_mode_from_name(val[RO_BASELINE]) < 0)
    return cli_usage_error("report", "--baseline: unknown mode \"%s\"; valid modes are: %s",
                           val[RO_BASELINE], mesh_mode_names_list());
  if (val[RO_FORMAT] && strcmp(val[RO_FORMAT], "png") != 0 && strcmp(val[RO_FORMAT], "svg") != 0)
    return cli_usage_error("report", "--format: unknown format \"%s\"; valid formats are: png, svg",
                           val[RO_FORMAT]);
  if (!seen[RO_LIST] && !val[RO_OUT])
    return cli_usage_error("report", "--out DIR is required (see meshsim report --help)");

  const char *path = val[RO_DB] ? val[RO_DB] : DB_DEFAULT_PATH;
  db *d = NULL;
  char err[1024];
  if (db_open(path, 0, &d, err, sizeof err) != 0) {
    fprintf(stderr, "meshsim report: error: %s\n", err);
    return CLI_EXIT_FAIL;
  }
  if (seen[RO_LIST]) {
    int status = report_list(d, val[RO_SCENARIO]);
    db_close(d);
    return status;
  }
  report_options opt = {.scenario = val[RO_SCENARIO],
                        .batch_id = (int64_t)batch,
                        .sweep_id = !val[RO_SWEEP]
                                        ? (batch ? REPORT_SWEEP_NEVER : REPORT_SWEEP_AUTO)
                                    : sweep ? (int64_t)sweep
                                            : REPORT_SWEEP_LATEST,
                        .baseline = val[RO_BASELINE],
                        .out_dir = val[RO_OUT],
                        .format = val[RO_FORMAT],
                        .gnuplot = getenv("MESHSIM_GNUPLOT")};
  report_info info;
  int rc = report_write(d, &opt, &info);
  db_close(d);
  if (rc < 0) {
    fprintf(stderr, "meshsim report: error: %s\n", info.error);
    return CLI_EXIT_FAIL;
  }
  if (info.warning[0])
    fprintf(stderr, "meshsim report: warning: %s\n", info.warning);
  if (info.sweep_id > 0)
    printf("wrote %s/report.md and %s/report.html with %d chart%s (sweep %" PRId64
           ", %d points, %d crossover%s)\n",
           opt.out_dir, opt.out_dir, info.charts_written, info.charts_written == 1 ? "" : "s",
           info.sweep_id, info.points, info.crossovers, info.crossovers == 1 ? "" : "s");
  else
    printf("wrote %s/report.md and %s/report.html with %d chart%s (batch %" PRId64 ")\n",
           opt.out_dir, opt.out_dir, info.charts_written, info.charts_written == 1 ? "" : "s",
           info.batch_id);
  return CLI_EXIT_OK;
}
