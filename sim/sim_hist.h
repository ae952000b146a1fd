/* sim_hist: log-bucketed histogram of non-negative integers (ns, bytes).
 *
 * Layout (HdrHistogram-like, 128 sub-buckets per power of two): values below
 * 256 get one bucket each; a value v >= 256 with e = floor(log2 v) - 7 lands
 * in bucket 256 + 128 (e - 1) + (v >> e) - 128. Such a bucket spans
 * [lo, lo + 2^e) with lo >= 128 * 2^e, so reporting its midpoint has a
 * relative error of at most 1/256 (< 0.4%, well inside the 1% goal).
 * Values above SIM_HIST_MAX are clamped into the last bucket and counted in
 * `overflow`; sum, min and max keep their exact values. Negative values (a
 * caller's bug) are recorded as 0. Histograms with the same layout merge by
 * adding buckets. */
#ifndef MESHSIM_SIM_HIST_H
#define MESHSIM_SIM_HIST_H

#include <stddef.h>
#include <stdint.h>

#define SIM_HIST_SUB_BITS 7
#define SIM_HIST_MAX      ((int64_t)1 << 44) /* ~4.9 hours in ns */

typedef struct sim_hist {
  uint64_t *buckets; /* owned; sim_hist_bucket_count() entries */
  uint64_t count;
  uint64_t overflow; /* values clamped to SIM_HIST_MAX */
  double sum;        /* exact sum of added values (for the mean) */
  int64_t min, max;  /* exact extremes; meaningful when count > 0 */
} sim_hist;

/* Number of buckets in every histogram. */
size_t sim_hist_bucket_count(void);
/* Index of the bucket holding v (clamped to [0, SIM_HIST_MAX]). */
size_t sim_hist_bucket_of(int64_t v);
/* Inclusive lower and exclusive upper bound of bucket i. */
int64_t sim_hist_bucket_lo(size_t i);
int64_t sim_hist_bucket_hi(size_t i);

int sim_hist_init(sim_hist *h); /* SIM_ENOMEM on failure */
void sim_hist_release(sim_hist *h);
void sim_hist_reset(sim_hist *h);
void sim_hist_add(sim_hist *h, int64_t v);
void sim_hist_add_n(sim_hist *h, int64_t v, uint64_t n);
void sim_hist_merge(sim_hist *dst, const sim_hist *src);
double sim_hist_mean(const sim_hist *h);
/* Value at quantile q in [0, 1] (nearest-rank on buckets, reported at the
 * bucket midpoint, clamped to [min, max]); 0 when empty. q <= 0 gives the
 * exact min, q >= 1 the exact max. Linear in the number of buckets. */
double sim_hist_quantile(const sim_hist *h, double q);
/* Fraction of values <= v (for CDF plots and SLO shares): exact below 256
 * and outside [min, max), otherwise v's bucket counts in proportion to the
 * share of its integers that are <= v. */
double sim_hist_cdf(const sim_hist *h, int64_t v);

#endif
