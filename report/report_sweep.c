/* report_sweep: the report of a parameter sweep, from the database only.
 *
 * The sweep's points (sweep_points) name their batches; each batch's
 * mode_summary rows give one number per (point, mode, metric). The first
 * swept key whose stored points take more than one value is the x axis;
 * every other varying key splits the points into groups (one chart per
 * group and metric, at most REPORT_SWEEP_MAX_GROUPS groups drawn). Values
 * are read as numbers in their unit when all of them parse (rates,
 * durations, CPU, sizes), else they are categories placed in the order
 * they were swept. Crossovers come from sweep_crossovers() on the
 * difference of two modes' curves, so the sentence and the chart always
 * agree; only points where both modes meet the scenario's objective
 * (models/verdict.h) count: a point where either misses splits the curves,
 * and each run of points between such splits is searched on its own, so no
 * crossover is interpolated across a failing point. Failing points are left
 * out of the charts' lines (drawn as hollow markers, a series of their own),
 * marked in the tables and listed. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_types.h"
#include "metric.h"
#include "report_internal.h"
#include "scenario.h"
#include "sweep.h"
#include "verdict.h"

#ifndef MESHSIM_VERSION
#define MESHSIM_VERSION "unknown"
#endif

#define REPORT_SWEEP_MAX_GROUPS 8
#define SR_CELL                 128
#define SR_KEY_MAX              256
#define SR_MAX_CROSSINGS        64

/* Distinct values of one key, in the order the points first show them. */
typedef struct sr_key {
  char name[SR_KEY_MAX];
  char **vals;
  size_t n, cap;
} sr_key;

typedef struct srctx {
  db *d;
  const report_options *opt;
  report_info *info;
  db_sweep_info sw;
  db_sweep_row *rows;
  size_t n_rows;
  sr_key keys[SWEEP_MAX_KEYS];
  size_t n_keys;
  /* stored points: first row index, value index per key */
  size_t n_points;
  size_t *point_row;
  uint32_t (*vi)[SWEEP_MAX_KEYS];
  int xk; /* key on the x axis; -1: nothing varies */
  sweep_xkind xkind;
  double *xnum;  /* numeric x of each value of key xk */
  size_t *xord;  /* value indices of xk in ascending x */
  size_t nx;     /* values of xk */
  size_t *group; /* group of each stored point */
  size_t n_groups;
  size_t *group_point;              /* a point of each group (for its label) */
  const char *modes[SCN_MODES_MAX]; /* names (mode_result_name), borrowed from rows */
  size_t n_modes;
  const metric *metrics[METRIC_COUNT + 1]; /* drawn against x, in their sweep order */
  size_t n_metrics;
  metric error_rate; /* the error rate with a sweep part of its own (sr_metric_list) */
  long *cell;        /* [group][x position][mode] -> row, -1 when missing */
  report_doc doc;
  report_charts charts;
  report_gp gp;
} srctx;

/* Index of value `v` (len bytes) of key k, added when new; -1 on no memory. */
static long sr_intern(sr_key *k, const char *v, size_t len) {
  for (size_t i = 0; i < k->n; i++)
    if (strlen(k->vals[i]) == len && !strncmp(k->vals[i], v, len))
      return (long)i;
  if (k->n == k->cap) {
    size_t ncap = k->cap ? k->cap * 2 : 8;
    char **p = realloc(k->vals, ncap * sizeof *p);
    if (!p)
      return -1;
    k->vals = p;
    k->cap = ncap;
  }
  char *c = malloc(len + 1);
  if (!c)
    return -1;
  memcpy(c, v, len);
  c[len] = '\0';
  k->vals[k->n] = c;
  return (long)k->n++;
}

static void sr_release(srctx *c) {
  for (size_t k = 0; k < c->n_keys; k++) {
    for (size_t i = 0; i < c->keys[k].n; i++)
      free(c->keys[k].vals[i]);
    free(c->keys[k].vals);
  }
  free(c->rows);
  free(c->point_row);
  free(c->vi);
  free(c->xnum);
  free(c->xord);
  free(c->group);
  free(c->group_point);
  free(c->cell);
}

/* Splits "a;b;c" into the key names. */
static void sr_parse_keys(srctx *c) {
  const char *p = c->sw.keys;
  while (*p && c->n_keys < SWEEP_MAX_KEYS) {
    size_t len = strcspn(p, ";");
    if (len > 0 && len < SR_KEY_MAX) {
      memcpy(c->keys[c->n_keys].name, p, len);
      c->keys[c->n_keys].name[len] = '\0';
      c->n_keys++;
    }
    p += len;
    if (*p == ';')
      p++;
  }
}

