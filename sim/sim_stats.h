/* sim_stats: running statistics for simulation output.
 *
 * - sim_welford: mean and variance in one pass (Welford 1962), mergeable
 *   (Chan, Golub, LeVeque 1979), numerically stable.
 * - sim_timeavg: time-weighted average of a piecewise-constant quantity
 *   (utilisation, queue length, memory): area under the curve / elapsed time.
 * - sim_ci95: Student-t 95% confidence interval of the mean over independent
 *   replications: mean +- t(0.975, n-1) * s / sqrt(n). */
#ifndef MESHSIM_SIM_STATS_H
#define MESHSIM_SIM_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

typedef struct sim_welford {
  uint64_t n;
  double mean;
  double m2;       /* sum of squared deviations from the mean */
  double min, max; /* meaningful when n > 0 */
} sim_welford;

void sim_welford_init(sim_welford *w);
void sim_welford_add(sim_welford *w, double x);
/* dst := dst + src, as if every sample of src had been added to dst. */
void sim_welford_merge(sim_welford *dst, const sim_welford *src);
/* Sample variance (n-1 denominator); 0 when n < 2. */
double sim_welford_variance(const sim_welford *w);
double sim_welford_stddev(const sim_welford *w);

typedef struct sim_timeavg {
  sim_time start; /* start of the averaging window */
  sim_time last;  /* time of the last change */
  double value;   /* current value */
  double area;    /* integral of value over [start, last] */
  double peak;    /* maximum value seen in the window */
} sim_timeavg;

void sim_timeavg_init(sim_timeavg *ta, sim_time t0, double v0);
/* The quantity changes to v at time t (t >= last; an earlier t is read as
 * `last`, so no negative area is ever added). */
void sim_timeavg_set(sim_timeavg *ta, sim_time t, double v);
/* The quantity changes by delta at time t. */
void sim_timeavg_add(sim_timeavg *ta, sim_time t, double delta);
/* Average over [start, t_end]; the current value when the window is empty.
 * A t_end before `last` is read as `last`. */
double sim_timeavg_mean(const sim_timeavg *ta, sim_time t_end);
/* Starts a new window at t keeping the current value (end of warm-up): the
 * area and the peak restart from the current value. A t before `last` is
 * read as `last`. */
void sim_timeavg_restart(sim_timeavg *ta, sim_time t);

typedef struct sim_ci {
  size_t n;
  double mean;
  double half_width; /* 0 when n < 2: no interval can be given */
  double lo, hi;
} sim_ci;

/* 95% Student-t interval of the mean of xs[0..n). SIM_EINVAL when n == 0. */
int sim_ci95(const double *xs, size_t n, sim_ci *out);
/* The same from a Welford accumulator of per-replication values. */
int sim_ci95_welford(const sim_welford *w, sim_ci *out);
/* Student-t interval at another confidence level in (0, 1) (e.g. 0.99);
 * SIM_EINVAL when n == 0 or the level is outside (0, 1). */
int sim_ci_level(const double *xs, size_t n, double level, sim_ci *out);

#endif
