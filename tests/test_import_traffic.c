/* imp_traffic: Prometheus and Kiali traffic merged into a scenario.
 *
 * The Bookinfo scenario imported from its manifests gets the rates, sizes
 * and durations of scenarios/import/prometheus/ (10 requests/s into
 * productpage, reviews round robin over v1..v3 of which v2 and v3 call
 * ratings) and, separately, the Kiali graph of the same traffic; the merged
 * scenario is loaded and checked against the arithmetic of imp_traffic.h;
 * likewise Linkerd's outbound and inbound request_total.
 * Merging into the shipped bookinfo.yaml keeps its comments. Bad inputs give
 * the messages in the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "imp_buf.h"
#include "imp_k8s.h"
#include "imp_traffic.h"
#include "scenario_load.h"

#define EX  MESHSIM_SOURCE_DIR "/scenarios/import"
#define BAD MESHSIM_FIXTURES "/import/traffic-bad"

static char base_path[256];

/* The Bookinfo scenario as `import kubernetes` writes it, in a temporary file. */
static int setup(void **state) {
  (void)state;
  const char *paths[] = {EX "/bookinfo"};
  imp_k8s_options o = {.default_namespace = "bookinfo", .display = "<out>"};
  diag_list d, notes;
  diag_list_init(&d);
  diag_list_init(&notes);
  imp_buf out;
  imp_buf_init(&out);
  int rc = imp_k8s_import(paths, 1, &o, &out, &notes, &d);
  snprintf(base_path, sizeof base_path, "/tmp/meshsim-test-import-%d.yaml", (int)getpid());
  char why[256];
  if (rc == 0)
    rc = imp_buf_write_atomic(base_path, out.s, out.len, why, sizeof why);
  imp_buf_release(&out);
  diag_list_release(&d);
  diag_list_release(&notes);
  return rc;
}

static int teardown(void **state) {
  (void)state;
  remove(base_path);
  return 0;
}

static void merge_ok(const imp_traffic_options *o, scenario *s, imp_buf *out) {
  diag_list d, notes;
  diag_list_init(&d);
  diag_list_init(&notes);
  imp_buf_init(out);
  int rc = imp_traffic_import(o, out, &notes, &d);
  if (rc != 0)
    diag_print(&d, stderr);
  assert_int_equal(rc, 0);
  rc = scenario_load_string(out->s, out->len, "<merged>", NULL, 0, s, &d);
  if (rc != 0)
    diag_print(&d, stderr);
  assert_int_equal(rc, 0);
  diag_list_release(&d);
  diag_list_release(&notes);
}

static const scenario_service *svc(const scenario *s, const char *name) {
  uint32_t i = scenario_find_service(s, name);
  assert_true(i != SCN_NONE);
  return &s->services[i];
}

/* Mean calls from `from` to `to` per request of `from`. */
static double calls(const scenario *s, const char *from, const char *to) {
  const scenario_service *a = svc(s, from);
  for (uint32_t i = 0; i < a->n_calls; i++)
    if (!strcmp(s->services[a->calls[i].target].name, to))
      return scenario_call_mean(&a->calls[i]);
  return 0;
}

static void test_prometheus(void **state) {
  (void)state;
  imp_traffic_options o = {.into = base_path,
                           .requests = EX "/prometheus/requests.json",
                           .request_bytes = EX "/prometheus/request-bytes.json",
                           .response_bytes = EX "/prometheus/response-bytes.json",
                           .duration = EX "/prometheus/duration.json",
                           .duration_buckets = EX "/prometheus/duration-buckets.json"};
  scenario s;
  imp_buf out;
  merge_ok(&o, &s, &out);
  /* Entry rate: unknown -> productpage. */
  assert_int_equal(s.n_traffic, 1);
  assert_string_equal(s.services[s.traffic[0].service].name, "productpage");
  assert_true(fabs(s.traffic[0].rate_rps - 10.0) < 1e-9);
  /* Calls per request: 10/10, 10/10, (3.3333 + 3.3334) / 10. */
  assert_true(fabs(calls(&s, "productpage", "details") - 1.0) < 1e-9);
  assert_true(fabs(calls(&s, "productpage", "reviews") - 1.0) < 1e-9);
  assert_true(fabs(calls(&s, "reviews", "ratings") - 0.66667) < 1e-4);
  assert_true(calls(&s, "details", "ratings") == 0);
  /* Sizes: the mean bytes into each service. */
  assert_int_equal(svc(&s, "productpage")->request_bytes, 420);
  assert_int_equal(svc(&s, "productpage")->response_bytes, 5980);
  assert_int_equal(svc(&s, "ratings")->response_bytes, 240);
  /* Service times: productpage 14.2 ms - (1 x 1.1 + 1 x 4.6) = 8.5 ms;
   * reviews 4.6 - 0.6667 x 0.9 = 4.0 ms; the leaves lognormal (mean). */
  const scenario_service *pp = svc(&s, "productpage");
  assert_int_equal(pp->service_time_ns.kind, SIM_DIST_EXPONENTIAL);
  assert_true(fabs(sim_dist_mean(&pp->service_time_ns) - 8.5e6) < 1e3);
  assert_true(fabs(sim_dist_mean(&svc(&s, "reviews")->service_time_ns) - 4.0e6) < 1e3);
  assert_int_equal(svc(&s, "ratings")->service_time_ns.kind, SIM_DIST_LOGNORMAL);
  assert_true(fabs(sim_dist_mean(&svc(&s, "ratings")->service_time_ns) - 0.9e6) < 1e3);
  /* The manifest's values and comments are still there. */
  assert_non_null(strstr(out.s, "replicas: 3"));
  assert_non_null(strstr(out.s, "# Service bookinfo/reviews"));
  scenario_release(&s);
  imp_buf_release(&out);
}

