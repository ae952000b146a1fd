/* units: number + unit parsing with full consumption and range checks.
 *
 * The number is scanned by hand first (sign, digits, point, exponent) and
 * only that span is given to strtod, so strtod's extras (hex floats, "inf",
 * "nan", leading blanks, locale surprises) never get in. A unit is then
 * looked up exactly in a per-kind table; anything left over is an error. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "sim_error.h"

#define UNITS_NUMBER_MAX 64
/* 2^63: the first double that no longer fits an int64. */
#define UNITS_TWO_POW_63 9223372036854775808.0

typedef struct unit_entry {
  const char *suffix;
  double factor;
} unit_entry;

/* Scans a decimal number at s; returns the end, or NULL when s does not
 * start with one. */
static const char *scan_number(const char *s, double *out) {
  const char *p = s;
  if (*p == '+' || *p == '-') {
    p++;
  }
  size_t digits = 0;
  while (*p >= '0' && *p <= '9') {
    p++;
    digits++;
  }
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') {
      p++;
      digits++;
    }
  }
  if (digits == 0) {
    return NULL;
  }
  /* An exponent only counts when digits follow: "5e" is not a number. */
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    if (*q == '+' || *q == '-') {
      q++;
    }
    if (*q >= '0' && *q <= '9') {
      while (*q >= '0' && *q <= '9') {
        q++;
      }
      p = q;
    }
  }
  size_t len = (size_t)(p - s);
  if (len >= UNITS_NUMBER_MAX) {
    return NULL;
  }
  char buf[UNITS_NUMBER_MAX];
  memcpy(buf, s, len);
  buf[len] = '\0';
  errno = 0;
  char *end = NULL;
  double v = strtod(buf, &end);
  if (end != buf + len) {
    return NULL;
  }
  if (errno == ERANGE && fabs(v) >= 1.0) {
    v = v > 0 ? HUGE_VAL : -HUGE_VAL; /* overflow: reported as out of range */
  } else if (errno == ERANGE) {
    v = 0.0; /* underflow to a denormal or zero: as good as zero here */
  }
  *out = v;
  return p;
}

/* The unit text after the number: one optional space, then the rest. */
static const char *unit_text(const char *end) {
  if (end[0] == ' ' && end[1] != '\0' && end[1] != ' ') {
    return end + 1;
  }
  return end;
}

static bool lookup(const unit_entry *table, size_t n, const char *unit, double *factor) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(table[i].suffix, unit) == 0) {
      *factor = table[i].factor;
      return true;
    }
  }
  return false;
}

/* The number at the start of s and the unit text after it; SIM_EINVAL
 * when s does not start with a number. */
static int split_number(const char *s, double *v, const char **unit) {
  if (s == NULL) {
    return SIM_EINVAL;
  }
  const char *end = scan_number(s, v);
  if (end == NULL) {
    return SIM_EINVAL;
  }
  *unit = unit_text(end);
  return 0;
}

/* v * factor into *out: SIM_ERANGE when v is negative or the product is
 * not finite. */
static int scale_nonneg(double v, double factor, double *out) {
  if (v < 0.0) {
    return SIM_ERANGE;
  }
  double r = v * factor;
  if (!isfinite(r)) {
    return SIM_ERANGE;
  }
  *out = r;
  return 0;
}

/* Parses "number unit" against a table. A bare number takes bare_factor,
 * or is accepted only when zero if bare_factor is 0. */
static int parse_scaled(const char *s, const unit_entry *table, size_t n, double bare_factor,
                        double *out) {
  double v;
  const char *unit;
  if (split_number(s, &v, &unit) != 0) {
    return SIM_EINVAL;
  }
  double factor;
  if (unit[0] == '\0') {
    if (bare_factor == 0.0) {
      if (v != 0.0) {
        return SIM_EINVAL; /* ambiguous: which unit? */
      }
      factor = 1.0;
    } else {
      factor = bare_factor;
    }
  } else if (!lookup(table, n, unit, &factor)) {
    return SIM_EINVAL;
  }
  return scale_nonneg(v, factor, out);
}

static int to_int64(double x, int64_t *out) {
  double r = round(x);
  if (!(r >= 0.0 && r < UNITS_TWO_POW_63)) {
    return SIM_ERANGE;
  }
  *out = (int64_t)r;
  return 0;
}

