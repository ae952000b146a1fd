/* report_chart: the report's charts, drawn by gnuplot run as a program.
 *
 * Each chart is written as NAME.dat (the numbers, whitespace-separated,
 * one block per curve) and NAME.gp (the script, which names its own output
 * file), then `gnuplot NAME.gp` runs with the charts directory as working
 * directory. Keeping script and data next to the image lets a reader
 * restyle or re-render a chart without meshsim, and a failing chart never
 * stops the others. gnuplot is an external program rather than a library
 * because it has no stable C API; its absence only costs the images. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mesh_types.h"
#include "report_internal.h"

#define CHART_W 960
#define CHART_H 540

/* Colours per cost kind, in mesh_kind order, then "system and other". */
static const char *const kind_colour[MESH_KIND_COUNT + 1] = {"#9e9e9e", "#1f77b4", "#2ca02c",
                                                             "#ff7f0e", "#9467bd", "#dcdcdc"};
/* Colours of curves (modes), cycled. */
static const char *const line_colour[] = {"#1f77b4", "#d62728", "#2ca02c",
                                          "#ff7f0e", "#9467bd", "#8c564b"};
#define N_LINE_COLOURS (sizeof line_colour / sizeof line_colour[0])

/* ---- running gnuplot --------------------------------------------------------- */

/* Runs argv with `dir` as working directory (NULL: unchanged), stdin from
 * /dev/null and stdout+stderr appended to `log` (NULL: discarded). Returns
 * the exit status, or -1 when the program could not be started. */
static int gp_spawn(char *const argv[], const char *dir, const char *log) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    /* Child: only async-signal-safe calls until exec. */
    int in = open("/dev/null", O_RDONLY);
    int out = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0666) : open("/dev/null", O_WRONLY);
    if (in < 0 || out < 0 || (dir && chdir(dir) != 0))
      _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (!WIFEXITED(status))
    return -1;
  return WEXITSTATUS(status);
}

/* Resolves `program` like execvp would, into `out`. */
static int gp_find(const char *program, char *out, size_t n) {
  if (strchr(program, '/')) {
    if (access(program, X_OK) != 0)
      return -1;
    report_fmt(out, n, "%s", program);
    return 0;
  }
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    const char *colon = strchr(path, ':');
    size_t len = colon ? (size_t)(colon - path) : strlen(path);
    if (len > 0 && len + strlen(program) + 2 <= n) {
      report_fmt(out, n, "%.*s/%s", (int)len, path, program);
      struct stat sb;
      if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode) && access(out, X_OK) == 0)
        return 0;
    }
    if (!colon)
      break;
    path = colon + 1;
  }
  out[0] = '\0';
  return -1;
}

int report_gp_probe(report_gp *gp, const char *program, const char *format, char *why, size_t n) {
  memset(gp, 0, sizeof *gp);
  if (!program)
    program = "gnuplot";
  if (gp_find(program, gp->program, sizeof gp->program) != 0) {
    report_fmt(why, n,
               "gnuplot not found (looked for '%s' in PATH); charts were not drawn. Install the "
               "Debian package gnuplot-nox and run `meshsim report` again",
               program);
    return DB_ETOOL;
  }
  /* pngcairo draws the best PNGs, libgd's png is the fallback, svg is
   * built into every gnuplot. */
  static const char *const terms[][2] = {{"pngcairo", "png"}, {"png", "png"}, {"svg", "svg"}};
  for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
    if (format && *format && strcmp(format, terms[i][1]) != 0)
      continue;
    char cmd[64];
    report_fmt(cmd, sizeof cmd, "set terminal %s", terms[i][0]);
    char *argv[] = {gp->program, (char *)"-e", cmd, NULL};
    if (gp_spawn(argv, NULL, NULL) == 0) {
      report_fmt(gp->terminal, sizeof gp->terminal, "%s", terms[i][0]);
      report_fmt(gp->ext, sizeof gp->ext, "%s", terms[i][1]);
      return 0;
    }
  }
  if (format && *format)
    report_fmt(why, n, "%s does not run or cannot draw %s images; charts were not drawn",
               gp->program, format);
  else
    report_fmt(why, n,
               "%s does not run or supports none of the terminals pngcairo, png, svg; charts were "
               "not drawn",
               gp->program);
  gp->program[0] = '\0';
  return DB_ETOOL;
}

