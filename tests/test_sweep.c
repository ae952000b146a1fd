/* Tests for sweep and the sweep report: value specs expand as documented
 * (lists, arithmetic and geometric ranges, units, brackets) or fail with a
 * message naming the spec; points are row-major with the last key fastest;
 * shards partition the points (disjoint, covering, deterministic) and come
 * from --shard, Slurm or Kubernetes variables; crossovers are the linear
 * interpolation of the sign change of a - b, checked on hand-made tables
 * with exact values; a sweep stored from synthetic runs renders a report
 * whose crossover sentences carry the interpolated value and whose charts
 * are valid images, and is chosen automatically when it is the latest thing
 * stored; a point where a mode misses the objective yields no crossover and
 * is listed, marked and left out of the chart's line. A point's overrides are in key order and its
 * params sorted as `meshsim run` writes them. The runner (sweep_run.h) stores every point of a
 * small real sweep, in this process and on forked workers, resumes by skipping what is stored,
 * splits shards into one sweep, stops on its interrupt flag, and names invalid points before
 * running anything. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "report.h"
#include "results_fixture.h"
#include "sweep.h"
#include "sweep_point.h"
#include "sweep_run.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- value specs ---- */

static void join_values(char **v, uint32_t n, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < n && off < len; i++)
    off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "|" : "", v[i]);
}

static void test_expand(void **state) {
  (void)state;
  static const struct {
    const char *spec;
    const char *want; /* values joined by '|', or NULL for an error */
    int code;
    const char *msg; /* part of the error message */
  } cases[] = {
      {"2,4,8", "2|4|8", 0, NULL},
      {" 2 , 4 ,8 ", "2|4|8", 0, NULL},
      {"10..100x2", "10|20|40|80", 0, NULL},
      {"10..100 x2", "10|20|40|80", 0, NULL},
      {"10..80*2", "10|20|40|80", 0, NULL},
      {"10..100+30", "10|40|70|100", 0, NULL},
      {"1..4", "1|2|3|4", 0, NULL},
      {"0.1..0.5+0.1", "0.1|0.2|0.3|0.4|0.5", 0, NULL},
      {"1k/s..8k/s x2", "1k/s|2k/s|4k/s|8k/s", 0, NULL},
      {"1k/s..8k/sx2", "1k/s|2k/s|4k/s|8k/s", 0, NULL},
      {"2ms..8ms x2", "2ms|4ms|8ms", 0, NULL},
      {"100m..400m+100m", "100m|200m|300m|400m", 0, NULL},
      {"1..2x1.5", "1|1.5", 0, NULL},
      {"-2..2+2", "-2|0|2", 0, NULL},
      {"5..5", "5", 0, NULL},
      {"1,10..30+10,99", "1|10|20|30|99", 0, NULL},
      {"[sidecar,ambient],[none]", "[sidecar,ambient]|[none]", 0, NULL},
      {"{cpu: 1, memory: 2Gi},{cpu: 2}", "{cpu: 1, memory: 2Gi}|{cpu: 2}", 0, NULL},
      {"\"a,b\",c", "\"a,b\"|c", 0, NULL},
      {"spread,pack", "spread|pack", 0, NULL},
      {"1.5", "1.5", 0, NULL},
      {"", "", 0, NULL},             /* "failures=": the key's null, as for `run --set` */
      {"  ", "", 0, NULL},           /* blanks only: the same */
      {"it's,x", "it's|x", 0, NULL}, /* an apostrophe in a word is no quote (YAML) */
      {"[{instance: it's}],[]", "[{instance: it's}]|[]", 0, NULL},
      {"'a'',b',c", "'a'',b'|c", 0, NULL},         /* '' escapes a single quote */
      {"\"a\\\",b\",c", "\"a\\\",b\"|c", 0, NULL}, /* \" escapes a double quote */
      {"{a: 'x,y'},z", "{a: 'x,y'}|z", 0, NULL},
      {"(1,2)", "(1|2)", 0, NULL}, /* parentheses group only keys set together */
      {"1,,2", NULL, SWEEP_EEMPTY, "empty value"},
      {"100..10x2", NULL, SWEEP_EEMPTY, "the start exceeds the end"},
      {"1..10x1", NULL, SWEEP_ESYNTAX, "factor must be greater than 1"},
      {"1..10+0", NULL, SWEEP_ESYNTAX, "step must be positive"},
      {"0..10x2", NULL, SWEEP_ESYNTAX, "must start above 0"},
      {"1k/s..8/s x2", NULL, SWEEP_ESYNTAX, "same unit"},
      {"a..b", NULL, SWEEP_ESYNTAX, "start is not a number"},
      {"1..b", NULL, SWEEP_ESYNTAX, "end is not a number"},
      {"1..10x", NULL, SWEEP_ESYNTAX, "factor is not a number"},
      {"1..10 y2", NULL, SWEEP_ESYNTAX, "unexpected \"y2\""},
      {"1ms..10ms+1s", NULL, SWEEP_ESYNTAX, "step's unit differs"},
      {"0x10..0x20", NULL, SWEEP_ESYNTAX, "same unit"},
      {"1..100000", NULL, SWEEP_ETOOBIG, "more than 10000 values"},
      {"[a,b", NULL, SWEEP_ESYNTAX, "unbalanced bracket"},
      {"\"a,b", NULL, SWEEP_ESYNTAX, "unbalanced quote"},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    char **v = NULL, err[256], got[512];
    uint32_t n = 0;
    int rc = sweep_expand(cases[i].spec, &v, &n, err, sizeof err);
    if (cases[i].want) {
      if (rc != 0)
        fail_msg("\"%s\": error %d: %s", cases[i].spec, rc, err);
      join_values(v, n, got, sizeof got);
      if (strcmp(got, cases[i].want) != 0)
        fail_msg("\"%s\" expanded to \"%s\", want \"%s\"", cases[i].spec, got, cases[i].want);
    } else {
      if (rc != cases[i].code)
        fail_msg("\"%s\": rc %d, want %d (%s)", cases[i].spec, rc, cases[i].code, err);
      if (!strstr(err, cases[i].msg))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", cases[i].spec, err, cases[i].msg);
      assert_null(v);
      assert_int_equal(n, 0);
    }
    sweep_values_free(v, n);
  }
}