static const double *sr_sort_x;
static int sr_cmp_x(const void *a, const void *b) {
  double x = sr_sort_x[*(const size_t *)a], y = sr_sort_x[*(const size_t *)b];
  if (x != y)
    return x < y ? -1 : 1;
  return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

/* The values of point p's keys from its params ("key=value;key=value"). */
static int sr_index_params(srctx *c, size_t p, const char *s) {
  while (*s) {
    size_t len = strcspn(s, ";");
    const char *eq = memchr(s, '=', len);
    if (eq) {
      size_t kl = (size_t)(eq - s);
      for (size_t k = 0; k < c->n_keys; k++)
        if (strlen(c->keys[k].name) == kl && !strncmp(c->keys[k].name, s, kl)) {
          long v = sr_intern(&c->keys[k], eq + 1, len - kl - 1);
          if (v < 0)
            return ERR_ENOMEM;
          c->vi[p][k] = (uint32_t)v;
        }
    }
    s += len;
    if (*s == ';')
      s++;
  }
  return 0;
}

/* The modes, the stored points (first row of each) and their key values. */
static int sr_index_points(srctx *c) {
  c->point_row = calloc(c->n_rows ? c->n_rows : 1, sizeof *c->point_row);
  c->vi = calloc(c->n_rows ? c->n_rows : 1, sizeof *c->vi);
  if (!c->point_row || !c->vi)
    return ERR_ENOMEM;
  for (size_t r = 0; r < c->n_rows; r++) {
    const db_sweep_row *w = &c->rows[r];
    int seen = 0;
    for (size_t m = 0; m < c->n_modes; m++)
      seen |= !strcmp(c->modes[m], mode_result_name(&w->summary));
    if (!seen && c->n_modes < SCN_MODES_MAX)
      c->modes[c->n_modes++] = mode_result_name(&w->summary);
    if (r > 0 && w->point == c->rows[r - 1].point)
      continue;
    size_t p = c->n_points++;
    c->point_row[p] = r;
    if (sr_index_params(c, p, w->params) < 0)
      return ERR_ENOMEM;
  }
  /* A key missing from every params string still needs a value. */
  for (size_t k = 0; k < c->n_keys; k++)
    if (c->keys[k].n == 0 && sr_intern(&c->keys[k], "?", 1) < 0)
      return ERR_ENOMEM;
  return 0;
}

/* The x axis: the first key with more than one value, its values as numbers
 * (or categories) and their ascending order. */
static int sr_index_axis(srctx *c) {
  c->xk = -1;
  for (size_t k = 0; k < c->n_keys && c->xk < 0; k++)
    if (c->keys[k].n > 1)
      c->xk = (int)k;
  size_t xk = c->xk >= 0 ? (size_t)c->xk : 0;
  c->nx = c->n_keys ? c->keys[xk].n : 1;
  c->xnum = calloc(c->nx, sizeof *c->xnum);
  c->xord = calloc(c->nx, sizeof *c->xord);
  if (!c->xnum || !c->xord)
    return ERR_ENOMEM;
  c->xkind = c->n_keys ? sweep_values_numeric((const char *const *)c->keys[xk].vals, c->nx, c->xnum)
                       : SWEEP_X_CATEGORY;
  /* A bare number given to a rate key is per second (units.h). */
  const char *dot = c->n_keys ? strrchr(c->keys[xk].name, '.') : NULL;
  if (c->xkind == SWEEP_X_NUMBER && dot && strcmp(dot, ".rate") == 0)
    c->xkind = SWEEP_X_RATE;
  for (size_t i = 0; i < c->nx; i++)
    c->xord[i] = i;
  sr_sort_x = c->xnum;
  qsort(c->xord, c->nx, sizeof *c->xord, sr_cmp_x);
  return 0;
}

/* Groups: the points that agree on every key but x. */
static int sr_index_groups(srctx *c) {
  c->group = calloc(c->n_points ? c->n_points : 1, sizeof *c->group);
  c->group_point = calloc(c->n_points ? c->n_points : 1, sizeof *c->group_point);
  if (!c->group || !c->group_point)
    return ERR_ENOMEM;
  for (size_t p = 0; p < c->n_points; p++) {
    size_t g;
    for (g = 0; g < c->n_groups; g++) {
      size_t q = c->group_point[g];
      int same = 1;
      for (size_t k = 0; k < c->n_keys && same; k++)
        same = (int)k == c->xk || c->vi[p][k] == c->vi[q][k];
      if (same)
        break;
    }
    if (g == c->n_groups)
      c->group_point[c->n_groups++] = p;
    c->group[p] = g;
  }
  return 0;
}

/* The cell table: [group][x position][mode] -> row, -1 when missing. */
static int sr_index_cells(srctx *c) {
  size_t n_cells = c->n_groups * c->nx * (c->n_modes ? c->n_modes : 1);
  c->cell = malloc((n_cells ? n_cells : 1) * sizeof *c->cell);
  size_t *xpos = calloc(c->nx, sizeof *xpos); /* value index -> position in xord */
  if (!c->cell || !xpos) {
    free(xpos);
    return ERR_ENOMEM;
  }
  for (size_t i = 0; i < n_cells; i++)
    c->cell[i] = -1;
  for (size_t i = 0; i < c->nx; i++)
    xpos[c->xord[i]] = i;
  for (size_t p = 0; p < c->n_points; p++) {
    size_t xi = c->xk >= 0 ? xpos[c->vi[p][c->xk]] : 0;
    for (size_t r = c->point_row[p];
         r < c->n_rows && c->rows[r].point == c->rows[c->point_row[p]].point; r++)
      for (size_t m = 0; m < c->n_modes; m++)
        if (!strcmp(c->modes[m], mode_result_name(&c->rows[r].summary)))
          c->cell[(c->group[p] * c->nx + xi) * c->n_modes + m] = (long)r;
  }
  free(xpos);
  return 0;
}

/* Points, values, axes, groups, modes and the cell table. */
static int sr_index(srctx *c) {
  sr_parse_keys(c);
  int rc = sr_index_points(c);
  if (rc == 0)
    rc = sr_index_axis(c);
  if (rc == 0)
    rc = sr_index_groups(c);
  if (rc == 0)
    rc = sr_index_cells(c);
  return rc;
}

static double sr_value(const srctx *c, size_t g, size_t xi, size_t m, const metric *x) {
  long r = c->cell[(g * c->nx + xi) * c->n_modes + m];
  return r < 0 ? NAN : metric_value(x, &c->rows[r].summary);
}

/* The stored row of mode m at (g, xi); NULL when the point is missing. */
static const mode_result *sr_summary(const srctx *c, size_t g, size_t xi, size_t m) {
  long r = c->cell[(g * c->nx + xi) * c->n_modes + m];
  return r < 0 ? NULL : &c->rows[r].summary;
}

/* Whether mode m fails the objective at (g, xi): stored and not meeting it. */
static int sr_fails(const srctx *c, size_t g, size_t xi, size_t m) {
  const mode_result *s = sr_summary(c, g, xi, m);
  return s && s->verdict.status != RESULT_MEETS;
}

/* "cluster.nodes.pool.count=3, foo=bar" for group g ("" with one group). */
static void sr_group_label(const srctx *c, size_t g, char *buf, size_t n) {
  size_t off = 0, p = c->group_point[g];
  buf[0] = '\0';
  for (size_t k = 0; k < c->n_keys && off < n; k++) {
    if ((int)k == c->xk || c->keys[k].n < 2)
      continue;
    int w = snprintf(buf + off, n - off, "%s%s=%s", off ? ", " : "", c->keys[k].name,
                     c->keys[k].vals[c->vi[p][k]]);
    if (w < 0)
      break;
    off += (size_t)w;
  }
}

static const char *sr_xname(const srctx *c) {
  return c->xk >= 0 ? c->keys[c->xk].name : "point";
}

/* ---- sections ------------------------------------------------------------------- */

static void sr_header(srctx *c) {
  report_doc *doc = &c->doc;
  const db_sweep_info *s = &c->sw;
  char a[DB_SWEEP_TEXT_MAX], b[RESULT_TEXT_MAX];
  report_doc_heading(doc, 1, "meshsim sweep report: %s", s->scenario);
  report_doc_para(doc,
                  "Sweep %" PRId64 " of the results database `%s`: %zu of its %u points are "
                  "stored here, each one `meshsim run` of scenario `%s` with the values below.",
                  s->id, report_code(b, sizeof b, db_path(c->d)), c->n_points, s->n_points,
                  report_code(a, sizeof a, s->scenario));
  report_doc_item(doc, "Scenario file: `%s` (file content hash `%s`), meshsim %s",
                  report_code(a, sizeof a, s->scenario_path), s->file_hash,
                  report_code(b, sizeof b, s->version));
  for (size_t k = 0; k < c->n_keys; k++) {
    const sr_key *key = &c->keys[k];
    char vals[DB_SWEEP_TEXT_MAX] = "";
    size_t off = 0;
    for (size_t i = 0; i < key->n && off < sizeof vals; i++) {
      size_t v = (int)k == c->xk ? c->xord[i] : i;
      off += (size_t)snprintf(vals + off, sizeof vals - off, "%s%s", i ? ", " : "", key->vals[v]);
    }
    const char *role = (int)k == c->xk ? " (the x axis)"
                       : key->n > 1    ? " (one chart per value)"
                                       : " (fixed)";
    report_doc_item(doc, "`%s` = %s%s", report_code(b, sizeof b, key->name),
                    report_code(a, sizeof a, vals), role);
  }
  report_doc_item(doc, "Sweep key `%s`, created %s (UTC)", s->sweep_key, s->created_at);
  report_doc_end_list(doc);
  report_doc_para(doc, "The sweep's options, as given:");
  const char *p = s->spec;
  while (*p) {
    size_t len = strcspn(p, "\n");
    char line[DB_SWEEP_TEXT_MAX];
    report_fmt(line, sizeof line, "%.*s", (int)len, p);
    report_doc_item(doc, "`%s`", report_code(a, sizeof a, line));
    p += len;
    if (*p)
      p++;
  }
  report_doc_end_list(doc);
  if (c->n_points < s->n_points)
    report_doc_para(doc,
                    "%u points are missing: the sweep was interrupted, or it ran as shards whose "
                    "databases are not all merged here (`meshsim merge`). Missing points leave "
                    "gaps in the curves and tables.",
                    s->n_points - (uint32_t)c->n_points);
  if (c->info->warning[0])
    report_doc_para(doc, "Note: %s.", c->info->warning);
}

static void sr_how_to_read(srctx *c) {
  report_doc_heading(&c->doc, 2, "How to read this");
  report_doc_para(
      &c->doc,
      "Each chart draws one metric against `%s`, one line per mode; every marker is a stored "
      "point (a batch of the database, listed at the end with its id, so `meshsim report "
      "--batch ID` gives its full report). Within a point, every mode ran the same workload "
      "with the same random numbers, so the gap between two lines is the mesh's. A crossover "
      "is where the difference between two modes changes sign between two neighbouring "
      "points; its position is interpolated linearly between them, so it is only as precise "
      "as the spacing of the swept values.",
      sr_xname(c));
  if (c->n_groups > REPORT_SWEEP_MAX_GROUPS)
    report_doc_para(&c->doc,
                    "The points fall into %zu groups (combinations of the other swept keys); "
                    "charts are drawn for the first %d, tables and crossovers cover all.",
                    c->n_groups, REPORT_SWEEP_MAX_GROUPS);
}

/* x of a crossing as text: the interpolated value, or the category range. */
static void sr_crossing_at(const srctx *c, const sweep_crossing *x, char *buf, size_t n) {
  char v[64];
  if (c->xkind == SWEEP_X_CATEGORY) {
    const sr_key *k = &c->keys[c->xk];
    report_fmt(buf, n, "between %s and %s", k->vals[c->xord[x->from]], k->vals[c->xord[x->to]]);
    return;
  }
  sweep_format_x(v, sizeof v, x->x, c->xkind);
  report_fmt(buf, n, "above %s ~ %s", sr_xname(c), v);
}

/* Where the x values sit on the axis: their number, or 0, 1, 2, ... for categories. */
static void sr_x_positions(const srctx *c, double *xs) {
  for (size_t i = 0; i < c->nx; i++)
    xs[i] = c->xkind == SWEEP_X_CATEGORY ? (double)i : c->xnum[c->xord[i]];
}

/* The crossovers of modes i and j in metric x and group g, one sentence
 * each; a and b are scratch arrays of c->nx values. Returns how many. */
static int sr_pair_crossovers(srctx *c, const metric *x, size_t g, size_t i, size_t j,
                              const double *xs, double *a, double *b) {
  for (size_t t = 0; t < c->nx; t++) {
    a[t] = sr_value(c, g, t, i, x);
    b[t] = sr_value(c, g, t, j, x);
  }
  /* Runs of points where neither mode fails, each searched on its own. */
  sweep_crossing cr[SR_MAX_CROSSINGS];
  size_t n = 0;
  for (size_t from = 0; from < c->nx && n < SR_MAX_CROSSINGS;) {
    if (sr_fails(c, g, from, i) || sr_fails(c, g, from, j)) {
      from++;
      continue;
    }
    size_t to = from + 1;
    while (to < c->nx && !sr_fails(c, g, to, i) && !sr_fails(c, g, to, j))
      to++;
    size_t got =
        sweep_crossovers(xs + from, a + from, b + from, to - from, cr + n, SR_MAX_CROSSINGS - n);
    if (got > SR_MAX_CROSSINGS - n)
      got = SR_MAX_CROSSINGS - n;
    for (size_t k = n; k < n + got; k++) {
      cr[k].from += from;
      cr[k].to += from;
    }
    n += got;
    from = to;
  }
  for (size_t k = 0; k < n && k < SR_MAX_CROSSINGS; k++) {
    const char *up = cr[k].a_above ? c->modes[i] : c->modes[j];
    const char *down = cr[k].a_above ? c->modes[j] : c->modes[i];
    char at[256], group[SR_CELL * 2] = "", label[SR_CELL * 2];
    sr_crossing_at(c, &cr[k], at, sizeof at);
    sr_group_label(c, g, label, sizeof label);
    if (label[0])
      report_fmt(group, sizeof group, " (with %s)", label);
    char nth[64] = "";
    if (n > 1) /* "above x" holds up to the next crossing only */
      report_fmt(nth, sizeof nth, " (crossing %zu of %zu)", k + 1, n);
    report_doc_item(&c->doc, "%s's %s exceeds %s's %s%s%s.", up, x->sweep.phrase, down, at, group,
                    nth);
  }
  return (int)(n < SR_MAX_CROSSINGS ? n : SR_MAX_CROSSINGS);
}

/* The points where a mode does not meet the objective, one item each. */
static void sr_failing_points(srctx *c) {
  int any = 0;
  for (size_t g = 0; g < c->n_groups; g++)
    for (size_t i = 0; i < c->nx; i++)
      for (size_t m = 0; m < c->n_modes; m++) {
        if (!sr_fails(c, g, i, m))
          continue;
        const result_verdict *v = &sr_summary(c, g, i, m)->verdict;
        if (!any)
          report_doc_para(&c->doc,
                          "Points where a mode does not meet the objective: they count in no "
                          "crossover of that mode, are left out of its line in the charts (drawn "
                          "as hollow markers instead) and are marked in the tables.");
        any = 1;
        char group[SR_CELL * 2] = "", label[SR_CELL * 2];
        sr_group_label(c, g, label, sizeof label);
        if (label[0])
          report_fmt(group, sizeof group, " (with %s)", label);
        report_doc_item(&c->doc, "%s at %s=%s%s: %s%s%s", c->modes[m], sr_xname(c),
                        c->xk >= 0 ? c->keys[c->xk].vals[c->xord[i]] : "", group,
                        verdict_status_name(v->status), v->n_reasons ? ", " : "",
                        v->n_reasons ? v->reasons[0] : "");
      }
  report_doc_end_list(&c->doc);
}

static void sr_crossovers(srctx *c) {
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Crossovers");
  if (c->xk < 0 || c->nx < 2 || c->n_modes < 2) {
    report_doc_para(doc, "No crossover can be computed: it needs at least two modes and two "
                         "values of a swept key.");
    return;
  }
  double *xs = malloc(c->nx * sizeof *xs), *a = malloc(c->nx * sizeof *a),
         *b = malloc(c->nx * sizeof *b);
  int found = 0, ok = xs && a && b;
  if (ok) {
    sr_x_positions(c, xs);
    for (size_t m = 0; m < c->n_metrics; m++)
      for (size_t g = 0; g < c->n_groups && c->metrics[m] != &c->error_rate; g++)
        for (size_t i = 0; i < c->n_modes; i++)
          for (size_t j = i + 1; j < c->n_modes; j++)
            found += sr_pair_crossovers(c, c->metrics[m], g, i, j, xs, a, b);
  }
  free(xs);
  free(a);
  free(b);
  if (!ok)
    return;
  report_doc_end_list(doc);
  sr_failing_points(c);
  if (!found)
    report_doc_para(doc, "No mode overtakes another over the swept values: for every metric the "
                         "modes keep the same order at every point.");
  else
    report_doc_para(doc, "\"A's metric exceeds B's above x\" means A's value is higher than "
                         "B's for the swept values above x (and lower below it): for cost, CPU, "
                         "memory, nodes and latency that is where A stops being the cheaper or "
                         "faster choice.");
  c->info->crossovers = found;
}

/* Writes a gnuplot single-quoted string into buf. */
static size_t sr_gp_quote(char *buf, size_t n, const char *s) {
  size_t o = 0;
  if (o + 1 < n)
    buf[o++] = '\'';
  for (; *s && o + 3 < n; s++) {
    if (*s == '\'')
      buf[o++] = '\'';
    buf[o++] = *s;
  }
  if (o + 1 < n)
    buf[o++] = '\'';
  buf[o < n ? o : n - 1] = '\0';
  return o;
}

/* Extra gnuplot lines for a category axis: its tick labels and range
 * (malloc'd; NULL for a numeric axis). */
static char *sr_category_axis(const srctx *c) {
  if (c->xkind != SWEEP_X_CATEGORY || c->xk < 0)
    return NULL;
  size_t cap = 64 + c->nx * 80;
  char *extra = malloc(cap);
  if (!extra)
    return NULL;
  size_t o = (size_t)snprintf(extra, cap, "set xtics (");
  for (size_t i = 0; i < c->nx && o < cap; i++) {
    if (i)
      o += (size_t)snprintf(extra + o, cap - o, ", ");
    char q[80];
    sr_gp_quote(q, sizeof q, c->keys[c->xk].vals[c->xord[i]]);
    o += (size_t)snprintf(extra + o, cap - o, "%s %zu", q, i);
  }
  if (o < cap)
    snprintf(extra + o, cap - o, ")\nset xrange [-0.5:%g]\n", (double)c->nx - 0.5);
  return extra;
}

/* The chart of metric x in group g, one line per mode; `axis` sets up the x
 * axis (category tics; NULL for numbers), xs and ys are scratch of
 * (n_modes + 1) and 2 * n_modes values per x. On a category axis each mode
 * is a column of markers, no line (the order of the categories is the
 * sweep's, a line between them would read as a trend), shifted a little
 * left or right per mode so that equal values stay visible. p99 latency is
 * on a log scale: a mode that collapses (seconds) would flatten the others
 * (milliseconds). */
static void sr_metric_chart(srctx *c, const metric *x, size_t g, const char *axis, double *xs,
                            double *ys) {
  char xlabel[SR_KEY_MAX + 32], ylabel[64];
  const char *unit = sweep_xkind_unit(c->xkind);
  int category = c->xkind == SWEEP_X_CATEGORY;
  int log_y = x->id == METRIC_LATENCY_P99;
  if (unit[0])
    report_fmt(xlabel, sizeof xlabel, "%s (%s)", sr_xname(c), unit);
  else
    report_fmt(xlabel, sizeof xlabel, "%s", sr_xname(c));
  report_fmt(ylabel, sizeof ylabel, "%s (%s%s)", x->sweep.phrase, x->unit,
             log_y ? ", log scale" : "");
  report_line lines[2 * SCN_MODES_MAX] = {0};
  char hollow[SCN_MODES_MAX][SR_CELL];
  size_t nl = c->n_modes;
  sr_x_positions(c, xs);
  for (size_t mi = 0; mi < c->n_modes; mi++) {
    /* A failing point is left out of the line and drawn hollow beside it. */
    double *line = ys + mi * c->nx, *fail = ys + (c->n_modes + mi) * c->nx;
    double *mx = xs;
    if (category) { /* this mode's column of markers */
      mx = xs + (mi + 1) * c->nx;
      for (size_t i = 0; i < c->nx; i++)
        mx[i] = xs[i] + 0.12 * ((double)mi - 0.5 * (double)(c->n_modes - 1));
    }
    int fails = 0;
    for (size_t i = 0; i < c->nx; i++) {
      double v = sr_value(c, g, i, mi, x);
      int f = sr_fails(c, g, i, mi);
      line[i] = f ? NAN : v;
      fail[i] = f ? v : NAN;
      fails |= f;
    }
    lines[mi].title = c->modes[mi];
    lines[mi].x = mx;
    lines[mi].y = line;
    lines[mi].n = c->nx;
    if (fails) {
      report_fmt(hollow[mi], sizeof hollow[mi], "%s: misses the objective", c->modes[mi]);
      lines[nl] = (report_line){hollow[mi], mx, fail, c->nx, mi + 1};
      nl++;
    }
  }
  char name[32], title[SR_CELL * 3], caption[SR_CELL * 3], label[SR_CELL * 2];
  sr_group_label(c, g, label, sizeof label);
  if (c->n_groups > 1)
    report_fmt(name, sizeof name, "sweep_%s_%zu", x->sweep.chart, g + 1);
  else
    report_fmt(name, sizeof name, "sweep_%s", x->sweep.chart);
  report_fmt(title, sizeof title, "%s against %s%s%s%s", x->sweep.title, sr_xname(c),
             label[0] ? " (" : "", label, label[0] ? ")" : "");
  report_fmt(caption, sizeof caption, "%s (%s%s) against %s, %s per mode%s%s%s", x->sweep.title,
             x->unit, log_y ? ", log scale" : "", sr_xname(c),
             category ? "a column of markers" : "one line", label[0] ? ", with " : "", label,
             nl > c->n_modes ? " (hollow markers: points where a mode misses the objective, "
                               "left out of its line)"
                             : "");
  /* The legend below the chart leaves its width to the curves; numbers
   * keep a margin so the first and last markers are not cut in half. */
  size_t len = (axis ? strlen(axis) : 0) + 160;
  char *extra = malloc(len);
  if (!extra)
    return;
  report_fmt(extra, len, "%s%s%sset key outside bottom center horizontal height 1\n",
             axis ? axis : "", axis ? "" : "set offsets graph 0.03, graph 0.03, 0, 0\n",
             log_y ? "" : "set yrange [0:*]\n");
  unsigned flags = (category ? REPORT_POINTS_ONLY : REPORT_POINTS) | (log_y ? REPORT_LOGY : 0);
  int drawn = report_chart_lines(&c->charts, name, title, xlabel, ylabel, lines, nl, flags, extra);
  free(extra);
  report_chart_image(&c->doc, &c->charts, name, drawn, caption);
}

/* The numbers of metric x: one row per (group, x), one column per mode. */
static void sr_metric_table(srctx *c, const metric *x) {
  const char *head[SWEEP_MAX_KEYS + 1 + SCN_MODES_MAX];
  char align[SWEEP_MAX_KEYS + 2 + SCN_MODES_MAX];
  char heads[SCN_MODES_MAX][SR_CELL];
  size_t nc = 0;
  for (size_t k = 0; k < c->n_keys; k++)
    if ((int)k != c->xk && c->keys[k].n > 1) {
      head[nc] = c->keys[k].name;
      align[nc++] = 'l';
    }
  head[nc] = sr_xname(c);
  align[nc++] = c->xkind == SWEEP_X_CATEGORY ? 'l' : 'r';
  for (size_t mi = 0; mi < c->n_modes; mi++) {
    report_fmt(heads[mi], sizeof heads[mi], "%s (%s)", c->modes[mi], x->unit);
    head[nc] = heads[mi];
    align[nc++] = 'r';
  }
  align[nc] = '\0';
  report_doc_table_begin(&c->doc, nc, head, align);
  for (size_t g = 0; g < c->n_groups; g++)
    for (size_t i = 0; i < c->nx; i++) {
      const char *cells[SWEEP_MAX_KEYS + 1 + SCN_MODES_MAX];
      char vals[SCN_MODES_MAX][SR_CELL];
      size_t k2 = 0, p = c->group_point[g];
      for (size_t k = 0; k < c->n_keys; k++)
        if ((int)k != c->xk && c->keys[k].n > 1)
          cells[k2++] = c->keys[k].vals[c->vi[p][k]];
      cells[k2++] = c->xk >= 0 ? c->keys[c->xk].vals[c->xord[i]] : "";
      for (size_t mi = 0; mi < c->n_modes; mi++) {
        double v = sr_value(c, g, i, mi, x);
        if (isnan(v) && c->cell[(g * c->nx + i) * c->n_modes + mi] < 0)
          report_fmt(vals[mi], sizeof vals[mi], "-");
        else if ((x->flags & METRIC_INTEGER) && isfinite(v)) /* a count: "31", not "31.0" */
          report_fmt(vals[mi], sizeof vals[mi], "%.0f", v);
        else
          report_num(vals[mi], sizeof vals[mi], v);
        if (sr_fails(c, g, i, mi)) {
          size_t len = strlen(vals[mi]);
          report_fmt(vals[mi] + len, sizeof vals[mi] - len, " (%s)",
                     verdict_status_name(sr_summary(c, g, i, mi)->verdict.status));
        }
        cells[k2++] = vals[mi];
      }
      report_doc_table_row(&c->doc, nc, cells);
    }
  report_doc_table_end(&c->doc);
}

/* One section per metric: a chart per group (the first
 * REPORT_SWEEP_MAX_GROUPS), then the numbers. */
static void sr_metric_section(srctx *c, const metric *x) {
  report_doc_heading(&c->doc, 2, "%s", x->sweep.title);
  char *axis = sr_category_axis(c);
  double *xs = malloc((c->n_modes + 1) * c->nx * sizeof *xs); /* x, then each mode's */
  double *ys = malloc(2 * c->n_modes * c->nx * sizeof *ys);   /* lines, then failing points */
  for (size_t g = 0; xs && ys && c->xk >= 0 && g < c->n_groups && g < REPORT_SWEEP_MAX_GROUPS; g++)
    sr_metric_chart(c, x, g, axis, xs, ys);
  free(axis);
  free(xs);
  free(ys);
  sr_metric_table(c, x);
}

static void sr_points(srctx *c) {
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Points");
  report_doc_para(doc, "Each stored point and the batch that holds it (`meshsim report --batch "
                       "ID` for its full comparison report).");
  static const char *const head[] = {"point", "values", "batch"};
  report_doc_table_begin(doc, 3, head, "rlr");
  for (size_t p = 0; p < c->n_points; p++) {
    const db_sweep_row *w = &c->rows[c->point_row[p]];
    char a[32], b[32], params[RESULT_TEXT_MAX + 2], code[RESULT_TEXT_MAX];
    report_fmt(a, sizeof a, "%u", w->point);
    report_fmt(b, sizeof b, "%" PRId64, w->batch_id);
    report_fmt(params, sizeof params, "`%s`", report_code(code, sizeof code, w->params));
    const char *cells[3] = {a, params, b};
    report_doc_table_row(doc, 3, cells);
  }
  report_doc_table_end(doc);
}

static void sr_footer(srctx *c) {
  char a[RESULT_TEXT_MAX];
  report_doc_heading(&c->doc, 2, "Data");
  report_doc_para(&c->doc,
                  "Generated by meshsim %s from sweep %" PRId64
                  " of `%s` (tables `sweeps`, `sweep_points` and the `mode_summary` rows of "
                  "their batches). Each chart has its gnuplot script (`.gp`) and data (`.dat`) "
                  "in `%s/`; `meshsim export --db %s --csv DIR` writes every table as CSV.",
                  MESHSIM_VERSION, c->sw.id, report_code(a, sizeof a, db_path(c->d)),
                  REPORT_CHART_DIR, db_path(c->d));
}

static void sr_write(void *ctx) {
  srctx *c = ctx;
  sr_header(c);
  sr_how_to_read(c);
  sr_crossovers(c);
  for (size_t m = 0; m < c->n_metrics; m++)
    sr_metric_section(c, c->metrics[m]);
  sr_points(c);
  sr_footer(c);
}

/* The metrics drawn: metric.h's sweep list, and the error rate after p99
 * latency. The error rate has no sweep part in metric.h (models/ owns it),
 * so this copy carries one; it is the other half of the objective, and
 * where a mode crosses the budget is what a sweep is often run to find. */
static void sr_metric_list(srctx *c) {
  c->n_metrics = metric_sweep_list(c->metrics);
  const metric *er = &metric_table[METRIC_ERROR_RATE];
  if (er->sweep.rank) /* metric.h draws it already */
    return;
  c->error_rate = *er;
  c->error_rate.sweep.chart = "error_rate";
  c->error_rate.sweep.title = "Error rate";
  c->error_rate.sweep.phrase = "error rate";
  size_t at = c->n_metrics;
  for (size_t m = 0; m < c->n_metrics; m++)
    if (c->metrics[m]->id == METRIC_LATENCY_P99)
      at = m + 1;
  memmove(c->metrics + at + 1, c->metrics + at, (c->n_metrics - at) * sizeof *c->metrics);
  c->metrics[at] = &c->error_rate;
  c->n_metrics++;
}

int report_sweep_write(db *d, const report_options *opt, int64_t sweep_id, report_info *info) {
  srctx *c = calloc(1, sizeof *c);
  if (!c)
    return report_fail(info, ERR_ENOMEM, "out of memory");
  c->d = d;
  c->opt = opt;
  c->info = info;
  sr_metric_list(c);
  info->sweep_id = sweep_id;
  int rc = db_load_sweep(d, sweep_id, &c->sw);
  if (rc < 0)
    report_fail(info, rc, "%s", db_errmsg(d));
  if (rc == 0 && opt->scenario && strcmp(opt->scenario, c->sw.scenario) != 0)
    rc = report_fail(info, ERR_EINVAL, "sweep %" PRId64 " is of scenario '%s', not '%s'", sweep_id,
                     c->sw.scenario, opt->scenario);
  if (rc == 0 && (rc = db_load_sweep_rows(d, sweep_id, &c->rows, &c->n_rows)) < 0)
    report_fail(info, rc, "%s", db_errmsg(d));
  if (rc == 0 && c->n_rows == 0)
    rc = report_fail(info, DB_ENOTFOUND, "sweep %" PRId64 " has no stored points yet", sweep_id);
  if (rc == 0 && (rc = sr_index(c)) < 0)
    report_fail(info, rc, "out of memory indexing sweep %" PRId64, sweep_id);
  if (rc == 0) {
    info->points = (int)c->n_points;
    char title[RESULT_NAME_MAX + 32];
    report_fmt(title, sizeof title, "meshsim sweep report: %s", c->sw.scenario);
    rc = report_render(opt, info, &c->charts, &c->gp, &c->doc, title, sr_write, c);
  }
  sr_release(c);
  free(c);
  return rc;
}
