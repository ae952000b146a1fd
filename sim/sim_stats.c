/* sim_stats: running statistics for simulation output (Welford mean and
 * variance, time-weighted averages, Student-t confidence intervals). All of
 * it is O(1) per update and allocation-free, so it can sit on hot paths. */
#include "sim_stats.h"

#include <math.h>

#include <gsl/gsl_cdf.h>

#include "sim_error.h"
#include "sim_rng.h"

void sim_welford_init(sim_welford *w) {
  *w = (sim_welford){0};
}

void sim_welford_add(sim_welford *w, double x) {
  /* Welford 1962: with d = x - mean_{n-1},
   *   mean_n = mean_{n-1} + d / n,  M2_n = M2_{n-1} + d (x - mean_n).
   * Unlike sum and sum of squares, this does not cancel catastrophically
   * when the mean is large next to the spread (latencies in ns). */
  if (w->n == 0) {
    w->min = x;
    w->max = x;
  } else {
    if (x < w->min)
      w->min = x;
    if (x > w->max)
      w->max = x;
  }
  w->n++;
  double d = x - w->mean;
  w->mean += d / (double)w->n;
  w->m2 += d * (x - w->mean);
}

void sim_welford_merge(sim_welford *dst, const sim_welford *src) {
  if (src->n == 0)
    return;
  if (dst->n == 0) {
    *dst = *src;
    return;
  }
  /* Chan, Golub, LeVeque 1979: with d = mean_b - mean_a and n = n_a + n_b,
   *   mean = mean_a + d n_b / n,  M2 = M2_a + M2_b + d^2 n_a n_b / n. */
  double na = (double)dst->n, nb = (double)src->n, n = na + nb;
  double d = src->mean - dst->mean;
  dst->mean += d * (nb / n);
  dst->m2 += src->m2 + d * d * (na * nb / n);
  dst->n += src->n;
  if (src->min < dst->min)
    dst->min = src->min;
  if (src->max > dst->max)
    dst->max = src->max;
}

double sim_welford_variance(const sim_welford *w) {
  if (w->n < 2)
    return 0;
  return w->m2 / (double)(w->n - 1);
}

double sim_welford_stddev(const sim_welford *w) {
  return sqrt(sim_welford_variance(w));
}

void sim_timeavg_init(sim_timeavg *ta, sim_time t0, double v0) {
  *ta = (sim_timeavg){.start = t0, .last = t0, .value = v0, .area = 0, .peak = v0};
}

void sim_timeavg_set(sim_timeavg *ta, sim_time t, double v) {
  /* A change dated before the last one would make negative area; treat it
   * as happening at `last` (the caller broke the contract, the average
   * stays sane). */
  if (t > ta->last) {
    ta->area += ta->value * (double)(t - ta->last);
    ta->last = t;
  }
  ta->value = v;
  if (v > ta->peak)
    ta->peak = v;
}

void sim_timeavg_add(sim_timeavg *ta, sim_time t, double delta) {
  sim_timeavg_set(ta, t, ta->value + delta);
}

double sim_timeavg_mean(const sim_timeavg *ta, sim_time t_end) {
  /* mean = (area over [start, last] + value (t_end - last)) / (t_end - start).
   * A t_end before `last` is read as `last`. */
  if (t_end < ta->last)
    t_end = ta->last;
  if (t_end <= ta->start)
    return ta->value;
  double area = ta->area + ta->value * (double)(t_end - ta->last);
  return area / (double)(t_end - ta->start);
}

void sim_timeavg_restart(sim_timeavg *ta, sim_time t) {
  if (t < ta->last)
    t = ta->last;
  ta->start = t;
  ta->last = t;
  ta->area = 0;
  ta->peak = ta->value;
}

static int stats_ci_from(size_t n, double mean, double stddev, double level, sim_ci *out) {
  if (out == NULL || n == 0 || !(level > 0 && level < 1))
    return SIM_EINVAL;
  double hw = 0;
  if (n >= 2) {
    sim_rng_library_init();
    /* half width = t((1 + level) / 2, n - 1) s / sqrt(n) */
    hw = gsl_cdf_tdist_Pinv(0.5 * (1 + level), (double)(n - 1)) * stddev / sqrt((double)n);
  }
  *out = (sim_ci){.n = n, .mean = mean, .half_width = hw, .lo = mean - hw, .hi = mean + hw};
  return 0;
}

int sim_ci_level(const double *xs, size_t n, double level, sim_ci *out) {
  if (xs == NULL)
    return SIM_EINVAL;
  sim_welford w;
  sim_welford_init(&w);
  for (size_t i = 0; i < n; i++)
    sim_welford_add(&w, xs[i]);
  return stats_ci_from(n, w.mean, sim_welford_stddev(&w), level, out);
}

int sim_ci95(const double *xs, size_t n, sim_ci *out) {
  return sim_ci_level(xs, n, 0.95, out);
}

int sim_ci95_welford(const sim_welford *w, sim_ci *out) {
  if (w == NULL)
    return SIM_EINVAL;
  return stats_ci_from((size_t)w->n, w->mean, sim_welford_stddev(w), 0.95, out);
}
