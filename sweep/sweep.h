/* sweep: the parameter-sweep grammar, its points, shards and crossovers.
 *
 * `meshsim sweep FILE --set KEY=SPEC ...` runs the cartesian product of the
 * values of every KEY. A SPEC is a comma-separated list whose elements are
 * literal values (YAML scalars or flow lists like [sidecar,ambient]; commas
 * inside brackets or quotes do not split) or numeric ranges:
 *
 *   A..B       A, A+1, ..., B                     1..4        -> 1,2,3,4
 *   A..B+S     arithmetic, step S                 10..100+30  -> 10,40,70,100
 *   A..B xF    geometric, factor F > 1 (or *F)    10..100x2   -> 10,20,40,80
 *
 * A and B are plain decimal numbers with an optional unit suffix, which
 * must be the same on both ends and is kept on every value
 * (`1k/s..8k/s x2` -> 1k/s,2k/s,4k/s,8k/s; `2ms..8ms x2` -> 2ms,4ms,8ms).
 * A range includes B when a step lands on it (within 1e-9 relative). An
 * empty SPEC is one empty value: the key's null, its default.
 *
 * Keys set together, "K1,K2=SPEC", are one axis (zipped, not crossed): each
 * element of SPEC is a tuple "(v1, v2)" with a value per key, or a value
 * (or range) that every key takes; a tuple's members may be ranges of equal
 * length, which zip: "a,b=(1..3, 10..30+10)" gives (1,10), (2,20), (3,30).
 *
 * Points are numbered 0..n-1 in row-major order: the first key varies
 * slowest, the last fastest, as nested loops in command-line order. A
 * shard I/N holds the points with index % N == I.
 *
 * Everything here is plain computation (no I/O), so the sweep runner
 * (sweep_run.h), the sweep report and the tests share it; a point's
 * overrides and params are in sweep_point.h. */
#ifndef MESHSIM_SWEEP_H
#define MESHSIM_SWEEP_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define SWEEP_MAX_KEYS   16
#define SWEEP_MAX_VALUES 10000   /* per key */
#define SWEEP_MAX_POINTS 1000000 /* whole sweep */

/* One axis of the sweep: a key, or keys set together, and its expanded
 * values (all owned). */
typedef struct sweep_axis {
  char *key;     /* as typed: "traffic.frontend.rate", or "a.rate,b.replicas" */
  char *spec;    /* the values as typed: "1k/s..8k/s x2" */
  char **values; /* per point of the axis, as stored in params: "2k/s", or "(2k/s,4)" */
  uint32_t n_values;
  char **keys; /* the n_keys keys it sets (one, or several set together) */
  uint32_t n_keys;
  char **members; /* several keys: n_values * n_keys values, key k of value i at
                     [i * n_keys + k]; NULL for one key (values[i] is its value) */
} sweep_axis;

typedef struct sweep {
  sweep_axis axes[SWEEP_MAX_KEYS];
  uint32_t n_axes;   /* axes; their keys together are at most SWEEP_MAX_KEYS */
  uint64_t n_points; /* product of n_values (1 with no axis) */
} sweep;

void sweep_init(sweep *s);
void sweep_release(sweep *s);

/* Expands a value spec (without "KEY=") into *values (caller frees with
 * sweep_values_free). On error returns a SWEEP_E* code and writes a message
 * to err (which names the offending element). */
int sweep_expand(const char *spec, char ***values, uint32_t *n, char *err, size_t err_len);
void sweep_values_free(char **values, uint32_t n);

/* Parses "KEY=SPEC" (or "KEY1,KEY2=SPEC", keys set together) and appends
 * the axis. Values may not contain ';' (the separator of stored
 * parameters). */
int sweep_add(sweep *s, const char *arg, char *err, size_t err_len);

/* The value key `key` of the axis takes at its value `value`. */
const char *sweep_axis_value(const sweep_axis *ax, uint32_t value, uint32_t key);

/* Index into axes[a].values of point p. */
uint32_t sweep_value_index(const sweep *s, uint64_t point, uint32_t axis);

/* The canonical form of the sweep for its identity: one line per axis
 * "key=v1,v2,..." (expanded values) plus the `fixed` overrides, sorted,
 * NUL-separated inside buf; *n_lines receives the count. Used with
 * scenario_load_hash() for the sweep key. */
