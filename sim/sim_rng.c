/* sim_rng: independent GSL random streams, one per (component, purpose).
 *
 * The seed of a stream is sim_rng_mix(run seed, component id, stream id), a
 * chain of SplitMix64 steps (see sim_rng.h). That 64-bit value then fills
 * the whole 88-bit taus2 state rather than going through gsl_rng_set():
 * taus2's own seeding reduces the seed modulo 2^32 with an LCG and derives
 * all three components from it, so only 2^32 distinct streams exist. With
 * the 10^5 streams of a large cluster, two of them would then coincide with
 * probability 1 - exp(-N^2 / 2^33), about 0.69: two "independent" components
 * would see the same numbers. Filling the state from SplitMix64 output gives
 * 31 + 29 + 28 = 88 bits of seed. */
#include "sim_rng.h"

#include <gsl/gsl_errno.h>

/* taus2 state as laid out by GSL (rng/taus.c): three 32-bit components
 * stored in unsigned longs. Each component drops its low 1, 3 and 4 bits,
 * so it must be at least 2, 8 and 16 respectively or it degenerates. */
typedef struct rng_taus_state {
  unsigned long s1, s2, s3;
} rng_taus_state;

void sim_rng_library_init(void) {
  /* GSL's default handler calls abort(); library code never exits, so every
   * GSL failure must come back as a return value instead. Setting the same
   * pointer again is harmless, so no once-flag is needed. */
  gsl_set_error_handler_off();
}

static unsigned long rng_component(uint64_t *x, unsigned long min) {
  *x += SIM_RNG_GAMMA;
  unsigned long c = (unsigned long)(sim_rng_finalise(*x) & 0xffffffffULL);
  /* The same fix-up GSL applies to its own seeds (rng/taus.c). */
  return c < min ? c + min : c;
}

void sim_rng_set_seed(gsl_rng *r, uint64_t seed) {
  if (r->type != gsl_rng_taus2 || gsl_rng_size(r) != sizeof(rng_taus_state)) {
    gsl_rng_set(r, (unsigned long)seed);
    return;
  }
  rng_taus_state *st = gsl_rng_state(r);
  uint64_t x = seed;
  st->s1 = rng_component(&x, 2);
  st->s2 = rng_component(&x, 8);
  st->s3 = rng_component(&x, 16);
}

gsl_rng *sim_rng_new(uint64_t run_seed, uint64_t component_id, uint64_t stream_id) {
  sim_rng_library_init();
  gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
  if (r == NULL)
    return NULL;
  sim_rng_reseed(r, run_seed, component_id, stream_id);
  return r;
}

void sim_rng_free(gsl_rng *r) {
  if (r != NULL)
    gsl_rng_free(r);
}

void sim_rng_reseed(gsl_rng *r, uint64_t run_seed, uint64_t component_id, uint64_t stream_id) {
  sim_rng_set_seed(r, sim_rng_mix(run_seed, component_id, stream_id));
}

double sim_rng_uniform_pos(gsl_rng *r) {
  return gsl_rng_uniform_pos(r);
}
