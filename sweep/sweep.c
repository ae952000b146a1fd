/* sweep: value specs, points, shards and crossovers; see sweep.h. */
#include "sweep.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load.h"
#include "units.h"

/* Longest tuple of values set together, as text. */
#define SWEEP_TUPLE_MAX 2048

/* Tolerance for "a step lands on the end of the range". */
#define SWEEP_EPS 1e-9

static int sweep__fail(char *err, size_t n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int sweep__fail(char *err, size_t n, int code, const char *fmt, ...) {
  if (err && n) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
  }
  return code;
}

void sweep_init(sweep *s) {
  memset(s, 0, sizeof *s);
  s->n_points = 1;
}

void sweep_values_free(char **values, uint32_t n) {
  if (!values)
    return;
  for (uint32_t i = 0; i < n; i++)
    free(values[i]);
  free(values);
}

static void sweep__axis_free(sweep_axis *ax);

void sweep_release(sweep *s) {
  for (uint32_t a = 0; a < s->n_axes; a++)
    sweep__axis_free(&s->axes[a]);
  sweep_init(s);
}

/* ---- value lists ---------------------------------------------------------------- */

typedef struct vlist {
  char **v;
  uint32_t n, cap;
  uint32_t max; /* 0: SWEEP_MAX_VALUES */
} vlist;

static int vlist_push(vlist *l, const char *s, size_t len) {
  if (l->n >= (l->max ? l->max : SWEEP_MAX_VALUES))
    return SWEEP_ETOOBIG;
  if (l->n == l->cap) {
    uint32_t ncap = l->cap ? l->cap * 2 : 8;
    char **p = realloc(l->v, ncap * sizeof *p);
    if (!p)
      return ERR_ENOMEM;
    l->v = p;
    l->cap = ncap;
  }
  char *c = malloc(len + 1);
  if (!c)
    return ERR_ENOMEM;
  memcpy(c, s, len);
  c[len] = '\0';
  l->v[l->n++] = c;
  return 0;
}

/* A plain decimal: [+-]digits[.digits][(e|E)[+-]digits], at least one
 * digit before the exponent. No hex, inf or nan (strtod would take them). */
static const char *scan_number(const char *s, double *out) {
  const char *p = s;
  if (*p == '+' || *p == '-')
    p++;
  int digits = 0;
  while (*p >= '0' && *p <= '9')
    p++, digits++;
  if (*p == '.' && p[1] >= '0' && p[1] <= '9') { /* "5..9" is a range, not "5." */
    p++;
    while (*p >= '0' && *p <= '9')
      p++, digits++;
  }
  if (!digits)
    return NULL;
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    if (*q == '+' || *q == '-')
      q++;
    if (*q >= '0' && *q <= '9') {
      while (*q >= '0' && *q <= '9')
        q++;
      p = q;
    }
  }
  char buf[64];
  size_t len = (size_t)(p - s);
  if (len >= sizeof buf)
    return NULL;
  memcpy(buf, s, len);
  buf[len] = '\0';
  *out = strtod(buf, NULL);
  return isfinite(*out) ? p : NULL;
}

/* Shortest clean text of a generated number: integers without a point,
 * others with up to 12 significant digits (0.1+0.2 -> "0.3"). */
static void format_number(char *buf, size_t n, double v) {
  double r = nearbyint(v);
  if (fabs(v - r) <= SWEEP_EPS * (fabs(v) > 1 ? fabs(v) : 1) && fabs(r) < 1e15)
    snprintf(buf, n, "%.0f", r == 0 ? 0.0 : r);
  else
    snprintf(buf, n, "%.12g", v);
}