/* ---- script and data helpers --------------------------------------------------- */

/* A gnuplot single-quoted string: only '' needs escaping inside. */
static void gp_quote(FILE *f, const char *s) {
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'')
      fputc('\'', f);
    if (*s != '\n' && *s != '\r')
      fputc(*s, f);
  }
  fputc('\'', f);
}

/* A number in a data file; gnuplot skips NaN points. */
static void dat_num(FILE *f, double v) {
  if (isfinite(v))
    fprintf(f, " %.9g", v);
  else
    fputs(" NaN", f);
}

/* A label column in a data file: double-quoted, no quotes or spaces inside. */
static void dat_label(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++)
    fputc(*s == '"' ? '\'' : *s, f);
  fputc('"', f);
}

static const char *chart_ext(const report_charts *c) {
  return c->ext[0] ? c->ext : "png";
}

void report_chart_src(const report_charts *c, const char *name, char *buf, size_t n) {
  report_fmt(buf, n, "%s/%s.%s", REPORT_CHART_DIR, name, chart_ext(c));
}

void report_chart_image(report_doc *doc, const report_charts *c, const char *name, int drawn,
                        const char *caption) {
  if (drawn != 1)
    return;
  char src[REPORT_PATH_MAX];
  report_chart_src(c, name, src, sizeof src);
  report_doc_image(doc, src, caption);
}

/* Closes f; nonzero when a write to it or the close failed. */
static int close_failed(FILE *f) {
  int bad = ferror(f);
  bad |= fclose(f) != 0;
  return bad;
}

static FILE *chart_open(report_charts *c, const char *name, const char *ext) {
  char path[REPORT_PATH_MAX];
  report_fmt(path, sizeof path, "%s/%s.%s", c->dir, name, ext);
  FILE *f = fopen(path, "w");
  if (!f && !c->error[0])
    report_fmt(c->error, sizeof c->error, "%s: cannot write: %s", path, strerror(errno));
  return f;
}

