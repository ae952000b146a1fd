/* fuzz_profile: the calibration profile loader from YAML bytes.
 *
 * The input is a whole profile file (the format of the files in models/profiles/),
 * parsed with profile_load_string under the display name "fuzz.yaml": keys,
 * units with fractions, ranges, and every diagnostic's text. */
#include "fuzz_support.h"

#include "profile_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  diag_list d;
  diag_list_init(&d);
  profile p;
  profile_load_string((const char *)data, size, "fuzz.yaml", &p, &d);
  fuzz_support_diag_drain(&d);
  return 0;
}