/* parse_scaled, then rounded to a whole int64 count of the base unit. *out
 * is written only on success. */
static int parse_scaled_int64(const char *s, const unit_entry *table, size_t n, double bare_factor,
                              int64_t *out) {
  double x;
  int rc = parse_scaled(s, table, n, bare_factor, &x);
  if (rc != 0) {
    return rc;
  }
  int64_t v;
  rc = to_int64(x, &v);
  if (rc == 0) {
    *out = v;
  }
  return rc;
}

#define N_OF(t) (sizeof(t) / sizeof((t)[0]))

static const unit_entry duration_units[] = {
    {"ns", 1.0},        {"us", 1e3}, {"\xc2\xb5s", 1e3}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1e3},                                  /* U+03BC greek mu */
    {"ms", 1e6},        {"s", 1e9},  {"min", 60e9},      {"h", 3600e9},
};

int units_parse_duration(const char *s, sim_time *out_ns) {
  return parse_scaled_int64(s, duration_units, N_OF(duration_units), 0.0, out_ns);
}

static const unit_entry size_units[] = {
    {"B", 1.0},
    {"k", 1e3},
    {"K", 1e3},
    {"kB", 1e3},
    {"KB", 1e3},
    {"M", 1e6},
    {"MB", 1e6},
    {"G", 1e9},
    {"GB", 1e9},
    {"T", 1e12},
    {"TB", 1e12},
    {"Ki", 1024.0},
    {"KiB", 1024.0},
    {"Mi", 1048576.0},
    {"MiB", 1048576.0},
    {"Gi", 1073741824.0},
    {"GiB", 1073741824.0},
    {"Ti", 1099511627776.0},
    {"TiB", 1099511627776.0},
};

int units_parse_size(const char *s, int64_t *out_bytes) {
  return parse_scaled_int64(s, size_units, N_OF(size_units), 1.0, out_bytes);
}

static const unit_entry cpu_units[] = {
    {"m", 1.0}, {"vCPU", 1e3}, {"vcpu", 1e3}, {"core", 1e3}, {"cores", 1e3},
};

int units_parse_cpu(const char *s, int64_t *out_millicores) {
  return parse_scaled_int64(s, cpu_units, N_OF(cpu_units), 1e3, out_millicores);
}

/* A rate is [multiplier][per-time]: "2k/s", "60/min", "1.5M/s", "50rps". */
static const unit_entry rate_units[] = {
    {"/s", 1.0}, {"/sec", 1.0}, {"rps", 1.0}, {"/min", 1.0 / 60.0}, {"/h", 1.0 / 3600.0},
};
static const unit_entry rate_multipliers[] = {{"k", 1e3}, {"K", 1e3}, {"M", 1e6}};

int units_parse_rate(const char *s, double *out_per_s) {
  double v;
  const char *unit;
  if (split_number(s, &v, &unit) != 0) {
    return SIM_EINVAL;
  }
  double mult = 1.0;
  for (size_t i = 0; i < N_OF(rate_multipliers); i++) {
    if (unit[0] == rate_multipliers[i].suffix[0]) {
      mult = rate_multipliers[i].factor;
      unit++;
      break;
    }
  }
  double per = 1.0;
  if (unit[0] != '\0' && !lookup(rate_units, N_OF(rate_units), unit, &per)) {
    return SIM_EINVAL;
  }
  /* (v * mult) * per, in that order, as it always was: the rounding of
   * the result must not change. mult > 0, so v * mult has v's sign. */
  return scale_nonneg(v * mult, per, out_per_s);
}

static const unit_entry bandwidth_units[] = {
    {"bps", 1.0 / 8},    {"kbps", 1e3 / 8},   {"Kbps", 1e3 / 8},    {"Mbps", 1e6 / 8},
    {"Gbps", 1e9 / 8},   {"Tbps", 1e12 / 8},  {"kbit/s", 1e3 / 8},  {"Kbit/s", 1e3 / 8},
    {"Mbit/s", 1e6 / 8}, {"Gbit/s", 1e9 / 8}, {"Tbit/s", 1e12 / 8}, {"B/s", 1.0},
    {"kB/s", 1e3},       {"KB/s", 1e3},       {"MB/s", 1e6},        {"GB/s", 1e9},
    {"TB/s", 1e12},      {"KiB/s", 1024.0},   {"MiB/s", 1048576.0}, {"GiB/s", 1073741824.0},
};

