/* report_internal: what the report_*.c files share; not a public interface.
 *
 * Who calls whom, one way only: report.c (the entry) picks the batch report
 * (report_batch.c, with its sections report_blast.c and report_failures.c) or
 * the sweep report (report_sweep.c); both render through report_render.c,
 * which writes with report_doc.c and draws with report_chart.c.
 *
 * report_doc: one writer that emits the same document as Markdown and as
 * HTML, so the two never drift apart. Text given to it is plain text with
 * one piece of markup, `code` spans; everything else is escaped for each
 * output (Markdown punctuation, HTML entities).
 *
 * report_chart: gnuplot discovery and the chart writers. Each chart is
 * NAME.dat + NAME.gp in the charts directory; running `gnuplot NAME.gp`
 * there draws NAME.png (or .svg). */
#ifndef MESHSIM_REPORT_INTERNAL_H
#define MESHSIM_REPORT_INTERNAL_H

#include <stdio.h>

#include "report.h"
#include "result.h"

#define REPORT_CHART_DIR "charts"
#define REPORT_PATH_MAX  4096

/* ---- report_doc ------------------------------------------------------------ */

typedef struct report_doc {
  FILE *md, *html;
  int in_list;
  char align[64]; /* of the open table */
  int failed;     /* a write failed (disk full, ...) */
} report_doc;

/* Opens dir/report.md and dir/report.html; with title NULL, dir "/dev",
 * a document whose text is discarded (/dev/null). */