static void test_kiali(void **state) {
  (void)state;
  imp_traffic_options o = {.into = base_path, .kiali = EX "/kiali/bookinfo-graph.json"};
  scenario s;
  imp_buf out;
  merge_ok(&o, &s, &out);
  assert_true(fabs(s.traffic[0].rate_rps - 10.0) < 1e-9);
  assert_true(fabs(calls(&s, "productpage", "details") - 1.0) < 1e-9);
  assert_true(fabs(calls(&s, "reviews", "ratings") - 0.666) < 1e-9); /* 6.66 / 10 */
  scenario_release(&s);
  imp_buf_release(&out);
}

/* Linkerd: outbound edges by deployment and dst_service, the entry rate
 * from the inbound totals less the meshed callers; egress (authority only)
 * is skipped. */
static void test_linkerd(void **state) {
  (void)state;
  imp_traffic_options o = {.into = base_path,
                           .requests = EX "/linkerd/outbound.json",
                           .inbound = EX "/linkerd/inbound.json"};
  scenario s;
  imp_buf out;
  merge_ok(&o, &s, &out);
  assert_int_equal(s.n_traffic, 1);
  assert_string_equal(s.services[s.traffic[0].service].name, "productpage");
  assert_true(fabs(s.traffic[0].rate_rps - 10.0) < 1e-9);
  assert_true(fabs(calls(&s, "productpage", "reviews") - 1.0) < 1e-9); /* 3 x 3.333/s */
  assert_true(fabs(calls(&s, "reviews", "ratings") - 0.6667) < 1e-9);
  assert_int_equal(svc(&s, "details")->n_calls, 0); /* its egress call is no service */
  scenario_release(&s);
  imp_buf_release(&out);
}

/* Traffic round trip: requests.json of scenarios/import/prometheus-boutique
 * holds the rates the shipped online-boutique.yaml's call graph gives at its
 * 50/s (from an ingress gateway, which is external). Merged into the import
 * of the Online Boutique manifests, every call per request comes back to 4
 * significant digits, except cartservice -> redis-cart: opaque TCP, which
 * Istio counts in istio_tcp_* only (a note says so). */
static void test_boutique_round_trip(void **state) {
  (void)state;
  char path[256];
  snprintf(path, sizeof path, "/tmp/meshsim-test-import-ob-%d.yaml", (int)getpid());
  const char *paths[] = {EX "/online-boutique"};
  imp_k8s_options ko = {.default_namespace = "boutique", .display = "<out>"};
  diag_list d, notes;
  diag_list_init(&d);
  diag_list_init(&notes);
  imp_buf out;
  imp_buf_init(&out);
  char why[256];
  assert_int_equal(imp_k8s_import(paths, 1, &ko, &out, &notes, &d), 0);
  assert_int_equal(imp_buf_write_atomic(path, out.s, out.len, why, sizeof why), 0);
  imp_buf_release(&out);
  imp_traffic_options o = {.into = path, .requests = EX "/prometheus-boutique/requests.json"};
  scenario s, ref;
  imp_buf_init(&out);
  diag_list_release(&notes);
  diag_list_init(&notes);
  assert_int_equal(imp_traffic_import(&o, &out, &notes, &d), 0);
  assert_int_equal(scenario_load_string(out.s, out.len, "<merged>", NULL, 0, &s, &d), 0);
  assert_int_equal(
      scenario_load_file(MESHSIM_SOURCE_DIR "/scenarios/online-boutique.yaml", NULL, 0, &ref, &d),
      0);
  int compared = 0;
  for (uint32_t a = 0; a < ref.n_services; a++)
    for (uint32_t c = 0; c < ref.services[a].n_calls; c++) {
      const scenario_call *rc = &ref.services[a].calls[c];
      const char *from = ref.services[a].name, *to = ref.services[rc->target].name;
      double want = scenario_call_mean(rc), got = calls(&s, from, to);
      printf("%-22s -> %-22s shipped %.4f imported %.4f\n", from, to, want, got);
      if (ref.services[rc->target].protocol == MESH_PROTO_TCP) {
        assert_true(got == 0);
        continue;
      }
      assert_true(fabs(got - want) <= 5e-4 * want);
      compared++;
    }
  assert_int_equal(compared, 14);
  assert_true(fabs(s.traffic[0].rate_rps - 50) < 1e-9);
  bool noted = false;
  for (size_t i = 0; i < notes.n; i++)
    noted |= strstr(notes.items[i].text, "\"redis-cart\" speaks opaque TCP") != NULL;
  assert_true(noted);
  scenario_release(&s);
  scenario_release(&ref);
  imp_buf_release(&out);
  diag_list_release(&d);
  diag_list_release(&notes);
  remove(path);
}

