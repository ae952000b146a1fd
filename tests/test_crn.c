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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_matches_whole),
      cmocka_unit_test(test_known_answers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
