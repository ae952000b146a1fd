/* profile_load: reads calibration profiles (YAML, format in docs/calibration.md)
 * into the profile struct of models/profile.h.
 *
 * The builtin profiles are the YAML files of models/profiles/, compiled into
 * the binary (profile_embedded.h); users may load their own from a path. Parsing
 * is strict: an unknown, missing or duplicate key, a value without its unit
 * or out of range is an error. Every problem found is appended to the
 * caller's diag_list (diag_list_init first) as "file:line:col: error: what is
 * wrong, what was expected"; the load goes on after an error so that one run
 * shows all of them. Builtins are named "models/profiles/<name>.yaml" in
 * messages.
 *
 * Values are parsed here rather than with io/units.c because calibration
 * needs fractions below its integer units: 0.5ns per byte, 0.225m per proxy.
 *
 * Every function returns ERR_OK or a negative PROFILE_LOAD_E* code;
 * on failure *out is left untouched and *diag holds at least one error
 * (except for ERR_EINVAL, a NULL argument). */
#ifndef MESHSIM_PROFILE_LOAD_H
#define MESHSIM_PROFILE_LOAD_H

#include "err.h"

#include <stddef.h>

#include "diag.h"
#include "profile.h"

/* Largest profile file accepted. */
#define PROFILE_LOAD_MAX_BYTES ((size_t)1 << 20)

/* Parses `len` bytes of YAML (need not be NUL-terminated); `display_name`
 * stands in for the file name in messages. */
int profile_load_string(const char *text, size_t len, const char *display_name, profile *out,
                        diag_list *diag);

/* Reads and parses the file at `path`. */
int profile_load_file(const char *path, profile *out, diag_list *diag);

/* Loads the builtin profile `name` (e.g. "istio-1.24"). An unknown name gives
 * PROFILE_LOAD_EUNKNOWN and "unknown profile 'x'; valid profiles are: ...".
 * The file's own `name:` must equal the name it is embedded under. */
int profile_load_builtin(const char *name, profile *out, diag_list *diag);

/* Number of builtin profiles and the name of the i-th (NULL past the end),
 * in the sorted order of the embedded table. */
size_t profile_load_builtin_count(void);
const char *profile_load_builtin_name(size_t i);

/* Writes the builtin names joined by ", " into buf (always NUL-terminated
 * when size > 0); returns the length the full list needs, like snprintf. */
size_t profile_load_builtin_names(char *buf, size_t size);

#endif
