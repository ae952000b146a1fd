/* bench_ref_chain: a hand-written C simulator of scenarios/bench/chain.yaml,
 * the reference meshsim's own speed is compared with (issue 16: "chain at
 * least as fast as the C reference on the same machine in the same run").
 *
 * It simulates the same model the way a careful programmer would write it
 * for this one chain and nothing else: Poisson arrivals at 20,000 rps for
 * 60 s (1 s warm-up), three tiers of 40 pods (A -> B -> C, one sequential
 * call each), every pod with a sidecar of 2 workers and an application of
 * 4 workers (FIFO, service time exponential with mean 1 ms), a pod's pass
 * through its sidecar holding a worker for the istio-1.24 pass CPU
 * (99.488 us + 0.5 ns/byte x 1 KiB, varied by the profile's lognormal
 * spread, sigma 0.62, drawn from a table of equiprobable levels as meshsim
 * does) and delaying the request by 29% of it plus a 15 us local hop,
 * 20 us between pods on one node and 100 us across nodes (six nodes, pods
 * spread over them), 100 us from the external client. Each station visit
 * is one event in a binary heap ordered by (time, sequence); a request is
 * one record that walks a fixed 13-visit script, so none of meshsim's
 * generality is paid for: no call tree, failures, retries, balancers,
 * attribution, per-second series or common random numbers. Pods are
 * picked uniformly at random. End-to-end latency goes into a log-bucket
 * histogram for the mean and p99 printed at the end.
 *
 * The figures are the same model's, not the same numbers: meshsim's
 * balancer and random streams differ, so only the throughput of the two
 * programs is compared (scripts/bench, section chain).
 *
 * Usage: bench_ref_chain [SECONDS]   (default 60 simulated seconds)
 * Output: one line of key=value fields. `requests` counts the requests
 * that arrived in the measured window, as meshsim does. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#define REF_US        1000LL /* nanoseconds */
#define REF_S         1000000000LL
#define REF_TIERS     3
#define REF_PODS      40
#define REF_NODES     6
#define REF_RATE      20000.0
#define REF_APP_MEAN  1e6 /* ns */
#define REF_APP_C     4
#define REF_PROXY_C   2
#define REF_PASS_NS   (99488.0 + 0.5 * 1024)
#define REF_ON_PATH   0.29
#define REF_HOP_NS    (15 * REF_US)
#define REF_SIGMA     0.62
#define REF_LEVELS    8192
#define REF_NET_SAME  (20 * REF_US)
#define REF_NET_OTHER (100 * REF_US)
#define REF_NET_EXT   (100 * REF_US)
#define REF_BUCKETS   4096 /* log buckets of latency, 64 per factor 2 from 1 us */

/* A station of c identical workers serving in arrival order: the start of
 * a job arriving at `now` is the earliest time a worker is free. */
typedef struct ref_station {
  int64_t free_at[REF_APP_C];
  int c;
} ref_station;

static int64_t ref_accept(ref_station *s, int64_t now, int64_t hold) {
  int w = 0;
  for (int i = 1; i < s->c; i++)
    if (s->free_at[i] < s->free_at[w])
      w = i;
  int64_t start = s->free_at[w] > now ? s->free_at[w] : now;
  s->free_at[w] = start + hold;
  return start;
}

typedef struct ref_event {
  int64_t at;
  uint64_t seq;
  uint32_t req; /* UINT32_MAX: the next arrival */
} ref_event;

typedef struct ref_heap {
  ref_event *e;
  size_t n, cap;
  uint64_t seq;
} ref_heap;