/* Two keys: 3 x 2 points, the last key fastest; params; errors. */
static void test_points(void **state) {
  (void)state;
  sweep s;
  sweep_init(&s);
  char err[256];
  assert_int_equal(sweep_add(&s, "traffic.web.rate=1k/s..4k/s x2", err, sizeof err), 0);
  assert_int_equal(sweep_add(&s, "cluster.nodes.general.count=3,6", err, sizeof err), 0);
  assert_int_equal(s.n_points, 6);
  static const char *const want[6] = {
      "traffic.web.rate=1k/s;cluster.nodes.general.count=3",
      "traffic.web.rate=1k/s;cluster.nodes.general.count=6",
      "traffic.web.rate=2k/s;cluster.nodes.general.count=3",
      "traffic.web.rate=2k/s;cluster.nodes.general.count=6",
      "traffic.web.rate=4k/s;cluster.nodes.general.count=3",
      "traffic.web.rate=4k/s;cluster.nodes.general.count=6",
  };
  for (uint64_t p = 0; p < 6; p++) {
    char buf[256];
    assert_int_equal(sweep_point_params(&s, p, buf, sizeof buf), 0);
    assert_string_equal(buf, want[p]);
    assert_int_equal(sweep_value_index(&s, p, 0), p / 2);
    assert_int_equal(sweep_value_index(&s, p, 1), p % 2);
  }
  char tiny[8];
  assert_int_equal(sweep_point_params(&s, 0, tiny, sizeof tiny), SWEEP_ETOOBIG);

  static const struct {
    const char *arg;
    int code;
    const char *msg;
  } bad[] = {
      {"traffic.web.rate=5,6", SWEEP_EDUPLICATE, "given twice"},
      {"noequals", SWEEP_ESYNTAX, "expected KEY=VALUES"},
      {"=1,2", SWEEP_ESYNTAX, "expected KEY=VALUES"},
      {"metadata.description=a;b", SWEEP_ESYNTAX, "cannot contain ';'"},
      {"services.a.replicas=3..1", SWEEP_EEMPTY, "empty"},
  };
  for (size_t i = 0; i < N_ELEMS(bad); i++) {
    int rc = sweep_add(&s, bad[i].arg, err, sizeof err);
    if (rc != bad[i].code || !strstr(err, bad[i].msg))
      fail_msg("\"%s\": rc %d \"%s\", want %d \"%s\"", bad[i].arg, rc, err, bad[i].code,
               bad[i].msg);
    assert_int_equal(s.n_axes, 2); /* nothing added */
    assert_int_equal(s.n_points, 6);
  }

  /* Too many points in all. */
  sweep big;
  sweep_init(&big);
  assert_int_equal(sweep_add(&big, "services.a.replicas=1..1000", err, sizeof err), 0);
  assert_int_equal(sweep_add(&big, "services.b.replicas=1..1000", err, sizeof err), 0);
  assert_int_equal(big.n_points, 1000000);
  assert_int_equal(sweep_add(&big, "services.c.replicas=1,2", err, sizeof err), SWEEP_ETOOBIG);
  assert_non_null(strstr(err, "more than 1000000 points"));
  assert_int_equal(big.n_axes, 2);
  sweep_release(&big);

  /* The sweep key ignores the order of the options but not the values. */
  const char *fixed[2] = {"mesh.modes=[sidecar,ambient]", "metadata.replications=1"};
  const char *fixed_rev[2] = {fixed[1], fixed[0]};
  char k1[17], k2[17], k3[17], k4[17];
  sweep_key(42, "1.0", &s, fixed, 2, k1);
  sweep_key(42, "1.0", &s, fixed_rev, 2, k2);
  assert_string_equal(k1, k2);
  sweep t;
  sweep_init(&t);
  assert_int_equal(sweep_add(&t, "cluster.nodes.general.count=3,6", err, sizeof err), 0);
  assert_int_equal(sweep_add(&t, "traffic.web.rate=1k/s,2k/s,4k/s", err, sizeof err), 0);
  sweep_key(42, "1.0", &t, fixed, 2, k3);
  assert_string_equal(k1, k3); /* same values, other order and spelling */
  sweep_key(43, "1.0", &t, fixed, 2, k4);
  assert_string_not_equal(k1, k4); /* another file */
  sweep_key(42, "1.1", &t, fixed, 2, k4);
  assert_string_not_equal(k1, k4); /* another meshsim */
  sweep_key(42, "1.0", &t, fixed, 1, k4);
  assert_string_not_equal(k1, k4); /* other fixed options */
  sweep_release(&t);
  sweep_release(&s);
}

/* Keys set together are one axis: exactly the zipped points, crossed with
 * the other axes; each point sets every key; errors name the spec. */
static void test_zipped(void **state) {
  (void)state;
  static const struct {
    const char *arg;
    const char *want; /* per point of the axis, the overrides "k=v k=v", joined by '|' */
  } cases[] = {
      {"services.cart.replicas,mesh.waypoint.replicas=1,2,4",
       "services.cart.replicas=1 mesh.waypoint.replicas=1|"
       "services.cart.replicas=2 mesh.waypoint.replicas=2|"
       "services.cart.replicas=4 mesh.waypoint.replicas=4"},
      {"traffic.web.rate,services.web.replicas=(1k/s, 2), (2k/s,4)",
       "traffic.web.rate=1k/s services.web.replicas=2|traffic.web.rate=2k/s "
       "services.web.replicas=4"},
      {"a,b=(1..3, 10..30+10)", "a=1 b=10|a=2 b=20|a=3 b=30"},
      {"a,b=(1..2, 7)", "a=1 b=7|a=2 b=7"},
      {"a,b=1..2x2,(3,[x,y])", "a=1 b=1|a=2 b=2|a=3 b=[x,y]"},
      {"a,b,c=(1,2,3)", "a=1 b=2 c=3"},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    sweep s;
    sweep_init(&s);
    char err[256], got[1024] = "";
    if (sweep_add(&s, cases[i].arg, err, sizeof err) != 0)
      fail_msg("\"%s\": %s", cases[i].arg, err);
    assert_int_equal(s.n_axes, 1);
    size_t off = 0;
    for (uint64_t p = 0; p < s.n_points; p++) {
      sweep_point_overrides ov;
      assert_int_equal(sweep_point_overrides_of(&s, p, NULL, 0, &ov), 0);
      assert_int_equal(ov.n, s.axes[0].n_keys);
      /* The overrides come sorted; print them in key order of the axis. */
      for (uint32_t k = 0; k < s.axes[0].n_keys; k++)
        off += (size_t)snprintf(got + off, sizeof got - off, "%s%s=%s",
                                k   ? " "
                                : p ? "|"
                                    : "",
                                s.axes[0].keys[k], sweep_axis_value(&s.axes[0], (uint32_t)p, k));
    }
    if (strcmp(got, cases[i].want) != 0)
      fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].arg, got, cases[i].want);
    sweep_release(&s);
  }

  /* Crossed with another axis: 3 zipped x 2 = 6 points, stored params name
   * the axis once, with its tuple. */
  sweep s;
  sweep_init(&s);
  char err[256], buf[256];
  assert_int_equal(sweep_add(&s, "a,b=(1,x),(2,y),(3,z)", err, sizeof err), 0);
  assert_int_equal(sweep_add(&s, "c=5,6", err, sizeof err), 0);
  assert_int_equal(s.n_points, 6);
  assert_int_equal(sweep_point_params(&s, 3, buf, sizeof buf), 0);
  assert_string_equal(buf, "a,b=(2,y);c=6");
  sweep_point_overrides ov;
  assert_int_equal(sweep_point_overrides_of(&s, 3, NULL, 0, &ov), 0);
  assert_int_equal(ov.n, 3);
  assert_string_equal(ov.sets[0], "a=2");
  assert_string_equal(ov.sets[1], "b=y");
  assert_string_equal(ov.sets[2], "c=6");

  static const struct {
    const char *arg;
    int code;
    const char *msg;
  } bad[] = {
      {"x,y=(1,2,3)", SWEEP_ESYNTAX, "more values than the 2 keys"},
      {"x,y=(1)", SWEEP_ESYNTAX, "1 value for 2 keys"},
      {"x,y=(1..3, 1..4)", SWEEP_ESYNTAX, "as many values each (3 and 4)"},
      {"x,y=(1,2", SWEEP_ESYNTAX, "unbalanced bracket"},
      {"x,y=", SWEEP_EEMPTY, "need values"},
      {"x,,y=1", SWEEP_ESYNTAX, "an empty key"},
      {"x,x=1", SWEEP_EDUPLICATE, "key \"x\" is given twice"},
      {"d,c=1", SWEEP_EDUPLICATE, "key \"c\" is given twice"},
  };
  for (size_t i = 0; i < N_ELEMS(bad); i++) {
    int rc = sweep_add(&s, bad[i].arg, err, sizeof err);
    if (rc != bad[i].code || !strstr(err, bad[i].msg))
      fail_msg("\"%s\": rc %d \"%s\", want %d \"%s\"", bad[i].arg, rc, err, bad[i].code,
               bad[i].msg);
    assert_int_equal(s.n_axes, 2); /* nothing added */
    assert_int_equal(s.n_points, 6);
  }
  sweep_release(&s);

  /* At most SWEEP_MAX_KEYS keys in all, counting those set together. */
  sweep big;
  sweep_init(&big);
  assert_int_equal(
      sweep_add(&big, "k0,k1,k2,k3,k4,k5,k6,k7,k8,k9,k10,k11,k12,k13,k14=1,2", err, sizeof err), 0);
  assert_int_equal(sweep_add(&big, "k15=1", err, sizeof err), 0);
  assert_int_equal(sweep_add(&big, "k16=1", err, sizeof err), SWEEP_ETOOBIG);
  sweep_release(&big);
}

