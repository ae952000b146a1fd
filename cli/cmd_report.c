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
#include "cli_options.h"
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

static const cli_option report_opts[RO_COUNT] = {
    [RO_DB] = {"--db", "PATH", "results database (default: " DB_DEFAULT_PATH ")", .repeat = 0},
    [RO_SCENARIO] = {"--scenario", "NAME", "latest batch of this scenario (default: latest batch)",
                     NULL},
    [RO_BATCH] = {"--batch", "ID", "this batch (ids: meshsim report --list)", .repeat = 0},
    /* --sweep's value is optional: the latest sweep. */
    [RO_SWEEP] = {"--sweep", "[ID|latest]",
                  "a sweep report: metrics against the swept value, crossovers", "latest",
                  .repeat = 0},
    [RO_BASELINE] = {"--baseline", "MODE", "mode the deltas are against (default: first mode)",
                     NULL},
    [RO_OUT] = {"--out", "DIR", "output directory for report.md, report.html, charts/",
                .repeat = 0},
    [RO_FORMAT] = {"--format", "png|svg",
                   "chart images (default: png, or svg if gnuplot has no png)", .repeat = 0},
    [RO_LIST] = {"--list", NULL, "list the stored batches, newest first, and exit", .repeat = 0},
    [RO_HELP] = {"--help", NULL, "this text (also -h)", .repeat = 0},
};

static const cli_options report_cli = {
    .cmd = "report",
    .opts = report_opts,
    .n_opts = RO_COUNT,
    .help = "usage: meshsim report [--db PATH] [--scenario NAME] [--batch ID] "
            "[--baseline MODE] [--format png|svg] --out DIR\n"
            "       meshsim report [--db PATH] --sweep [ID|latest] [--format png|svg] --out DIR\n"
            "       meshsim report [--db PATH] [--scenario NAME] --list\n\n"
            "Writes DIR/report.md and DIR/report.html comparing the modes of one stored run,\n"
            "with charts drawn by gnuplot in DIR/charts/. Everything comes from the database.\n"
            "Without --batch or --sweep it reports the latest batch, or its whole sweep when\n"
            "that batch is a point of a sweep (meshsim sweep).\n\n",
    .width = 18,
    .help_end = "\nenvironment:\n"
                "  MESHSIM_GNUPLOT    gnuplot program to run (default: gnuplot in PATH)\n"};

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
  const char *val[RO_COUNT];
  int status = cli_options_parse(&report_cli, argc, argv, val, NULL);
  if (status != CLI_CONTINUE)
    return status;
  uint64_t batch = 0;
  if (val[RO_BATCH] && cli_parse_u64("report", "--batch", val[RO_BATCH], 1, INT64_MAX, &batch) != 0)
    return CLI_EXIT_USAGE;
  uint64_t sweep_id = 0;
  if (val[RO_SWEEP] && strcmp(val[RO_SWEEP], "latest") != 0 &&
      cli_parse_u64("report", "--sweep", val[RO_SWEEP], 1, INT64_MAX, &sweep_id) != 0)
    return CLI_EXIT_USAGE;
  if (val[RO_SWEEP] && val[RO_BATCH])
    return cli_usage_error("report", "--batch and --sweep exclude each other");
  if (val[RO_BASELINE] && mesh_mode_from_label(val[RO_BASELINE]) < 0)
    return cli_usage_error("report", "--baseline: unknown mode \"%s\"; valid modes are: %s",
                           val[RO_BASELINE], mesh_mode_names_list());
  if (val[RO_FORMAT] && strcmp(val[RO_FORMAT], "png") != 0 && strcmp(val[RO_FORMAT], "svg") != 0)
    return cli_usage_error("report", "--format: unknown format \"%s\"; valid formats are: png, svg",
                           val[RO_FORMAT]);
  if (!val[RO_LIST] && !val[RO_OUT])
    return cli_usage_error("report", "--out DIR is required (see meshsim report --help)");

  const char *path = val[RO_DB] ? val[RO_DB] : DB_DEFAULT_PATH;
  db *d = NULL;
  if (cli_db_open("report", path, 0, &d) != 0)
    return CLI_EXIT_FAIL;
  if (val[RO_LIST]) {
    status = report_list(d, val[RO_SCENARIO]);
    db_close(d);
    return status;
  }
  report_options opt = {.scenario = val[RO_SCENARIO],
                        .batch_id = (int64_t)batch,
                        .sweep_id = !val[RO_SWEEP]
                                        ? (batch ? REPORT_SWEEP_NEVER : REPORT_SWEEP_AUTO)
                                    : sweep_id ? (int64_t)sweep_id
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
