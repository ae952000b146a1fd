/* crn: the split form the simulator's hot path uses (crn_seed_mix,
 * crn_key_mix, crn_uniform_mixed) gives exactly crn_uniform's numbers, so
 * every run draws what it drew before the split; and crn_uniform itself is
 * pinned by known answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crn.h"

static void test_split_matches_whole(void **state) {
  (void)state;
  static const uint64_t seeds[] = {0, 1, 42, 0x9e3779b97f4a7c15ULL, UINT64_MAX};
  static const uint64_t keys[] = {0, 1, 0xffff0100ULL, 0x524f4f54ULL, UINT64_MAX - 1, UINT64_MAX};
  static const uint64_t draws[] = {CRN_SERVICE_TIME, CRN_NEW_CONNECTION,     CRN_HAPPENS,
                                   CRN_PICK,         4ull * 7 + CRN_HAPPENS, 0xffff0000ULL,
                                   0xffff0103ULL};
  size_t checked = 0;
  for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++)
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
      uint64_t km = crn_key_mix(crn_seed_mix(seeds[s]), keys[k]);
      for (size_t i = 0; i < sizeof draws / sizeof *draws; i++) {
        double whole = crn_uniform(seeds[s], keys[k], draws[i]);
        double split = crn_uniform_mixed(km, draws[i]);
        if (memcmp(&whole, &split, sizeof whole) != 0)
          fail_msg("seed %llu key %llu draw %llu: crn_uniform %.17g, split %.17g",
                   (unsigned long long)seeds[s], (unsigned long long)keys[k],
                   (unsigned long long)draws[i], whole, split);
        checked++;
      }
    }
  assert_int_equal(checked, 5 * 6 * 7);
}

/* Known answers, computed apart from this code (a few lines of Python of the
 * formula in crn.h: SplitMix64 three times, the top 53 bits, + 0.5, / 2^53). */
static void test_known_answers(void **state) {
  (void)state;
  static const struct {
    uint64_t seed, key, i;
    double u;
  } cases[] = {
      {1, 0, 0, 0.6935121390102292},
      {1, 12345, CRN_PICK, 0.0850327638727198},
      {42, 0xffff0100ULL, 0, 0.14765413175873993},
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    double u = crn_uniform(cases[c].seed, cases[c].key, cases[c].i);
    printf("case %zu: expected %.17g actual %.17g\n", c, cases[c].u, u);
    assert_true(u == cases[c].u);
    assert_true(u > 0 && u < 1);
  }
}

/* The level by the double formula it replaces. */
static uint32_t level_by_double(uint64_t z, unsigned bits) {
  double u = ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  uint32_t i = (uint32_t)(u * (double)(1u << bits));
  return i < (1u << bits) ? i : (1u << bits) - 1;
}

/* crn_level_of gives the double formula's level for every z: at the edges
 * of levels below and above 2^52 (where x + 0.5 rounds to even and an odd x
 * just under a level's edge lands on the next level), at the top (clamped),
 * and for a million numbers of the generator. */
static void test_level_matches_double(void **state) {
  (void)state;
  static const unsigned bits[] = {1, 8, 13, 20};
  size_t checked = 0, carried = 0;
  for (size_t b = 0; b < sizeof bits / sizeof *bits; b++) {
    unsigned n = bits[b];
    uint64_t step = (uint64_t)1 << (53 - n); /* x per level */
    for (uint64_t k = 1; k <= ((uint64_t)1 << n); k += ((uint64_t)1 << n) / 64 + 1) {
      for (int64_t d = -3; d <= 2; d++) {
        uint64_t x = k * step + (uint64_t)d;
        if (x >= ((uint64_t)1 << 53))
          continue;
        for (uint64_t low = 0; low < 2048; low += 2047) {
          uint64_t z = x << 11 | low;
          uint32_t want = level_by_double(z, n), got = crn_level_of(z, n);
          if (want != got)
            fail_msg("bits %u x %llu: double level %u, integer %u", n, (unsigned long long)x, want,
                     got);
          carried += x >= ((uint64_t)1 << 52) && (x & 1) && got != (uint32_t)(x >> (53 - n));
          checked++;
        }
      }
    }
    uint64_t top = UINT64_MAX;
    assert_int_equal(crn_level_of(top, n), level_by_double(top, n));
    assert_int_equal(crn_level_of(top, n), (1u << n) - 1);
  }
  assert_true(carried > 0); /* the rounding case was met, not only missed */
  uint64_t km = crn_key_mix(crn_seed_mix(7), 99);
  for (uint64_t i = 0; i < 1000000; i++) {
    uint64_t z = sim_rng_splitmix64(km ^ i);
    assert_int_equal(crn_level_mixed(km, i, 13), level_by_double(z, 13));
    checked++;
  }
  assert_true(checked > 1000000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_matches_whole),
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_level_matches_double),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
