/* scenario_load_dist: a service time, as a distribution of durations.
 *
 * A bare duration is a constant; a mapping names its `dist` and the
 * parameters of that kind (a parameter of another kind is reported as not
 * applying). One reader per kind, picked from a table. Each states in the
 * file's terms what sim_dist's constructors would reject (a lognormal mean
 * and p99 that no lognormal has, a pareto mean with alpha <= 1) before
 * building the sim_dist. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"
#include "sim_error.h"

typedef enum dist_kind_ix {
  D_CONSTANT,
  D_EXPONENTIAL,
  D_UNIFORM,
  D_LOGNORMAL,
  D_PARETO,
  D_EMPIRICAL
} dist_kind_ix;

static const char *const dist_names[] = {"constant",  "exponential", "uniform",
                                         "lognormal", "pareto",      "empirical"};
static const ld_choice dist_choice = {"distribution", "distributions", dist_names, NULL, 6};
/* Keys each distribution takes, for "does not apply" messages. */
static const char *const dist_params[][5] = {
    [D_CONSTANT] = {"value"},
    [D_EXPONENTIAL] = {"mean"},
    [D_UNIFORM] = {"min", "max"},
    [D_LOGNORMAL] = {"mean", "p99", "median", "sigma"},
    [D_PARETO] = {"mean", "min", "alpha"},
    [D_EMPIRICAL] = {"points"},
};

static bool dist_takes(int kind, const char *key) {
  for (int i = 0; i < 5 && dist_params[kind][i] != NULL; i++) {
    if (strcmp(dist_params[kind][i], key) == 0) {
      return true;
    }
  }
  return false;
}

/* A duration parameter as a double of ns; 1 set, 0 absent, -1 bad. */
static int dist_param(ld_loader *L, const yaml_node_t *m, const char *key, bool positive,
                      double *out) {
  sim_time t;
  int rc = ld_opt_duration(L, m, key, positive, &t);
  if (rc == 1) {
    *out = (double)t;
  }
  return rc;
}

static const char *fmt_ns(char *buf, size_t size, double ns) {
  if (ns >= 1e9 && fmod(ns, 1e9) == 0) {
    snprintf(buf, size, "%.0fs", ns / 1e9);
  } else if (ns >= 1e6) {
    snprintf(buf, size, "%gms", ns / 1e6);
  } else if (ns >= 1e3) {
    snprintf(buf, size, "%gus", ns / 1e3);
  } else {
    snprintf(buf, size, "%gns", ns);
  }
  return buf;
}

static int convert_points(ld_loader *L, const yaml_node_t *pts, double **storage, size_t *n_out) {
  char g[96];
  if (!ld_is_seq(pts)) {
    return ld_err_at(L, pts,
                     "invalid \"points\": expected a list of [duration, probability] pairs, "
                     "got %s",
                     ld_got_text(pts, g, sizeof g));
  }
  size_t n = ld_seq_len(pts);
  if (n < 2) {
    return ld_err_at(L, pts, "invalid \"points\": needs at least 2 points, got %zu", n);
  }
  double *buf = calloc(2 * n, sizeof *buf);
  if (buf == NULL) {
    return ld_nomem(L);
  }
  int bad = 0;
  for (size_t i = 0; i < n && bad == 0; i++) {
    yaml_node_t *pt = ld_seq_item(L, pts, i);
    if (!ld_is_seq(pt) || ld_seq_len(pt) != 2) {
      bad = ld_err_at(L, pt,
                      "invalid \"points\": each point is a [duration, probability] pair, got %s",
                      ld_got_text(pt, g, sizeof g));
      break;
    }
    sim_time x;
    double p;
    if (ld_val_duration(L, ld_seq_item(L, pt, 0), "points", false, &x) != 0 ||
        ld_val_number(L, ld_seq_item(L, pt, 1), "points", LD_RANGE_UNIT, &p) != 0) {
      bad = -1;
      break;
    }
    buf[i] = (double)x;
    buf[n + i] = p;
    if (i == 0 && p != 0.0) {
      bad = ld_err_at(L, ld_seq_item(L, pt, 1),
                      "invalid \"points\": the first probability must be 0, got %g", p);
    } else if (i == n - 1 && p != 1.0) {
      bad = ld_err_at(L, ld_seq_item(L, pt, 1),
                      "invalid \"points\": the last probability must be 1, got %g", p);
    } else if (i > 0 && buf[i] < buf[i - 1]) {
      bad = ld_err_at(L, ld_seq_item(L, pt, 0),
                      "invalid \"points\": durations must not decrease (point %zu)", i + 1);
    } else if (i > 0 && p < buf[n + i - 1]) {
      bad = ld_err_at(L, ld_seq_item(L, pt, 1),
                      "invalid \"points\": probabilities must not decrease (point %zu)", i + 1);
    }
  }
  if (bad != 0) {
    free(buf);
    return -1;
  }
  *storage = buf;
  *n_out = n;
  return 0;
}