int report_doc_open(report_doc *doc, const char *dir, const char *title, char *err, size_t n);
/* Finishes both files; DB_EIO when anything failed to write. */
int report_doc_close(report_doc *doc);
void report_doc_heading(report_doc *doc, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void report_doc_para(report_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_doc_item(report_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_doc_end_list(report_doc *doc);
/* A table: `align` has one letter per column, 'l' or 'r'. Cells are plain
 * text (with `code` spans). */
void report_doc_table_begin(report_doc *doc, size_t ncols, const char *const *head,
                            const char *align);
void report_doc_table_row(report_doc *doc, size_t ncols, const char *const *cells);
void report_doc_table_end(report_doc *doc);
/* An image relative to the report directory, with a caption. */
void report_doc_image(report_doc *doc, const char *src, const char *caption);

/* snprintf that truncates silently: for messages and paths whose worst-case
 * length the compiler cannot see is bounded. */
void report_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Copies `s` into buf for use inside a `code` span (backticks would end it). */
const char *report_code(char *buf, size_t n, const char *s);

/* Text of table cells and sentences, written into buf and returned: a value
 * in report_format_value()'s format, a count, a fraction as a percentage
 * ("12.3%", "n/a"). */
#define REPORT_CELL_MAX 96
const char *report_num(char *buf, size_t n, double v);
const char *report_count(char *buf, size_t n, uint64_t v);
const char *report_pct(char *buf, size_t n, double fraction);
/* The mode's name ("?" for a mode this build does not know). */
const char *report_mode_name(const mode_result *m);
/* "slower than 100 ms" from the stored SLO; "over the latency SLO" when the
 * database predates it. */
const char *report_slo_phrase(const run_result *r, char *buf, size_t n);
/* The objective's latency, "p99 at most 100 ms"; NULL when the database
 * predates the stored objective. */
const char *report_objective_latency(const run_result *r, char *buf, size_t n);

/* ---- report_chart ------------------------------------------------------------ */

typedef struct report_gp {
  char program[REPORT_PATH_MAX]; /* resolved path; "" when missing */
  char terminal[16];             /* pngcairo, png or svg */
  char ext[8];                   /* png or svg */
} report_gp;

/* Finds gnuplot and a terminal it supports: for `format` "png" pngcairo,
 * then png; for "svg" svg; for NULL or "" the first of pngcairo, png, svg.
 * Returns 0, or DB_ETOOL with `why` explaining what is missing. */
int report_gp_probe(report_gp *gp, const char *program, const char *format, char *why, size_t n);

#define REPORT_MAX_CHARTS 64

/* How chart writers treat the image: draw it at once, or (two passes,
 * so one gnuplot process can draw every chart) only write the script in
 * the first pass and look the image up in the second. */
enum { REPORT_CHART_NOW, REPORT_CHART_PLAN, REPORT_CHART_LOOKUP };

typedef struct report_charts {
  char dir[REPORT_PATH_MAX]; /* out_dir/charts */
  const report_gp *gp;       /* NULL: write scripts and data only */
  char terminal[16], ext[8]; /* what the scripts draw: from gp, else the wanted format */
  int mode;                  /* REPORT_CHART_* */
  int planned, written;
  char names[REPORT_MAX_CHARTS][32]; /* planned charts (PLAN mode) */
  char error[512];                   /* first chart failure, for the report */
} report_charts;

/* Draws every chart planned so far: one gnuplot process for all of them,
 * and, if that fails, one per chart so a broken chart costs only itself.
 * Sets c->written. */
void report_chart_render_planned(report_charts *c);

/* One curve of a line chart. */
typedef struct report_line {
  const char *title;
  const double *x, *y;
  size_t n;
  size_t hollow_of; /* 0: a curve; k > 0: hollow markers only, in the colour of
                       lines[k - 1] (sweeps: the points where a mode misses) */
} report_line;

/* How report_chart_lines draws its curves. Every curve has its colour; the
 * flags that mark points also give each curve its own dash type and marker,
 * so curves that lie on each other stay apart; earlier curves are drawn
 * wider, so a curve covered by a later one still shows at its edges. */
enum {
  REPORT_LOGX = 1 << 0,
  REPORT_LOGY = 1 << 1,
  REPORT_POINTS = 1 << 2,      /* lines through a marker at each data point (sweeps: the
                                  points that were run) */
  REPORT_POINTS_ONLY = 1 << 3, /* markers, no lines: x values that are categories, between
                                  which a line would mean nothing */
  REPORT_MARKS = 1 << 4,       /* lines with about ten markers each (dense curves: CDFs) */
};

/* Generic line chart, also the building block for sweep charts (metric vs
 * parameter, one curve per mode). `extra` is appended to the script before
 * the plot command (objects, ranges); may be NULL. Returns 1 when the image
 * was drawn, 0 when only the script was written, negative on I/O errors. */
int report_chart_lines(report_charts *c, const char *name, const char *title, const char *xlabel,
                       const char *ylabel, const report_line *lines, size_t n, unsigned flags,
                       const char *extra);
/* The objective's latency for a chart script, before its plot command (into
 * buf, returned; "" when the database predates the stored objective): a
 * dashed line at slo_ms, horizontal (latency on y) or vertical (latency on
 * x), labelled "objective: p99 at most 100 ms". It uses arrow and label 1. */
const char *report_chart_slo_line(char *buf, size_t n, const run_result *r, int vertical);
int report_chart_resources(report_charts *c, const run_result *r, int memory);
/* Mesh CPU and memory only (proxies and control plane, no apps), used and
 * reserved per mode, in two panels: the differences between modes that
 * the application's share flattens in report_chart_resources. */
int report_chart_mesh_resources(report_charts *c, const run_result *r);
int report_chart_quantiles(report_charts *c, const run_result *r);
int report_chart_cost(report_charts *c, const run_result *r);
int report_chart_blast(report_charts *c, const run_result *r);

/* File name of chart `name` relative to the report directory. */
void report_chart_src(const report_charts *c, const char *name, char *buf, size_t n);
/* Adds chart `name` to the document when `drawn` (a chart writer's result) is 1. */
void report_chart_image(report_doc *doc, const report_charts *c, const char *name, int drawn,
                        const char *caption);

/* ---- report_render (shared by batch and sweep reports) ------------------------ */

/* Formats the message into info->error and returns code, so a failure
 * path stays one line: `return report_fail(info, DB_EIO, "...", ...);`. */
int report_fail(report_info *info, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Creates out_dir/charts (old charts removed), finds gnuplot, then calls
 * write(ctx) twice: once to plan the charts (text discarded), and after
 * one gnuplot run draws them, once to write report.md and report.html
 * (titled `title`) with the images that exist. `charts` and `doc` are the
 * ones write() uses. Fills the chart fields of *info; 0 or DB_E*. */
int report_render(const report_options *opt, report_info *info, report_charts *charts,
                  report_gp *gp, report_doc *doc, const char *title, void (*write)(void *ctx),
                  void *ctx);

/* ---- the batch report (report_batch.c, report_blast.c, report_failures.c) ----- */

typedef struct report_batch {
  db *d;
  const report_options *opt;
  report_info *info;
  run_result run;
  uint32_t base; /* index of the baseline mode */
  report_doc doc;
  report_charts charts;
  report_gp gp;
} report_batch;

/* The report of the batch the options name (or the latest); 0 or DB_E*. */
int report_batch_write(db *d, const report_options *opt, report_info *info);
/* Its sections on blast radius and failure drills (nothing when the batch has none). */
void report_blast_section(report_batch *c);
/* The Verdict's sentence on blast radius: the proxy instance with the
 * largest radius (request share, then tenants, then pods) among the modes
 * that meet the objective, and the recommended mode's; nothing without
 * stored blast instances. */
void report_blast_verdict(report_batch *c);
void report_failures_section(report_batch *c);
/* Its capacity section (report_capacity.c): nodes against use, hot spots,
 * shared proxies, proxy requests sized from use. */
void report_capacity_section(report_batch *c);
/* Its Namespaces section (report_namespaces.c): each namespace's share of
 * every mode (models/attribution.h). */
void report_namespaces_section(report_batch *c);
/* Its Recommendation section (report_advice.c), for a batch `meshsim
 * advise` stored: the assignment, the uniform modes, the plan. */
void report_advice_section(report_batch *c);

/* ---- the sweep report (report_sweep.c) ------------------------------------------ */

int report_sweep_write(db *d, const report_options *opt, int64_t sweep_id, report_info *info);

#endif
