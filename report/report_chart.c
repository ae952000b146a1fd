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
static const char *const kind_colour[MESH_KIND_COUNT + 1] = {
    "#9e9e9e", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#dcdcdc"};
_Static_assert(MESH_KIND_COUNT == 6, "a colour per kind in kind_colour");
/* Colours of curves (modes), cycled. */
static const char *const line_colour[] = {"#1f77b4", "#d62728", "#2ca02c",
                                          "#ff7f0e", "#9467bd", "#8c564b"};
#define N_LINE_COLOURS (sizeof line_colour / sizeof line_colour[0])
/* With colour, what tells curves apart where they lie on each other, in
 * greyscale print and for colour-blind readers: a dash type (gnuplot dt 1
 * solid, 2 dashed, 4 dash-dot, 5 dash-dot-dot, 3 dotted, which is faint and
 * comes last) and a filled marker (pt 7 circle, 5 square, 9 triangle, 11
 * inverted triangle, 13 diamond, 15 pentagon), both cycled like the
 * colours. Hollow circles (pt 6) are kept for the points where a mode
 * misses the objective. */
static const int line_dash[] = {1, 2, 4, 5, 3, 1};
static const int line_point[] = {7, 5, 9, 11, 13, 15};
#define N_LINE_STYLES (sizeof line_dash / sizeof line_dash[0])

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

/* Opens NAME.gp of a w x h chart and writes the terminal, output and common
 * style. A multiplot (panels) passes NULL title and labels and sets them
 * per panel. */
static FILE *gp_begin_size(report_charts *c, const char *name, const char *title,
                           const char *xlabel, const char *ylabel, int w, int h) {
  FILE *f = chart_open(c, name, "gp");
  if (!f)
    return NULL;
  const char *term = c->terminal[0] ? c->terminal : "pngcairo";
  fprintf(f, "# meshsim report chart; regenerate with: gnuplot %s.gp\n", name);
  /* noenhanced: mode and kind names contain '_', which enhanced text
   * would turn into subscripts. */
  if (strcmp(term, "pngcairo") == 0)
    fprintf(f, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n", w, h);
  else if (strcmp(term, "png") == 0)
    fprintf(f, "set terminal png size %d,%d noenhanced\n", w, h);
  else
    fprintf(f, "set terminal svg size %d,%d noenhanced font 'sans,10' background '#ffffff'\n", w,
            h);
  fprintf(f, "set output '%s.%s'\n", name, chart_ext(c));
  if (title) {
    fputs("set title ", f);
    gp_quote(f, title);
    fputc('\n', f);
  }
  if (xlabel) {
    fputs("set xlabel ", f);
    gp_quote(f, xlabel);
    fputc('\n', f);
  }
  if (ylabel) {
    fputs("set ylabel ", f);
    gp_quote(f, ylabel);
    fputc('\n', f);
  }
  fputs("set grid ytics lc rgb '#dddddd'\n"
        "set border 3\nset tics nomirror\n"
        "set key outside right top\n",
        f);
  return f;
}

static FILE *gp_begin(report_charts *c, const char *name, const char *title, const char *xlabel,
                      const char *ylabel) {
  return gp_begin_size(c, name, title, xlabel, ylabel, CHART_W, CHART_H);
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

/* Tics of a log axis ("x" or "y") over [lo, hi]: gnuplot labels only the
 * powers of 10, which leaves a range within one or two decades with one or
 * two labels; 1-2-5 steps label it every factor of 2 to 2.5. */
static void gp_log_tics(FILE *f, const char *axis, double lo, double hi) {
  if (!(lo > 0) || !(hi > lo) || hi / lo > 1e4)
    return;
  fprintf(f, "set %stics (", axis);
  int n = 0;
  for (double decade = pow(10, floor(log10(lo))); decade <= hi; decade *= 10)
    for (int k = 0; k < 3; k++) {
      double v = decade * (k == 0 ? 1 : k == 1 ? 2 : 5);
      if (v >= lo && v <= hi)
        fprintf(f, "%s%.6g", n++ ? ", " : "", v);
    }
  fputs(")\n", f);
}

/* Width of curve i of n: the first drawn is the widest, so a later curve
 * drawn on top of it leaves its edges showing (1.5 to 3.5 points). */
static double curve_width(size_t i, size_t n) {
  size_t above = n > i + 1 ? n - 1 - i : 0;
  return 1.5 + 0.5 * (double)(above < 4 ? above : 4);
}

/* The "with ..." clause of curve i (of n curves) for chart flags `flags`. */
static void gp_curve_style(FILE *f, const report_line *l, size_t i, size_t n, unsigned flags) {
  if (l->hollow_of) {
    fprintf(f, "with points pt 6 ps 1.4 lw 2 lc rgb '%s'",
            line_colour[(l->hollow_of - 1) % N_LINE_COLOURS]);
    return;
  }
  const char *colour = line_colour[i % N_LINE_COLOURS];
  int dash = line_dash[i % N_LINE_STYLES], point = line_point[i % N_LINE_STYLES];
  double lw = curve_width(i, n);
  if (flags & REPORT_POINTS_ONLY)
    fprintf(f, "with points pt %d ps 1.5 lc rgb '%s'", point, colour);
  else if (flags & REPORT_POINTS)
    fprintf(f, "with linespoints lw %g dt %d pt %d ps 1.1 lc rgb '%s'", lw, dash, point, colour);
  else if (flags & REPORT_MARKS) /* about ten markers along the curve */
    fprintf(f, "with linespoints lw %g dt %d pt %d ps 1.1 pi %zu lc rgb '%s'", lw, dash, point,
            l->n / 10 > 1 ? l->n / 10 : 1, colour);
  else
    fprintf(f, "with lines lw %g lc rgb '%s'", lw, colour);
}

int report_chart_lines(report_charts *c, const char *name, const char *title, const char *xlabel,
                       const char *ylabel, const report_line *lines, size_t n, unsigned flags,
                       const char *extra) {
  FILE *dat = chart_open(c, name, "dat");
  if (!dat)
    return DB_EIO;
  size_t blocks = 0, curves = 0;
  for (size_t i = 0; i < n; i++) {
    if (lines[i].n == 0)
      continue;
    curves += !lines[i].hollow_of;
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
  for (int axis = 0; axis < 2; axis++) {
    if (!(flags & (axis ? REPORT_LOGY : REPORT_LOGX)))
      continue;
    /* gnuplot widens a log axis to whole decades: tics over those */
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < lines[i].n; j++) {
        double v = axis ? lines[i].y[j] : lines[i].x[j];
        if (isfinite(v) && v > 0) {
          lo = fmin(lo, v);
          hi = fmax(hi, v);
        }
      }
    fprintf(f, "set logscale %s 10\n", axis ? "y" : "x");
    if (hi > 0)
      gp_log_tics(f, axis ? "y" : "x", pow(10, floor(log10(lo))), pow(10, ceil(log10(hi))));
  }
  if (extra)
    fputs(extra, f);
  fputs("plot ", f);
  size_t block = 0;
  for (size_t i = 0; i < n; i++) {
    if (lines[i].n == 0)
      continue;
    fprintf(f, "%s'%s.dat' index %zu using 1:2 ", block ? ", \\\n     " : "", name, block);
    gp_curve_style(f, &lines[i], i, curves, flags);
    fputs(" title ", f);
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
    gp_quote(f, mode_result_name(&r->modes[i]));
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

/* The stack of kinds first..last of block `block` of chart `name`, drawn
 * as report_chart_resources does: the full stack first and each shorter
 * prefix on top of it, so every layer shows as a band. Kind k is column
 * k - first + 3 of the block. Returns the number of layers drawn. */
static int gp_stack(FILE *f, const char *name, int block, int first, int last, const int *shown) {
  int layers = 0;
  for (int top_k = last; top_k >= first; top_k--) {
    if (!shown[top_k])
      continue;
    fprintf(f, "%s'%s.dat' index %d using 1:(", layers ? ", \\\n     " : "", name, block);
    for (int k = first; k <= top_k; k++)
      fprintf(f, "%s$%d", k > first ? "+" : "", k - first + 3);
    fprintf(f, ") with boxes lc rgb '%s' title ", kind_colour[top_k]);
    gp_quote(f, mesh_kind_name((mesh_kind)top_k));
    layers++;
  }
  return layers;
}

int report_chart_mesh_resources(report_charts *c, const run_result *r) {
  const char *name = "mesh_resources";
  const int first = MESH_KIND_SIDECAR, last = MESH_KIND_CONTROL_PLANE;
  FILE *dat = chart_open(c, name, "dat");
  if (!dat)
    return DB_EIO;
  int shown[MESH_KIND_COUNT] = {0};
  double top[2] = {0, 0};
  for (int memory = 0; memory < 2; memory++) {
    fprintf(dat, "# %s: x label sidecar ztunnel waypoint control_plane\n",
            memory ? "memory (MiB)" : "CPU (cores)");
    for (uint32_t i = 0; i < r->n_modes; i++) {
      const mode_result *m = &r->modes[i];
      for (int bar = 0; bar < 2; bar++) {
        double v[MESH_KIND_COUNT] = {0}, sum = 0;
        for (int k = first; k <= last; k++) {
          const result_kind_usage *u = &m->kind[k];
          v[k] = memory ? (bar ? u->reserved_mem_mib : u->mem_mib_mean)
                        : (bar ? u->reserved_cpu_cores : u->cpu_cores_mean);
          if (!isfinite(v[k]))
            v[k] = 0;
          shown[k] |= v[k] > 0;
          sum += v[k];
        }
        char label[32];
        report_format_value(label, sizeof label, sum);
        fprintf(dat, "%g ", i + (bar ? 0.2 : -0.2));
        dat_label(dat, label);
        for (int k = first; k <= last; k++)
          dat_num(dat, v[k]);
        fputc('\n', dat);
        if (sum > top[memory])
          top[memory] = sum;
      }
    }
    fputs("\n\n", dat);
  }
  if (close_failed(dat))
    return DB_EIO;
  /* Two panels, CPU above memory, on one x axis of modes; one legend. */
  FILE *f = gp_begin_size(c, name, NULL, NULL, NULL, CHART_W, CHART_H + 200);
  if (!f)
    return DB_EIO;
  gp_mode_xtics(f, r);
  fputs("set boxwidth 0.36\nset style fill solid 0.9 border rgb '#555555'\n"
        "set lmargin at screen 0.09\nset rmargin at screen 0.8\n"
        "set multiplot title 'The mesh alone (proxies and control plane, no apps) per mode: "
        "used (left bar, time average) and reserved (right bar, requests)'\n",
        f);
  for (int memory = 0; memory < 2; memory++) {
    fprintf(f,
            "set tmargin at screen %.2f\nset bmargin at screen %.2f\n"
            "set ylabel '%s'\nset yrange [0:%g]\n",
            memory ? 0.47 : 0.92, memory ? 0.07 : 0.53,
            memory ? "mesh memory (MiB)" : "mesh CPU (cores)",
            top[memory] > 0 ? top[memory] * 1.15 : 1.0);
    if (memory)
      fputs("unset key\n", f);
    fputs("plot ", f);
    if (gp_stack(f, name, memory, first, last, shown) == 0)
      fprintf(f, "'%s.dat' index %d using 1:(0) with boxes notitle", name, memory);
    /* the total over each bar */
    fprintf(f,
            ", \\\n     '%s.dat' index %d using 1:($3+$4+$5+$6):2 with labels offset 0,0.7 "
            "font ',8' notitle\n",
            name, memory);
  }
  fputs("unset multiplot\n", f);
  return gp_finish(c, name, f);
}

/* The objective's latency as a dashed black line across the chart, with its
 * label ("objective: p99 at most 100 ms"): horizontal at y = slo_ms, or
 * vertical at x = slo_ms. Empty when the database predates the stored
 * objective. */
const char *report_chart_slo_line(char *buf, size_t n, const run_result *r, int vertical) {
  char what[REPORT_CELL_MAX];
  buf[0] = '\0';
  if (!report_objective_latency(r, what, sizeof what))
    return buf;
  if (vertical)
    report_fmt(buf, n,
               "set arrow 1 from first %.9g, graph 0 to first %.9g, graph 1 nohead front "
               "lc rgb '#000000' lw 1.5 dt 2\n"
               "set label 1 'objective: %s' at first %.9g, graph 0.5 rotate by 90 center "
               "offset -1,0 front font ',9'\n",
               r->slo_ms, r->slo_ms, what, r->slo_ms);
  else
    report_fmt(buf, n,
               "set arrow 1 from graph 0, first %.9g to graph 1, first %.9g nohead front "
               "lc rgb '#000000' lw 1.5 dt 2\n"
               "set label 1 'objective: %s' at graph 0.01, first %.9g offset 0,0.7 front "
               "font ',9'\n",
               r->slo_ms, r->slo_ms, what, r->slo_ms);
  return buf;
}

static void ci_bounds(double v, const sim_ci *ci, double *lo, double *hi) {
  *lo = *hi = v;
  if (ci->n >= 2 && isfinite(ci->lo) && isfinite(ci->hi)) {
    *lo = ci->lo;
    *hi = ci->hi;
  }
}

/* p50, p99 and p99.9 per mode as grouped bars on a log scale, so a mode
 * whose latency collapsed (seconds) does not flatten the others
 * (milliseconds); the bar is the quantile of the merged histogram, the
 * error bar the 95% confidence interval of the per-replication quantiles,
 * the dashed line the objective's latency. */
int report_chart_quantiles(report_charts *c, const run_result *r) {
  const char *name = "latency_quantiles";
  FILE *dat = chart_open(c, name, "dat");
  if (!dat)
    return DB_EIO;
  fputs("# mode p50 lo hi p99 lo hi p999 lo hi (ms)\n", dat);
  double lowest = INFINITY, highest = 0;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const result_latency *l = &r->modes[i].latency;
    const double v[3] = {l->p50_ms, l->p99_ms, l->p999_ms};
    const sim_ci *ci[3] = {&l->p50_ci, &l->p99_ci, &l->p999_ci};
    dat_label(dat, mode_result_name(&r->modes[i]));
    for (int q = 0; q < 3; q++) {
      double lo, hi;
      ci_bounds(v[q], ci[q], &lo, &hi);
      dat_num(dat, v[q]);
      dat_num(dat, lo);
      dat_num(dat, hi);
      /* the quantile of the merged histogram may lie outside the interval
       * of the replications' quantiles */
      const double ends[3] = {v[q], lo, hi};
      for (int e = 0; e < 3; e++)
        if (isfinite(ends[e]) && ends[e] > 0) {
          lowest = fmin(lowest, ends[e]);
          highest = fmax(highest, ends[e]);
        }
    }
    fputc('\n', dat);
  }
  int bad = close_failed(dat);
  if (bad)
    return DB_EIO;
  FILE *f = gp_begin(c, name,
                     "End-to-end latency quantiles per mode (error bars: 95% confidence interval "
                     "over replications)",
                     "data-plane mode", "latency (ms, log scale)");
  if (!f)
    return DB_EIO;
  /* The range holds every bar, interval and the objective, with room above
   * for the objective's label; the bars rise from its bottom. */
  if (isfinite(r->slo_ms) && r->slo_ms > 0) {
    lowest = fmin(lowest, r->slo_ms);
    highest = fmax(highest, r->slo_ms);
  }
  fputs("set logscale y 10\nset grid ytics mytics lc rgb '#dddddd', lc rgb '#f0f0f0'\n", f);
  if (isfinite(lowest) && highest > 0) {
    fprintf(f, "set yrange [%.6g:%.6g]\n", lowest / 1.6, highest * 1.6);
    gp_log_tics(f, "y", lowest / 1.6, highest * 1.6);
  }
  fputs("set style data histogram\n"
        "set style histogram errorbars gap 1.5 lw 1.5\n"
        "set style fill solid 0.85 border rgb '#555555'\nset xtics scale 0\n",
        f);
  char slo[512];
  fputs(report_chart_slo_line(slo, sizeof slo, r, 0), f);
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
    dat_label(dat, mode_result_name(m));
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

/* The most services whose L7 traffic one instance of proxy kind k sees in
 * clear text, from the mode's stored instances (their kind names equal
 * mesh_proxy_kind_name() for the three proxy kinds, models/blast.h); NAN
 * when the mode stored none of that kind. */
static double blast_clear_text_max(const mode_result *m, int k) {
  double best = NAN;
  const char *kind = mesh_proxy_kind_name((mesh_proxy_kind)k);
  for (uint32_t j = 0; j < m->n_blast_instances; j++) {
    const result_blast_instance *b = &m->blast_instances[j];
    if (strcmp(b->kind, kind) == 0 && (isnan(best) || b->l7_services > best))
      best = b->l7_services;
  }
  return best;
}

#define BLAST_COUNTS 6

/* Structural blast radius: what one proxy instance of each kind reaches at
 * most, per mode, as horizontal bars (one row per mode and kind, so the
 * names need no room below the axis): on the left the counts on a log scale
 * (1 pod for a sidecar, hundreds for a shared waypoint), on the right the
 * share of external requests, in percent. */
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
  fputs("# row pods services namespaces tenants identities clear_text_services "
        "request_share_max_pct request_share_mean_pct (max per instance)\n",
        dat);
  int row = 0;
  double top = 1;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (int k = 0; k < MESH_PROXY_COUNT; k++) {
      if (!m->has_blast[k])
        continue;
      const result_blast *b = &m->blast[k];
      const double v[BLAST_COUNTS] = {b->pods_max,       b->services_max,
                                      b->namespaces_max, b->tenants_max,
                                      b->identities_max, blast_clear_text_max(m, k)};
      fprintf(dat, "%d", row++);
      for (int j = 0; j < BLAST_COUNTS; j++) {
        dat_num(dat, v[j]);
        if (v[j] > top)
          top = v[j];
      }
      dat_num(dat, 100 * b->request_share_max);
      dat_num(dat, 100 * b->request_share_mean);
      fputc('\n', dat);
    }
  }
  if (close_failed(dat))
    return DB_EIO;
  int height = 190 + 62 * rows;
  FILE *f = gp_begin_size(c, name, NULL, NULL, NULL, CHART_W, height < 420 ? 420 : height);
  if (!f)
    return DB_EIO;
  /* One row per mode and kind, from the top; the bars of a row share its
   * height. Margins in pixels, so rows and panels line up at any height. */
  fprintf(f, "rows = %d\nh = 0.8 / %d\n", rows, BLAST_COUNTS);
  fputs("set multiplot title 'Blast radius: what one proxy instance reaches at most, per mode "
        "and proxy kind'\n"
        "set style fill solid 0.85 border rgb '#555555'\n"
        "set yrange [rows - 0.5:-0.5]\nset ytics scale 0\nset ytics (",
        f);
  row = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (int k = 0; k < MESH_PROXY_COUNT; k++) {
      if (!r->modes[i].has_blast[k])
        continue;
      char label[2 * RESULT_NAME_MAX];
      report_fmt(label, sizeof label, "%s: %s", mode_result_name(&r->modes[i]),
                 mesh_proxy_kind_name((mesh_proxy_kind)k));
      fputs(row ? ", " : "", f);
      gp_quote(f, label);
      fprintf(f, " %d", row++);
    }
  fputs(")\nset tmargin 3\nset bmargin 6.5\nset lmargin at screen 0.25\n"
        "set rmargin at screen 0.68\n",
        f);
  fprintf(f,
          "set logscale x 10\nset xrange [0.5:%g]\nset grid xtics lc rgb '#dddddd'\n"
          "set xlabel 'count behind one instance (max over instances, log scale)'\n"
          "set key at screen 0.465, screen 0.005 center bottom horizontal maxcols 3 samplen 2 "
          "width -3\n",
          top * 2);
  gp_log_tics(f, "x", 0.5, top * 2);
  static const char *const what[BLAST_COUNTS] = {"pods",    "services",   "namespaces",
                                                 "tenants", "identities", "clear-text L7 services"};
  fputs("plot ", f);
  for (int j = 0; j < BLAST_COUNTS; j++)
    fprintf(f,
            "%s'%s.dat' using (0.5):($1 - 0.4 + h * %d.5):(0.5):%d:($1 - 0.4 + h * %d):"
            "($1 - 0.4 + h * %d) with boxxyerror lc rgb '%s' title '%s', \\\n"
            "     '' using %d:($1 - 0.4 + h * %d.5):(sprintf(' %%g', $%d)) with labels left "
            "font ',7' notitle",
            j ? ", \\\n     " : "", name, j, j + 2, j, j + 1, line_colour[j % N_LINE_COLOURS],
            what[j], j + 2, j, j + 2);
  fputs("\nunset logscale x\nset xtics auto\nset xrange [0:119]\nset xtics 0, 20, 100\n"
        "unset ytics\nset lmargin at screen 0.71\nset rmargin at screen 0.97\n"
        "set xlabel 'share of external requests (%)'\n"
        "set key at screen 0.84, screen 0.005 center bottom horizontal width 3\n",
        f);
  fprintf(f,
          "plot '%s.dat' using (0):($1 - 0.2):(0):8:($1 - 0.4):($1) with boxxyerror "
          "lc rgb '#555555' title 'max', \\\n"
          "     '' using 8:($1 - 0.2):(sprintf(' %%.1f%%%%', $8)) with labels left font ',7' "
          "notitle, \\\n"
          "     '' using (0):($1 + 0.2):(0):9:($1):($1 + 0.4) with boxxyerror "
          "lc rgb '#bbbbbb' title 'mean', \\\n"
          "     '' using 9:($1 + 0.2):(sprintf(' %%.1f%%%%', $9)) with labels left font ',7' "
          "notitle\n"
          "unset multiplot\n",
          name);
  return gp_finish(c, name, f);
}
