/* fuzz_scenario: the scenario loader from YAML bytes.
 *
 * The input is a whole scenario file, loaded with scenario_load_string under
 * the display name "fuzz.yaml" and no overrides: libyaml, the encoding and
 * nesting checks, every section's conversion, name resolution, the cross
 * checks and every diagnostic's text. Inputs that name a CSV file are skipped
 * (fuzz_support_names_csv says why); fuzz_csv covers the CSV readers. */
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  scenario s;
  if (fuzz_support_load(data, size, &s)) {
    scenario_release(&s);
  }
  return 0;
}