static const char *skip_space(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* Expands one range element "A..B[step]" (len bytes at s) into l. */
static int expand_range(const char *s, size_t len, vlist *l, char *err, size_t errn) {
  char el[256];
  if (len >= sizeof el)
    return sweep__fail(err, errn, SWEEP_ESYNTAX, "range \"%.*s\" is too long", (int)len, s);
  memcpy(el, s, len);
  el[len] = '\0';
  const char *dots = strstr(el, "..");
  double a, b, step = 1;
  int geometric = 0;
  const char *p = scan_number(skip_space(el), &a);
  if (!p)
    return sweep__fail(err, errn, SWEEP_ESYNTAX,
                       "range \"%s\": the start is not a number (ranges are A..B, A..B+STEP "
                       "or A..B xFACTOR with numbers and an optional unit)",
                       el);
  char unit_a[32], unit_b[32];
  const char *ua = skip_space(p);
  if (ua > dots)
    return sweep__fail(err, errn, SWEEP_ESYNTAX, "range \"%s\": the start is not a number", el);
  size_t ula = (size_t)(dots - ua);
  while (ula > 0 && (ua[ula - 1] == ' ' || ua[ula - 1] == '\t'))
    ula--;
  if (ula >= sizeof unit_a)
    return sweep__fail(err, errn, SWEEP_ESYNTAX, "range \"%s\": unit too long", el);
  memcpy(unit_a, ua, ula);
  unit_a[ula] = '\0';
  p = scan_number(skip_space(dots + 2), &b);
  if (!p)
    return sweep__fail(err, errn, SWEEP_ESYNTAX, "range \"%s\": the end is not a number", el);
  /* The end's unit runs to a space or the step operator; no unit has
   * x, * or + in it. */
  const char *ub = p;
  while (*p && *p != ' ' && *p != '\t' && *p != 'x' && *p != '*' && *p != '+')
    p++;
  if ((size_t)(p - ub) >= sizeof unit_b)
    return sweep__fail(err, errn, SWEEP_ESYNTAX, "range \"%s\": unit too long", el);
  memcpy(unit_b, ub, (size_t)(p - ub));
  unit_b[p - ub] = '\0';
  if (strcmp(unit_a, unit_b) != 0)
    return sweep__fail(err, errn, SWEEP_ESYNTAX,
                       "range \"%s\": both ends need the same unit (\"%s\" and \"%s\")", el, unit_a,
                       unit_b);
  p = skip_space(p);
  if (*p == 'x' || *p == '*') {
    geometric = 1;
    p = scan_number(skip_space(p + 1), &step);
    if (!p)
      return sweep__fail(err, errn, SWEEP_ESYNTAX, "range \"%s\": the factor is not a number", el);
    if (!(step > 1))
      return sweep__fail(err, errn, SWEEP_ESYNTAX,
                         "range \"%s\": the factor must be greater than 1", el);
    p = skip_space(p);
  } else if (*p == '+') {
    p = scan_number(skip_space(p + 1), &step);
    if (!p)
      return sweep__fail(err, errn, SWEEP_ESYNTAX, "range \"%s\": the step is not a number", el);
    /* The step may repeat the unit. */
    const char *us = p;
    while (*p && *p != ' ' && *p != '\t')
      p++;
    if (p > us && ((size_t)(p - us) != strlen(unit_a) || strncmp(us, unit_a, strlen(unit_a))))
      return sweep__fail(err, errn, SWEEP_ESYNTAX,
                         "range \"%s\": the step's unit differs from the range's", el);
    if (!(step > 0))
      return sweep__fail(err, errn, SWEEP_ESYNTAX, "range \"%s\": the step must be positive", el);
    p = skip_space(p);
  }
  if (*p)
    return sweep__fail(err, errn, SWEEP_ESYNTAX,
                       "range \"%s\": unexpected \"%s\" (a step is +STEP or xFACTOR)", el, p);
  if (a > b)
    return sweep__fail(err, errn, SWEEP_EEMPTY, "range \"%s\" is empty: the start exceeds the end",
                       el);
  if (geometric && !(a > 0))
    return sweep__fail(err, errn, SWEEP_ESYNTAX,
                       "range \"%s\": a geometric range must start above 0", el);
  double limit = b + SWEEP_EPS * (fabs(b) > 1 ? fabs(b) : 1);
  for (uint32_t i = 0;; i++) {
    double v = geometric ? a * pow(step, i) : a + step * i;
    if (v > limit)
      break;
    if (i >= SWEEP_MAX_VALUES)
      return sweep__fail(err, errn, SWEEP_ETOOBIG, "range \"%s\" has more than %d values", el,
                         SWEEP_MAX_VALUES);
    char num[64], text[128];
    format_number(num, sizeof num, v);
    int tl = snprintf(text, sizeof text, "%s%s", num, unit_a);
    int rc = vlist_push(l, text, (size_t)tl);
    if (rc < 0)
      return sweep__fail(err, errn, rc, "range \"%s\": %s", el, err_str(rc));
  }
  return 0;
}

/* Whether the element (outside quotes and brackets) contains "..". */
static int is_range(const char *s, size_t len) {
  if (len > 0 && (s[0] == '[' || s[0] == '{' || s[0] == '"' || s[0] == '\''))
    return 0;
  for (size_t i = 0; i + 1 < len; i++)
    if (s[i] == '.' && s[i + 1] == '.')
      return 1;
  return 0;
}

/* Cuts the next element of a comma list off *p: [*b, *e), trimmed. Commas
 * inside brackets ("[...]", "{...}", and "(...)" when `parens`) or quotes do
 * not split. A quote opens only where YAML starts a quoted scalar (at the
 * start of the element or after "[", "{", "," or ":"), so the apostrophe of
 * "it's" is a plain character, as in YAML; inside quotes, '' (single) and
 * \x (double) are escapes. Returns 1 with the element, 0 at the end of the
 * list, or a negative code with a message. */
static int next_element(const char *spec, const char **p, int parens, const char **b,
                        const char **e, char *err, size_t errn) {
  const char *start = *p;
  if (!start)
    return 0;
  int depth = 0;
  char quote = 0, prev = 0; /* prev: the last non-blank character outside quotes */
  const char *q = start;
  for (;; q++) {
    char c = *q;
    if (c && quote) {
      if (quote == '\'' && c == '\'' && q[1] == '\'')
        q++;
      else if (quote == '"' && c == '\\' && q[1])
        q++;
      else if (c == quote)
        quote = 0, prev = c;
      continue;
    }
    if ((c == '"' || c == '\'') && (!prev || strchr("[{(,:", prev))) {
      quote = c;
      continue;
    }
    if (c == '[' || c == '{' || (parens && c == '('))
      depth++;
    else if ((c == ']' || c == '}' || (parens && c == ')')) && depth > 0)
      depth--;
    if (c != ' ' && c != '\t' && c)
      prev = c;
    if (c && (c != ',' || depth > 0))
      continue;
    if (!c && (depth > 0 || quote))
      return sweep__fail(err, errn, SWEEP_ESYNTAX, "\"%s\": unbalanced %s", spec,
                         quote ? "quote" : "bracket");
    break;
  }
  *b = skip_space(start);
  *e = q;
  while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
    (*e)--;
  *p = *q ? q + 1 : NULL;
  if (*e == *b)
    return sweep__fail(err, errn, SWEEP_EEMPTY, "\"%s\": empty value in the list", spec);
  return 1;
}

/* Expands one element (a range or a literal value) onto l. */
static int expand_element(const char *spec, const char *b, const char *e, vlist *l, char *err,
                          size_t errn) {
  if (is_range(b, (size_t)(e - b)))
    return expand_range(b, (size_t)(e - b), l, err, errn);
  int rc = vlist_push(l, b, (size_t)(e - b));
  if (rc < 0)
    sweep__fail(err, errn, rc, "\"%s\": %s (at most %d values per key)", spec, err_str(rc),
                SWEEP_MAX_VALUES);
  return rc;
}

/* A spec of blanks only. */
static int is_blank(const char *s) {
  return *skip_space(s) == '\0';
}

int sweep_expand(const char *spec, char ***values, uint32_t *n, char *err, size_t err_len) {
  *values = NULL;
  *n = 0;
  if (err && err_len)
    err[0] = '\0';
  vlist l = {0};
  int rc = 0;
  if (is_blank(spec)) {
    /* "KEY=" is the key's null, its default, as for `meshsim run --set`:
     * one empty value (`--set failures=` turns the file's drills off). */
    rc = vlist_push(&l, "", 0);
  } else {
    const char *p = spec, *b, *e;
    while ((rc = next_element(spec, &p, 0, &b, &e, err, err_len)) == 1 &&
           (rc = expand_element(spec, b, e, &l, err, err_len)) == 0) {
    }
  }
  if (rc < 0) {
    sweep_values_free(l.v, l.n);
    return rc;
  }
  *values = l.v;
  *n = l.n;
  return 0;
}

/* ---- keys set together ---------------------------------------------------------- */

/* One tuple "(v1, v2, ...)" of a zipped axis of nk keys onto l (display
 * values) and m (members, nk per point). A member may be a range; ranges
 * zip (they need as many values each) and a single value is repeated. */
static int expand_tuple(const char *spec, const char *b, const char *e, uint32_t nk, vlist *l,
                        vlist *m, char *err, size_t errn) {
  char inner[SWEEP_TUPLE_MAX];
  size_t len = (size_t)(e - b) - 2;
  if (len >= sizeof inner)
    return sweep__fail(err, errn, SWEEP_ESYNTAX, "\"%.*s\" is too long", (int)(e - b), b);
  memcpy(inner, b + 1, len);
  inner[len] = '\0';
  vlist mem[SWEEP_MAX_KEYS] = {{0}};
  uint32_t k = 0, count = 1;
  const char *p = inner, *mb, *me;
  int rc;
  while ((rc = next_element(inner, &p, 1, &mb, &me, err, errn)) == 1) {
    if (k == nk) {
      rc = sweep__fail(err, errn, SWEEP_ESYNTAX, "\"%.*s\": more values than the %u keys",
                       (int)(e - b), b, nk);
      break;
    }
    if ((rc = expand_element(inner, mb, me, &mem[k], err, errn)) < 0)
      break;
    if (mem[k].n > 1 && count > 1 && mem[k].n != count) {
      rc = sweep__fail(err, errn, SWEEP_ESYNTAX,
                       "\"%.*s\": ranges set together need as many values each (%u and %u)",
                       (int)(e - b), b, count, mem[k].n);
      break;
    }
    count = mem[k].n > count ? mem[k].n : count;
    k++;
  }
  if (rc == 0 && k < nk)
    rc = sweep__fail(err, errn, SWEEP_ESYNTAX, "\"%.*s\": %u value%s for %u keys", (int)(e - b), b,
                     k, k == 1 ? "" : "s", nk);
  for (uint32_t i = 0; rc == 0 && i < count; i++) {
    char text[SWEEP_TUPLE_MAX];
    size_t off = 0;
    for (uint32_t j = 0; j < nk && rc == 0; j++) {
      const char *v = mem[j].v[mem[j].n > 1 ? i : 0];
      int w = snprintf(text + off, sizeof text - off, "%s%s", j ? "," : "(", v);
      off += w > 0 ? (size_t)w : 0;
      rc = vlist_push(m, v, strlen(v));
    }
    if (rc == 0 && off + 2 > sizeof text)
      rc = SWEEP_ETOOBIG;
    if (rc == 0) {
      text[off++] = ')';
      rc = vlist_push(l, text, off);
    }
    if (rc < 0)
      sweep__fail(err, errn, rc, "\"%s\": %s (at most %d values per key)", spec, err_str(rc),
                  SWEEP_MAX_VALUES);
  }
  for (uint32_t j = 0; j < SWEEP_MAX_KEYS; j++)
    sweep_values_free(mem[j].v, mem[j].n);
  return rc < 0 ? rc : 0;
}

/* The values of nk keys set together: each element is a tuple "(v1, v2)"
 * or a value (or range) every key takes. */
static int expand_zipped(const char *spec, uint32_t nk, vlist *l, vlist *m, char *err,
                         size_t errn) {
  const char *p = spec, *b, *e;
  int rc;
  while ((rc = next_element(spec, &p, 1, &b, &e, err, errn)) == 1) {
    if (*b == '(' && e[-1] == ')') {
      rc = expand_tuple(spec, b, e, nk, l, m, err, errn);
    } else {
      uint32_t from = l->n;
      rc = expand_element(spec, b, e, l, err, errn);
      for (uint32_t i = from; rc == 0 && i < l->n; i++)
        for (uint32_t j = 0; j < nk && rc == 0; j++)
          rc = vlist_push(m, l->v[i], strlen(l->v[i]));
    }
    if (rc < 0)
      return rc;
  }
  return rc;
}

/* Keys in use across the sweep. */
static uint32_t sweep__n_keys(const sweep *s) {
  uint32_t n = 0;
  for (uint32_t a = 0; a < s->n_axes; a++)
    n += s->axes[a].n_keys;
  return n;
}

/* Splits "k1,k2" (klen bytes) into ax->keys, checking each against the
 * keys of s. */
static int sweep__keys(const sweep *s, const char *arg, size_t klen, sweep_axis *ax, char *err,
                       size_t errn) {
  uint32_t n = 1;
  for (size_t i = 0; i < klen; i++) {
    if (arg[i] == ';' || arg[i] == ' ')
      return sweep__fail(err, errn, SWEEP_ESYNTAX, "\"%s\": a key has no spaces or ';'", arg);
    n += arg[i] == ',';
  }
  if (sweep__n_keys(s) + n > SWEEP_MAX_KEYS)
    return sweep__fail(err, errn, SWEEP_ETOOBIG, "at most %d keys can be swept", SWEEP_MAX_KEYS);
  if (!(ax->keys = calloc(n, sizeof *ax->keys)))
    return sweep__fail(err, errn, ERR_ENOMEM, "out of memory");
  for (const char *k = arg, *end = arg + klen; k <= end; ax->n_keys++) {
    size_t kl = strcspn(k, ",=");
    if (k + kl > end)
      kl = (size_t)(end - k);
    if (kl == 0)
      return sweep__fail(err, errn, SWEEP_ESYNTAX, "\"%.*s\": an empty key", (int)klen, arg);
    for (uint32_t a = 0; a <= s->n_axes; a++) {
      const sweep_axis *o = a < s->n_axes ? &s->axes[a] : ax;
      for (uint32_t j = 0; j < o->n_keys; j++)
        if (strlen(o->keys[j]) == kl && !strncmp(o->keys[j], k, kl))
          return sweep__fail(err, errn, SWEEP_EDUPLICATE, "key \"%.*s\" is given twice", (int)kl,
                             k);
    }
    if (!(ax->keys[ax->n_keys] = strndup(k, kl)))
      return sweep__fail(err, errn, ERR_ENOMEM, "out of memory");
    k += kl + 1;
  }
  return 0;
}

static void sweep__axis_free(sweep_axis *ax) {
  free(ax->key);
  free(ax->spec);
  sweep_values_free(ax->values, ax->n_values);
  sweep_values_free(ax->keys, ax->n_keys);
  sweep_values_free(ax->members, ax->members ? ax->n_values * ax->n_keys : 0);
  memset(ax, 0, sizeof *ax);
}

int sweep_add(sweep *s, const char *arg, char *err, size_t err_len) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    return sweep__fail(err, err_len, SWEEP_ESYNTAX, "expected KEY=VALUES, got \"%s\"", arg);
  size_t klen = (size_t)(eq - arg);
  if (s->n_axes >= SWEEP_MAX_KEYS)
    return sweep__fail(err, err_len, SWEEP_ETOOBIG, "at most %d keys can be swept", SWEEP_MAX_KEYS);
  if (strchr(eq + 1, ';'))
    return sweep__fail(err, err_len, SWEEP_ESYNTAX,
                       "\"%s\": values cannot contain ';' (it separates the stored parameters)",
                       arg);
  sweep_axis ax = {0};
  int rc = sweep__keys(s, arg, klen, &ax, err, err_len);
  if (rc == 0 && ax.n_keys == 1) {
    rc = sweep_expand(eq + 1, &ax.values, &ax.n_values, err, err_len);
  } else if (rc == 0) {
    vlist l = {0}, m = {.max = SWEEP_MAX_VALUES * SWEEP_MAX_KEYS};
    rc = is_blank(eq + 1)
             ? sweep__fail(err, err_len, SWEEP_EEMPTY, "\"%s\": keys set together need values", arg)
             : expand_zipped(eq + 1, ax.n_keys, &l, &m, err, err_len);
    ax.values = l.v;
    ax.n_values = l.n;
    ax.members = m.v;
  }
  if (rc == 0 && s->n_points * ax.n_values > SWEEP_MAX_POINTS)
    rc = sweep__fail(err, err_len, SWEEP_ETOOBIG, "the sweep would have more than %d points",
                     SWEEP_MAX_POINTS);
  if (rc == 0 && (!(ax.key = strndup(arg, klen)) || !(ax.spec = strdup(eq + 1))))
    rc = sweep__fail(err, err_len, ERR_ENOMEM, "out of memory");
  if (rc < 0) {
    sweep__axis_free(&ax);
    return rc;
  }
  s->axes[s->n_axes++] = ax;
  s->n_points *= ax.n_values;
  return 0;
}