/* Opens NAME.gp and writes the terminal, output and common style. */
static FILE *gp_begin(report_charts *c, const char *name, const char *title, const char *xlabel,
                      const char *ylabel) {
  FILE *f = chart_open(c, name, "gp");
  if (!f)
    return NULL;
  const char *term = c->terminal[0] ? c->terminal : "pngcairo";
  fprintf(f, "# meshsim report chart; regenerate with: gnuplot %s.gp\n", name);
  /* noenhanced: mode and kind names contain '_', which enhanced text
   * would turn into subscripts. */
  if (strcmp(term, "pngcairo") == 0)
    fprintf(f, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n", CHART_W, CHART_H);
  else if (strcmp(term, "png") == 0)
    fprintf(f, "set terminal png size %d,%d noenhanced\n", CHART_W, CHART_H);
  else
    fprintf(f, "set terminal svg size %d,%d noenhanced font 'sans,10' background '#ffffff'\n",
            CHART_W, CHART_H);
  fprintf(f, "set output '%s.%s'\n", name, chart_ext(c));
  fputs("set title ", f);
  gp_quote(f, title);
  fputs("\nset xlabel ", f);
  gp_quote(f, xlabel);
  fputs("\nset ylabel ", f);
  gp_quote(f, ylabel);
  fputs("\nset grid ytics lc rgb '#dddddd'\n"
        "set border 3\nset tics nomirror\n"
        "set key outside right top\n",
        f);
  return f;
}

static int chart_image_ok(const report_charts *c, const char *name) {
  char image[REPORT_PATH_MAX];
  report_fmt(image, sizeof image, "%s/%s.%s", c->dir, name, chart_ext(c));
  struct stat sb;
  return stat(image, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

/* Runs gnuplot on `script` in the charts directory, output to gnuplot.log. */
static int gp_run(report_charts *c, const char *script) {
  char log[REPORT_PATH_MAX];
  report_fmt(log, sizeof log, "%s/gnuplot.log", c->dir);
  char *argv[] = {(char *)c->gp->program, (char *)script, NULL};
  return gp_spawn(argv, c->dir, log);
}

/* Draws one chart on its own; 1 when its image exists afterwards. */
static int gp_render_one(report_charts *c, const char *name) {
  char script[64], image[REPORT_PATH_MAX];
  report_fmt(script, sizeof script, "%s.gp", name);
  report_fmt(image, sizeof image, "%s/%s.%s", c->dir, name, chart_ext(c));
  int rc = gp_run(c, script);
  if (rc == 0 && chart_image_ok(c, name))
    return 1;
  remove(image); /* never leave a truncated image for the report to show */
  if (!c->error[0])
    report_fmt(c->error, sizeof c->error, "gnuplot failed on %s/%s (exit status %d); see %s/%s",
               c->dir, script, rc, c->dir, "gnuplot.log");
  return 0;
}

/* Closes the script; draws it, plans it or looks its image up (c->mode).
 * 1 = the image exists, 0 = it does not (yet). */
static int gp_finish(report_charts *c, const char *name, FILE *f) {
  fputs("unset output\n", f); /* close the image before the next chart */
  int bad = close_failed(f);
  if (c->mode == REPORT_CHART_LOOKUP)
    return chart_image_ok(c, name);
  c->planned++;
  if (bad) {
    if (!c->error[0])
      report_fmt(c->error, sizeof c->error, "%s/%s.gp: write failed", c->dir, name);
    return 0;
  }
  if (c->mode == REPORT_CHART_PLAN) {
    if (c->planned <= REPORT_MAX_CHARTS)
      report_fmt(c->names[c->planned - 1], sizeof c->names[0], "%s", name);
    return 0;
  }
  if (!c->gp)
    return 0;
  int ok = gp_render_one(c, name);
  c->written += ok;
  return ok;
}

void report_chart_render_planned(report_charts *c) {
  int n = c->planned < REPORT_MAX_CHARTS ? c->planned : REPORT_MAX_CHARTS;
  c->written = 0;
  if (!c->gp || n == 0)
    return;
  /* gnuplot's start-up (fonts) costs more than drawing a chart, so one
   * process draws them all; it stops at the first error, hence the
   * per-chart retry. */
  FILE *f = chart_open(c, "all", "gp");
  int rc = -1;
  if (f) {
    fputs("# draws every chart of the report: gnuplot all.gp\n", f);
    for (int i = 0; i < n; i++)
      fprintf(f, "reset\nload '%s.gp'\n", c->names[i]);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (!bad)
      rc = gp_run(c, "all.gp");
  }
  for (int i = 0; i < n; i++) {
    if (rc == 0 && chart_image_ok(c, c->names[i]))
      c->written++;
    else
      c->written += gp_render_one(c, c->names[i]);
  }
}

/* ---- charts --------------------------------------------------------------------- */

int report_chart_lines(report_charts *c, const char *name, const char *title, const char *xlabel,
                       const char *ylabel, const report_line *lines, size_t n, unsigned flags,
                       const char *extra) {
  FILE *dat = chart_open(c, name, "dat");
  if (!dat)
    return DB_EIO;
  size_t blocks = 0;
  for (size_t i = 0; i < n; i++) {
    if (lines[i].n == 0)
      continue;
    fprintf(dat, "# %s\n", lines[i].title);
    for (size_t j = 0; j < lines[i].n; j++) {
      dat_num(dat, lines[i].x[j]);
      dat_num(dat, lines[i].y[j]);
      fputc('\n', dat);
    }
    fputs("\n\n", dat); /* two blank lines: next gnuplot index */
    blocks++;
  }
  int bad = close_failed(dat);
  if (bad || blocks == 0)
    return bad ? DB_EIO : 0;

  FILE *f = gp_begin(c, name, title, xlabel, ylabel);
  if (!f)
    return DB_EIO;
  if (flags & REPORT_LOGX)
    fputs("set logscale x 10\n", f);
  if (extra)
    fputs(extra, f);
  fputs("plot ", f);
  size_t block = 0;
  for (size_t i = 0; i < n; i++) {
    if (lines[i].n == 0)
      continue;
    size_t colour = lines[i].hollow_of ? lines[i].hollow_of - 1 : i;
    fprintf(f, "%s'%s.dat' index %zu using 1:2 with %s lw 2 lc rgb '%s' title ",
            block ? ", \\\n     " : "", name, block,
            lines[i].hollow_of        ? "points pt 6 ps 1.4"
            : (flags & REPORT_STEPS)  ? "steps"
            : (flags & REPORT_POINTS) ? "linespoints pt 7 ps 0.9"
                                      : "lines",
            line_colour[colour % N_LINE_COLOURS]);
    gp_quote(f, lines[i].title);
    block++;
  }
  fputc('\n', f);
  return gp_finish(c, name, f);
}

/* xtics at 0..n-1 named after the modes. */
static void gp_mode_xtics(FILE *f, const run_result *r) {
  fputs("set xtics (", f);
  for (uint32_t i = 0; i < r->n_modes; i++) {
    if (i)
      fputs(", ", f);
    gp_quote(f, mesh_mode_name(r->modes[i].mode));
    fprintf(f, " %u", i);
  }
  fputs(") scale 0\n", f);
  fprintf(f, "set xrange [-0.6:%g]\n", r->n_modes - 0.4);
}

/* CPU or memory per mode, stacked by kind: a "used" bar (time average) and
 * a "reserved" bar (Kubernetes requests) side by side. Reserved resources
 * not attributed to a kind (system daemons, headroom) form the top layer. */
int report_chart_resources(report_charts *c, const run_result *r, int memory) {
  const char *name = memory ? "memory" : "cpu";
  FILE *dat = chart_open(c, name, "dat");
  if (!dat)
    return DB_EIO;
  fputs("# x label app sidecar ztunnel waypoint control_plane other\n", dat);
  int used_kind[MESH_KIND_COUNT + 1] = {0};
  double top = 0;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (int bar = 0; bar < 2; bar++) {
      double sum = 0;
      fprintf(dat, "%g ", i + (bar ? 0.2 : -0.2));
      dat_label(dat, bar ? "reserved" : "used");
      for (int k = 0; k < MESH_KIND_COUNT; k++) {
        const result_kind_usage *u = &m->kind[k];
        double v = memory ? (bar ? u->reserved_mem_mib : u->mem_mib_mean)
                          : (bar ? u->reserved_cpu_cores : u->cpu_cores_mean);
        if (!isfinite(v))
          v = 0;
        used_kind[k] |= v > 0;
        sum += v;
        dat_num(dat, v);
      }
      double other = 0;
      if (bar) {
        double total = memory ? m->reserved_mem_mib : m->reserved_cpu_cores;
        if (isfinite(total) && total > sum * (1 + 1e-9))
          other = total - sum;
      }
      used_kind[MESH_KIND_COUNT] |= other > 0;
      dat_num(dat, other);
      fputc('\n', dat);
      if (sum + other > top)
        top = sum + other;
    }
  }
  int bad = close_failed(dat);
  if (bad)
    return DB_EIO;

  FILE *f = memory ? gp_begin(c, name,
                              "Memory per mode by component kind: used (left bar, time average) "
                              "and reserved (right bar, requests)",
                              "data-plane mode", "memory (MiB)")
                   : gp_begin(c, name,
                              "CPU per mode by component kind: used (left bar, time average) and "
                              "reserved (right bar, requests)",
                              "data-plane mode", "CPU (cores)");
  if (!f)
    return DB_EIO;
  gp_mode_xtics(f, r);
  fprintf(f, "set yrange [0:%g]\n", top > 0 ? top * 1.12 : 1.0);
  fputs("set boxwidth 0.36\nset style fill solid 0.9 border rgb '#555555'\n", f);
  /* Draw the full stack first and each shorter prefix on top of it, so
   * every layer shows as a band; the legend lists the top layer first. */
  fputs("plot ", f);
  int first = 1;
  for (int top_k = MESH_KIND_COUNT; top_k >= 0; top_k--) {
    if (!used_kind[top_k])
      continue;
    fputs(first ? "" : ", \\\n     ", f);
    fprintf(f, "'%s.dat' using 1:(", name);
    for (int k = 0; k <= top_k; k++)
      fprintf(f, "%s$%d", k ? "+" : "", k + 3);
    const char *colour = kind_colour[top_k];
    fprintf(f, ") with boxes lc rgb '%s' title ", colour ? colour : "#000000");
    gp_quote(f, top_k == MESH_KIND_COUNT ? "system and other (reserved)"
                                         : mesh_kind_name((mesh_kind)top_k));
    first = 0;
  }
  if (first) /* nothing used or reserved at all: still draw empty axes */
    fprintf(f, "'%s.dat' using 1:(0) with boxes notitle", name);
  fprintf(f,
          ", \\\n     '%s.dat' using 1:($3+$4+$5+$6+$7+$8):2 with labels offset 0,0.7 "
          "font ',8' notitle\n",
          name);
  return gp_finish(c, name, f);
}

static void ci_bounds(double v, const sim_ci *ci, double *lo, double *hi) {
  *lo = *hi = v;
  if (ci->n >= 2 && isfinite(ci->lo) && isfinite(ci->hi)) {
    *lo = ci->lo;
    *hi = ci->hi;
  }
}

/* p50, p99 and p99.9 per mode as grouped bars; the bar is the quantile of
 * the merged histogram, the error bar the 95% confidence interval of the
 * per-replication quantiles. */
int report_chart_quantiles(report_charts *c, const run_result *r) {
  const char *name = "latency_quantiles";
  FILE *dat = chart_open(c, name, "dat");
  if (!dat)
    return DB_EIO;
  fputs("# mode p50 lo hi p99 lo hi p999 lo hi (ms)\n", dat);
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const result_latency *l = &r->modes[i].latency;
    const double v[3] = {l->p50_ms, l->p99_ms, l->p999_ms};
    const sim_ci *ci[3] = {&l->p50_ci, &l->p99_ci, &l->p999_ci};
    dat_label(dat, mesh_mode_name(r->modes[i].mode));
    for (int q = 0; q < 3; q++) {
      double lo, hi;
      ci_bounds(v[q], ci[q], &lo, &hi);
      dat_num(dat, v[q]);
      dat_num(dat, lo);
      dat_num(dat, hi);
    }
    fputc('\n', dat);
  }
  int bad = close_failed(dat);
  if (bad)
    return DB_EIO;
  FILE *f = gp_begin(c, name,
                     "End-to-end latency quantiles per mode (error bars: 95% confidence interval "
                     "over replications)",
                     "data-plane mode", "latency (ms)");
  if (!f)
    return DB_EIO;
  fputs("set yrange [0:*]\nset style data histogram\n"
        "set style histogram errorbars gap 1.5 lw 1.5\n"
        "set style fill solid 0.85 border rgb '#555555'\nset xtics scale 0\n",
        f);
  fprintf(f,
          "plot '%s.dat' using 2:3:4:xtic(1) lc rgb '%s' title 'p50', \\\n"
          "     '' using 5:6:7 lc rgb '%s' title 'p99', \\\n"
          "     '' using 8:9:10 lc rgb '%s' title 'p99.9'\n",
          name, line_colour[0], line_colour[3], line_colour[1]);
  return gp_finish(c, name, f);
}

/* Money per month (compute + cross-zone network, stacked) with the nodes
 * needed on the right axis. */
int report_chart_cost(report_charts *c, const run_result *r) {
  const char *name = "cost";
  FILE *dat = chart_open(c, name, "dat");
  if (!dat)
    return DB_EIO;
  fputs("# x mode compute_usd network_usd nodes_needed\n", dat);
  double top_usd = 0, top_nodes = 0;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    double compute = isfinite(m->cost_compute_usd_month) ? m->cost_compute_usd_month : 0;
    double network = isfinite(m->cost_network_usd_month) ? m->cost_network_usd_month : 0;
    /* A total with parts the model does not break down still shows in full. */
    if (isfinite(m->cost_usd_month) && m->cost_usd_month > compute + network)
      compute = m->cost_usd_month - network;
    fprintf(dat, "%u ", i);
    dat_label(dat, mesh_mode_name(m->mode));
    dat_num(dat, compute);
    dat_num(dat, network);
    dat_num(dat, m->nodes_needed);
    fputc('\n', dat);
    if (compute + network > top_usd)
      top_usd = compute + network;
    if (m->nodes_needed > top_nodes)
      top_nodes = m->nodes_needed;
  }
  int bad = close_failed(dat);
  if (bad)
    return DB_EIO;
  FILE *f = gp_begin(c, name, "Cost per month and nodes needed per mode", "data-plane mode",
                     "cost (USD per month)");
  if (!f)
    return DB_EIO;
  gp_mode_xtics(f, r);
  fprintf(f,
          "set y2label 'nodes needed'\nset y2tics\nset ytics nomirror\n"
          "set yrange [0:%g]\nset y2range [0:%g]\n"
          "set boxwidth 0.55\nset style fill solid 0.85 border rgb '#555555'\n",
          top_usd > 0 ? top_usd * 1.15 : 1.0, top_nodes > 0 ? top_nodes * 1.3 : 1.0);
  fprintf(f,
          "plot '%s.dat' using 1:($3+$4) with boxes lc rgb '#ff7f0e' title 'cross-zone network', "
          "\\\n"
          "     '' using 1:3 with boxes lc rgb '#1f77b4' title 'compute', \\\n"
          "     '' using 1:5 axes x1y2 with points pt 7 ps 1.8 lc rgb '#d62728' "
          "title 'nodes needed', \\\n"
          "     '' using 1:5:(sprintf('%%d nodes', int($5))) axes x1y2 with labels "
          "offset 0,1.1 notitle\n",
          name);
  return gp_finish(c, name, f);
}