/* Merging into a hand-written scenario replaces what the data measures and
 * keeps the rest, comments included. */
static void test_keeps_hand_written(void **state) {
  (void)state;
  imp_traffic_options o = {.into = MESHSIM_SOURCE_DIR "/scenarios/bookinfo.yaml",
                           .requests = EX "/prometheus/requests.json"};
  scenario s;
  imp_buf out;
  merge_ok(&o, &s, &out);
  assert_non_null(strstr(out.s, "# Istio Bookinfo, modelled from its public manifests."));
  assert_non_null(strstr(out.s, "retry: {attempts: 2, timeout: 3s}"));
  assert_null(strstr(out.s, "rate: 100/s"));
  assert_int_equal(svc(&s, "reviews")->retry.attempts, 2);
  scenario_release(&s);
  imp_buf_release(&out);
}

static void test_bad_inputs(void **state) {
  (void)state;
  static const struct {
    const char *file, *kiali_or_requests, *want;
  } cases[] = {
      {"prom-error.json", "r",
       "prom-error.json: error: status: the query failed (\"error\"): 1:9: parse error: unexpected "
       "\"}\""},
      {"prom-matrix.json", "r",
       "prom-matrix.json: error: data.resultType: expected \"vector\" (an instant query, "
       "/api/v1/query), got \"matrix\""},
      {"prom-unknown-workload.json", "r",
       "prom-unknown-workload.json: error: data.result[1].metric: unknown workload \"cart\" (label "
       "destination_service_name): no service of"},
      {"prom-no-value.json", "r",
       "prom-no-value.json: error: data.result[0].value: expected [timestamp, \"number\"]"},
      {"prom-syntax.json", "r", "prom-syntax.json:3:15: error: json: unexpected token near ','"},
      {"prom-no-destination.json", "r",
       "prom-no-destination.json: error: data.result[0].metric: no destination label"},
      {"kiali-no-elements.json", "k",
       "kiali-no-elements.json: error: elements: expected a Kiali graph"},
      {"kiali-bad-edge.json", "k",
       "kiali-bad-edge.json: error: elements.edges[0].data: \"zzz\" names no node of the graph"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[512], want[1024];
    snprintf(path, sizeof path, "%s/%s", BAD, cases[i].file);
    snprintf(want, sizeof want, "%s/%s", BAD, cases[i].want);
    imp_traffic_options o = {.into = base_path};
    if (cases[i].kiali_or_requests[0] == 'k')
      o.kiali = path;
    else
      o.requests = path;
    diag_list d, notes;
    diag_list_init(&d);
    diag_list_init(&notes);
    imp_buf out;
    imp_buf_init(&out);
    int rc = imp_traffic_import(&o, &out, &notes, &d);
    const char *got = diag_first_error(&d);
    printf("%-28s %s\n", cases[i].file, got ? got : "(no error)");
    assert_int_equal(rc, IMPORT_EINPUT);
    assert_non_null(got);
    assert_true(!strncmp(got, want, strlen(want)));
    imp_buf_release(&out);
    diag_list_release(&d);
    diag_list_release(&notes);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prometheus),
      cmocka_unit_test(test_kiali),
      cmocka_unit_test(test_linkerd),
      cmocka_unit_test(test_boutique_round_trip),
      cmocka_unit_test(test_keeps_hand_written),
      cmocka_unit_test(test_bad_inputs),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
