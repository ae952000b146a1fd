/* sim_hist: log-bucketed histogram of non-negative integers.
 *
 * Layout (see sim_hist.h): buckets 0..255 hold the values 0..255 exactly;
 * above, every power of two [2^k, 2^(k+1)) with k >= 8 is cut into 128
 * sub-buckets of width 2^e, e = k - 7. Finding a bucket is a count-leading-
 * zeros and two shifts; adding is one increment. A quantile is a linear scan
 * over the 4865 buckets, fine for reporting, not meant for hot paths. */
#include "sim_hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_error.h"

#define HIST_SUB_COUNT (1 << SIM_HIST_SUB_BITS) /* 128 sub-buckets per power of two */
#define HIST_LINEAR    (2 * HIST_SUB_COUNT)     /* values below 256 are exact */

static int hist_log2(uint64_t v) {
  return 63 - __builtin_clzll(v);
}

static int64_t hist_clamp(int64_t v) {
  if (v < 0)
    return 0;
  return v > SIM_HIST_MAX ? SIM_HIST_MAX : v;
}

size_t sim_hist_bucket_of(int64_t v) {
  v = hist_clamp(v);
  if (v < HIST_LINEAR)
    return (size_t)v;
  int e = hist_log2((uint64_t)v) - SIM_HIST_SUB_BITS; /* >= 1 */
  return (size_t)(HIST_LINEAR + HIST_SUB_COUNT * (e - 1) + (v >> e) - HIST_SUB_COUNT);
}

size_t sim_hist_bucket_count(void) {
  return sim_hist_bucket_of(SIM_HIST_MAX) + 1;
}

int64_t sim_hist_bucket_lo(size_t i) {
  if (i < HIST_LINEAR)
    return (int64_t)i;
  /* Inverse of sim_hist_bucket_of: i = 256 + 128 (e - 1) + sub - 128 with
   * sub in [128, 256), so e = (i - 256) / 128 + 1 and sub = 128 + (i mod 128). */
  size_t j = i - HIST_LINEAR;
  int e = (int)(j / HIST_SUB_COUNT) + 1;
  int64_t sub = HIST_SUB_COUNT + (int64_t)(j % HIST_SUB_COUNT);
  return sub << e;
}

int64_t sim_hist_bucket_hi(size_t i) {
  if (i < HIST_LINEAR)
    return (int64_t)i + 1;
  int e = (int)((i - HIST_LINEAR) / HIST_SUB_COUNT) + 1;
  return sim_hist_bucket_lo(i) + ((int64_t)1 << e);
}

int sim_hist_init(sim_hist *h) {
  *h = (sim_hist){0};
  h->buckets = calloc(sim_hist_bucket_count(), sizeof(*h->buckets));
  return h->buckets == NULL ? SIM_ENOMEM : 0;
}

void sim_hist_release(sim_hist *h) {
  free(h->buckets);
  *h = (sim_hist){0};
}

void sim_hist_reset(sim_hist *h) {
  memset(h->buckets, 0, sim_hist_bucket_count() * sizeof(*h->buckets));
  uint64_t *b = h->buckets;
  *h = (sim_hist){0};
  h->buckets = b;
}

void sim_hist_add_n(sim_hist *h, int64_t v, uint64_t n) {
  if (n == 0)
    return;
  /* Negative values (a caller's bug) are recorded as 0 everywhere; values
   * above SIM_HIST_MAX keep their exact value in sum/min/max so the mean
   * stays exact, and land in the last bucket. */
  if (v < 0)
    v = 0;
  if (v > SIM_HIST_MAX)
    h->overflow += n;
  h->buckets[sim_hist_bucket_of(v)] += n;
  if (h->count == 0 || v < h->min)
    h->min = v;
  if (h->count == 0 || v > h->max)
    h->max = v;
  h->count += n;
  h->sum += (double)v * (double)n;
}

void sim_hist_add(sim_hist *h, int64_t v) {
  sim_hist_add_n(h, v, 1);
}

void sim_hist_merge(sim_hist *dst, const sim_hist *src) {
  if (src->count == 0)
    return;
  size_t nb = sim_hist_bucket_count();
  for (size_t i = 0; i < nb; i++)
    dst->buckets[i] += src->buckets[i];
  if (dst->count == 0 || src->min < dst->min)
    dst->min = src->min;
  if (dst->count == 0 || src->max > dst->max)
    dst->max = src->max;
  dst->count += src->count;
  dst->overflow += src->overflow;
  dst->sum += src->sum;
}

double sim_hist_mean(const sim_hist *h) {
  return h->count == 0 ? 0 : h->sum / (double)h->count;
}

double sim_hist_quantile(const sim_hist *h, double q) {
  if (h->count == 0)
    return 0;
  if (!(q > 0)) /* also NaN */
    return (double)h->min;
  if (q >= 1)
    return (double)h->max;
  /* Nearest rank: the smallest value with at least ceil(q n) values <= it. */
  uint64_t rank = (uint64_t)ceil(q * (double)h->count);
  if (rank < 1)
    rank = 1;
  size_t nb = sim_hist_bucket_count();
  uint64_t cum = 0;
  size_t i = 0;
  for (; i < nb - 1; i++) {
    cum += h->buckets[i];
    if (cum >= rank)
      break;
  }
  /* Midpoint of the integers in [lo, hi): exact for the width-1 buckets. */
  double mid = 0.5 * (double)(sim_hist_bucket_lo(i) + sim_hist_bucket_hi(i) - 1);
  if (mid < (double)h->min)
    return (double)h->min;
  if (mid > (double)h->max)
    return (double)h->max;
  return mid;
}

double sim_hist_cdf(const sim_hist *h, int64_t v) {
  if (h->count == 0 || v < h->min)
    return 0;
  if (v >= h->max)
    return 1;
  /* Whole buckets below v's bucket, plus the share of v's bucket at or
   * below v assuming its values are spread evenly over its integers. */
  size_t b = sim_hist_bucket_of(v);
  uint64_t below = 0;
  for (size_t i = 0; i < b; i++)
    below += h->buckets[i];
  int64_t lo = sim_hist_bucket_lo(b), hi = sim_hist_bucket_hi(b);
  double part = (double)h->buckets[b] * (double)(v - lo + 1) / (double)(hi - lo);
  return ((double)below + part) / (double)h->count;
}
