/* report_render: what the batch and the sweep report share: the two-pass
 * rendering (plan the charts, draw them with one gnuplot run, write the text
 * with the images that exist) and the failure helper report_fail(). Both
 * reports call into this file; it calls neither. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fsdir.h"
#include "report_internal.h"

int report_fail(report_info *info, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(info->error, sizeof info->error, fmt, ap);
  va_end(ap);
  return code;
}

static int has_suffix(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Removes the previous report's charts, so report.html never points at an
 * image left over from an older batch. Only our own file types. */
static void clean_chart_dir(const char *dir) {
  DIR *dh = opendir(dir);
  if (!dh)
    return;
  struct dirent *e;
  while ((e = readdir(dh)) != NULL) {
    if (has_suffix(e->d_name, ".png") || has_suffix(e->d_name, ".svg") ||
        has_suffix(e->d_name, ".gp") || has_suffix(e->d_name, ".dat") ||
        has_suffix(e->d_name, ".log")) {
      char path[REPORT_PATH_MAX];
      report_fmt(path, sizeof path, "%s/%s", dir, e->d_name);
      remove(path);
    }
  }
  closedir(dh);
}

/* Pass 1 writes every chart's script (the text goes nowhere), one gnuplot
 * run draws them, pass 2 writes the text with the images that exist. */
int report_render(const report_options *opt, report_info *info, report_charts *charts,
                  report_gp *gp, report_doc *doc, const char *title, void (*write)(void *ctx),
                  void *ctx) {
  if (opt->format && *opt->format && strcmp(opt->format, "png") != 0 &&
      strcmp(opt->format, "svg") != 0)
    return report_fail(info, ERR_EINVAL, "unknown chart format '%s'; valid formats are: png, svg",
                       opt->format);
  report_fmt(charts->dir, sizeof charts->dir, "%s/%s", opt->out_dir, REPORT_CHART_DIR);
  if (fsdir_mkdir_p(charts->dir) != 0)
    return report_fail(info, DB_EIO, "%s: cannot create directory: %s", charts->dir,
                       strerror(errno));
  clean_chart_dir(charts->dir);
  if (report_gp_probe(gp, opt->gnuplot, opt->format, info->warning, sizeof info->warning) == 0) {
    charts->gp = gp;
    report_fmt(info->chart_format, sizeof info->chart_format, "%s", gp->ext);
    report_fmt(info->terminal, sizeof info->terminal, "%s", gp->terminal);
    report_fmt(charts->terminal, sizeof charts->terminal, "%s", gp->terminal);
    report_fmt(charts->ext, sizeof charts->ext, "%s", gp->ext);
  } else {
    /* Scripts are still written, for the format asked for. */
    int svg = opt->format && !strcmp(opt->format, "svg");
    report_fmt(charts->terminal, sizeof charts->terminal, "%s", svg ? "svg" : "pngcairo");
    report_fmt(charts->ext, sizeof charts->ext, "%s", svg ? "svg" : "png");
    info->gnuplot_missing = 1;
  }
  int rc = report_doc_open(doc, "/dev", NULL, info->error, sizeof info->error);
  if (rc == 0) {
    charts->mode = REPORT_CHART_PLAN;
    write(ctx);
    report_doc_close(doc);
    report_chart_render_planned(charts);
    if (charts->gp && charts->written < charts->planned)
      report_fmt(info->warning, sizeof info->warning, "%d of %d charts were not drawn: %s",
                 charts->planned - charts->written, charts->planned, charts->error);
    else if (!charts->gp && charts->error[0] && !info->warning[0])
      report_fmt(info->warning, sizeof info->warning, "%s", charts->error);
    rc = report_doc_open(doc, opt->out_dir, title, info->error, sizeof info->error);
  }
  if (rc == 0) {
    charts->mode = REPORT_CHART_LOOKUP;
    write(ctx);
    rc = report_doc_close(doc);
    if (rc < 0)
      report_fail(info, rc, "%s: writing report.md or report.html failed", opt->out_dir);
  }
  info->charts_planned = charts->planned;
  info->charts_written = charts->written;
  return rc;
}