/* A bare duration: the constant distribution. */
static int dist_from_duration(ld_loader *L, const yaml_node_t *v, const char *key, sim_dist *out) {
  const char *t = ld_sval(v);
  sim_time x;
  int rc = units_parse_duration(t, &x);
  if (rc == SIM_EINVAL) {
    char q[128];
    return ld_err_at(L, v,
                     "invalid \"%s\": expected a duration like 2ms or a distribution like "
                     "{dist: exponential, mean: 1ms}, got \"%s\"",
                     key, ld_quote(q, sizeof q, t));
  }
  if (rc != 0) {
    return ld_val_unit_error(L, v, key, UNITS_DURATION, rc, t);
  }
  return sim_dist_constant((double)x, out) == 0
             ? 0
             : ld_err_at(L, v, "invalid \"%s\": not a valid constant", key);
}

/* Keys of the distribution mapping v that the schema knows but `kind`
 * does not take ("mean" on a uniform). */
static void check_dist_keys(ld_loader *L, const yaml_node_t *v, int kind) {
  for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
    yaml_node_t *k = ld_node_at(L, p->key);
    if (ld_is_scalar(k) && strcmp(ld_sval(k), "dist") != 0 &&
        ld_schema_find(&ld_sch_dist, ld_sval(k)) != NULL && !dist_takes(kind, ld_sval(k))) {
      char list[128];
      size_t np = 0;
      while (np < 5 && dist_params[kind][np] != NULL) {
        np++;
      }
      ld_err_at(L, k, "key \"%s\" does not apply to distribution \"%s\" (it takes: %s)", ld_sval(k),
                dist_names[kind], ld_join_names(list, sizeof list, dist_params[kind], np));
    }
  }
}

/* One distribution mapping being read by its kind's reader. */
typedef struct dist_req {
  ld_loader *L;
  const yaml_node_t *v; /* the mapping */
  const char *key;      /* e.g. "service_time", for messages */
  const char *path;
  int kind;
  size_t errors; /* diag errors before this mapping: more means a bad parameter */
  sim_dist *out;
  double **storage; /* receives an empirical's arrays */
} dist_req;

static bool dist_failed(const dist_req *d) {
  return diag_error_count(d->L->diag) > d->errors;
}

/* Once a reader has read its parameters (ha, hb: 1 set, 0 absent, -1 bad):
 * 0 to go on, or -1 after reporting the first absent one (ka, kb). */
static int dist_params_ok(const dist_req *d, int ha, const char *ka, int hb, const char *kb) {
  if (ha == 0 || hb == 0) {
    return ld_missing(d->L, d->v, ha == 0 ? ka : kb, d->path);
  }
  return dist_failed(d) ? -1 : 0;
}

/* Every reader ends here, with what the sim_dist constructor returned. */
static int dist_made(const dist_req *d, int rc) {
  if (rc != 0) {
    return ld_err_at(d->L, d->v, "invalid \"%s\": the %s distribution rejected its parameters (%s)",
                     d->key, dist_names[d->kind], sim_strerror(rc));
  }
  return dist_failed(d) ? -1 : 0;
}

static int dist_read_constant(const dist_req *d) {
  double a = 0;
  int ha = dist_param(d->L, d->v, "value", false, &a);
  return dist_params_ok(d, ha, "value", 1, NULL) != 0 ? -1
                                                      : dist_made(d, sim_dist_constant(a, d->out));
}

static int dist_read_exponential(const dist_req *d) {
  double a = 0;
  int ha = dist_param(d->L, d->v, "mean", true, &a);
  return dist_params_ok(d, ha, "mean", 1, NULL) != 0
             ? -1
             : dist_made(d, sim_dist_exponential(a, d->out));
}

static int dist_read_uniform(const dist_req *d) {
  ld_loader *L = d->L;
  double a = 0, b = 0;
  int ha = dist_param(L, d->v, "min", false, &a);
  int hb = dist_param(L, d->v, "max", false, &b);
  if (dist_params_ok(d, ha, "min", hb, "max") != 0) {
    return -1;
  }
  if (b < a) {
    char x1[32], x2[32];
    return ld_err_at(L, ld_get(L, d->v, "max"), "invalid \"max\": %s is below \"min\" %s",
                     fmt_ns(x1, sizeof x1, b), fmt_ns(x2, sizeof x2, a));
  }
  return dist_made(d, sim_dist_uniform(a, b, d->out));
}

/* A lognormal given by its mean and 99th percentile. */
static int dist_read_lognormal_mean_p99(const dist_req *d) {
  ld_loader *L = d->L;
  double a = 0, b = 0;
  int ha = dist_param(L, d->v, "mean", true, &a);
  int hb = dist_param(L, d->v, "p99", true, &b);
  if (dist_params_ok(d, ha, "mean", hb, "p99") != 0) {
    return -1;
  }
  /* Solvable only for mean < p99 <= mean * exp(z^2 / 2), z = the
   * normal 99th percentile (see sim_dist_lognormal_mean_p99). */
  double limit = exp(2.3263478740408408 * 2.3263478740408408 / 2.0);
  if (b <= a || b / a > limit) {
    char x1[32], x2[32];
    return ld_err_at(L, ld_get(L, d->v, "p99"),
                     "invalid \"p99\": no lognormal has mean %s and p99 %s (p99 must be above "
                     "the mean and at most %.2f times it)",
                     fmt_ns(x1, sizeof x1, a), fmt_ns(x2, sizeof x2, b), limit);
  }
  return dist_made(d, sim_dist_lognormal_mean_p99(a, b, d->out));
}