int units_parse_bandwidth(const char *s, double *out_bytes_per_s) {
  return parse_scaled(s, bandwidth_units, N_OF(bandwidth_units), 0.0, out_bytes_per_s);
}

int units_parse_uint(const char *s, uint64_t max, uint64_t *out) {
  if (s == NULL) {
    return SIM_EINVAL;
  }
  const char *p = s;
  bool negative = false;
  if (*p == '+') {
    p++;
  } else if (*p == '-') {
    negative = true;
    p++;
  }
  if (*p == '\0') {
    return SIM_EINVAL;
  }
  uint64_t v = 0;
  bool overflow = false;
  for (; *p != '\0'; p++) {
    if (*p < '0' || *p > '9') {
      return SIM_EINVAL;
    }
    uint64_t digit = (uint64_t)(*p - '0');
    if (v > (UINT64_MAX - digit) / 10) {
      overflow = true;
    } else {
      v = v * 10 + digit;
    }
  }
  if (negative && (v != 0 || overflow)) {
    return SIM_ERANGE;
  }
  if (overflow || v > max) {
    return SIM_ERANGE;
  }
  *out = v;
  return 0;
}

int units_parse_number(const char *s, double *out) {
  if (s == NULL) {
    return SIM_EINVAL;
  }
  double v;
  const char *end = scan_number(s, &v);
  if (end == NULL || *end != '\0') {
    return SIM_EINVAL;
  }
  if (!isfinite(v)) {
    return SIM_ERANGE;
  }
  *out = v;
  return 0;
}

int units_parse_bool(const char *s, bool *out) {
  static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static const char *const no[] = {"false", "False", "FALSE", "no", "No",
                                   "NO",    "off",   "Off",   "OFF"};
  if (s == NULL) {
    return SIM_EINVAL;
  }
  for (size_t i = 0; i < N_OF(yes); i++) {
    if (strcmp(s, yes[i]) == 0) {
      *out = true;
      return 0;
    }
    if (strcmp(s, no[i]) == 0) {
      *out = false;
      return 0;
    }
  }
  return SIM_EINVAL;
}

static const char *const expected_text[UNITS_KIND_COUNT] = {
    [UNITS_DURATION] = "a duration like 250us, 2ms or 1s",
    [UNITS_SIZE] = "a size like 512B, 8KiB, 128Mi or 1.5GiB",
    [UNITS_CPU] = "a cpu amount like 100m, 0.5 or 2",
    [UNITS_RATE] = "a rate like 1000/s, 2k/s or 60/min",
    [UNITS_BANDWIDTH] = "a bandwidth like 10Gbps, 100Mbps or 125MB/s",
    [UNITS_INTEGER] = "a whole number like 3",
    [UNITS_NUMBER] = "a number like 0.5",
    [UNITS_BOOL] = "true or false",
};

static const char *const noun_text[UNITS_KIND_COUNT] = {
    [UNITS_DURATION] = "duration", [UNITS_SIZE] = "size",           [UNITS_CPU] = "cpu amount",
    [UNITS_RATE] = "rate",         [UNITS_BANDWIDTH] = "bandwidth", [UNITS_INTEGER] = "number",
    [UNITS_NUMBER] = "number",     [UNITS_BOOL] = "value",
};

const char *units_expected(units_kind kind) {
  return (unsigned)kind < UNITS_KIND_COUNT ? expected_text[kind] : "a value";
}

const char *units_noun(units_kind kind) {
  return (unsigned)kind < UNITS_KIND_COUNT ? noun_text[kind] : "value";
}

char *units_describe_error(units_kind kind, int code, const char *input, char *buf, size_t size) {
  char quoted[96];
  diag_quote(quoted, sizeof quoted, input != NULL ? input : "", 48);
  if (code == SIM_ERANGE) {
    bool negative = input != NULL && input[0] == '-';
    snprintf(buf, size, "%s \"%s\" %s", units_noun(kind), quoted,
             negative ? "must not be negative" : "is too large");
  } else {
    snprintf(buf, size, "expected %s, got \"%s\"", units_expected(kind), quoted);
  }
  return buf;
}