const char *sweep_axis_value(const sweep_axis *ax, uint32_t value, uint32_t key) {
  return ax->members ? ax->members[(size_t)value * ax->n_keys + key] : ax->values[value];
}

uint32_t sweep_value_index(const sweep *s, uint64_t point, uint32_t axis) {
  uint64_t stride = 1;
  for (uint32_t a = s->n_axes; a-- > axis + 1;)
    stride *= s->axes[a].n_values;
  return (uint32_t)(point / stride % s->axes[axis].n_values);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sweep_canonical(const sweep *s, const char *const *fixed, size_t n_fixed, char **lines,
                    size_t max_lines, size_t *n_lines, char *buf, size_t n) {
  size_t off = 0, k = 0;
  *n_lines = 0;
  for (uint32_t a = 0; a < s->n_axes + n_fixed; a++) {
    if (k >= max_lines)
      return SWEEP_ETOOBIG;
    char *line = buf + off;
    int w;
    if (a < s->n_axes) {
      const sweep_axis *ax = &s->axes[a];
      w = snprintf(line, n - off, "%s=", ax->key);
      for (uint32_t v = 0; w >= 0 && (size_t)w < n - off && v < ax->n_values; v++) {
        int x = snprintf(line + w, n - off - (size_t)w, "%s%s", v ? "," : "", ax->values[v]);
        w = x < 0 ? x : w + x;
      }
    } else {
      w = snprintf(line, n - off, "%s", fixed[a - s->n_axes]);
    }
    if (w < 0 || (size_t)w >= n - off)
      return SWEEP_ETOOBIG;
    off += (size_t)w + 1;
    lines[k++] = line;
  }
  qsort(lines, k, sizeof *lines, cmp_str);
  *n_lines = k;
  return 0;
}

void sweep_key(uint64_t file_hash, const char *version, const sweep *s, const char *const *fixed,
               size_t n_fixed, char out[17]) {
  char head[128];
  int hl = snprintf(head, sizeof head, "sweep;file=%016" PRIx64 ";v=%s", file_hash,
                    version ? version : "");
  size_t cap = 1 << 16;
  char *buf = malloc(cap);
  char **lines = malloc((SWEEP_MAX_KEYS + n_fixed + 1) * sizeof *lines);
  size_t nl = 0;
  uint64_t h;
  if (buf && lines &&
      sweep_canonical(s, fixed, n_fixed, lines, SWEEP_MAX_KEYS + n_fixed + 1, &nl, buf, cap) == 0)
    h = scenario_load_hash(head, (size_t)hl, (const char *const *)lines, nl);
  else /* too long to list: hash the specs as typed */
    h = scenario_load_hash(head, (size_t)hl, fixed, n_fixed) ^ s->n_points;
  free(buf);
  free(lines);
  snprintf(out, 17, "%016" PRIx64, h);
}

/* ---- shards --------------------------------------------------------------------- */

/* A whole number in [0, max] from text (strict). */
static int parse_index(const char *s, uint64_t max, uint64_t *out) {
  return s && units_parse_uint(s, max, out) == 0 ? 0 : -1;
}

int sweep_shard_resolve(const char *shard_opt, uint64_t shard_count, const sweep_shard_env *env,
                        sweep_shard *out, char *err, size_t err_len) {
  memset(out, 0, sizeof *out);
  uint64_t i, n;
  if (shard_opt) {
    const char *slash = strchr(shard_opt, '/');
    char first[32];
    if (!slash || (size_t)(slash - shard_opt) >= sizeof first)
      return sweep__fail(err, err_len, SWEEP_ESYNTAX,
                         "--shard expects I/N (0-based shard I of N), got \"%s\"", shard_opt);
    memcpy(first, shard_opt, (size_t)(slash - shard_opt));
    first[slash - shard_opt] = '\0';
    if (parse_index(first, SWEEP_MAX_POINTS, &i) < 0 ||
        parse_index(slash + 1, SWEEP_MAX_POINTS, &n) < 0 || n == 0 || i >= n)
      return sweep__fail(err, err_len, SWEEP_ESYNTAX,
                         "--shard expects I/N with 0 <= I < N, got \"%s\"", shard_opt);
    snprintf(out->source, sizeof out->source, "--shard %s", shard_opt);
  } else if (shard_count > 0) {
    const char *idx = env ? env->job_completion_index : NULL;
    if (!idx)
      return sweep__fail(err, err_len, SWEEP_ESYNTAX,
                         "--shard-count is for Kubernetes indexed Jobs, but "
                         "JOB_COMPLETION_INDEX is not set (use --shard I/N elsewhere)");
    if (parse_index(idx, SWEEP_MAX_POINTS, &i) < 0 || i >= shard_count)
      return sweep__fail(err, err_len, SWEEP_ESYNTAX,
                         "JOB_COMPLETION_INDEX=%s is not an index below --shard-count %" PRIu64,
                         idx, shard_count);
    n = shard_count;
    snprintf(out->source, sizeof out->source, "JOB_COMPLETION_INDEX=%s, --shard-count %" PRIu64,
             idx, shard_count);
  } else if (env && env->job_completion_index) {
    return sweep__fail(err, err_len, SWEEP_ESYNTAX,
                       "JOB_COMPLETION_INDEX=%s is set (a Kubernetes indexed Job) but "
                       "--shard-count is not: pass --shard-count N (the Job's completions), "
                       "or --shard 0/1 to run the whole sweep",
                       env->job_completion_index);
  } else if (env && env->slurm_task_id) {
    uint64_t id, min = 0;
    if (!env->slurm_task_count)
      return sweep__fail(err, err_len, SWEEP_ESYNTAX,
                         "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; "
                         "pass --shard I/N");
    if (parse_index(env->slurm_task_id, UINT32_MAX, &id) < 0 ||
        parse_index(env->slurm_task_count, SWEEP_MAX_POINTS, &n) < 0 || n == 0 ||
        (env->slurm_task_min && parse_index(env->slurm_task_min, UINT32_MAX, &min) < 0) ||
        id < min || id - min >= n)
      return sweep__fail(
          err, err_len, SWEEP_ESYNTAX,
          "cannot make a shard of SLURM_ARRAY_TASK_ID=%s, SLURM_ARRAY_TASK_COUNT=%s, "
          "SLURM_ARRAY_TASK_MIN=%s (use a contiguous array such as "
          "--array=0-N with step 1, or pass --shard I/N)",
          env->slurm_task_id, env->slurm_task_count,
          env->slurm_task_min ? env->slurm_task_min : "(unset)");
    i = id - min;
    snprintf(out->source, sizeof out->source,
             "SLURM_ARRAY_TASK_ID=%s, SLURM_ARRAY_TASK_COUNT=%s%s%s", env->slurm_task_id,
             env->slurm_task_count, env->slurm_task_min ? ", SLURM_ARRAY_TASK_MIN=" : "",
             env->slurm_task_min ? env->slurm_task_min : "");
  } else {
    return 0;
  }
  out->index = (uint32_t)i;
  out->count = (uint32_t)n;
  return 1;
}

int sweep_shard_has(const sweep_shard *sh, uint64_t point) {
  return !sh || sh->count == 0 || point % sh->count == sh->index;
}

/* ---- numbers ------------------------------------------------------------------------ */

/* An int64 quantity (ns, millicores, bytes) shown in the unit of the
 * axis: the parsed count divided by per_unit. */
static int parse_int64_in(const char *s, int (*parse)(const char *, int64_t *), double per_unit,
                          double *x) {
  int64_t v;
  int rc = parse(s, &v);
  if (rc == 0)
    *x = (double)v / per_unit;
  return rc;
}

/* A multiplier "x2.5" (docs/scenario-format.md, overrides): its factor. */
static int parse_factor(const char *s, double *x) {
  return s[0] == 'x' && units_parse_number(s + 1, x) == 0 && *x > 0 ? 0 : -1;
}

static int parse_as(sweep_xkind kind, const char *s, double *x) {
  switch (kind) {
  case SWEEP_X_FACTOR:
    return parse_factor(s, x);
  case SWEEP_X_NUMBER:
    return units_parse_number(s, x);
  case SWEEP_X_RATE:
    return units_parse_rate(s, x);
  case SWEEP_X_DURATION:
    return parse_int64_in(s, units_parse_duration, 1e6, x); /* ms */
  case SWEEP_X_CPU:
    return parse_int64_in(s, units_parse_cpu, 1000.0, x); /* cores */
  case SWEEP_X_SIZE:
    return parse_int64_in(s, units_parse_size, 1024.0 * 1024.0, x); /* MiB */
  default:
    return -1;
  }
}

/* The first member of a tuple of keys set together ("(2k/s,4)" -> "2k/s"),
 * else the value itself. */
static const char *first_member(const char *v, char *buf, size_t n) {
  size_t len = strlen(v);
  if (len < 2 || v[0] != '(' || v[len - 1] != ')')
    return v;
  char inner[SWEEP_TUPLE_MAX];
  snprintf(inner, sizeof inner, "%.*s", (int)(len - 2), v + 1);
  const char *p = inner, *b, *e;
  if (next_element(inner, &p, 1, &b, &e, NULL, 0) != 1 || (size_t)(e - b) >= n)
    return v;
  memcpy(buf, b, (size_t)(e - b));
  buf[e - b] = '\0';
  return buf;
}

sweep_xkind sweep_values_numeric(const char *const *values, size_t n, double *x) {
  static const sweep_xkind order[] = {SWEEP_X_NUMBER, SWEEP_X_RATE, SWEEP_X_DURATION,
                                      SWEEP_X_CPU,    SWEEP_X_SIZE, SWEEP_X_FACTOR};
  for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
    size_t i = 0;
    char buf[256];
    while (i < n && parse_as(order[k], first_member(values[i], buf, sizeof buf), &x[i]) == 0)
      i++;
    if (i == n)
      return order[k];
  }
  for (size_t i = 0; i < n; i++)
    x[i] = (double)i;
  return SWEEP_X_CATEGORY;
}