static int dist_read_lognormal(const dist_req *d) {
  ld_loader *L = d->L;
  bool by_mean = ld_get(L, d->v, "mean") != NULL || ld_get(L, d->v, "p99") != NULL;
  bool by_median = ld_get(L, d->v, "median") != NULL || ld_get(L, d->v, "sigma") != NULL;
  if (by_mean == by_median) {
    return ld_err_at(L, d->v,
                     "a lognormal distribution takes either \"mean\" and \"p99\" or \"median\" "
                     "and \"sigma\"");
  }
  if (by_mean) {
    return dist_read_lognormal_mean_p99(d);
  }
  double a = 0, b = 0;
  int ha = dist_param(L, d->v, "median", true, &a);
  int hb = ld_opt_number(L, d->v, "sigma", LD_RANGE_POS, &b);
  if (dist_params_ok(d, ha, "median", hb, "sigma") != 0) {
    return -1;
  }
  return dist_made(d, sim_dist_lognormal(log(a), b, d->out));
}

static int dist_read_pareto(const dist_req *d) {
  ld_loader *L = d->L;
  bool has_mean = ld_get(L, d->v, "mean") != NULL;
  bool has_min = ld_get(L, d->v, "min") != NULL;
  if (has_mean == has_min) {
    return ld_err_at(L, d->v,
                     "a pareto distribution takes \"alpha\" and either \"mean\" or \"min\"");
  }
  double a = 0, b = 0;
  int hb = ld_opt_number(L, d->v, "alpha", LD_RANGE_POS, &b);
  dist_param(L, d->v, has_mean ? "mean" : "min", true, &a);
  if (dist_params_ok(d, hb, "alpha", 1, NULL) != 0) {
    return -1;
  }
  if (!has_mean) {
    return dist_made(d, sim_dist_pareto(b, a, d->out));
  }
  if (b <= 1.0) {
    return ld_err_at(L, ld_get(L, d->v, "alpha"),
                     "invalid \"alpha\": a pareto distribution with a mean needs alpha > 1, "
                     "got %g",
                     b);
  }
  return dist_made(d, sim_dist_pareto_mean(a, b, d->out));
}

static int dist_read_empirical(const dist_req *d) {
  yaml_node_t *pts = ld_get(d->L, d->v, "points");
  if (dist_params_ok(d, pts != NULL, "points", 1, NULL) != 0) {
    return -1;
  }
  double *buf = NULL;
  size_t n = 0;
  if (convert_points(d->L, pts, &buf, &n) != 0) {
    return -1;
  }
  int rc = sim_dist_empirical(buf, buf + n, n, d->out);
  if (rc != 0) {
    free(buf);
  } else {
    free(*d->storage);
    *d->storage = buf;
  }
  return dist_made(d, rc);
}

/* Readers by kind, in dist_names order. Each returns 0, or -1 after
 * reporting. */
static int (*const dist_readers[])(const dist_req *d) = {
    [D_CONSTANT] = dist_read_constant, [D_EXPONENTIAL] = dist_read_exponential,
    [D_UNIFORM] = dist_read_uniform,   [D_LOGNORMAL] = dist_read_lognormal,
    [D_PARETO] = dist_read_pareto,     [D_EMPIRICAL] = dist_read_empirical,
};

/* A distribution of durations (ns): a bare duration (constant) or a
 * {dist: ..., params} mapping. *storage receives an empirical's arrays. */
int ld_convert_dist(ld_loader *L, const yaml_node_t *v, const char *key, const char *path,
                    sim_dist *out, double **storage) {
  if (ld_is_scalar(v)) {
    return dist_from_duration(L, v, key, out);
  }
  if (!ld_is_map(v)) {
    char g[96];
    return ld_err_at(L, v,
                     "invalid \"%s\": expected a duration like 2ms or a distribution like "
                     "{dist: exponential, mean: 1ms}, got %s",
                     key, ld_got_text(v, g, sizeof g));
  }
  dist_req d = {L, v, key, path, 0, diag_error_count(L->diag), out, storage};
  ld_check_map(L, v, &ld_sch_dist, path);
  yaml_node_t *dv = ld_get(L, v, "dist");
  if (dv == NULL) {
    return ld_missing(L, v, "dist", path);
  }
  if (ld_val_choice(L, dv, "dist", &dist_choice, &d.kind) != 0) {
    return -1;
  }
  check_dist_keys(L, v, d.kind);
  return dist_readers[d.kind](&d);
}
