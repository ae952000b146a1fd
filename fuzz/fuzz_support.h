/* fuzz_support: what the fuzz harnesses share.
 *
 * Each harness (fuzz_<name>.c) defines LLVMFuzzerTestOneInput and is linked
 * twice: with libFuzzer (scripts/fuzz, clang only) and with fuzz_replay.c, a
 * plain main that feeds it every file of a directory, so ctest replays the
 * seed corpus and the fixed crashers under any compiler and sanitizer.
 * Harnesses use only the public headers of input/ and models/. */
#ifndef MESHSIM_FUZZ_SUPPORT_H
#define MESHSIM_FUZZ_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "scenario.h"

/* The entry point libFuzzer calls once per input; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the `len` bytes at `data` (caller frees), or NULL
 * when out of memory. Embedded NUL bytes are kept: the string ends early. */
char *fuzz_support_cstr(const uint8_t *data, size_t len);

/* True when the YAML in `data` holds a scalar containing "_csv" anywhere
 * (after libyaml has decoded quotes and escapes), or cannot be scanned.
 * Such inputs may name a `call_graph_csv` / `traffic_csv` file that the
 * loader would then read from the host: /dev/stdin blocks, /dev/zero reads
 * 64 MiB. The harnesses that load YAML bytes skip them; fuzz_csv covers
 * the CSV readers with files it owns. Inputs libyaml rejects before any
 * such scalar are not skipped: the loader rejects them too. */
bool fuzz_support_names_csv(const uint8_t *data, size_t len);

/* An anonymous in-memory file (memfd) and the path that opens it,
 * "/proc/self/fd/N". Nothing is left on disk, even when a crash ends the
 * process. fuzz_support_memfile_set replaces its contents. Both abort on
 * failure: a harness without its file would silently test nothing. */
typedef struct fuzz_support_memfile {
  int fd;
  char path[64];
} fuzz_support_memfile;

void fuzz_support_memfile_init(fuzz_support_memfile *f, const char *name);
void fuzz_support_memfile_set(fuzz_support_memfile *f, const void *data, size_t len);

/* Loads fuzz bytes as the scenario file "fuzz.yaml" (no overrides), unless
 * fuzz_support_names_csv says to skip them; the diagnostics are drained.
 * Returns true with *out to release with scenario_release. */
bool fuzz_support_load(const uint8_t *data, size_t len, scenario *out);

/* Renders every diagnostic (diag_print to /dev/null) so the formatting code
 * runs on fuzzed messages too, then releases the list. */
void fuzz_support_diag_drain(diag_list *d);

#endif