/* Three significant digits, no exponent for ordinary sizes. */
static void fmt3(char *buf, size_t n, double v) {
  double a = fabs(v);
  if (a >= 100 || a == 0)
    snprintf(buf, n, "%.0f", v);
  else if (a >= 10)
    snprintf(buf, n, "%.1f", v);
  else if (a >= 1)
    snprintf(buf, n, "%.2f", v);
  else
    snprintf(buf, n, "%.3g", v);
  /* 3.40 -> 3.4, 2.0 -> 2 */
  if (strchr(buf, '.') && !strchr(buf, 'e')) {
    size_t l = strlen(buf);
    while (l > 0 && buf[l - 1] == '0')
      buf[--l] = '\0';
    if (l > 0 && buf[l - 1] == '.')
      buf[--l] = '\0';
  }
}

void sweep_format_x(char *buf, size_t n, double x, sweep_xkind kind) {
  double shown = x;
  const char *unit = "";
  switch (kind) {
  case SWEEP_X_RATE:
    if (fabs(x) >= 1e6) {
      shown = x / 1e6;
      unit = "M/s";
    } else if (fabs(x) >= 1e3) {
      shown = x / 1e3;
      unit = "k/s";
    } else {
      unit = "/s";
    }
    break;
  case SWEEP_X_DURATION:
    unit = " ms";
    break;
  case SWEEP_X_CPU:
    unit = " cores";
    break;
  case SWEEP_X_SIZE:
    unit = " MiB";
    break;
  default:
    break;
  }
  char num[48];
  fmt3(num, sizeof num, shown);
  snprintf(buf, n, "%s%s%s", kind == SWEEP_X_FACTOR ? "x" : "", num, unit);
}

