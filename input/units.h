/* units: strict parsing of the quantities people write in scenario files.
 *
 *   duration   250ns 250us 250µs 2ms 1.5s 5min 1h; a bare 0          -> ns
 *   size       512B 8KB 8kB 8KiB 1.5GiB, Kubernetes 128Mi 1Gi 1G 500k;
 *              a bare number is bytes                               -> bytes
 *   cpu        100m (millicores), 0.5, 2, "2 vCPU" (cores)          -> millicores
 *   rate       1000/s 2k/s 1.5M/s 60/min 3600/h 50rps; a bare
 *              number (or 2k) is per second                         -> per second
 *   bandwidth  10Gbps 100Mbps 1Gbit/s 125MB/s 1GiB/s; a bare 0      -> bytes per second
 *
 * Decimal prefixes (k, M, G, T) are powers of 1000 and binary ones (Ki, Mi,
 * Gi, Ti) powers of 1024, as in Kubernetes. Units are case-sensitive ("m" is
 * milli, "M" mega); one space may separate number and unit. Numbers are
 * plain decimals with an optional exponent (no hex, inf or nan), the whole
 * string must be consumed, and results are rounded to the nearest integer
 * unit (ns, byte, millicore). Every function returns 0, SIM_EINVAL when the
 * text is not of the expected form, or SIM_ERANGE when it is negative or too
 * large; *out is written only on success. units_describe_error() turns the
 * code into the message the loader shows. */
#ifndef MESHSIM_UNITS_H
#define MESHSIM_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

typedef enum units_kind {
  UNITS_DURATION,
  UNITS_SIZE,
  UNITS_CPU,
  UNITS_RATE,
  UNITS_BANDWIDTH,
  UNITS_INTEGER, /* non-negative decimal integer */
  UNITS_NUMBER,  /* finite decimal number */
  UNITS_BOOL,
  UNITS_KIND_COUNT
} units_kind;

int units_parse_duration(const char *s, sim_time *out_ns);
int units_parse_size(const char *s, int64_t *out_bytes);
int units_parse_cpu(const char *s, int64_t *out_millicores);
int units_parse_rate(const char *s, double *out_per_s);
int units_parse_bandwidth(const char *s, double *out_bytes_per_s);
/* Decimal digits only (an optional leading '+'); SIM_ERANGE above max. */
int units_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* Any finite decimal number, negative allowed. */
int units_parse_number(const char *s, double *out);
/* true/false, yes/no, on/off in lower, Capitalised or UPPER case (YAML 1.1). */
int units_parse_bool(const char *s, bool *out);

/* "a duration like 250us, 2ms or 1s" and so on, for messages. */
const char *units_expected(units_kind kind);
/* The noun for messages: "duration", "size", "cpu amount", ... */
const char *units_noun(units_kind kind);

/* Writes the message for a failed parse of `input` into buf:
 *   SIM_EINVAL  expected a duration like 250us, 2ms or 1s, got "2 parsecs"
 *   SIM_ERANGE  duration "-5ms" must not be negative
 *               duration "1e300h" is too large
 * Returns buf. */
char *units_describe_error(units_kind kind, int code, const char *input, char *buf, size_t size);

#endif