/* ---- shards ---- */

static void test_shard_partition(void **state) {
  (void)state;
  static const uint64_t points[] = {1, 2, 6, 10, 13, 1000};
  static const uint32_t counts[] = {1, 2, 3, 7, 16};
  for (size_t a = 0; a < N_ELEMS(points); a++)
    for (size_t b = 0; b < N_ELEMS(counts); b++) {
      uint64_t n = points[a];
      uint32_t k = counts[b];
      unsigned char *owner = calloc(n, 1);
      uint64_t total = 0, biggest = 0, smallest = UINT64_MAX;
      for (uint32_t i = 0; i < k; i++) {
        sweep_shard sh = {i, k, ""};
        uint64_t mine = 0;
        for (uint64_t p = 0; p < n; p++) {
          int has = sweep_shard_has(&sh, p);
          assert_int_equal(has, sweep_shard_has(&sh, p)); /* deterministic */
          if (!has)
            continue;
          if (owner[p])
            fail_msg("%llu points, %u shards: point %llu in two shards", (unsigned long long)n, k,
                     (unsigned long long)p);
          owner[p] = 1;
          mine++;
        }
        total += mine;
        biggest = mine > biggest ? mine : biggest;
        smallest = mine < smallest ? mine : smallest;
      }
      assert_int_equal(total, n); /* covering */
      for (uint64_t p = 0; p < n; p++)
        assert_int_equal(owner[p], 1);
      assert_true(biggest - smallest <= 1); /* balanced */
      free(owner);
    }
  /* No shard: every point. */
  for (uint64_t p = 0; p < 10; p++)
    assert_int_equal(sweep_shard_has(NULL, p), 1);
}

static void test_shard_resolve(void **state) {
  (void)state;
  static const struct {
    const char *opt;
    uint64_t count;
    sweep_shard_env env;
    int rc;
    uint32_t index, n;
    const char *says; /* in source (rc 1) or error (rc < 0) */
  } cases[] = {
      {NULL, 0, {NULL, NULL, NULL, NULL}, 0, 0, 0, NULL},
      {"1/3", 0, {NULL, NULL, NULL, NULL}, 1, 1, 3, "--shard 1/3"},
      {"0/1", 0, {"2", "3", NULL, NULL}, 1, 0, 1, "--shard 0/1"}, /* the option wins */
      {NULL, 0, {"1", "3", NULL, NULL}, 1, 1, 3, "SLURM_ARRAY_TASK_ID=1"},
      {NULL, 0, {"3", "3", "1", NULL}, 1, 2, 3, "SLURM_ARRAY_TASK_MIN=1"},
      {NULL, 0, {"10", "4", "10", NULL}, 1, 0, 4, "SLURM_ARRAY_TASK_COUNT=4"},
      {NULL, 4, {NULL, NULL, NULL, "2"}, 1, 2, 4, "JOB_COMPLETION_INDEX=2"},
      {NULL, 4, {"1", "3", NULL, "3"}, 1, 3, 4, "JOB_COMPLETION_INDEX=3"},
      {"3/3", 0, {NULL, NULL, NULL, NULL}, SWEEP_ESYNTAX, 0, 0, "0 <= I < N"},
      {"1/0", 0, {NULL, NULL, NULL, NULL}, SWEEP_ESYNTAX, 0, 0, "0 <= I < N"},
      {"a/3", 0, {NULL, NULL, NULL, NULL}, SWEEP_ESYNTAX, 0, 0, "0 <= I < N"},
      {"13", 0, {NULL, NULL, NULL, NULL}, SWEEP_ESYNTAX, 0, 0, "expects I/N"},
      {NULL, 0, {"4", "3", "1", NULL}, SWEEP_ESYNTAX, 0, 0, "contiguous array"},
      {NULL, 0, {"0", "3", "1", NULL}, SWEEP_ESYNTAX, 0, 0, "contiguous array"},
      {NULL, 0, {"1", NULL, NULL, NULL}, SWEEP_ESYNTAX, 0, 0, "SLURM_ARRAY_TASK_COUNT is not"},
      {NULL, 4, {NULL, NULL, NULL, NULL}, SWEEP_ESYNTAX, 0, 0, "JOB_COMPLETION_INDEX is not set"},
      {NULL, 4, {NULL, NULL, NULL, "4"}, SWEEP_ESYNTAX, 0, 0, "below --shard-count 4"},
      {NULL, 0, {NULL, NULL, NULL, "1"}, SWEEP_ESYNTAX, 0, 0, "--shard-count is not"},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    sweep_shard sh;
    char err[512] = "";
    int rc = sweep_shard_resolve(cases[i].opt, cases[i].count, &cases[i].env, &sh, err, sizeof err);
    if (rc != cases[i].rc)
      fail_msg("case %zu: rc %d (%s), want %d", i, rc, err, cases[i].rc);
    if (rc == 1) {
      assert_int_equal(sh.index, cases[i].index);
      assert_int_equal(sh.count, cases[i].n);
      if (!strstr(sh.source, cases[i].says))
        fail_msg("case %zu: source \"%s\" lacks \"%s\"", i, sh.source, cases[i].says);
    } else if (rc < 0 && !strstr(err, cases[i].says)) {
      fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, cases[i].says);
    }
  }
}