const char *sweep_xkind_unit(sweep_xkind kind) {
  switch (kind) {
  case SWEEP_X_RATE:
    return "requests/s";
  case SWEEP_X_DURATION:
    return "ms";
  case SWEEP_X_CPU:
    return "cores";
  case SWEEP_X_SIZE:
    return "MiB";
  case SWEEP_X_FACTOR:
    return "multiplier";
  default:
    return "";
  }
}

/* ---- crossovers ---------------------------------------------------------------------- */

size_t sweep_crossovers(const double *x, const double *a, const double *b, size_t n,
                        sweep_crossing *out, size_t max) {
  size_t found = 0;
  long last = -1;      /* last point with a non-zero difference */
  long first_tie = -1; /* first exact tie since then */
  for (size_t i = 0; i < n; i++) {
    double d = a[i] - b[i];
    if (!isfinite(d) || !isfinite(x[i]))
      continue;
    if (d == 0) {
      if (first_tie < 0)
        first_tie = (long)i;
      continue;
    }
    if (last >= 0) {
      double dl = a[last] - b[last];
      if ((dl < 0) != (d < 0)) {
        sweep_crossing c;
        c.to = i;
        c.a_above = d > 0;
        c.from = (size_t)last;
        if (first_tie >= 0)
          c.x = x[first_tie];
        else
          c.x = x[last] + (x[i] - x[last]) * dl / (dl - d);
        if (found < max)
          out[found] = c;
        found++;
      }
    }
    last = (long)i;
    first_tie = -1;
  }
  return found;
}