static int ref_before(const ref_event *a, const ref_event *b) {
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void ref_push(ref_heap *h, int64_t at, uint32_t req) {
  if (h->n == h->cap) {
    h->cap = h->cap ? 2 * h->cap : 1024;
    h->e = realloc(h->e, h->cap * sizeof *h->e);
    if (!h->e) {
      perror("bench_ref_chain");
      exit(1);
    }
  }
  ref_event x = {at, h->seq++, req};
  size_t i = h->n++;
  while (i > 0 && ref_before(&x, &h->e[(i - 1) / 2])) {
    h->e[i] = h->e[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h->e[i] = x;
}

static ref_event ref_pop(ref_heap *h) {
  ref_event top = h->e[0], x = h->e[--h->n];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, m = l;
    if (l >= h->n)
      break;
    if (l + 1 < h->n && ref_before(&h->e[l + 1], &h->e[l]))
      m = l + 1;
    if (!ref_before(&h->e[m], &x))
      break;
    h->e[i] = h->e[m];
    i = m;
  }
  if (h->n > 0)
    h->e[i] = x;
  return top;
}

/* The visit script: tier and station (0 sidecar, 1 application) of each
 * visit, in order. A's sidecar: inbound request, outbound request to B, B's
 * response back in, A's response out; likewise B; C only inbound. */
static const uint8_t ref_tier[] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 1, 1, 0, 0};
static const uint8_t ref_app[] = {0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0};
#define REF_VISITS (int)(sizeof ref_tier)

typedef struct ref_req {
  int64_t origin;
  uint16_t pod[REF_TIERS];
  uint8_t step;
  uint32_t next_free;
} ref_req;

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 60.0;
  if (!(seconds > 0)) {
    fprintf(stderr, "usage: bench_ref_chain [SECONDS]\n");
    return 2;
  }
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 1);
  static float spread[REF_LEVELS];
  double sum = 0;
  for (int i = 0; i < REF_LEVELS; i++) {
    double u = (i + 0.5) / REF_LEVELS;
    spread[i] = (float)exp(REF_SIGMA * gsl_cdf_ugaussian_Pinv(u) - 0.5 * REF_SIGMA * REF_SIGMA);
    sum += spread[i];
  }
  for (int i = 0; i < REF_LEVELS; i++)
    spread[i] = (float)(spread[i] * REF_LEVELS / sum);

  static ref_station proxy[REF_TIERS][REF_PODS], app[REF_TIERS][REF_PODS];
  for (int t = 0; t < REF_TIERS; t++)
    for (int p = 0; p < REF_PODS; p++) {
      proxy[t][p].c = REF_PROXY_C;
      app[t][p].c = REF_APP_C;
    }
  ref_req *reqs = NULL;
  uint32_t cap = 0, free_head = UINT32_MAX;
  static uint64_t hist[REF_BUCKETS];
  uint64_t done = 0, measured = 0;
  double lat_sum = 0;
  int64_t warm = REF_S, end = warm + (int64_t)(seconds * REF_S);
  ref_heap h = {0};

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ref_push(&h, (int64_t)(gsl_ran_exponential(rng, 1e9 / REF_RATE)), UINT32_MAX);
  uint64_t events = 0;
  while (h.n > 0) {
    ref_event ev = ref_pop(&h);
    events++;
    int64_t now = ev.at;
    uint32_t r = ev.req;
    if (r == UINT32_MAX) { /* an arrival: a new request, and the next arrival */
      if (free_head == UINT32_MAX) {
        uint32_t ncap = cap ? 2 * cap : 4096;
        reqs = realloc(reqs, ncap * sizeof *reqs);
        if (!reqs) {
          perror("bench_ref_chain");
          return 1;
        }
        for (uint32_t i = cap; i < ncap; i++)
          reqs[i].next_free = i + 1 < ncap ? i + 1 : UINT32_MAX;
        free_head = cap;
        cap = ncap;
      }
      r = free_head;
      free_head = reqs[r].next_free;
      reqs[r].origin = now;
      reqs[r].step = 0;
      for (int t = 0; t < REF_TIERS; t++)
        reqs[r].pod[t] = (uint16_t)gsl_rng_uniform_int(rng, REF_PODS);
      ref_push(&h, now + REF_NET_EXT, r);
      int64_t next = now + (int64_t)gsl_ran_exponential(rng, 1e9 / REF_RATE);
      if (next < end)
        ref_push(&h, next, UINT32_MAX);
      continue;
    }
    ref_req *q = &reqs[r];
    if (q->step == REF_VISITS) { /* the response reaches the client */
      if (q->origin >= warm) {
        double us = (double)(now - q->origin) / 1e3;
        int b = us <= 1 ? 0 : (int)(64 * log2(us));
        hist[b < REF_BUCKETS ? b : REF_BUCKETS - 1]++;
        lat_sum += us;
        measured++;
      }
      done++;
      q->next_free = free_head;
      free_head = r;
      continue;
    }
    int s = q->step, t = ref_tier[s];
    int64_t depart;
    if (ref_app[s]) {
      int64_t hold = (int64_t)gsl_ran_exponential(rng, REF_APP_MEAN);
      depart = ref_accept(&app[t][q->pod[t]], now, hold) + hold;
    } else {
      double f = spread[(int)(gsl_rng_uniform(rng) * REF_LEVELS)];
      int64_t hold = (int64_t)(REF_PASS_NS * f + 0.5);
      depart = ref_accept(&proxy[t][q->pod[t]], now, hold) +
               (int64_t)((double)hold * REF_ON_PATH + 0.5) + REF_HOP_NS;
    }
    q->step++;
    int64_t gap;
    if (q->step == REF_VISITS) {
      gap = REF_NET_EXT;
    } else {
      int nt = ref_tier[q->step];
      gap = nt == t                                           ? 0
            : q->pod[t] % REF_NODES == q->pod[nt] % REF_NODES ? REF_NET_SAME
                                                              : REF_NET_OTHER;
    }
    ref_push(&h, depart + gap, r);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  uint64_t target = (uint64_t)ceil(0.99 * (double)measured), seen = 0;
  double p99 = 0;
  for (int b = 0; b < REF_BUCKETS; b++) {
    seen += hist[b];
    if (seen >= target && measured > 0) {
      p99 = exp2((b + 1) / 64.0) / 1e3;
      break;
    }
  }
  /* requests: those arriving in the measured window, as meshsim counts them
   * (both programs also simulate the warm-up second and the drain) */
  printf("ref_chain requests=%llu completed=%llu events=%llu wall_s=%.3f requests_per_s=%.0f "
         "mean_ms=%.3f p99_ms=%.3f\n",
         (unsigned long long)measured, (unsigned long long)done, (unsigned long long)events, wall,
         (double)measured / wall, measured ? lat_sum / (double)measured / 1e3 : 0.0, p99);
  free(reqs);
  free(h.e);
  gsl_rng_free(rng);
  return 0;
}