/* ---- crossovers ---- */

static void test_crossovers(void **state) {
  (void)state;
  static const struct {
    size_t n;
    double x[6], a[6], b[6];
    size_t found;
    double at[2];
    int a_above[2];
    size_t from[2], to[2];
  } cases[] = {
      /* d = -1.5, -0.5, 0.5, 1.5: zero halfway between 2 and 3 */
      {4, {1, 2, 3, 4}, {1, 2, 3, 4}, {2.5, 2.5, 2.5, 2.5}, 1, {2.5}, {1}, {1}, {2}},
      /* uneven spacing, two crossings: 100 + 100 * 1/2 and 400 + 400 * 3/5 */
      {4, {100, 200, 400, 800}, {1, 3, 5, 7}, {2, 2, 2, 9}, 2, {150, 640}, {1, 0}, {0, 2}, {1, 3}},
      /* 1k/s .. 4k/s: d = -0.5, -0.5, 1 -> 2000 + 2000 * 0.5 / 1.5 */
      {3,
       {1000, 2000, 4000},
       {1, 2, 4},
       {1.5, 2.5, 3},
       1,
       {2000 + 2000 * 0.5 / 1.5},
       {1},
       {1},
       {2}},
      /* exact ties between opposite signs cross at the first tie */
      {4, {1, 2, 3, 4}, {0, 5, 5, 9}, {1, 5, 5, 1}, 1, {2}, {1}, {0}, {3}},
      /* touching zero without a sign change is no crossing */
      {3, {1, 2, 3}, {0, 1, 0}, {1, 1, 1}, 0, {0}, {0}, {0}, {0}},
      /* a missing point (NaN) is skipped: the crossing spans it */
      {3, {1, 2, 3}, {0, NAN, 4}, {2, 2, 2}, 1, {2}, {1}, {0}, {2}},
      /* always above: none; identical: none */
      {3, {1, 2, 3}, {5, 6, 7}, {1, 2, 3}, 0, {0}, {0}, {0}, {0}},
      {3, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}, 0, {0}, {0}, {0}, {0}},
      /* b overtakes a */
      {2, {10, 20}, {4, 4}, {3, 6}, 1, {10 + 10 * 1.0 / 3.0}, {0}, {0}, {1}},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    sweep_crossing c[4];
    size_t n = sweep_crossovers(cases[i].x, cases[i].a, cases[i].b, cases[i].n, c, 4);
    if (n != cases[i].found)
      fail_msg("case %zu: %zu crossings, want %zu", i, n, cases[i].found);
    for (size_t k = 0; k < n; k++) {
      if (c[k].x != cases[i].at[k])
        fail_msg("case %zu crossing %zu: x = %.17g, want %.17g", i, k, c[k].x, cases[i].at[k]);
      assert_int_equal(c[k].a_above, cases[i].a_above[k]);
      assert_int_equal(c[k].from, cases[i].from[k]);
      assert_int_equal(c[k].to, cases[i].to[k]);
    }
  }
  /* The swapped pair crosses at the same place, the other way round. */
  const double x[3] = {1000, 2000, 4000}, a[3] = {1, 2, 4}, b[3] = {1.5, 2.5, 3};
  sweep_crossing c1, c2;
  assert_int_equal(sweep_crossovers(x, a, b, 3, &c1, 1), 1);
  assert_int_equal(sweep_crossovers(x, b, a, 3, &c2, 1), 1);
  assert_true(c1.x == c2.x && c1.a_above != c2.a_above);
  /* More crossings than room: counted, only max written. */
  const double xs[5] = {1, 2, 3, 4, 5}, up[5] = {0, 2, 0, 2, 0}, one[5] = {1, 1, 1, 1, 1};
  assert_int_equal(sweep_crossovers(xs, up, one, 5, &c1, 1), 4);
  assert_true(c1.x == 1.5);
}

static void test_numeric_values(void **state) {
  (void)state;
  static const struct {
    const char *v[3];
    sweep_xkind kind;
    double x[3];
  } cases[] = {
      {{"10", "20.5", "-3"}, SWEEP_X_NUMBER, {10, 20.5, -3}},
      {{"500/s", "1k/s", "2k"}, SWEEP_X_RATE, {500, 1000, 2000}},
      {{"250us", "2ms", "1s"}, SWEEP_X_DURATION, {0.25, 2, 1000}},
      {{"100m", "0.5", "2"}, SWEEP_X_CPU, {0.1, 0.5, 2}},
      {{"128Mi", "1Gi", "512Mi"}, SWEEP_X_SIZE, {128, 1024, 512}},
      {{"x1", "x2", "x0.5"}, SWEEP_X_FACTOR, {1, 2, 0.5}},
      {{"(1k/s,2)", "(2k/s,4)", "(4k/s,8)"}, SWEEP_X_RATE, {1000, 2000, 4000}}, /* first key */
      {{"(1,a)", "(2,b)", "(3,c)"}, SWEEP_X_NUMBER, {1, 2, 3}},
      {{"x1", "x0", "x2"}, SWEEP_X_CATEGORY, {0, 1, 2}}, /* x0 multiplies nothing */
      {{"spread", "pack", "[a,b]"}, SWEEP_X_CATEGORY, {0, 1, 2}},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    double x[3];
    sweep_xkind k = sweep_values_numeric(cases[i].v, 3, x);
    if (k != cases[i].kind)
      fail_msg("case %zu: kind %d, want %d", i, (int)k, (int)cases[i].kind);
    for (int j = 0; j < 3; j++)
      if (fabs(x[j] - cases[i].x[j]) > 1e-12)
        fail_msg("case %zu value %d: %g, want %g", i, j, x[j], cases[i].x[j]);
  }
  static const struct {
    double x;
    sweep_xkind kind;
    const char *want;
  } fmt[] = {
      {3400, SWEEP_X_RATE, "3.4k/s"},
      {2666.6666, SWEEP_X_RATE, "2.67k/s"},
      {150, SWEEP_X_RATE, "150/s"},
      {2.5e6, SWEEP_X_RATE, "2.5M/s"},
      {12.26, SWEEP_X_DURATION, "12.3 ms"},
      {0.5, SWEEP_X_CPU, "0.5 cores"},
      {640, SWEEP_X_SIZE, "640 MiB"},
      {2.5, SWEEP_X_NUMBER, "2.5"},
      {3, SWEEP_X_NUMBER, "3"},
      {1.5, SWEEP_X_FACTOR, "x1.5"},
  };
  for (size_t i = 0; i < N_ELEMS(fmt); i++) {
    char buf[64];
    sweep_format_x(buf, sizeof buf, fmt[i].x, fmt[i].kind);
    if (strcmp(buf, fmt[i].want) != 0)
      fail_msg("%g formatted as \"%s\", want \"%s\"", fmt[i].x, buf, fmt[i].want);
  }
}

/* ---- a point's overrides and provenance ---- */

