/* profile_embedded: the calibration profile files compiled into the binary.
 * The table is generated at build time from the YAML files in models/profiles/ and ends
 * with a {NULL, NULL, 0} entry. */
#ifndef MESHSIM_PROFILE_EMBEDDED_H
#define MESHSIM_PROFILE_EMBEDDED_H
#include <stddef.h>

typedef struct profile_embedded {
  const char *name; /* file name without .yaml, e.g. "istio-1.24" */
  const char *text; /* NUL-terminated YAML */
  size_t size;
} profile_embedded;

extern const profile_embedded profile_embedded_files[];

#endif
