/* imp_calibrate: fortio results into a profile.
 *
 * scenarios/import/fortio holds a baseline and a sidecar run of 1000 qps of
 * 1 KiB over 4 connections (p90 0.92 ms and 1.16 ms); with 210m and 62 MB
 * observed per sidecar, docs/calibration.md's arithmetic gives
 *   pass_cpu http1 = 0.21 s/s / (2 x 999.95/s) - 0.5 ns x 1024 = 104.493 us
 *   on_path        = (0.24 ms / 4 - 15 us) / (104.493 + 0.512) us = 0.4286
 *   memory base    = 62 MB - 25 x 100 kB - 50 x 2 kB - 4 x 50 kB
 *                    - 0.21 cores x 46.37 MB = 49.4623 MB
 * and the profile loads; bad runs give the messages in the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "imp_buf.h"
#include "imp_calibrate.h"
#include "profile_load.h"

#define FORTIO MESHSIM_SOURCE_DIR "/scenarios/import/fortio"
#define BAD    MESHSIM_FIXTURES "/import/fortio-bad"

static void test_sidecar(void **state) {
  (void)state;
  imp_calibrate_options o = {.baseline = FORTIO "/baseline.json",
                             .mesh = FORTIO "/sidecar.json",
                             .proxy = "sidecar",
                             .cpu = "210m",
                             .memory = "62MB",
                             .name = "mine"};
  diag_list d, notes;
  diag_list_init(&d);
  diag_list_init(&notes);
  imp_buf out;
  imp_buf_init(&out);
  int rc = imp_calibrate(&o, &out, &notes, &d);
  if (rc != 0)
    diag_print(&d, stderr);
  assert_int_equal(rc, 0);
  profile p;
  assert_int_equal(profile_load_string(out.s, out.len, "<mine>", &p, &d), 0);
  const profile_proxy *s = &p.proxy[MESH_PROXY_SIDECAR];
  double want_pass = 0.21e9 / (2 * 999.95) - 512;
  printf("pass_cpu http1 %.3f us (want %.3f), on_path %.4f, base %.4g MB\n",
         s->pass_cpu_ns[MESH_PROTO_HTTP1] / 1e3, want_pass / 1e3, s->on_path_fraction,
         s->mem_base_bytes / 1e6);
  assert_true(fabs(s->pass_cpu_ns[MESH_PROTO_HTTP1] - want_pass) < 1);
  assert_true(fabs(s->pass_cpu_ns[MESH_PROTO_GRPC] / s->pass_cpu_ns[MESH_PROTO_HTTP1] - 1.15) <
              1e-4);
  assert_true(fabs(s->on_path_fraction - (60e3 - 15e3) / (want_pass + 512)) < 1e-3);
  assert_true(fabs(s->mem_base_bytes - 49.4623e6) < 1);
  assert_int_equal(p.has_proxy[MESH_PROXY_ZTUNNEL], 0); /* a sidecar profile */
  assert_true(fabs(p.reference.cpu_cores[MESH_PROXY_SIDECAR] - 0.21) < 1e-9);
  assert_non_null(strstr(out.s, "M2: \"fortio mesh run"));
  imp_buf_release(&out);
  diag_list_release(&d);
  diag_list_release(&notes);
}

static void test_bad(void **state) {
  (void)state;
  static const struct {
    const char *mesh, *cpu, *want;
  } cases[] = {
      {BAD "/slower.json", "210m", BAD "/slower.json: error: ActualQPS: 700.2 but the baseline"},
      {BAD "/failing.json", "210m", BAD "/failing.json: error: RetCodes: 16.7% of the requests"},
      {BAD "/no-percentiles.json", "210m",
       BAD "/no-percentiles.json: error: DurationHistogram.Percentiles: missing"},
      {FORTIO "/sidecar.json", "1m",
       "error: --proxy-cpu 1m at 999.95 requests/s is 0.5 us per "
       "pass, below"},
      {FORTIO "/sidecar.json", "lots", "error: --proxy-cpu: expected a cpu amount"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    imp_calibrate_options o = {.baseline = FORTIO "/baseline.json",
                               .mesh = cases[i].mesh,
                               .proxy = "sidecar",
                               .cpu = cases[i].cpu,
                               .memory = "62MB"};
    diag_list d, notes;
    diag_list_init(&d);
    diag_list_init(&notes);
    imp_buf out;
    imp_buf_init(&out);
    assert_int_equal(imp_calibrate(&o, &out, &notes, &d), IMPORT_EINPUT);
    const char *got = diag_first_error(&d);
    printf("%s\n", got ? got : "(none)");
    assert_non_null(got);
    assert_true(!strncmp(got, cases[i].want, strlen(cases[i].want)));
    imp_buf_release(&out);
    diag_list_release(&d);
    diag_list_release(&notes);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sidecar),
      cmocka_unit_test(test_bad),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