static void test_point_overrides(void **state) {
  (void)state;
  sweep s;
  sweep_init(&s);
  char err[256];
  assert_int_equal(sweep_add(&s, "traffic.web.rate=1k/s,2k/s", err, sizeof err), 0);
  assert_int_equal(sweep_add(&s, "mesh=x,y", err, sizeof err), 0);
  /* A key sorts before its own sub-keys, so the more specific one wins. */
  const char *const fixed[] = {"metadata.seed=7", "mesh.modes=[none]"};
  sweep_point_overrides ov;
  assert_int_equal(sweep_point_overrides_of(&s, 3, fixed, 2, &ov), 0);
  static const char *const want[] = {"mesh=y", "mesh.modes=[none]", "metadata.seed=7",
                                     "traffic.web.rate=2k/s"};
  assert_int_equal(ov.n, N_ELEMS(want));
  for (size_t i = 0; i < N_ELEMS(want); i++)
    assert_string_equal(ov.sets[i], want[i]);
  assert_string_equal(ov.params, "traffic.web.rate=2k/s;mesh=y");
  const char *const five[5] = {"a=1", "b=2", "c=3", "d=4", "e=5"};
  assert_int_equal(sweep_point_overrides_of(&s, 0, five, 5, &ov), ERR_EINVAL);

  /* Params as `meshsim run` writes them: every override, sorted. */
  run_result r;
  memset(&r, 0, sizeof r);
  const char *const sets[] = {"metadata.seed=7", "traffic.web.rate=2k/s", "mesh.modes=[none]"};
  assert_int_equal(sweep_point_stamp(&r, "s.yaml", 0, sets, 3), 0);
  assert_string_equal(r.params, "mesh.modes=[none];metadata.seed=7;traffic.web.rate=2k/s");
  assert_string_equal(r.scenario_path, "s.yaml");
  assert_string_equal(r.started_at, "1970-01-01T00:00:00Z");
  sweep_release(&s);
}

/* ---- the runner ---- */

#define RUN_SCENARIO MESHSIM_FIXTURES "/scenarios/good/minimal.yaml"

/* What the runner said, for the checks. */
typedef struct run_log {
  char text[8192];
  size_t len;
  int diag_lists, diag_errors;
  uint32_t done, n;
} run_log;

static void log_message(void *ctx, const char *line) {
  run_log *l = ctx;
  l->len += (size_t)snprintf(l->text + l->len, sizeof l->text - l->len, "%s\n", line);
}

static void log_diagnostics(void *ctx, const diag_list *d) {
  run_log *l = ctx;
  l->diag_lists++;
  l->diag_errors += (int)d->n_errors;
}

static void log_progress(void *ctx, uint32_t done, uint32_t n) {
  run_log *l = ctx;
  l->done = done;
  l->n = n;
}

/* A runner over the minimal scenario: mode none, 1 s, one replication. */
typedef struct run_env {
  char dir[256], db[512];
  sweep sw;
  volatile int stop;
  run_log log;
  sweep_shard shard;
  sweep_run_options opt;
} run_env;

static const char *const run_fixed[] = {"mesh.modes=[none]", "metadata.duration=1s",
                                        "metadata.replications=1"};

static run_env *run_env_new(const char *rates, uint32_t jobs) {
  run_env *e = calloc(1, sizeof *e);
  assert_non_null(e);
  assert_non_null(fixture_tmpdir(e->dir, sizeof e->dir, "sweep-run"));
  snprintf(e->db, sizeof e->db, "%s/r.db", e->dir);
  sweep_init(&e->sw);
  char arg[256], err[256];
  snprintf(arg, sizeof arg, "traffic.hello.rate=%s", rates);
  assert_int_equal(sweep_add(&e->sw, arg, err, sizeof err), 0);
  e->opt = (sweep_run_options){.file = RUN_SCENARIO,
                               .sw = &e->sw,
                               .fixed = run_fixed,
                               .n_fixed = N_ELEMS(run_fixed),
                               .db_path = e->db,
                               .spec = "--set traffic.hello.rate",
                               .jobs = jobs,
                               .interrupt = &e->stop,
                               .hooks = {log_message, log_diagnostics, log_progress, &e->log}};
  return e;
}

static void run_env_free(run_env *e) {
  sweep_release(&e->sw);
  fixture_rm_rf(e->dir);
  free(e);
}

static sweep_run *run_env_runner(run_env *e) {
  sweep_run *r = NULL;
  assert_int_equal(sweep_run_new(&e->opt, &r), 0);
  return r;
}

/* new, validate, record and exec; the runner's info after them. */
static sweep_run_info run_all(run_env *e, int want_exec) {
  sweep_run *r = run_env_runner(e);
  assert_int_equal(sweep_run_validate(r), 0);
  assert_int_equal(sweep_run_record(r), 0);
  int rc = sweep_run_exec(r);
  if (rc != want_exec)
    fail_msg("sweep_run_exec: %d (%s), want %d; said:\n%s", rc, err_str(rc), want_exec,
             e->log.text);
  sweep_run_info info = *sweep_run_info_of(r);
  sweep_run_free(r);
  return info;
}

static int64_t stored_points(const char *path) {
  db *d = NULL;
  char err[256];
  if (db_open(path, 0, &d, err, sizeof err) != 0)
    return -1;
  int64_t n = db_count_rows(d, "sweep_points");
  db_close(d);
  return n;
}

/* Every point stored in this process; run again, nothing is. */
static void test_run_resume(void **state) {
  (void)state;
  run_env *e = run_env_new("50/s,100/s,200/s", 1);
  sweep_run_info in = run_all(e, 0);
  assert_int_equal(in.n_mine, 3);
  assert_string_equal(in.scenario, "minimal");
  assert_int_equal(in.n_todo, 3);
  assert_int_equal(in.workers, 1);
  assert_int_equal(in.stored, 3);
  assert_int_equal(in.failed + in.already + in.interrupted, 0);
  assert_int_equal(e->log.done, 3);
  assert_int_equal(e->log.n, 3);
  assert_int_equal(stored_points(e->db), 3);
  int64_t id = in.sweep_id;
  e->opt.jobs = 4;
  in = run_all(e, 0);
  assert_int_equal(in.sweep_id, id);
  assert_int_equal(in.n_skipped, 3);
  assert_int_equal(in.n_todo + in.workers + in.stored, 0);
  assert_int_equal(stored_points(e->db), 3);
  assert_int_equal(e->log.len, 0); /* nothing to say when all goes well */
  run_env_free(e);
}

/* Two shards on forked workers make one sweep; the default database of a
 * shard is named after it. */
