/* report: Markdown + HTML comparison report of one batch, or of a sweep,
 * with gnuplot charts.
 *
 * Everything is read from the results database (db_load_run), never from a
 * run in memory, so a report can be regenerated and diffed later. The
 * writer produces out_dir/report.md, out_dir/report.html (self-contained
 * apart from its chart images) and, per chart, a gnuplot script (.gp) and
 * its data (.dat) next to the image, so a reader can restyle a chart with
 * `gnuplot cpu.gp`. Charts are rendered by running gnuplot as an external
 * program; without gnuplot the text report is still written and says so.
 *
 * A sweep report (report_sweep.c) draws each metric against the swept
 * parameter, one curve per mode, and states where one mode overtakes
 * another; it reads the sweep's points from the database as well.
 *
 * Files: report.c (the entry: batch or sweep), report_batch.c (the batch
 * report, with its sections report_blast.c and report_failures.c),
 * report_sweep.c (sweeps), report_render.c (the two passes both share),
 * report_doc.c (one writer feeding both Markdown and HTML), report_chart.c
 * (data, scripts, gnuplot); report_internal.h is what they share. */
#ifndef MESHSIM_REPORT_H
#define MESHSIM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* report_options.sweep_id besides an id. */
enum {
  REPORT_SWEEP_AUTO = 0,    /* a sweep report when the latest batch is a sweep point and no
                               batch_id is given; else a batch report */
  REPORT_SWEEP_LATEST = -1, /* the latest sweep */
  REPORT_SWEEP_NEVER = -2   /* always a batch report */
};

typedef struct report_options {
  const char *scenario; /* latest batch of this scenario; NULL = latest of any */
  int64_t batch_id;     /* > 0: this batch (scenario is then only checked) */
  int64_t sweep_id;     /* > 0: this sweep; or REPORT_SWEEP_* */
  const char *baseline; /* mode the deltas are against; NULL = first mode */
  const char *out_dir;  /* created if missing */
  const char *gnuplot;  /* program to run; NULL = "gnuplot" searched in PATH */
  const char *format;   /* chart images: "png", "svg"; NULL = png, else svg */
  int quiet;            /* 1: no progress or warnings on stderr */
} report_options;

typedef struct report_info {
  int64_t batch_id;     /* the batch reported (0 for a sweep) */
  int64_t sweep_id;     /* the sweep reported (0 for a batch) */
  int points;           /* sweep points in the report */
  int crossovers;       /* crossover sentences written */
  int charts_planned;   /* charts the batch has data for */
  int charts_written;   /* chart images that exist afterwards */
  int gnuplot_missing;  /* 1 when gnuplot could not be found or run */
  char chart_format[8]; /* "png" or "svg" ("" without gnuplot) */
  char terminal[16];    /* gnuplot terminal used: pngcairo, png or svg */
  char error[1024];     /* message of a failure (report_write < 0) */
  char warning[1024];   /* why charts are missing, when they are */
} report_info;

/* Writes the report; 0 on success (also when charts could not be drawn,
 * see info->gnuplot_missing / info->warning), negative DB_E* on failure
 * with the message in info->error. */
int report_write(db *d, const report_options *opt, report_info *info);

/* The number format of the report's tables ("12.3", "0.0451", "1234"):
 * three significant digits, at least none after the point for large values.
 * Exposed so tests can look for the numbers they expect. */
void report_format_value(char *buf, size_t n, double v);

#endif
