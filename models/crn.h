/* crn: keyed uniform numbers for common random numbers across modes.
 *
 * Every modelled call carries a 64-bit key derived from its root request
 * (traffic entry, arrival number) and its position in the call tree. The
 * random choices of that call (its application service time, which of its
 * calls happen, which pod serves each) are the i-th uniform of its key:
 *
 *   u(key, i) = (sim_rng_mix(run_seed, key, i) >> 11) * 2^-53, nudged off 0
 *
 * i.e. SplitMix64 used as a counter-based generator (the same mixing that
 * seeds every GSL stream, see sim_rng.h). Because the numbers depend only on
 * the key and never on the order in which events happen, every mode sees the
 * same tree, the same service times and the same pod choices: differences
 * between modes are the mesh's alone. */
#ifndef MESHSIM_CRN_H
#define MESHSIM_CRN_H

#include <stdint.h>

#include "sim_rng.h"

/* Purposes of a call's draws (the counter i = purpose + 4 * child ordinal). */
enum { CRN_SERVICE_TIME = 0, CRN_NEW_CONNECTION = 1, CRN_HAPPENS = 2, CRN_PICK = 3 };

static inline double crn_uniform(uint64_t run_seed, uint64_t key, uint64_t i) {
  uint64_t z = sim_rng_mix(run_seed, key, i);
  return ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* The same numbers in two halves, for the hot path: sim_rng_mix is three
 * SplitMix64 rounds, the first two of which depend on the run and the key
 * only. crn_key_mix(crn_seed_mix(s), key) is computed once per call and
 * crn_uniform_mixed(that, i) == crn_uniform(s, key, i) exactly. */
static inline uint64_t crn_seed_mix(uint64_t run_seed) {
  return sim_rng_splitmix64(run_seed);
}

static inline uint64_t crn_key_mix(uint64_t seed_mix, uint64_t key) {
  return sim_rng_splitmix64(seed_mix ^ key);
}

static inline double crn_uniform_mixed(uint64_t key_mix, uint64_t i) {
  uint64_t z = sim_rng_splitmix64(key_mix ^ i);
  return ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Which of 2^bits equal levels (1 <= bits <= 32, so the shift stays
 * defined and a level fits the result) the uniform of z falls in: exactly
 * (uint32_t)(u * 2^bits), clamped to 2^bits - 1, for u the uniform
 * crn_uniform_mixed makes of z, in integers only (a table lookup by it
 * waited on four floating-point steps). The double sum x + 0.5, x = z >> 11,
 * is exact below 2^52; above, it rounds to even, which moves an odd x up
 * by one: the carry reproduces that. Scaling by powers of two is exact. */
static inline uint32_t crn_level_of(uint64_t z, unsigned bits) {
  uint64_t x = z >> 11;
  uint64_t level = (x + ((x >> 52) & x & 1)) >> (53 - bits);
  uint64_t last = ((uint64_t)1 << bits) - 1;
  return (uint32_t)(level < last ? level : last);
}

static inline uint32_t crn_level_mixed(uint64_t key_mix, uint64_t i, unsigned bits) {
  return crn_level_of(sim_rng_splitmix64(key_mix ^ i), bits);
}

/* Key of the n-th root request of traffic entry `entry`. */
static inline uint64_t crn_root_key(uint64_t entry, uint64_t n) {
  return sim_rng_mix(0x524f4f54ULL /* "ROOT" */, entry, n);
}

/* Key of the child with ordinal `ordinal` of the call keyed `parent`. */
static inline uint64_t crn_child_key(uint64_t parent, uint64_t ordinal) {
  return sim_rng_mix(0x6d65736873696dULL, parent, ordinal + 1);
}

#endif