static void test_run_shards(void **state) {
  (void)state;
  run_env *e = run_env_new("50/s,100/s,150/s,200/s", 2);
  int64_t id = 0;
  for (uint32_t i = 0; i < 2; i++) {
    e->shard = (sweep_shard){.index = i, .count = 2};
    e->opt.shard = &e->shard;
    sweep_run_info in = run_all(e, 0);
    assert_int_equal(in.n_mine, 2);
    assert_int_equal(in.workers, 2);
    assert_int_equal(in.stored, 2);
    if (i > 0)
      assert_int_equal(in.sweep_id, id);
    id = in.sweep_id;
  }
  assert_int_equal(stored_points(e->db), 4);
  e->opt.shard = NULL;
  sweep_run_info in = run_all(e, 0);
  assert_int_equal(in.n_skipped, 4);

  e->shard = (sweep_shard){.index = 1, .count = 3};
  e->opt.shard = &e->shard;
  e->opt.db_path = NULL;
  sweep_run *r = run_env_runner(e);
  assert_string_equal(sweep_run_info_of(r)->db_path, "results/meshsim-shard-1-of-3.db");
  assert_int_equal(sweep_run_info_of(r)->n_mine, 1);
  assert_int_equal(sweep_run_info_of(r)->mine[0], 1);
  sweep_run_free(r);
  run_env_free(e);
}

/* Invalid points are named (the first three with their diagnostics) before
 * anything runs or is written. */
static void test_run_invalid(void **state) {
  (void)state;
  run_env *e = run_env_new("50/s,fast,x,y,z", 1);
  sweep_run *r = run_env_runner(e);
  int rc = sweep_run_validate(r);
  assert_true(rc < 0 && rc != ERR_EINTR);
  static const char *const said[] = {
      "error: point 1 (traffic.hello.rate=fast) is invalid (above)\n",
      "error: point 3 (traffic.hello.rate=y) is invalid (above)\n",
      "error: 1 more invalid points not shown\n",
      "error: 4 of 5 points are invalid (first: point 1); nothing was run\n",
  };
  for (size_t i = 0; i < N_ELEMS(said); i++)
    assert_contains(e->log.text, said[i]);
  assert_null(strstr(e->log.text, "point 4 (traffic.hello.rate=z)"));
  assert_int_equal(e->log.diag_lists, 4); /* point 0's warnings, then 3 invalid ones */
  assert_int_equal(e->log.diag_errors, 3);
  assert_false(fixture_file_exists(e->db));
  sweep_run_free(r);
  run_env_free(e);
}

/* The interrupt flag stops validation and the run; nothing is stored. */
static void test_run_interrupt(void **state) {
  (void)state;
  run_env *e = run_env_new("50/s,100/s", 1);
  sweep_run *r = run_env_runner(e);
  e->stop = 1;
  assert_int_equal(sweep_run_validate(r), ERR_EINTR);
  e->stop = 0;
  assert_int_equal(sweep_run_validate(r), 0);
  assert_int_equal(sweep_run_record(r), 0);
  e->stop = 1;
  assert_int_equal(sweep_run_exec(r), ERR_EINTR);
  assert_int_equal(sweep_run_info_of(r)->stored, 0);
  assert_int_equal(stored_points(e->db), 0);
  sweep_run_free(r);
  run_env_free(e);
}

static void test_run_unreadable(void **state) {
  (void)state;
  run_env *e = run_env_new("50/s,100/s", 1);
  e->opt.file = "/nonexistent/scenario.yaml";
  sweep_run *r = NULL;
  assert_int_equal(sweep_run_new(&e->opt, &r), SCENARIO_LOAD_EIO);
  assert_null(r);
  assert_contains(e->log.text, "error: /nonexistent/scenario.yaml: cannot read the scenario file: "
                               "No such file or directory\n");
  e->opt.file = RUN_SCENARIO;
  e->opt.n_fixed = SWEEP_POINT_MAX_FIXED + 1;
  assert_int_equal(sweep_run_new(&e->opt, &r), ERR_EINVAL);
  run_env_free(e);
}

/* ---- the sweep report ---- */

typedef fixture_store st; /* the test state */

static int setup(void **state) {
  return fixture_store_setup(state, "sweep", "meshsim.db", "out");
}

static int teardown(void **state) {
  return fixture_store_teardown(state);
}

/* Rates of the x key and mesh CPU per (rate, mode) of the synthetic sweep:
 * ambient's CPU overtakes sidecar's between 2k/s and 4k/s with 3 nodes,
 * never with 6 nodes. */
static const char *const sw_rates[3] = {"1k/s", "2k/s", "4k/s"};
static const char *const sw_nodes[2] = {"3", "6"};
static const double sw_cpu[2][3][2] = {
    /* nodes 3: sidecar, ambient */ {{1.5, 1.0}, {2.5, 2.0}, {3.0, 4.0}},
    /* nodes 6 */ {{2.0, 1.0}, {3.0, 2.0}, {5.0, 4.0}},
};

/* The fixture's error shares miss the default 0.1% budget; at 0.5% every
 * mode meets the objective unless a test makes it miss. */
#define SW_BUDGET 0.005

/* Which mode misses the objective at which point (-1: none). */
typedef struct sw_fail {
  int point, mode;
} sw_fail;

/* Stores the 6-point sweep (rate x nodes, 2 modes) as sweep number `nth`
 * (its own key and batches); `skip` a point not to store (-1: none), `fail`
 * a mode whose p99 misses the objective at one point. Returns the sweep id. */
static int64_t store_sweep_ex(st *t, int skip, uint32_t nth, sw_fail fail) {
  db_sweep_info s;
  memset(&s, 0, sizeof s);
  snprintf(s.sweep_key, sizeof s.sweep_key, "%016x", 0x1234567u + nth);
  snprintf(s.scenario, sizeof s.scenario, "fixture-shop");
  snprintf(s.scenario_path, sizeof s.scenario_path, "scenarios/shop.yaml");
  snprintf(s.file_hash, sizeof s.file_hash, "00000000000000aa");
  snprintf(s.version, sizeof s.version, "0.1.0-test");
  snprintf(s.spec, sizeof s.spec,
           "--set traffic.web.rate=1k/s..4k/s x2\n--set cluster.nodes.general.count=3,6\n"
           "--modes sidecar,ambient");
  snprintf(s.keys, sizeof s.keys, "traffic.web.rate;cluster.nodes.general.count");
  snprintf(s.created_at, sizeof s.created_at, "2026-01-02T03:00:00Z");
  s.n_points = 6;
  assert_true(db_sweep_open(t->d, &s) >= 0);
  for (uint32_t p = 0; p < 6; p++) {
    if ((int)p == skip)
      continue;
    uint32_t ri = p / 2, ni = p % 2; /* row-major: nodes fastest */
    fixture_opts o = fixture_defaults();
    o.n_modes = 2;
    o.replications = 1;
    o.n_seconds = 4;
    o.n_nodes = 2;
    o.failures = 0;
    o.variant = 200 + p + 10 * nth;
    run_result r;
    fixture_run(&r, &o);
    for (int m = 0; m < 2; m++)
      r.modes[m].mesh_cpu_cores = sw_cpu[ni][ri][m];
    if ((int)p == fail.point)
      r.modes[fail.mode].latency.p99_ms = 250;
    r.error_budget = SW_BUDGET;
    verdict_apply(&r);
    char params[128];
    snprintf(params, sizeof params, "traffic.web.rate=%s;cluster.nodes.general.count=%s",
             sw_rates[ri], sw_nodes[ni]);
    snprintf(r.params, sizeof r.params, "%s", params);
    snprintf(r.started_at, sizeof r.started_at, "2026-01-02T03:10:%02uZ", p);
    int64_t id;
    assert_int_equal(db_write_sweep_point(t->d, s.id, p, params, &r, &id), 0);
    run_result_release(&r);
  }
  return s.id;
}