/* Structural blast radius: what one proxy instance of each kind serves at
 * most, per mode, as grouped bars on a log scale (1 pod for a sidecar,
 * hundreds for a shared waypoint). */
int report_chart_blast(report_charts *c, const run_result *r) {
  const char *name = "blast";
  int rows = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (int k = 0; k < MESH_PROXY_COUNT; k++)
      rows += r->modes[i].has_blast[k] != 0;
  if (rows == 0)
    return 0;
  FILE *dat = chart_open(c, name, "dat");
  if (!dat)
    return DB_EIO;
  fputs("# label pods services namespaces tenants identities (max per instance)\n", dat);
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (int k = 0; k < MESH_PROXY_COUNT; k++) {
      if (!m->has_blast[k])
        continue;
      const result_blast *b = &m->blast[k];
      char label[2 * RESULT_NAME_MAX];
      /* two lines ("\\n" inside a data string is a line break for gnuplot) */
      report_fmt(label, sizeof label, "%s\\n%s", mesh_mode_name(m->mode),
                 mesh_proxy_kind_name((mesh_proxy_kind)k));
      dat_label(dat, label);
      dat_num(dat, b->pods_max);
      dat_num(dat, b->services_max);
      dat_num(dat, b->namespaces_max);
      dat_num(dat, b->tenants_max);
      dat_num(dat, b->identities_max);
      fputc('\n', dat);
    }
  }
  int bad = close_failed(dat);
  if (bad)
    return DB_EIO;
  FILE *f = gp_begin(c, name, "Blast radius: what one proxy instance serves at most",
                     "mode and proxy kind", "count behind one instance (max, log scale)");
  if (!f)
    return DB_EIO;
  fputs("set xlabel offset 0,-1.2\nset bmargin 5\n"
        "set logscale y 10\nset yrange [0.8:*]\nset style data histogram\n"
        "set style histogram clustered gap 1.5\n"
        "set style fill solid 0.85 border rgb '#555555'\nset xtics scale 0\n",
        f);
  static const char *const what[] = {"pods", "services", "namespaces", "tenants", "identities"};
  fputs("plot ", f);
  for (int j = 0; j < 5; j++) {
    fprintf(f, "%s'%s.dat' using %d%s lc rgb '%s' title '%s'", j ? ", \\\n     " : "", name, j + 2,
            j ? "" : ":xtic(1)", line_colour[j % N_LINE_COLOURS], what[j]);
  }
  fputc('\n', f);
  return gp_finish(c, name, f);
}