int sweep_canonical(const sweep *s, const char *const *fixed, size_t n_fixed, char **lines,
                    size_t max_lines, size_t *n_lines, char *buf, size_t n);

/* 16 hex digits identifying a sweep: FNV-1a over the scenario file's
 * content hash, the meshsim version and the canonical lines. */
void sweep_key(uint64_t file_hash, const char *version, const sweep *s, const char *const *fixed,
               size_t n_fixed, char out[17]);

/* ---- shards ------------------------------------------------------------------ */

typedef struct sweep_shard {
  uint32_t index, count; /* 0 <= index < count */
  char source[160];      /* where it came from, for the log: "--shard 1/3", "SLURM_..." */
} sweep_shard;

/* The environment variables a shard may come from (NULL = unset). */
typedef struct sweep_shard_env {
  const char *slurm_task_id, *slurm_task_count, *slurm_task_min;
  const char *job_completion_index; /* Kubernetes indexed Jobs */
} sweep_shard_env;

/* Decides the shard: `shard_opt` ("I/N", from --shard) wins; else with
 * `shard_count` (> 0, from --shard-count) JOB_COMPLETION_INDEX is the
 * index; else SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (0 when unset) of
 * SLURM_ARRAY_TASK_COUNT. JOB_COMPLETION_INDEX without shard_count is an
 * error (every pod would run the whole sweep). Returns 1 with *out filled
 * when sharded, 0 when not (the whole sweep), or SWEEP_ESYNTAX with a
 * message in err. */
int sweep_shard_resolve(const char *shard_opt, uint64_t shard_count, const sweep_shard_env *env,
                        sweep_shard *out, char *err, size_t err_len);

/* Whether point p belongs to the shard (NULL = no sharding: all do). */
int sweep_shard_has(const sweep_shard *sh, uint64_t point);

/* ---- reading swept values as numbers --------------------------------------- */

typedef enum sweep_xkind {
  SWEEP_X_NUMBER,   /* plain numbers */
  SWEEP_X_RATE,     /* per second (1k/s) */
  SWEEP_X_DURATION, /* shown in ms */
  SWEEP_X_CPU,      /* cores */
  SWEEP_X_SIZE,     /* MiB */
  SWEEP_X_FACTOR,   /* multipliers: x2 */
  SWEEP_X_CATEGORY  /* not numbers: positions 0..n-1 */
} sweep_xkind;

/* Reads every value as the first kind that parses all of them (number,
 * rate, duration, cpu, size, multiplier "x2") into x[i]; otherwise x[i] = i
 * and the kind is SWEEP_X_CATEGORY. A tuple of keys set together,
 * "(2k/s,4)", is read by its first member. */
sweep_xkind sweep_values_numeric(const char *const *values, size_t n, double *x);
/* "3.4k/s", "25 ms", "0.5 cores", "512 MiB", "x2", "12.5"; a category is
 * printed as its position. */
void sweep_format_x(char *buf, size_t n, double x, sweep_xkind kind);
/* Unit for axis labels ("requests/s", "ms", "cores", "MiB", "multiplier";
 * "" for plain). */
const char *sweep_xkind_unit(sweep_xkind kind);

/* ---- crossovers ---------------------------------------------------------------- */

/* Where curve a overtakes curve b (or b overtakes a). */
typedef struct sweep_crossing {
  double x;    /* linear interpolation of the zero of a - b; a tie's x when exact */
  size_t from; /* the last point before the crossing: x[from] < x <= x[to] */
  size_t to;
  int a_above; /* 1: a > b beyond x (a overtakes b), 0: b overtakes a */
} sweep_crossing;

/* Crossings of a and b over x (ascending): wherever a - b changes sign
 * between two points with numbers (NaN points are skipped). With d = a - b,
 * the crossing of a sign change from x0 to x1 is x0 + (x1 - x0) * d0 /
 * (d0 - d1); a run of exact ties between opposite signs crosses at the
 * first tie. Touching zero without changing sign is no crossing. Returns
 * the number found (at most max written). */
size_t sweep_crossovers(const double *x, const double *a, const double *b, size_t n,
                        sweep_crossing *out, size_t max);

#endif