static int64_t store_sweep(st *t, int skip) {
  return store_sweep_ex(t, skip, 0, (sw_fail){-1, -1});
}

static void test_sweep_report(void **state) {
  st *t = *state;
  int64_t sid = store_sweep(t, -1);
  report_options opt = {.out_dir = t->out, .sweep_id = sid};
  report_info info;
  int rc = report_write(t->d, &opt, &info);
  if (rc != 0)
    fail_msg("report_write: %d %s", rc, info.error);
  assert_int_equal(info.sweep_id, sid);
  assert_int_equal(info.batch_id, 0);
  assert_int_equal(info.points, 6);
  /* 8 metrics (metric.h's 7 and the error rate) x 2 groups (nodes 3 and 6) */
  assert_int_equal(info.charts_planned, 16);
  char path[800];
  snprintf(path, sizeof path, "%s/report.md", t->out);
  char *md = fixture_slurp(path, NULL);
  assert_non_null(md);
  snprintf(path, sizeof path, "%s/report.html", t->out);
  char *html = fixture_slurp(path, NULL);
  assert_non_null(html);

  /* The crossover, interpolated from the stored numbers: d = -0.5 at 2k/s,
   * +1 at 4k/s -> 2000 + 2000 * 0.5 / 1.5. */
  char x[32], sentence[256];
  sweep_format_x(x, sizeof x, 2000 + 2000 * 0.5 / 1.5, SWEEP_X_RATE);
  assert_string_equal(x, "2.67k/s");
  snprintf(sentence, sizeof sentence,
           "ambient's mesh CPU exceeds sidecar's above traffic.web.rate ~ %s (with "
           "cluster.nodes.general.count=3).",
           x);
  assert_contains(md, sentence);
  assert_null(strstr(md, "count=6).")); /* no crossing with 6 nodes */
  assert_int_equal(info.crossovers, 1);
  assert_contains(md, "# meshsim sweep report: fixture-shop");
  assert_contains(md, "6 of its 6 points are stored");
  assert_contains(md, "`traffic.web.rate` = 1k/s, 2k/s, 4k/s (the x axis)");
  assert_contains(md, "`cluster.nodes.general.count` = 3, 6 (one chart per value)");
  assert_contains(md, "| 3 | 4k/s | 3.00 | 4.00 |"); /* the mesh CPU table */
  assert_contains(html, "<h2>Crossovers</h2>");

  if (fixture_have_gnuplot()) {
    assert_int_equal(info.charts_written, 16);
    static const char *const names[] = {"mesh_cpu",      "reserved_cpu", "mesh_memory", "cost",
                                        "cost_reserved", "p99",          "error_rate",  "nodes"};
    for (size_t i = 0; i < N_ELEMS(names); i++)
      for (int g = 1; g <= 2; g++) {
        snprintf(path, sizeof path, "%s/charts/sweep_%s_%d.png", t->out, names[i], g);
        fixture_assert_png(path);
        char link[128];
        snprintf(link, sizeof link, "<img src=\"charts/sweep_%s_%d.png\"", names[i], g);
        assert_contains(html, link);
      }
    /* The chart's data: one block per mode, x in requests/s. */
    snprintf(path, sizeof path, "%s/charts/sweep_mesh_cpu_1.dat", t->out);
    char *dat = fixture_slurp(path, NULL);
    assert_non_null(dat);
    assert_contains(dat, "# sidecar\n 1000 1.5\n 2000 2.5\n 4000 3\n");
    assert_contains(dat, "# ambient\n 1000 1\n 2000 2\n 4000 4\n");
    free(dat);
  } else {
    assert_int_equal(info.gnuplot_missing, 1);
  }
  free(md);
  free(html);

  /* Chosen by itself when the latest batch is a sweep point, and a batch
   * report when a batch is asked for. */
  report_options autoopt = {.out_dir = t->out, .gnuplot = "/nonexistent"};
  assert_int_equal(report_write(t->d, &autoopt, &info), 0);
  assert_int_equal(info.sweep_id, sid);
  report_options latest = {
      .out_dir = t->out, .sweep_id = REPORT_SWEEP_LATEST, .gnuplot = "/nonexistent"};
  assert_int_equal(report_write(t->d, &latest, &info), 0);
  assert_int_equal(info.sweep_id, sid);
  report_options batch = {.out_dir = t->out, .batch_id = 2, .gnuplot = "/nonexistent"};
  assert_int_equal(report_write(t->d, &batch, &info), 0);
  assert_int_equal(info.sweep_id, 0);
  assert_int_equal(info.batch_id, 2);
  /* A later plain run is the latest thing: a batch report. */
  fixture_opts o = fixture_defaults();
  o.variant = 300;
  run_result r;
  fixture_run(&r, &o);
  snprintf(r.started_at, sizeof r.started_at, "2026-06-01T00:00:00Z");
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  run_result_release(&r);
  assert_int_equal(report_write(t->d, &autoopt, &info), 0);
  assert_int_equal(info.sweep_id, 0);
  assert_int_equal(info.batch_id, id);
  /* Unknown sweep. */
  report_options nope = {.out_dir = t->out, .sweep_id = 99, .gnuplot = "/nonexistent"};
  assert_int_equal(report_write(t->d, &nope, &info), DB_ENOTFOUND);
  assert_contains(info.error, "no sweep 99");
}

/* A shard not merged yet: the report says so and still draws the rest. */
static void test_sweep_report_partial(void **state) {
  st *t = *state;
  int64_t sid = store_sweep(t, 5); /* 4k/s with 6 nodes missing */
  report_options opt = {.out_dir = t->out, .sweep_id = sid, .gnuplot = "/nonexistent"};
  report_info info;
  assert_int_equal(report_write(t->d, &opt, &info), 0);
  assert_int_equal(info.points, 5);
  char path[800];
  snprintf(path, sizeof path, "%s/report.md", t->out);
  char *md = fixture_slurp(path, NULL);
  assert_contains(md, "5 of its 6 points are stored");
  assert_contains(md, "1 points are missing");
  assert_contains(md, "| 6 | 4k/s | - | - |");
  assert_contains(md, "exceeds sidecar's above traffic.web.rate ~ 2.67k/s");
  free(md);
}

/* A mode that misses the objective at a point: no crossover is computed
 * from that point, nor interpolated across it; the point is listed, marked
 * in the tables and left out of the chart's line. The synthetic sweep's one
 * crossover (ambient over sidecar between 2k/s and 4k/s with 3 nodes) goes
 * when either end of it misses, and when the point between 1k/s (sidecar
 * above) and 4k/s (ambient above) does, since skipping 2k/s would join
 * them. */
static void test_sweep_report_misses(void **state) {
  st *t = *state;
  static const struct {
    sw_fail fail;       /* point (rate index x 2 + nodes index), mode (0 sidecar, 1 ambient) */
    int crossovers;     /* what remains */
    const char *listed; /* the failing point's item */
    const char *row;    /* its row in the mesh CPU table */
    const char *dat;    /* its curve and hollow markers in sweep_mesh_cpu_1.dat (3 nodes);
                           NULL: not that group */
  } cases[] = {
      {{2, 1},
       0,
       "- ambient at traffic.web.rate=2k/s (with cluster.nodes.general.count=3): misses",
       "| 3 | 2k/s | 2.50 | 2.00 (misses) |",
       "# ambient\n 1000 1\n 2000 NaN\n 4000 4\n\n\n# ambient: misses the objective\n 1000 NaN\n "
       "2000 2\n 4000 NaN\n"},
      {{4, 0},
       0,
       "- sidecar at traffic.web.rate=4k/s (with cluster.nodes.general.count=3): misses",
       "| 3 | 4k/s | 3.00 (misses) | 4.00 |",
       "# sidecar\n 1000 1.5\n 2000 2.5\n 4000 NaN\n\n\n# ambient\n 1000 1\n 2000 2\n 4000 "
       "4\n\n\n# sidecar: misses the objective\n 1000 NaN\n 2000 NaN\n 4000 3\n"},
      {{0, 1},
       1,
       "- ambient at traffic.web.rate=1k/s (with cluster.nodes.general.count=3): misses",
       "| 3 | 1k/s | 1.50 | 1.00 (misses) |",
       "# ambient\n 1000 NaN\n 2000 2\n 4000 4\n\n\n# ambient: misses the objective\n 1000 1\n "
       "2000 NaN\n 4000 NaN\n"},
      {{5, 1},
       1,
       "- ambient at traffic.web.rate=4k/s (with cluster.nodes.general.count=6): misses",
       "| 6 | 4k/s | 5.00 | 4.00 (misses) |",
       NULL},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    int64_t sid = store_sweep_ex(t, -1, 1 + (uint32_t)i, cases[i].fail);
    report_options opt = {.out_dir = t->out, .sweep_id = sid, .gnuplot = "/nonexistent"};
    report_info info;
    assert_int_equal(report_write(t->d, &opt, &info), 0);
    char path[800];
    snprintf(path, sizeof path, "%s/report.md", t->out);
    char *md = fixture_slurp(path, NULL);
    assert_non_null(md);
    if (info.crossovers != cases[i].crossovers)
      fail_msg("case %zu: %d crossovers, want %d", i, info.crossovers, cases[i].crossovers);
    const char *sentence = strstr(md, "ambient's mesh CPU exceeds sidecar's above "
                                      "traffic.web.rate ~ 2.67k/s (with "
                                      "cluster.nodes.general.count=3).");
    if ((sentence != NULL) != (cases[i].crossovers == 1))
      fail_msg("case %zu: the 2.67k/s crossover is %s", i, sentence ? "there" : "missing");
    if (!strstr(md, "exceeds") != (cases[i].crossovers == 0))
      fail_msg("case %zu: some other crossover is reported", i);
    char want[300];
    snprintf(want, sizeof want, "%s, p99 250 ms \\> 100 ms objective\n", cases[i].listed);
    assert_contains(md, want);
    assert_contains(md, cases[i].row);
    free(md);
    snprintf(path, sizeof path, "%s/charts/sweep_mesh_cpu_1.dat", t->out);
    char *dat = fixture_slurp(path, NULL);
    assert_non_null(dat);
    snprintf(path, sizeof path, "%s/charts/sweep_mesh_cpu_1.gp", t->out);
    char *gp = fixture_slurp(path, NULL);
    assert_non_null(gp);
    if (cases[i].dat) {
      assert_contains(dat, cases[i].dat);
      assert_contains(gp, "index 2 using 1:2 with points pt 6"); /* the third block: hollow */
    } else { /* the 3-node chart keeps every point */
      assert_null(strstr(dat, "NaN"));
      assert_null(strstr(gp, "pt 6"));
    }
    free(dat);
    free(gp);
  }
}

/* A sweep over values that are not numbers: categories, in sweep order. */
static void test_sweep_report_categories(void **state) {
  st *t = *state;
  db_sweep_info s;
  memset(&s, 0, sizeof s);
  snprintf(s.sweep_key, sizeof s.sweep_key, "00000000000000cc");
  snprintf(s.scenario, sizeof s.scenario, "fixture-shop");
  snprintf(s.keys, sizeof s.keys, "cluster.placement");
  snprintf(s.spec, sizeof s.spec, "--set cluster.placement=spread,pack,zone");
  snprintf(s.created_at, sizeof s.created_at, "2026-01-02T03:00:00Z");
  s.n_points = 3;
  assert_int_equal(db_sweep_open(t->d, &s), 0);
  static const char *const vals[3] = {"spread", "pack", "zone"};
  static const double cpu[3][2] = {{1, 2}, {3, 2}, {4, 2}};
  for (uint32_t p = 0; p < 3; p++) {
    fixture_opts o = fixture_defaults();
    o.n_modes = 2;
    o.replications = 1;
    o.n_seconds = 2;
    o.failures = 0;
    o.variant = 400 + p;
    run_result r;
    fixture_run(&r, &o);
    r.modes[0].mesh_cpu_cores = cpu[p][0];
    r.modes[1].mesh_cpu_cores = cpu[p][1];
    r.error_budget = SW_BUDGET;
    verdict_apply(&r);
    char params[64];
    snprintf(params, sizeof params, "cluster.placement=%s", vals[p]);
    int64_t id;
    assert_int_equal(db_write_sweep_point(t->d, s.id, p, params, &r, &id), 0);
    run_result_release(&r);
  }
  report_options opt = {.out_dir = t->out, .sweep_id = s.id, .gnuplot = "/nonexistent"};
  report_info info;
  assert_int_equal(report_write(t->d, &opt, &info), 0);
  char path[800];
  snprintf(path, sizeof path, "%s/report.md", t->out);
  char *md = fixture_slurp(path, NULL);
  assert_contains(md, "sidecar's mesh CPU exceeds ambient's between spread and pack.");
  free(md);
  snprintf(path, sizeof path, "%s/charts/sweep_mesh_cpu.gp", t->out);
  char *gp = fixture_slurp(path, NULL);
  assert_non_null(gp);
  assert_contains(gp, "set xtics ('spread' 0, 'pack' 1, 'zone' 2)");
  free(gp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expand),
      cmocka_unit_test(test_points),
      cmocka_unit_test(test_zipped),
      cmocka_unit_test(test_shard_partition),
      cmocka_unit_test(test_shard_resolve),
      cmocka_unit_test(test_crossovers),
      cmocka_unit_test(test_numeric_values),
      cmocka_unit_test(test_point_overrides),
      cmocka_unit_test(test_run_resume),
      cmocka_unit_test(test_run_shards),
      cmocka_unit_test(test_run_invalid),
      cmocka_unit_test(test_run_interrupt),
      cmocka_unit_test(test_run_unreadable),
      cmocka_unit_test_setup_teardown(test_sweep_report, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sweep_report_partial, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sweep_report_misses, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sweep_report_categories, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
