/* test_scenario_load: the scenario loader against the shipped default
 * scenario, good fixtures (every key set, Bookinfo, Online Boutique), a bad
 * fixture per error kind with its golden messages, overrides, the content
 * hash, I/O failures, the error cap, mutated input (no crash, no half
 * state) and a large generated scenario; then the CSV inputs
 * (call_graph_csv, traffic_csv): a CSV scenario equals its YAML twin, file
 * formats (BOM, CRLF, comments, quoting), a CSV fixture per error kind with
 * its golden messages, path errors, the content hash and the shipped
 * scenarios/csv example.
 *
 * Bad fixtures carry their expected diagnostics in comment lines:
 *   # expect: 4:3: error: unknown key "sed" in "metadata"; did you mean "seed"?
 *   # expect: error: file is empty; ...            (a whole-file message)
 *   # expect-warning: 7:5: warning: ...
 * The test prefixes the fixture's path, so each line is compared with the
 * full "path:line:col: error: ..." text. Errors must match exactly and in
 * order; expected warnings must be present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "mesh_types.h"
#include "scenario.h"
#include "scenario_load.h"

#define FIXTURES MESHSIM_FIXTURES "/scenarios"
#define N_OF(t)  (sizeof(t) / sizeof((t)[0]))

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  size_t got;
  while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      cap *= 2;
      char *nb = realloc(buf, cap + 1);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
      }
      buf = nb;
    }
  }
  fclose(f);
  if (buf != NULL) {
    buf[n] = '\0';
  }
  *len = n;
  return buf;
}

static void print_diags(const diag_list *d) {
  for (size_t i = 0; i < d->n; i++) {
    print_message("  got: %s\n", d->items[i].text);
  }
}

static bool all_zero(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    if (b[i] != 0) {
      return false;
    }
  }
  return true;
}

/* Loads a string that must be valid; fails the test with the messages. */
static void load_ok(const char *text, const char *const *ov, size_t n_ov, scenario *s) {
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_string(text, strlen(text), "test.yaml", ov, n_ov, s, &d);
  if (rc != 0) {
    print_diags(&d);
  }
  assert_int_equal(rc, 0);
  assert_int_equal(d.n_errors, 0);
  diag_list_release(&d);
}

/* Loads a string that must fail with exactly `want` as its first error. */
static void load_fails(const char *text, const char *const *ov, size_t n_ov, const char *want) {
  diag_list d;
  diag_list_init(&d);
  scenario s;
  int rc = scenario_load_string(text, strlen(text), "test.yaml", ov, n_ov, &s, &d);
  assert_true(rc < 0);
  assert_true(all_zero(&s, sizeof s));
  const char *first = diag_first_error(&d);
  if (first == NULL || strcmp(first, want) != 0) {
    print_message("want: %s\n", want);
    print_diags(&d);
    fail();
  }
  diag_list_release(&d);
}

static const char *const MINIMAL = "services:\n"
                                   "  - name: hello\n"
                                   "traffic:\n"
                                   "  - service: hello\n"
                                   "    rate: 100/s\n";

/* Operations: what they inherit from their service, their weights as
 * shares, targets "service/operation", a call's mix and one_of flattened
 * into ways, a traffic mix, overrides reaching them, a call-graph CSV
 * row into a service with operations, and a cycle between services that
 * the operations break. */
static void test_operations(void **state) {
  (void)state;
  const char *text = "services:\n"
                     "  - name: user\n"
                     "    service_time: {dist: empirical, points: [[1ms, 0], [3ms, 1]]}\n"
                     "    request_size: 2KiB\n"
                     "    parallel: true\n"
                     "    operations:\n"
                     "      - name: read\n"
                     "        weight: 3\n"
                     "        calls: [graph/get]\n"
                     "      - name: write\n"
                     "        service_time: 5ms\n"
                     "        response_size: 10B\n"
                     "        parallel: false\n"
                     "  - name: graph\n"
                     "    operations:\n"
                     "      - {name: get}\n"
                     "      - {name: follow, calls: [{service: user, mix: {write: 1}}]}\n"
                     "  - name: gw\n"
                     "    calls:\n"
                     "      - {one_of: {user: 2, graph/get: 1, db: 1}, request_size: 7B}\n"
                     "      - user\n"
                     "  - name: db\n"
                     "traffic:\n"
                     "  - {service: gw, rate: 10/s}\n"
                     "  - {service: user, rate: 5/s, mix: {read: 1, write: 4}}\n"
                     "  - {service: graph/follow, rate: 1/s}\n"
                     "  - {service: graph/get, rate: 1/s}\n";
  scenario s;
  load_ok(text, NULL, 0, &s);
  const scenario_service *user = &s.services[0], *graph = &s.services[1], *gw = &s.services[2];
  assert_int_equal(user->n_ops, 2);
  assert_string_equal(user->ops[0].name, "read");
  assert_true(user->ops[0].weight == 3 && user->ops[1].weight == 1);
  /* read inherits the empirical service time (its own copy), sizes, fan-out */
  assert_int_equal(user->ops[0].service_time_ns.kind, SIM_DIST_EMPIRICAL);
  assert_non_null(user->ops[0].dist_storage);
  assert_true(user->ops[0].dist_storage != user->dist_storage);
  assert_true(user->ops[0].service_time_ns.x == user->ops[0].dist_storage);
  assert_int_equal(user->ops[0].request_bytes, 2048);
  assert_true(user->ops[0].parallel);
  assert_int_equal(user->ops[1].service_time_ns.kind, SIM_DIST_CONSTANT);
  assert_int_equal(user->ops[1].response_bytes, 10);
  assert_false(user->ops[1].parallel);
  assert_int_equal(user->n_calls, 0);
  /* read -> graph/get: a plain target with an operation */
  const scenario_call *c = &user->ops[0].calls[0];
  assert_int_equal(c->target, 1);
  assert_int_equal(c->op, 0);
  assert_int_equal(c->n_choice, 0);
  /* follow -> user with a one-way mix: the plain target user/write */
  c = &graph->ops[1].calls[0];
  assert_int_equal(c->n_choice, 0);
  assert_int_equal(c->target, 0);
  assert_int_equal(c->op, 1);
  assert_int_equal(c->response_bytes, 10);
  /* gw's one_of: user (2, by its weights 3:1), graph/get 1, db 1; the
   * call's request size for every way */
  c = &gw->calls[0];
  assert_int_equal(c->target, SCN_NONE);
  assert_int_equal(c->n_choice, 4);
  const double want[] = {0.5 * 0.75, 0.5 * 0.25, 0.25, 0.25};
  const uint32_t want_sv[] = {0, 0, 1, 3}, want_op[] = {0, 1, 0, 0};
  double sum = 0;
  for (uint32_t i = 0; i < 4; i++) {
    assert_true(fabs(c->choice[i].share - want[i]) < 1e-15);
    assert_int_equal(c->choice[i].service, want_sv[i]);
    assert_int_equal(c->choice[i].op, want_op[i]);
    assert_int_equal(c->choice[i].request_bytes, 7);
    sum += c->choice[i].share;
  }
  assert_true(fabs(sum - 1) < 1e-15);
  assert_int_equal(c->choice[1].response_bytes, 10); /* user/write's own */
  /* gw -> user alone: both operations, 3:1, each with its sizes */
  c = &gw->calls[1];
  assert_int_equal(c->target, 0);
  assert_int_equal(c->n_choice, 2);
  assert_true(c->choice[0].share == 0.75 && c->choice[1].share == 0.25);
  /* traffic: gw plain, user by its mix, graph/follow and graph/get */
  assert_int_equal(s.n_traffic, 4);
  assert_int_equal(s.traffic[0].n_mix, 0);
  assert_int_equal(s.traffic[1].n_mix, 2);
  assert_true(s.traffic[1].mix[0].share == 0.2 && s.traffic[1].mix[1].share == 0.8);
  assert_int_equal(s.traffic[2].service, 1);
  assert_int_equal(s.traffic[2].op, 1);
  assert_int_equal(s.traffic[3].op, 0);
  scenario_release(&s);

  /* Overrides reach operations, mixes and routes by name. */
  const char *ov[] = {"services.user.operations.write.weight=0", "traffic.user.mix.read=0",
                      "services.gw.calls.0.one_of.db=0"};
  load_ok(text, ov, 3, &s);
  assert_int_equal(s.services[2].calls[1].n_choice, 0); /* user: read only, now */
  assert_int_equal(s.services[2].calls[1].op, 0);
  assert_int_equal(s.traffic[1].n_mix, 0);
  assert_int_equal(s.traffic[1].op, 1);
  assert_int_equal(s.services[2].calls[0].n_choice, 2); /* user/read 2/3, graph/get 1/3 */
  assert_true(fabs(s.services[2].calls[0].choice[0].share - 2.0 / 3.0) < 1e-15);
  scenario_release(&s);

  load_fails("services:\n"
             "  - {name: a, operations: [{name: xy}]}\n"
             "traffic: [{service: a/x, rate: 1/s}]\n",
             NULL, 0,
             "test.yaml:3:21: error: unknown operation \"x\" of service \"a\"; did you mean "
             "\"xy\"?");

  /* A call-graph row may target a service with operations (one of them
   * per call, by their weights), never leave one. */
  char dir[] = "/tmp/meshsim-ops-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char csv[256], yaml[256];
  snprintf(csv, sizeof csv, "%s/calls.csv", dir);
  snprintf(yaml, sizeof yaml, "%s/ops.yaml", dir);
  const char *scn = "call_graph_csv: calls.csv\n"
                    "services:\n"
                    "  - {name: front}\n"
                    "  - {name: user, operations: [{name: r, weight: 1}, {name: w, weight: 3}]}\n"
                    "  - {name: db}\n"
                    "traffic: [{service: front, rate: 1/s}]\n";
  for (int bad = 0; bad < 2; bad++) {
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fprintf(f,
            "source,target,calls_per_request,protocol,request_bytes,response_bytes\n"
            "front,user,2,,,\n%s",
            bad ? "user,db,1,,,\n" : "");
    fclose(f);
    f = fopen(yaml, "w");
    assert_non_null(f);
    fputs(scn, f);
    fclose(f);
    diag_list d;
    diag_list_init(&d);
    int rc = scenario_load_file(yaml, NULL, 0, &s, &d);
    if (!bad) {
      assert_int_equal(rc, 0);
      const scenario_call *e = &s.services[0].calls[0];
      assert_int_equal(e->count, 2);
      assert_int_equal(e->n_choice, 2);
      assert_true(e->choice[1].share == 0.75);
      scenario_release(&s);
    } else {
      char msg[512];
      snprintf(msg, sizeof msg,
               "%s:3:1: error: service \"user\" has operations, so its calls belong to them: "
               "give this call in an operation's \"calls\" in the YAML",
               csv);
      assert_true(rc < 0);
      assert_string_equal(diag_first_error(&d), msg);
    }
    diag_list_release(&d);
  }
  remove(csv);
  remove(yaml);
  rmdir(dir);
}

/* ------------------------------------------------------------ defaults */

static void test_default_scenario(void **state) {
  (void)state;
  scenario s;
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_file(MESHSIM_SOURCE_DIR "/scenarios/default.yaml", NULL, 0, &s, &d);
  if (rc != 0) {
    print_diags(&d);
  }
  assert_int_equal(rc, 0);
  assert_int_equal(d.n_errors, 0);
  assert_int_equal(d.n_warnings, 0);

  assert_string_equal(s.meta.name, "default");
  assert_string_equal(s.meta.description,
                      "Mid-size web shop, 4 namespaces, mixed HTTP/gRPC/TCP, two tenants.");
  assert_int_equal(s.meta.seed, 42);
  assert_int_equal(s.meta.duration_ns, 20 * SIM_S);
  assert_int_equal(s.meta.warmup_ns, 2 * SIM_S);
  assert_int_equal(s.meta.replications, 3);
  assert_int_equal(s.meta.slo_ns, 100 * SIM_MS);

  assert_int_equal(s.cluster.n_zones, 3);
  assert_string_equal(s.cluster.zones[2], "zone-c");
  assert_int_equal(s.cluster.n_pools, 1);
  assert_string_equal(s.cluster.pools[0].name, "general");
  assert_int_equal(s.cluster.pools[0].count, 6);
  assert_int_equal(s.cluster.pools[0].max_count, 0);
  assert_int_equal(s.cluster.pools[0].cpu_millicores, 4000);
  assert_int_equal(s.cluster.pools[0].mem_bytes, 16LL << 30);
  assert_int_equal(s.cluster.pools[0].n_zones, 3);
  assert_int_equal(s.cluster.pools[0].zones[1], 1);
  assert_int_equal(s.cluster.same_node_ns, 20 * SIM_US);
  assert_int_equal(s.cluster.same_zone_ns, 100 * SIM_US);
  assert_int_equal(s.cluster.cross_zone_ns, 400 * SIM_US);
  assert_true(s.cluster.bandwidth_bytes_per_s == 1.25e9);
  assert_int_equal(s.cluster.placement, MESH_PLACE_SPREAD);
  assert_int_equal(s.cluster.system_reserved_millicores, 500);
  assert_int_equal(s.cluster.system_reserved_mem_bytes, 1LL << 30);

  assert_true(s.pricing.vcpu_hour_usd == 0.0316);
  assert_true(s.pricing.gib_hour_usd == 0.0042);
  assert_true(s.pricing.cross_zone_gb_usd == 0.01);
  assert_true(s.pricing.hours_per_month == 730.0);

  assert_string_equal(s.mesh.profile, "istio-1.24");
  assert_string_equal(s.mesh.sidecar_profile, "");
  assert_int_equal(s.mesh.n_modes, 5);
  assert_int_equal(s.mesh.modes[3], MESH_MODE_AMBIENT_WAYPOINT);
  assert_int_equal(s.mesh.sidecar_scope, MESH_SCOPE_CLUSTER);
  assert_int_equal(s.mesh.waypoint_scope, MESH_WAYPOINT_NAMESPACE);
  assert_int_equal(s.mesh.waypoint_replicas, 2);
  assert_true(s.mesh.new_connection_share == 0.01);
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    assert_int_equal(s.mesh.proxy[k].workers, 0);
    assert_int_equal(s.mesh.proxy[k].request_millicores, -1);
    assert_int_equal(s.mesh.proxy[k].limit_mem_bytes, -1);
  }
  assert_false(s.waypoint_autoscale.enabled);

  assert_int_equal(s.n_namespaces, 4);
  uint32_t checkout_ns = scenario_find_namespace(&s, "checkout");
  assert_int_equal(checkout_ns, 1);
  assert_true(s.namespaces[checkout_ns].compliance);
  assert_int_equal(s.namespaces[checkout_ns].hybrid_mode, MESH_NS_SIDECAR);
  assert_string_equal(s.namespaces[checkout_ns].tenant, "shop");
  assert_string_equal(s.namespaces[3].tenant, "platform");
  assert_int_equal(s.namespaces[2].hybrid_mode, MESH_NS_AMBIENT);
  assert_int_equal(s.namespaces[0].waypoint_scope, MESH_WAYPOINT_NAMESPACE);
  assert_int_equal(scenario_find_namespace(&s, "nope"), SCN_NONE);

  assert_int_equal(s.n_services, 10);
  assert_int_equal(scenario_pod_count(&s), 6 + 6 + 3 + 3 + 3 + 3 + 2 + 3 + 2 + 2);
  uint32_t fe = scenario_find_service(&s, "frontend");
  assert_int_equal(fe, 0);
  const scenario_service *f = &s.services[fe];
  assert_int_equal(f->ns, 0);
  assert_int_equal(f->replicas, 6);
  assert_int_equal(f->protocol, MESH_PROTO_HTTP1);
  assert_int_equal(f->cpu_request_millicores, 250);
  assert_int_equal(f->mem_request_bytes, 256LL << 20);
  assert_int_equal(f->cpu_limit_millicores, 0);
  assert_int_equal(f->app_workers, 16);
  assert_int_equal(f->service_time_ns.kind, SIM_DIST_LOGNORMAL);
  assert_true(fabs(sim_dist_mean(&f->service_time_ns) - 2e6) < 1.0);
  assert_true(fabs(sim_dist_quantile(&f->service_time_ns, 0.99) - 12e6) < 10.0);
  assert_int_equal(f->request_bytes, 1024);
  assert_int_equal(f->response_bytes, 16384);
  assert_true(f->needs_l7);
  assert_false(f->parallel);
  assert_int_equal(f->lb, MESH_LB_RANDOM);
  assert_int_equal(f->retry.attempts, 1);
  assert_int_equal(f->n_calls, 3);
  assert_int_equal(f->calls[0].target, scenario_find_service(&s, "catalog-api"));
  assert_int_equal(f->calls[0].count, 3);
  assert_true(f->calls[1].probability == 0.5);
  assert_true(scenario_call_mean(&f->calls[1]) == 0.5);
  assert_true(scenario_call_mean(&f->calls[0]) == 3.0);
  /* Call sizes default to the callee's. */
  assert_int_equal(f->calls[0].request_bytes, 512);
  assert_int_equal(f->calls[0].response_bytes, 4096);

  const scenario_service *db = &s.services[scenario_find_service(&s, "catalog-db")];
  assert_int_equal(db->protocol, MESH_PROTO_TCP);
  assert_int_equal(db->cpu_request_millicores, 1000);
  assert_int_equal(db->response_bytes, 2048);
  const scenario_service *cache = &s.services[scenario_find_service(&s, "cart-cache")];
  assert_int_equal(cache->service_time_ns.kind, SIM_DIST_CONSTANT);
  assert_true(sim_dist_mean(&cache->service_time_ns) == 80e3);
  assert_int_equal(cache->request_bytes, 128);

  /* Service accounts: one per service (payment has its own name), as ns/name. */
  assert_int_equal(s.n_service_accounts, 10);
  const scenario_service *pay = &s.services[scenario_find_service(&s, "payment")];
  assert_string_equal(s.service_accounts[pay->service_account], "checkout/payment-sa");
  assert_int_equal(s.service_account_ns[pay->service_account], checkout_ns);
  assert_string_equal(s.service_accounts[f->service_account], "web/frontend");

  assert_int_equal(s.n_traffic, 2);
  assert_int_equal(s.traffic[0].service, fe);
  assert_true(s.traffic[0].rate_rps == 800.0);
  assert_int_equal(s.traffic[0].arrival, SCN_ARRIVAL_POISSON);
  assert_true(s.traffic[1].rate_rps == 40.0);
  assert_int_equal(s.n_failures, 0);

  size_t len;
  char *bytes = read_all(MESHSIM_SOURCE_DIR "/scenarios/default.yaml", &len);
  assert_non_null(bytes);
  assert_true(s.content_hash == scenario_load_hash(bytes, len, NULL, 0));
  assert_string_equal(s.path, MESHSIM_SOURCE_DIR "/scenarios/default.yaml");
  free(bytes);
  scenario_release(&s);
  assert_true(all_zero(&s, sizeof s));
  diag_list_release(&d);
}

static void test_minimal_defaults(void **state) {
  (void)state;
  scenario s, def;
  load_ok(MINIMAL, NULL, 0, &s);
  scenario_init_defaults(&def);
  assert_string_equal(s.meta.name, "test"); /* the display name, without .yaml */
  assert_int_equal(s.meta.seed, 1);
  assert_int_equal(s.meta.duration_ns, 10 * SIM_S);
  assert_int_equal(s.meta.warmup_ns, SIM_S);
  assert_int_equal(s.meta.replications, 3);
  assert_int_equal(s.meta.slo_ns, 100 * SIM_MS);
  assert_int_equal(s.cluster.n_zones, 1);
  assert_string_equal(s.cluster.zones[0], "zone-a");
  assert_int_equal(s.cluster.n_pools, 1);
  assert_int_equal(s.cluster.pools[0].count, 3);
  assert_int_equal(s.cluster.pools[0].cpu_millicores, 8000);
  assert_int_equal(s.cluster.pools[0].mem_bytes, 32LL << 30);
  assert_int_equal(s.cluster.pools[0].n_zones, 1);
  assert_int_equal(s.cluster.same_node_ns, 20 * SIM_US);
  assert_int_equal(s.cluster.same_zone_ns, 100 * SIM_US);
  assert_int_equal(s.cluster.cross_zone_ns, 500 * SIM_US);
  assert_true(s.cluster.bandwidth_bytes_per_s == 1.25e9);
  assert_true(s.pricing.vcpu_hour_usd == def.pricing.vcpu_hour_usd);
  assert_true(s.pricing.hours_per_month == 730.0);
  assert_int_equal(s.mesh.n_modes, MESH_MODE_COUNT);
  for (int m = 0; m < MESH_MODE_COUNT; m++) {
    assert_int_equal(s.mesh.modes[m], m);
  }
  assert_int_equal(s.mesh.waypoint_replicas, 1);
  assert_true(s.mesh.new_connection_share == 0.01);
  assert_true(s.waypoint_autoscale.target_utilisation == 0.7);
  assert_int_equal(s.waypoint_autoscale.scale_up_delay_ns, 30 * SIM_S);
  assert_int_equal(s.waypoint_autoscale.scale_down_delay_ns, 300 * SIM_S);
  assert_int_equal(s.waypoint_autoscale.max_replicas, 10);

  /* The implicit namespace. */
  assert_int_equal(s.n_namespaces, 1);
  assert_string_equal(s.namespaces[0].name, "default");
  assert_string_equal(s.namespaces[0].tenant, "default");
  assert_int_equal(s.namespaces[0].hybrid_mode, MESH_NS_AMBIENT_WAYPOINT);

  const scenario_service *sv = &s.services[0];
  assert_int_equal(sv->ns, 0);
  assert_string_equal(s.service_accounts[sv->service_account], "default/hello");
  assert_int_equal(sv->replicas, 1);
  assert_int_equal(sv->protocol, MESH_PROTO_HTTP1);
  assert_int_equal(sv->cpu_request_millicores, 100);
  assert_int_equal(sv->mem_request_bytes, 128LL << 20);
  assert_int_equal(sv->cpu_limit_millicores, 0);
  assert_int_equal(sv->mem_limit_bytes, 0);
  assert_int_equal(sv->app_workers, 8);
  assert_int_equal(sv->service_time_ns.kind, SIM_DIST_EXPONENTIAL);
  assert_true(sim_dist_mean(&sv->service_time_ns) == 1e6);
  assert_int_equal(sv->request_bytes, 1024);
  assert_int_equal(sv->response_bytes, 1024);
  assert_false(sv->needs_l7);
  assert_int_equal(sv->lb, MESH_LB_RANDOM);
  assert_int_equal(sv->retry.attempts, 1);
  assert_int_equal(sv->retry.timeout_ns, 0);
  assert_null(sv->calls);
  scenario_release(&s);
  scenario_release(&def);
}

/* full.yaml sets every key to something other than its default. */
static void test_every_key(void **state) {
  (void)state;
  scenario s;
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_file(FIXTURES "/good/full.yaml", NULL, 0, &s, &d);
  if (rc != 0) {
    print_diags(&d);
  }
  assert_int_equal(rc, 0);
  assert_int_equal(d.n_warnings, 0);
  assert_string_equal(s.meta.name, "full");
  assert_string_equal(s.meta.description, "every key: set");
  assert_true(s.meta.seed == 123456789012ULL);
  assert_int_equal(s.meta.duration_ns, 60 * SIM_S);
  assert_int_equal(s.meta.warmup_ns, 5 * SIM_S);
  assert_int_equal(s.meta.replications, 5);
  assert_int_equal(s.meta.slo_ns, 250 * SIM_MS);

  const scenario_cluster *c = &s.cluster;
  assert_int_equal(c->n_zones, 3);
  assert_int_equal(c->n_pools, 2);
  assert_int_equal(c->pools[0].count, 4);
  assert_int_equal(c->pools[0].max_count, 10);
  assert_int_equal(c->pools[0].cpu_millicores, 16000);
  assert_int_equal(c->pools[0].mem_bytes, 64LL << 30);
  assert_int_equal(c->pools[0].n_zones, 2);
  assert_int_equal(c->pools[0].zones[0], 2);
  assert_int_equal(c->pools[0].zones[1], 0);
  assert_int_equal(c->pools[1].count, 0);
  assert_int_equal(c->pools[1].cpu_millicores, 2000);
  assert_int_equal(c->pools[1].n_zones, 3);
  assert_int_equal(c->same_node_ns, 10 * SIM_US);
  assert_int_equal(c->same_zone_ns, 150 * SIM_US);
  assert_int_equal(c->cross_zone_ns, SIM_MS);
  assert_true(c->bandwidth_bytes_per_s == 125e6);
  assert_int_equal(c->placement, MESH_PLACE_BINPACK);
  assert_int_equal(c->system_reserved_millicores, 250);
  assert_int_equal(c->system_reserved_mem_bytes, 512LL << 20);

  assert_true(s.pricing.vcpu_hour_usd == 0.05);
  assert_true(s.pricing.gib_hour_usd == 0.005);
  assert_true(s.pricing.cross_zone_gb_usd == 0.02);
  assert_true(s.pricing.hours_per_month == 720.0);

  const scenario_mesh *m = &s.mesh;
  assert_string_equal(m->profile, "istio-1.25");
  assert_string_equal(m->sidecar_profile, "linkerd-2.14");
  assert_int_equal(m->n_modes, 2);
  assert_int_equal(m->modes[0], MESH_MODE_SIDECAR);
  assert_int_equal(m->modes[1], MESH_MODE_AMBIENT);
  assert_int_equal(m->proxy[MESH_PROXY_SIDECAR].workers, 2);
  assert_int_equal(m->proxy[MESH_PROXY_SIDECAR].request_millicores, 100);
  assert_int_equal(m->proxy[MESH_PROXY_SIDECAR].request_mem_bytes, 128LL << 20);
  assert_int_equal(m->proxy[MESH_PROXY_SIDECAR].limit_millicores, 2000);
  assert_int_equal(m->proxy[MESH_PROXY_SIDECAR].limit_mem_bytes, 1LL << 30);
  assert_int_equal(m->proxy[MESH_PROXY_ZTUNNEL].workers, 4);
  assert_int_equal(m->proxy[MESH_PROXY_ZTUNNEL].request_mem_bytes, 512LL << 20);
  assert_int_equal(m->proxy[MESH_PROXY_ZTUNNEL].limit_millicores, -1);
  assert_int_equal(m->proxy[MESH_PROXY_WAYPOINT].workers, 3);
  assert_int_equal(m->proxy[MESH_PROXY_WAYPOINT].request_millicores, -1);
  assert_int_equal(m->proxy[MESH_PROXY_WAYPOINT].limit_millicores, 1000);
  assert_int_equal(m->sidecar_scope, MESH_SCOPE_CALLS);
  assert_int_equal(m->waypoint_scope, MESH_WAYPOINT_SERVICE_ACCOUNT);
  assert_int_equal(m->waypoint_replicas, 2);
  assert_true(m->new_connection_share == 0.25);
  assert_true(s.waypoint_autoscale.enabled);
  assert_true(s.waypoint_autoscale.target_utilisation == 0.5);
  assert_int_equal(s.waypoint_autoscale.scale_up_delay_ns, 10 * SIM_S);
  assert_int_equal(s.waypoint_autoscale.scale_down_delay_ns, 120 * SIM_S);
  assert_int_equal(s.waypoint_autoscale.min_replicas, 2);
  assert_int_equal(s.waypoint_autoscale.max_replicas, 8);

  assert_int_equal(s.n_namespaces, 2);
  assert_string_equal(s.namespaces[0].tenant, "acme");
  assert_string_equal(s.namespaces[0].team, "web");
  assert_int_equal(s.namespaces[0].hybrid_mode, MESH_NS_AMBIENT);
  assert_int_equal(s.namespaces[0].waypoint_scope, MESH_WAYPOINT_SERVICE);
  assert_int_equal(s.namespaces[0].waypoint_replicas, 3);
  assert_true(s.namespaces[1].compliance);
  assert_int_equal(s.namespaces[1].hybrid_mode, MESH_NS_SIDECAR); /* compliance default */
  assert_int_equal(s.namespaces[1].waypoint_scope, MESH_WAYPOINT_SERVICE_ACCOUNT);
  assert_string_equal(s.namespaces[1].tenant, "pay");

  const scenario_service *web = &s.services[0];
  assert_int_equal(web->replicas, 4);
  assert_int_equal(web->protocol, MESH_PROTO_HTTP2);
  assert_int_equal(web->cpu_limit_millicores, 600);
  assert_int_equal(web->mem_limit_bytes, 2LL << 30);
  assert_int_equal(web->app_workers, 32);
  assert_int_equal(web->service_time_ns.kind, SIM_DIST_PARETO);
  assert_true(fabs(sim_dist_mean(&web->service_time_ns) - 4e6) < 1e-3);
  assert_int_equal(web->request_bytes, 2048);
  assert_int_equal(web->response_bytes, 65536);
  assert_true(web->needs_l7);
  assert_true(web->parallel);
  assert_int_equal(web->lb, MESH_LB_LEAST_REQUEST);
  assert_int_equal(web->calls[0].count, 2);
  assert_true(web->calls[0].probability == 0.5);
  assert_int_equal(web->calls[0].request_bytes, 100);
  assert_int_equal(web->calls[0].response_bytes, 200);
  assert_int_equal(web->calls[1].target, 2);
  const scenario_service *api = &s.services[1];
  /* Two services sharing one account share the table entry. */
  assert_int_equal(api->service_account, web->service_account);
  assert_int_equal(s.n_service_accounts, 2);
  assert_string_equal(s.service_accounts[2 - 1], "pay/ledger");
  assert_int_equal(api->protocol, MESH_PROTO_GRPC);
  assert_int_equal(api->lb, MESH_LB_RANDOM);
  assert_int_equal(api->service_time_ns.kind, SIM_DIST_LOGNORMAL);
  assert_true(fabs(sim_dist_quantile(&api->service_time_ns, 0.5) - 1e6) < 1e-3);
  assert_true(fabs(api->service_time_ns.b - 0.5) < 1e-12);
  assert_int_equal(api->retry.attempts, 3);
  assert_int_equal(api->retry.timeout_ns, 50 * SIM_MS);
  assert_int_equal(api->retry.backoff_ns, 5 * SIM_MS);
  const scenario_service *ledger = &s.services[2];
  assert_int_equal(ledger->service_time_ns.kind, SIM_DIST_EMPIRICAL);
  assert_int_equal(ledger->service_time_ns.n, 3);
  assert_ptr_equal(ledger->service_time_ns.x, ledger->dist_storage);
  assert_ptr_equal(ledger->service_time_ns.p, ledger->dist_storage + 3);
  assert_true(ledger->dist_storage[2] == 10e6);
  assert_true(ledger->dist_storage[4] == 0.5);
  assert_true(fabs(sim_dist_quantile(&ledger->service_time_ns, 0.5) - 2e6) < 1e-6);

  assert_int_equal(s.n_traffic, 2);
  assert_true(s.traffic[0].rate_rps == 1500.0);
  assert_int_equal(s.traffic[0].arrival, SCN_ARRIVAL_CONSTANT);
  assert_int_equal(s.traffic[0].n_bursts, 2);
  assert_int_equal(s.traffic[0].bursts[1].at_ns, 30 * SIM_S);
  assert_int_equal(s.traffic[0].bursts[1].duration_ns, SIM_S);
  assert_true(s.traffic[0].bursts[1].multiplier == 10.0);
  assert_true(s.traffic[1].rate_rps == 1.0);

  assert_int_equal(s.n_failures, 2);
  assert_string_equal(s.failures[0].name, "kill-node");
  assert_int_equal(s.failures[0].target, SCN_FAIL_NODE);
  assert_int_equal(s.failures[0].pick, SCN_PICK_NAMED);
  assert_string_equal(s.failures[0].instance, "big-0");
  assert_int_equal(s.failures[0].kind, SCN_FAIL_CRASH);
  assert_int_equal(s.failures[0].at_ns, 20 * SIM_S);
  assert_int_equal(s.failures[0].duration_ns, 10 * SIM_S);
  assert_string_equal(s.failures[1].name, "failure-2");
  assert_int_equal(s.failures[1].target, SCN_FAIL_CONTROL_PLANE);
  assert_int_equal(s.failures[1].pick, SCN_PICK_ROLLING);
  assert_int_equal(s.failures[1].kind, SCN_FAIL_UPGRADE);
  assert_int_equal(s.failures[1].drain_ns, SIM_S);
  scenario_release(&s);
  diag_list_release(&d);
}

static void test_good_fixtures(void **state) {
  (void)state;
  static const struct {
    const char *file;
    uint32_t services, namespaces, traffic;
    uint64_t pods;
  } cases[] = {
      {"minimal.yaml", 1, 1, 1, 1},
      {"bookinfo.yaml", 4, 1, 1, 6},
      {"boutique.yaml", 11, 1, 3, 11},
      {"full.yaml", 3, 2, 2, 6},
  };
  for (size_t i = 0; i < N_OF(cases); i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/good/%s", FIXTURES, cases[i].file);
    scenario s;
    diag_list d;
    diag_list_init(&d);
    int rc = scenario_load_file(path, NULL, 0, &s, &d);
    if (rc != 0 || d.n_warnings != 0) {
      print_message("%s\n", path);
      print_diags(&d);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(d.n_warnings, 0);
    assert_int_equal(s.n_services, cases[i].services);
    assert_int_equal(s.n_namespaces, cases[i].namespaces);
    assert_int_equal(s.n_traffic, cases[i].traffic);
    assert_int_equal(scenario_pod_count(&s), cases[i].pods);
    /* Every call target resolved, every size filled in. */
    for (uint32_t k = 0; k < s.n_services; k++) {
      for (uint32_t j = 0; j < s.services[k].n_calls; j++) {
        assert_true(s.services[k].calls[j].target < s.n_services);
        assert_true(s.services[k].calls[j].request_bytes >= 0);
      }
      assert_true(s.services[k].service_account < s.n_service_accounts);
    }
    scenario_release(&s);
    diag_list_release(&d);
  }
}

/* Every scenario shipped in scenarios/ loads without errors or warnings. */
static void test_shipped_scenarios(void **state) {
  (void)state;
  DIR *dir = opendir(MESHSIM_SOURCE_DIR "/scenarios");
  assert_non_null(dir);
  struct dirent *de;
  size_t n = 0, failures = 0;
  while ((de = readdir(dir)) != NULL) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0) {
      continue;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/%s", MESHSIM_SOURCE_DIR, de->d_name);
    scenario s;
    diag_list d;
    diag_list_init(&d);
    int rc = scenario_load_file(path, NULL, 0, &s, &d);
    if (rc != 0 || d.n_warnings != 0) {
      print_diags(&d);
      failures++;
    }
    if (rc == 0) {
      scenario_release(&s);
    }
    diag_list_release(&d);
    n++;
  }
  closedir(dir);
  assert_true(n >= 1);
  assert_int_equal(failures, 0);
}

static void test_bookinfo(void **state) {
  (void)state;
  scenario s;
  diag_list d;
  diag_list_init(&d);
  assert_int_equal(scenario_load_file(FIXTURES "/good/bookinfo.yaml", NULL, 0, &s, &d), 0);
  const scenario_service *pp = &s.services[scenario_find_service(&s, "productpage")];
  assert_int_equal(pp->n_calls, 2);
  const scenario_service *rv = &s.services[scenario_find_service(&s, "reviews")];
  assert_int_equal(rv->replicas, 3);
  assert_true(fabs(scenario_call_mean(&rv->calls[0]) - 0.6667) < 1e-12);
  assert_int_equal(rv->retry.attempts, 2);
  assert_int_equal(rv->retry.timeout_ns, 3 * SIM_S);
  assert_string_equal(s.service_accounts[rv->service_account], "bookinfo/bookinfo-reviews");
  const scenario_service *dt = &s.services[scenario_find_service(&s, "details")];
  assert_int_equal(dt->service_time_ns.kind, SIM_DIST_CONSTANT);
  assert_true(sim_dist_mean(&dt->service_time_ns) == 1e6);
  const scenario_service *rt = &s.services[scenario_find_service(&s, "ratings")];
  assert_int_equal(rt->service_time_ns.kind, SIM_DIST_UNIFORM);
  assert_true(sim_dist_mean(&rt->service_time_ns) == 500e3);
  scenario_release(&s);
  diag_list_release(&d);
}

/* ---------------------------------------------------------- bad fixtures */

typedef struct expectation {
  char *errors[32];
  size_t n_errors;
  char *warnings[8];
  size_t n_warnings;
} expectation;

static char *expected_text(const char *path, const char *rest) {
  size_t len = strlen(path) + strlen(rest) + 3;
  char *out = malloc(len);
  assert_non_null(out);
  /* "4:3: error: ..." -> "path:4:3: ..."; "error: ..." -> "path: error: ...". */
  if (rest[0] >= '0' && rest[0] <= '9') {
    snprintf(out, len, "%s:%s", path, rest);
  } else {
    snprintf(out, len, "%s: %s", path, rest);
  }
  return out;
}

static void read_expectations(const char *path, const char *text, expectation *e) {
  memset(e, 0, sizeof *e);
  const char *p = text;
  while (p != NULL && *p != '\0') {
    const char *eol = strchr(p, '\n');
    size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
    char line[1024];
    if (len >= sizeof line) {
      len = sizeof line - 1;
    }
    memcpy(line, p, len);
    line[len] = '\0';
    if (strncmp(line, "# expect: ", 10) == 0 && e->n_errors < N_OF(e->errors)) {
      e->errors[e->n_errors++] = expected_text(path, line + 10);
    } else if (strncmp(line, "# expect-warning: ", 18) == 0 && e->n_warnings < N_OF(e->warnings)) {
      e->warnings[e->n_warnings++] = expected_text(path, line + 18);
    }
    p = eol != NULL ? eol + 1 : NULL;
  }
}

/* Fixtures that cannot hold comments (binary ones) list their messages here. */
static const struct {
  const char *file;
  const char *error;
} side_expectations[] = {
    {"bad-utf8.yaml", "3:11: error: invalid UTF-8 (byte 0xff); scenario files must be UTF-8 text"},
    {"utf16.yaml",
     "error: file is UTF-16 encoded; save it as UTF-8 (scenario files must be UTF-8)"},
    {"utf32.yaml",
     "error: file is UTF-32 encoded; save it as UTF-8 (scenario files must be UTF-8)"},
    {"empty.yaml", "error: file is empty; expected a mapping with sections such as metadata, "
                   "cluster, services and traffic"},
};

static int compare_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names in dir ending in suffix, sorted, at most cap of them; the
 * caller frees each. */
static size_t sorted_names(const char *dir, const char *suffix, char **names, size_t cap) {
  DIR *dh = opendir(dir);
  assert_non_null(dh);
  size_t n = 0, sl = strlen(suffix);
  struct dirent *de;
  while ((de = readdir(dh)) != NULL && n < cap) {
    size_t len = strlen(de->d_name);
    if (len > sl && strcmp(de->d_name + len - sl, suffix) == 0) {
      names[n++] = strdup(de->d_name);
    }
  }
  closedir(dh);
  qsort(names, n, sizeof names[0], compare_names);
  return n;
}

/* d has exactly e's errors, in e's order. */
static bool errors_match(const diag_list *d, const expectation *e) {
  bool ok = d->n_errors == e->n_errors;
  size_t k = 0;
  for (size_t j = 0; ok && j < d->n; j++) {
    if (d->items[j].severity == DIAG_ERROR) {
      ok = strcmp(d->items[j].text, e->errors[k++]) == 0;
    }
  }
  return ok;
}

static void expectation_release(expectation *e) {
  for (size_t j = 0; j < e->n_errors; j++) {
    free(e->errors[j]);
  }
  for (size_t j = 0; j < e->n_warnings; j++) {
    free(e->warnings[j]);
  }
}

static void test_bad_fixtures(void **state) {
  (void)state;
  char *names[256];
  size_t n = sorted_names(FIXTURES "/bad", ".yaml", names, N_OF(names));
  assert_true(n >= 40);

  size_t failures = 0;
  for (size_t i = 0; i < n; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/bad/%s", FIXTURES, names[i]);
    size_t len;
    char *text = read_all(path, &len);
    assert_non_null(text);
    expectation e;
    read_expectations(path, text, &e);
    for (size_t k = 0; k < N_OF(side_expectations); k++) {
      if (strcmp(side_expectations[k].file, names[i]) == 0) {
        e.errors[e.n_errors++] = expected_text(path, side_expectations[k].error);
      }
    }
    if (e.n_errors == 0) {
      print_message("%s: no \"# expect:\" line\n", path);
      failures++;
    }
    scenario s;
    diag_list d;
    diag_list_init(&d);
    int rc = scenario_load_file(path, NULL, 0, &s, &d);
    bool ok = rc < 0 && all_zero(&s, sizeof s) && errors_match(&d, &e);
    for (size_t w = 0; ok && w < e.n_warnings; w++) {
      bool found = false;
      for (size_t j = 0; j < d.n; j++) {
        found = found || strcmp(d.items[j].text, e.warnings[w]) == 0;
      }
      ok = found;
    }
    if (!ok) {
      print_message("%s (rc %d):\n", names[i], rc);
      for (size_t j = 0; j < e.n_errors; j++) {
        print_message("  want: %s\n", e.errors[j]);
      }
      for (size_t j = 0; j < e.n_warnings; j++) {
        print_message("  want: %s\n", e.warnings[j]);
      }
      print_diags(&d);
      failures++;
    }
    expectation_release(&e);
    diag_list_release(&d);
    free(text);
    free(names[i]);
  }
  assert_int_equal(failures, 0);
}

/* Every message starts "file:line:col: error: " with a lowercase word. */
static void test_message_style(void **state) {
  (void)state;
  DIR *dir = opendir(FIXTURES "/bad");
  assert_non_null(dir);
  struct dirent *de;
  while ((de = readdir(dir)) != NULL) {
    if (strstr(de->d_name, ".yaml") == NULL) {
      continue;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/bad/%s", FIXTURES, de->d_name);
    scenario s;
    diag_list d;
    diag_list_init(&d);
    scenario_load_file(path, NULL, 0, &s, &d);
    for (size_t j = 0; j < d.n; j++) {
      const char *msg = d.items[j].message;
      assert_true(strncmp(d.items[j].text, path, strlen(path)) == 0);
      assert_false(msg[0] >= 'A' && msg[0] <= 'Z');
      assert_null(strchr(msg, '\n'));
    }
    diag_list_release(&d);
  }
  closedir(dir);
}

/* ------------------------------------------------------------- overrides */

static void test_overrides(void **state) {
  (void)state;
  const char *ov[] = {
      "metadata.seed=7",
      "cluster.nodes.general.count=20",
      "traffic.frontend.rate=2k/s",
      "services.frontend.replicas=10",
      "mesh.modes=[sidecar,ambient]",
      "mesh.waypoint.autoscale={max: 4}",
      "services.frontend.calls.cart.count=2",
      "services.payment.service_time.p99=30ms",
      "cluster.nodes.general.zones=[zone-c, zone-a]",
      "metadata.description=\"a: b\"",
      "traffic.0.arrival=constant",
      "pricing.vcpu_hour=0.04",
      "services.catalog-api.service_time=3ms",
  };
  scenario s;
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_file(MESHSIM_SOURCE_DIR "/scenarios/default.yaml", ov, N_OF(ov), &s, &d);
  if (rc != 0) {
    print_diags(&d);
  }
  assert_int_equal(rc, 0);
  assert_int_equal(s.meta.seed, 7);
  assert_int_equal(s.cluster.pools[0].count, 20);
  assert_true(s.traffic[0].rate_rps == 2000.0);
  assert_int_equal(s.traffic[0].arrival, SCN_ARRIVAL_CONSTANT);
  uint32_t fe = scenario_find_service(&s, "frontend");
  assert_int_equal(s.services[fe].replicas, 10);
  assert_int_equal(s.services[fe].calls[2].count, 2);
  assert_int_equal(s.services[fe].calls[0].count, 3);
  assert_int_equal(s.mesh.n_modes, 2);
  assert_int_equal(s.mesh.modes[0], MESH_MODE_SIDECAR);
  assert_int_equal(s.mesh.modes[1], MESH_MODE_AMBIENT);
  assert_true(s.waypoint_autoscale.enabled);
  assert_int_equal(s.waypoint_autoscale.max_replicas, 4);
  const scenario_service *pay = &s.services[scenario_find_service(&s, "payment")];
  assert_true(fabs(sim_dist_quantile(&pay->service_time_ns, 0.99) - 30e6) < 10.0);
  assert_int_equal(s.cluster.pools[0].n_zones, 2);
  assert_int_equal(s.cluster.pools[0].zones[0], 2);
  assert_string_equal(s.meta.description, "a: b");
  assert_true(s.pricing.vcpu_hour_usd == 0.04);
  const scenario_service *cat = &s.services[scenario_find_service(&s, "catalog-api")];
  assert_int_equal(cat->service_time_ns.kind, SIM_DIST_CONSTANT);
  scenario_release(&s);
  diag_list_release(&d);

  /* Later overrides win; a missing mapping is created. */
  const char *ov2[] = {"metadata.seed=1", "metadata.seed=2", "mesh.ztunnel.workers=6"};
  load_ok(MINIMAL, ov2, N_OF(ov2), &s);
  assert_int_equal(s.meta.seed, 2);
  assert_int_equal(s.mesh.proxy[MESH_PROXY_ZTUNNEL].workers, 6);
  scenario_release(&s);

  /* A list element addressed by index. */
  const char *ov4[] = {"cluster.zones=[a, b]", "cluster.zones.1=c"};
  load_ok(MINIMAL, ov4, N_OF(ov4), &s);
  assert_int_equal(s.cluster.n_zones, 2);
  assert_string_equal(s.cluster.zones[1], "c");
  assert_int_equal(s.cluster.pools[0].n_zones, 2);
  scenario_release(&s);

  /* An empty value is a null: the key keeps its default. */
  const char *ov3[] = {"metadata.seed="};
  load_ok(MINIMAL, ov3, N_OF(ov3), &s);
  assert_int_equal(s.meta.seed, 1);
  scenario_release(&s);
}

static void test_override_errors(void **state) {
  (void)state;
  static const struct {
    const char *ov;
    const char *want;
  } cases[] = {
      {"metadata.sed=7",
       "--set metadata.sed=7: error: unknown key \"sed\" in \"metadata\"; did you mean \"seed\"?"},
      {"metadata.bogus=7",
       "--set metadata.bogus=7: error: unknown key \"bogus\" in \"metadata\"; valid keys are: "
       "name, description, seed, duration, warmup, replications, slo, objective"},
      {"nope.x=1", "--set nope.x=1: error: unknown key \"nope\" at the top level; valid keys "
                   "are: metadata, cluster, pricing, mesh, namespaces, services, services_csv, "
                   "call_graph_csv, traffic, traffic_csv, gateways, failures, advise"},
      {"seed", "--set seed: error: expected KEY=VALUE, like metadata.seed=7"},
      {"=5", "--set =5: error: expected KEY=VALUE, like metadata.seed=7"},
      {"metadata..seed=1", "--set metadata..seed=1: error: empty key in path \"metadata\""},
      {"services.hallo.replicas=2",
       "--set services.hallo.replicas=2: error: no entry \"hallo\" in \"services\"; did you mean "
       "\"hello\"?"},
      {"services.zzz.replicas=2",
       "--set services.zzz.replicas=2: error: no entry \"zzz\" in \"services\"; valid entries "
       "are: hello"},
      {"metadata.seed.x=1",
       "--set metadata.seed.x=1: error: \"metadata.seed\" holds a single value; it has no key "
       "\"x\""},
      {"failures.f1.at=1s",
       "--set failures.f1.at=1s: error: \"failures\" has no entries to address with \"f1\""},
      /* Values keep their YAML typing and their errors point into the override. */
      {"metadata.seed=abc", "--set metadata.seed=abc:1:15: error: invalid \"seed\": expected a "
                            "whole number like 3, got \"abc\""},
      {"metadata.seed=[1", "--set metadata.seed=[1:1:17: error: yaml: did not find expected ',' "
                           "or ']' (while parsing a flow sequence)"},
      {"services.hello.replicas=0", "--set services.hello.replicas=0:1:25: error: invalid "
                                    "\"replicas\": must be at least 1, got 0"},
      {"mesh.modes=[sidecar,sidecar]", "--set mesh.modes=[sidecar,sidecar]:1:21: error: "
                                       "duplicate mode \"sidecar\" in \"mesh.modes\""},
      {"metadata=5", "--set metadata=5:1:10: error: expected a mapping for \"metadata\", got "
                     "\"5\""},
      {"services.hello.calls=[hello]",
       "--set services.hello.calls=[hello]:1:23: error: call cycle: hello -> hello"},
  };
  for (size_t i = 0; i < N_OF(cases); i++) {
    const char *ov[] = {cases[i].ov};
    load_fails(MINIMAL, ov, 1, cases[i].want);
  }
  /* The codes tell an override problem from a file problem. */
  diag_list d;
  diag_list_init(&d);
  scenario s;
  const char *bad[] = {"metadata.sed=1"};
  assert_int_equal(scenario_load_string(MINIMAL, strlen(MINIMAL), "t.yaml", bad, 1, &s, &d),
                   SCENARIO_LOAD_EOVERRIDE);
  diag_list_release(&d);
  assert_string_equal(err_str(SCENARIO_LOAD_EOVERRIDE), "an override (--set) is invalid");
  assert_string_equal(err_str(12345), "unknown error");
}

static void test_hash(void **state) {
  (void)state;
  scenario a, b, c, e;
  load_ok(MINIMAL, NULL, 0, &a);
  const char *ov1[] = {"metadata.seed=7"};
  const char *ov2[] = {"metadata.seed=8"};
  load_ok(MINIMAL, ov1, 1, &b);
  load_ok(MINIMAL, ov2, 1, &c);
  load_ok(MINIMAL, NULL, 0, &e);
  assert_true(a.content_hash == e.content_hash);
  assert_true(a.content_hash != b.content_hash);
  assert_true(b.content_hash != c.content_hash);
  assert_true(a.content_hash == scenario_load_hash(MINIMAL, strlen(MINIMAL), NULL, 0));
  /* FNV-1a 64 known answers: the empty input is the offset basis, "a" is
   * the published test vector. */
  assert_true(scenario_load_hash("", 0, NULL, 0) == 0xcbf29ce484222325ULL);
  assert_true(scenario_load_hash("a", 1, NULL, 0) == 0xaf63dc4c8601ec8cULL);
  /* The NUL separator keeps override boundaries apart. */
  const char *split[] = {"a=1", "b"};
  const char *joined[] = {"a=1b"};
  assert_true(scenario_load_hash("x", 1, split, 2) != scenario_load_hash("x", 1, joined, 1));
  const char *rev[] = {"b", "a=1"};
  assert_true(scenario_load_hash("x", 1, split, 2) != scenario_load_hash("x", 1, rev, 2));
  scenario_release(&a);
  scenario_release(&b);
  scenario_release(&c);
  scenario_release(&e);
}

/* ------------------------------------------------------- inputs and I/O */

static void test_io_errors(void **state) {
  (void)state;
  static const struct {
    const char *path;
    int rc;
    const char *want;
  } cases[] = {
      {FIXTURES "/no-such-file.yaml", SCENARIO_LOAD_EIO,
       FIXTURES "/no-such-file.yaml: error: cannot open scenario file: No such file or directory"},
      {FIXTURES "/good", SCENARIO_LOAD_EIO,
       FIXTURES "/good: error: is a directory; expected a scenario file (.yaml)"},
      {FIXTURES "/bad/empty.yaml", SCENARIO_LOAD_EINVALID,
       FIXTURES "/bad/empty.yaml: error: file is empty; expected a mapping with sections such as "
                "metadata, cluster, services and traffic"},
      {FIXTURES "/bad/syntax-error.yaml", SCENARIO_LOAD_ESYNTAX, NULL},
      {FIXTURES "/bad/unknown-key-suggest.yaml", SCENARIO_LOAD_EINVALID, NULL},
  };
  for (size_t i = 0; i < N_OF(cases); i++) {
    scenario s;
    diag_list d;
    diag_list_init(&d);
    int rc = scenario_load_file(cases[i].path, NULL, 0, &s, &d);
    assert_int_equal(rc, cases[i].rc);
    assert_true(all_zero(&s, sizeof s));
    assert_true(d.n_errors >= 1);
    if (cases[i].want != NULL) {
      assert_string_equal(diag_first_error(&d), cases[i].want);
    }
    diag_list_release(&d);
  }
  scenario s;
  diag_list d;
  diag_list_init(&d);
  assert_int_equal(scenario_load_file(NULL, NULL, 0, &s, &d), ERR_EINVAL);
  assert_int_equal(scenario_load_string(NULL, 0, "x", NULL, 0, &s, &d), ERR_EINVAL);
  assert_int_equal(scenario_load_file("x", NULL, 0, NULL, &d), ERR_EINVAL);
  diag_list_release(&d);

  /* Text need not be NUL-terminated: only len bytes are read. */
  char buf[256];
  size_t len = strlen(MINIMAL);
  memcpy(buf, MINIMAL, len);
  memset(buf + len, '!', sizeof buf - len);
  diag_list_init(&d);
  assert_int_equal(scenario_load_string(buf, len, "dir/shop.yml", NULL, 0, &s, &d), 0);
  assert_string_equal(s.meta.name, "shop");
  assert_string_equal(s.path, "dir/shop.yml");
  scenario_release(&s);
  diag_list_release(&d);
}

static void test_string_inputs(void **state) {
  (void)state;
  static const struct {
    const char *text;
    const char *want;
  } cases[] = {
      {"", "test.yaml: error: file is empty; expected a mapping with sections such as metadata, "
           "cluster, services and traffic"},
      {"# only a comment\n", "test.yaml: error: file is empty; expected a mapping with sections "
                             "such as metadata, cluster, services and traffic"},
      {"- a\n- b\n", "test.yaml:1:1: error: expected a mapping of sections (metadata, cluster, "
                     "services, ...) at the top of the file, got a list"},
      {"just text\n", "test.yaml:1:1: error: expected a mapping of sections (metadata, cluster, "
                      "services, ...) at the top of the file, got \"just text\""},
      {"a: 1\n---\nb: 2\n", "test.yaml:2:1: error: a second YAML document starts here; a "
                            "scenario file holds exactly one"},
      {"metadata: {seed: *nope}\n", "test.yaml:1:18: error: yaml: found undefined alias"},
      {"a: \"\\x00\"\n",
       "test.yaml:1:1: error: unknown key \"a\" at the top level; valid keys "
       "are: metadata, cluster, pricing, mesh, namespaces, services, "
       "services_csv, call_graph_csv, traffic, traffic_csv, gateways, failures, advise"},
      {"metadata:\n  name: \"a\\0b\"\n",
       "test.yaml:2:9: error: invalid \"name\": contains a NUL character"},
      {"metadata:\n  x\x01: 1\n", "test.yaml:2:4: error: yaml: control characters are not "
                                  "allowed (byte 0x01)"},
      {"services: [{name: a}]\n", "test.yaml:1:1: error: missing required key \"traffic\" at the "
                                  "top level: at least one service needs external traffic"},
  };
  for (size_t i = 0; i < N_OF(cases); i++) {
    load_fails(cases[i].text, NULL, 0, cases[i].want);
  }
}

/* metadata.objective: defaults, `slo` as its latency, each key, and bad values. */
static void test_objective(void **state) {
  (void)state;
  static const struct {
    const char *metadata;
    sim_time want_latency_ns;
    double want_quantile, want_budget;
  } good[] = {
      {"", 100 * SIM_MS, 0.99, 0.001},
      {"metadata: {slo: 250ms}\n", 250 * SIM_MS, 0.99, 0.001},
      {"metadata: {objective: {latency: 40ms}}\n", 40 * SIM_MS, 0.99, 0.001},
      {"metadata: {slo: 40ms, objective: {percentile: p99.9, errors: 1%}}\n", 40 * SIM_MS, 0.999,
       0.01},
      {"metadata: {objective: {percentile: p50, errors: 0.002}}\n", 100 * SIM_MS, 0.5, 0.002},
      {"metadata: {objective: {errors: 0%}}\n", 100 * SIM_MS, 0.99, 0},
  };
  for (size_t i = 0; i < N_OF(good); i++) {
    char text[512];
    snprintf(text, sizeof text, "%s%s", good[i].metadata, MINIMAL);
    scenario s;
    load_ok(text, NULL, 0, &s);
    print_message("%s want %lld ns, q %g, budget %g; got %lld, %g, %g\n", good[i].metadata,
                  (long long)good[i].want_latency_ns, good[i].want_quantile, good[i].want_budget,
                  (long long)s.meta.slo_ns, s.meta.objective_quantile, s.meta.error_budget);
    assert_int_equal(s.meta.slo_ns, good[i].want_latency_ns);
    assert_true(fabs(s.meta.objective_quantile - good[i].want_quantile) < 1e-12);
    assert_true(fabs(s.meta.error_budget - good[i].want_budget) < 1e-12);
    scenario_release(&s);
  }
  static const struct {
    const char *metadata;
    const char *want;
  } bad[] = {
      {"metadata: {slo: 1s, objective: {latency: 2s}}\n",
       "test.yaml:1:42: error: \"metadata.slo\" and \"metadata.objective.latency\" both set the "
       "latency objective; keep one (with --set, change the one the file uses)"},
      {"metadata: {objective: {percentile: p95}}\n",
       "test.yaml:1:36: error: unknown percentile \"p95\"; valid percentiles are: p50, p90, p99, "
       "p99.9"},
      {"metadata: {objective: {errors: 120%}}\n",
       "test.yaml:1:32: error: invalid \"errors\": must be in [0, 1] (0% to 100%), got 120%"},
      {"metadata: {objective: {errors: lots}}\n",
       "test.yaml:1:32: error: invalid \"errors\": expected a share: a number in [0, 1] or a "
       "percentage such as 0.1%, got \"lots\""},
      {"metadata: {objective: {latency: 0s}}\n",
       "test.yaml:1:33: error: invalid \"latency\": must be greater than 0, got \"0s\""},
      {"metadata: {objective: {budget: 1%}}\n",
       "test.yaml:1:24: error: unknown key \"budget\" in \"metadata.objective\"; valid keys are: "
       "latency, percentile, errors, target_utilisation"},
      {"metadata: {objective: {target_utilisation: 0}}\n",
       "test.yaml:1:44: error: invalid \"target_utilisation\": must be greater than 0, got 0"},
      {"metadata: {objective: {target_utilisation: 1.5}}\n",
       "test.yaml:1:44: error: invalid \"target_utilisation\": must be in [0, 1] (0% to 100%), "
       "got 1.5"},
  };
  for (size_t i = 0; i < N_OF(bad); i++) {
    char text[512];
    snprintf(text, sizeof text, "%s%s", bad[i].metadata, MINIMAL);
    load_fails(text, NULL, 0, bad[i].want);
  }
  scenario s;
  const char *ov[] = {"metadata.objective.errors=0.5%", "metadata.objective.percentile=p90",
                      "metadata.objective.target_utilisation=80%"};
  load_ok(MINIMAL, ov, N_OF(ov), &s);
  assert_true(fabs(s.meta.error_budget - 0.005) < 1e-12);
  assert_true(fabs(s.meta.objective_quantile - 0.9) < 1e-12);
  assert_true(fabs(s.meta.target_utilisation - 0.8) < 1e-12);
  scenario_release(&s);
  /* The capacity-planning target: 70% unless set, as a share or a percentage. */
  load_ok(MINIMAL, NULL, 0, &s);
  assert_true(s.meta.target_utilisation == 0.7);
  scenario_release(&s);
  char text[512];
  snprintf(text, sizeof text, "metadata: {objective: {target_utilisation: 0.5}}\n%s", MINIMAL);
  load_ok(text, NULL, 0, &s);
  assert_true(s.meta.target_utilisation == 0.5);
  scenario_release(&s);
}

/* 30 errors in one file: 20 are kept, the rest only counted. */
static void test_error_cap(void **state) {
  (void)state;
  char text[4096];
  size_t used = (size_t)snprintf(text, sizeof text, "metadata:\n");
  for (int i = 0; i < 30; i++) {
    used += (size_t)snprintf(text + used, sizeof text - used, "  bogus%d: 1\n", i);
  }
  scenario s;
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_string(text, used, "cap.yaml", NULL, 0, &s, &d);
  assert_true(rc < 0);
  assert_int_equal(d.n_errors, DIAG_DEFAULT_MAX_ERRORS);
  assert_true(diag_list_full(&d));
  assert_string_equal(d.items[19].text, "cap.yaml:21:3: error: unknown key \"bogus19\" in "
                                        "\"metadata\"; valid keys are: name, description, seed, "
                                        "duration, warmup, replications, slo, objective");
  char *out = NULL;
  size_t out_len = 0;
  FILE *f = open_memstream(&out, &out_len);
  assert_non_null(f);
  diag_print(&d, f);
  fclose(f);
  assert_non_null(strstr(out, "cap.yaml:21:3: error: unknown key \"bogus19\""));
  assert_non_null(strstr(out, "stopped after 20 errors\n"));
  free(out);
  diag_list_release(&d);

  /* A smaller cap set by the caller is honoured. */
  diag_list_init(&d);
  d.max_errors = 3;
  rc = scenario_load_string(text, used, "cap.yaml", NULL, 0, &s, &d);
  assert_true(rc < 0);
  assert_int_equal(d.n_errors, 3);
  diag_list_release(&d);
}

/* Several independent errors in one file are all reported, in order. */
static void test_many_errors(void **state) {
  (void)state;
  const char *text = "metadata:\n"
                     "  seed: -1\n"
                     "  duration: 2 parsecs\n"
                     "cluster:\n"
                     "  placement: pack\n"
                     "services:\n"
                     "  - name: a\n"
                     "    replicas: 0\n"
                     "    calls: [{service: bb}]\n"
                     "  - name: b\n"
                     "traffic:\n"
                     "  - {service: a, rate: 1 per s}\n";
  static const char *const want[] = {
      "t.yaml:2:9: error: invalid \"seed\": must be at least 0, got -1",
      "t.yaml:3:13: error: invalid \"duration\": expected a duration like 250us, 2ms or 1s, got "
      "\"2 parsecs\"",
      "t.yaml:5:14: error: unknown placement \"pack\"; did you mean \"binpack\"?",
      "t.yaml:8:15: error: invalid \"replicas\": must be at least 1, got 0",
      "t.yaml:9:23: error: unknown service \"bb\"; valid services are: a, b",
      "t.yaml:12:24: error: invalid \"rate\": expected a rate like 1000/s, 2k/s or 60/min, got "
      "\"1 per s\"",
  };
  scenario s;
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_string(text, strlen(text), "t.yaml", NULL, 0, &s, &d);
  assert_int_equal(rc, SCENARIO_LOAD_EINVALID);
  if (d.n_errors != N_OF(want)) {
    print_diags(&d);
  }
  assert_int_equal(d.n_errors, N_OF(want));
  size_t k = 0;
  for (size_t i = 0; i < d.n; i++) {
    if (d.items[i].severity == DIAG_ERROR) {
      assert_string_equal(d.items[i].text, want[k]);
      k++;
    }
  }
  diag_list_release(&d);
}

static void test_warnings(void **state) {
  (void)state;
  const char *text = "metadata: {duration: 10s}\n"
                     "cluster:\n"
                     "  network: {same_node: 1ms, same_zone: 100us}\n"
                     "namespaces:\n"
                     "  - {name: pci, compliance: true, mode: ambient}\n"
                     "services:\n"
                     "  - {name: a, namespace: pci}\n"
                     "  - {name: orphan, namespace: pci}\n"
                     "traffic:\n"
                     "  - service: a\n"
                     "    rate: 1/s\n"
                     "    bursts: [{at: 11s, duration: 1s, multiplier: 2}]\n";
  static const char *const want[] = {
      "w.yaml:3:12: warning: network latencies are usually ordered same_node <= same_zone <= "
      "cross_zone",
      "w.yaml:5:41: warning: namespace \"pci\" is marked compliance but runs \"ambient\" in hybrid "
      "mode; only sidecars keep one identity per pod",
      "w.yaml:12:19: warning: burst starts at or after the end of the measured window",
      "w.yaml:8:5: warning: service \"orphan\" receives no traffic (no traffic entry reaches it "
      "through calls)",
  };
  scenario s;
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_string(text, strlen(text), "w.yaml", NULL, 0, &s, &d);
  if (rc != 0 || d.n != N_OF(want)) {
    print_diags(&d);
  }
  assert_int_equal(rc, 0);
  assert_int_equal(d.n_warnings, N_OF(want));
  for (size_t i = 0; i < N_OF(want); i++) {
    assert_string_equal(d.items[i].text, want[i]);
  }
  scenario_release(&s);
  diag_list_release(&d);
}

/* --------------------------------------------------------- robustness */

static uint64_t lcg(uint64_t *x) {
  *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
  return *x >> 33;
}

/* Loads text: it either loads, or fails with errors and a zeroed scenario.
 * Counts which into *loaded or *failed. */
static void load_or_reject(const char *text, size_t len, const char *name, size_t *loaded,
                           size_t *failed) {
  scenario s;
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_string(text, len, name, NULL, 0, &s, &d);
  if (rc == 0) {
    (*loaded)++;
    scenario_release(&s);
  } else {
    (*failed)++;
    assert_true(d.n_errors > 0);
    assert_true(all_zero(&s, sizeof s));
  }
  diag_list_release(&d);
}

/* Truncated and mutated copies of the default scenario never crash, never
 * leak (ASan) and either load or fail with a zeroed scenario. */
static void test_mutations(void **state) {
  (void)state;
  size_t len;
  char *orig = read_all(MESHSIM_SOURCE_DIR "/scenarios/default.yaml", &len);
  assert_non_null(orig);
  char *buf = malloc(len + 1);
  assert_non_null(buf);
  size_t loaded = 0, failed = 0;
  for (size_t cut = 0; cut < len; cut += 13) {
    load_or_reject(orig, cut, "cut.yaml", &loaded, &failed);
  }
  static const char junk[] = ":-[]{}#&*!|>'\"%@`,? \t\n\x01\xff\xc3"
                             "0aZ";
  uint64_t seed = 20261126;
  for (int iter = 0; iter < 400; iter++) {
    memcpy(buf, orig, len);
    int edits = 1 + (int)(lcg(&seed) % 4);
    for (int e = 0; e < edits; e++) {
      buf[lcg(&seed) % len] = junk[lcg(&seed) % (sizeof junk - 1)];
    }
    load_or_reject(buf, len, "mut.yaml", &loaded, &failed);
  }
  print_message("mutations: %zu loaded, %zu rejected\n", loaded, failed);
  assert_true(failed > 0);
  free(buf);
  free(orig);
}

/* Anchors that refer to themselves and alias bombs stay bounded. */
static void test_hostile_yaml(void **state) {
  (void)state;
  const char *texts[] = {
      "services: &a [*a]\ntraffic: []\n",
      "metadata: &m {name: *m}\n",
      "a: &a [*a, *a, *a]\nservices: *a\n",
  };
  for (size_t i = 0; i < N_OF(texts); i++) {
    scenario s;
    diag_list d;
    diag_list_init(&d);
    int rc = scenario_load_string(texts[i], strlen(texts[i]), "h.yaml", NULL, 0, &s, &d);
    assert_true(rc < 0);
    assert_true(d.n_errors > 0);
    diag_list_release(&d);
  }
  /* Deep flow nesting (quadratic in libyaml) is refused up front. */
  size_t deep = 5000;
  char *text = malloc(deep + 64);
  assert_non_null(text);
  size_t o = (size_t)snprintf(text, 64, "metadata:\n  x: ");
  for (size_t i = 0; i < deep; i++) {
    text[o++] = i % 2 ? '{' : '[';
  }
  text[o++] = '\n';
  text[o] = '\0';
  load_fails(text, NULL, 0,
             "test.yaml:2:1006: error: lists and mappings are nested more than 1000 "
             "deep");
  /* 1000 levels are still parsed (and rejected for what they are). */
  o = (size_t)snprintf(text, 64, "metadata: ");
  for (size_t i = 0; i < 1000; i++) {
    text[o++] = '[';
  }
  for (size_t i = 0; i < 1000; i++) {
    text[o++] = ']';
  }
  text[o++] = '\n';
  text[o] = '\0';
  load_fails(text, NULL, 0,
             "test.yaml:1:11: error: expected a mapping for \"metadata\", got a list");
  free(text);

  /* An override value that expands exponentially is refused. */
  const char *bomb[] = {"metadata.description=[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,"
                        "*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,"
                        "*c,*c,*c], [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]]"};
  load_fails(MINIMAL, bomb, 1,
             "--set metadata.description=[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,"
             "*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], "
             "[*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]]: error: value is too large (more than 100000 "
             "nodes)");
}

/* 5,000 services in 50 namespaces, each calling the next two: loads fast. */
static void test_large_scenario(void **state) {
  (void)state;
  const int n = 5000;
  size_t cap = (size_t)n * 200 + 4096, used = 0;
  char *text = malloc(cap);
  assert_non_null(text);
  used += (size_t)snprintf(text + used, cap - used, "namespaces:\n");
  for (int i = 0; i < 50; i++) {
    used += (size_t)snprintf(text + used, cap - used, "  - name: ns%d\n", i);
  }
  used += (size_t)snprintf(text + used, cap - used, "services:\n");
  for (int i = 0; i < n; i++) {
    used += (size_t)snprintf(text + used, cap - used,
                             "  - name: svc-%d\n    namespace: ns%d\n    replicas: 4\n", i, i % 50);
    if (i + 2 < n) {
      used += (size_t)snprintf(text + used, cap - used,
                               "    calls: [{service: svc-%d}, {service: svc-%d}]\n", i + 1, i + 2);
    }
  }
  used += (size_t)snprintf(text + used, cap - used, "traffic:\n  - {service: svc-0, rate: 1k/s}\n");
  assert_true(used < cap);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  scenario s;
  load_ok(text, NULL, 0, &s);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  print_message("5000 services, %zu bytes: loaded in %.1f ms\n", used, ms);
  assert_int_equal(s.n_services, (uint32_t)n);
  assert_int_equal(scenario_pod_count(&s), 4ULL * (uint64_t)n);
  assert_int_equal(s.services[n - 3].calls[1].target, (uint32_t)(n - 1));
  assert_int_equal(s.n_service_accounts, (uint32_t)n);
  assert_int_equal(scenario_find_service(&s, "svc-4999"), (uint32_t)(n - 1));
  scenario_release(&s);

  /* The same graph with one back edge at the end: the cycle is named. */
  used -= strlen("traffic:\n  - {service: svc-0, rate: 1k/s}\n");
  used += (size_t)snprintf(text + used, cap - used,
                           "    calls: [{service: svc-4997}]\n"
                           "traffic:\n  - {service: svc-0, rate: 1k/s}\n");
  load_fails(text, NULL, 0,
             "test.yaml:20051:23: error: call cycle: svc-4997 -> svc-4999 -> "
             "svc-4997");
  free(text);
}

/* A long cycle is named by its ends and its length. */
static void test_long_cycle(void **state) {
  (void)state;
  char text[4096];
  size_t o = (size_t)snprintf(text, sizeof text, "services:\n");
  for (int i = 0; i < 12; i++) {
    o += (size_t)snprintf(text + o, sizeof text - o, "  - {name: s%d, calls: [s%d]}\n", i,
                          (i + 1) % 12);
  }
  snprintf(text + o, sizeof text - o, "traffic: [{service: s0, rate: 1/s}]\n");
  load_fails(text, NULL, 0,
             "test.yaml:13:25: error: call cycle: s0 -> s1 -> s2 -> s3 -> ... -> s8 -> s9 -> "
             "s10 -> s11 -> s0 (12 services)");
}

/* ------------------------------------------------------------ CSV inputs */

#define CSV_DIR FIXTURES "/csv"

static void load_file_ok(const char *path, const char *const *ov, size_t n_ov, scenario *s,
                         bool no_warnings) {
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_file(path, ov, n_ov, s, &d);
  if (rc != 0 || (no_warnings && d.n_warnings != 0)) {
    print_message("%s\n", path);
    print_diags(&d);
  }
  assert_int_equal(rc, 0);
  if (no_warnings) {
    assert_int_equal(d.n_warnings, 0);
  }
  diag_list_release(&d);
}

/* The calls and traffic of two scenarios, field by field (doubles exactly). */
static void assert_same_graph(const scenario *a, const scenario *b) {
  assert_int_equal(a->n_services, b->n_services);
  for (uint32_t i = 0; i < a->n_services; i++) {
    const scenario_service *x = &a->services[i], *y = &b->services[i];
    assert_string_equal(x->name, y->name);
    assert_int_equal(x->protocol, y->protocol);
    assert_int_equal(x->replicas, y->replicas);
    assert_int_equal(x->request_bytes, y->request_bytes);
    assert_int_equal(x->n_calls, y->n_calls);
    for (uint32_t j = 0; j < x->n_calls; j++) {
      const scenario_call *c = &x->calls[j], *e = &y->calls[j];
      if (c->target != e->target || c->count != e->count || c->probability != e->probability ||
          c->request_bytes != e->request_bytes || c->response_bytes != e->response_bytes) {
        print_message("%s call %u: target %u/%u count %u/%u p %.17g/%.17g sizes %lld/%lld "
                      "%lld/%lld\n",
                      x->name, j, c->target, e->target, c->count, e->count, c->probability,
                      e->probability, (long long)c->request_bytes, (long long)e->request_bytes,
                      (long long)c->response_bytes, (long long)e->response_bytes);
        fail();
      }
    }
  }
  assert_int_equal(a->n_traffic, b->n_traffic);
  for (uint32_t k = 0; k < a->n_traffic; k++) {
    assert_int_equal(a->traffic[k].service, b->traffic[k].service);
    assert_true(a->traffic[k].rate_rps == b->traffic[k].rate_rps);
    assert_int_equal(a->traffic[k].arrival, b->traffic[k].arrival);
    assert_int_equal(a->traffic[k].n_bursts, b->traffic[k].n_bursts);
  }
}

/* Edges and rates from CSV load to what the same scenario gives in YAML. */
static void test_csv_equals_yaml(void **state) {
  (void)state;
  scenario c, y;
  load_file_ok(CSV_DIR "/shop.yaml", NULL, 0, &c, true);
  load_file_ok(CSV_DIR "/shop-twin.yaml", NULL, 0, &y, true);
  assert_same_graph(&c, &y);

  /* The mapping, checked on its own: a mean of 2.5 is 3 calls at 0.8333. */
  const scenario_service *fe = &c.services[scenario_find_service(&c, "frontend")];
  assert_int_equal(fe->n_calls, 4);
  assert_int_equal(fe->calls[0].target, scenario_find_service(&c, "currency")); /* YAML first */
  assert_int_equal(fe->calls[1].target, scenario_find_service(&c, "catalog"));
  assert_int_equal(fe->calls[1].count, 3);
  assert_true(fabs(fe->calls[1].probability - 2.5 / 3.0) < 1e-15);
  assert_true(fabs(scenario_call_mean(&fe->calls[1]) - 2.5) < 1e-12);
  assert_int_equal(fe->calls[3].count, 1); /* 0.05: one call, p = 0.05 */
  assert_true(fe->calls[3].probability == 0.05);
  /* Empty size fields take the callee's sizes, as in YAML. */
  assert_int_equal(fe->calls[1].request_bytes, 512);
  assert_int_equal(fe->calls[1].response_bytes, 8192);
  assert_int_equal(fe->calls[2].response_bytes, 1024);
  /* Protocols: unset in YAML, set by the CSV; set in both and equal. */
  assert_int_equal(c.services[scenario_find_service(&c, "payment")].protocol, MESH_PROTO_GRPC);
  assert_int_equal(c.services[scenario_find_service(&c, "redis")].protocol, MESH_PROTO_TCP);
  assert_int_equal(c.services[scenario_find_service(&c, "cart")].protocol, MESH_PROTO_GRPC);
  assert_int_equal(c.services[scenario_find_service(&c, "currency")].protocol, MESH_PROTO_HTTP1);
  /* Traffic: YAML entries, then CSV rows (quoted numbers accepted). */
  assert_int_equal(c.n_traffic, 3);
  assert_int_equal(c.traffic[0].service, scenario_find_service(&c, "frontend"));
  assert_true(c.traffic[1].rate_rps == 25.5);
  assert_true(c.traffic[2].rate_rps == 1.5);
  assert_int_equal(c.traffic[2].arrival, SCN_ARRIVAL_POISSON);
  assert_true(c.content_hash != y.content_hash);
  scenario_release(&c);
  scenario_release(&y);
}

/* calls_per_request m -> count = ceil(m), probability = m / count, so the
 * mean is kept; values within 1e-9 of a whole number are that number. */
static void test_csv_mapping(void **state) {
  (void)state;
  static const struct {
    const char *field;
    uint32_t count;
    double probability;
  } cases[] = {
      {"1", 1, 1.0},       {"2.5", 3, 2.5 / 3.0},    {"0.05", 1, 0.05},
      {"1.2", 2, 0.6},     {"3.0000000001", 3, 1.0}, {"2.9999999999", 3, 1.0},
      {"1000", 1000, 1.0}, {"1e-3", 1, 0.001},       {"\"7\"", 7, 1.0},
      {" 4 ", 4, 1.0},     {"3.01", 4, 0.7525},
  };
  char dir[] = "/tmp/meshsim-csvm-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char csv_path[256], yaml_name[256];
  snprintf(csv_path, sizeof csv_path, "%s/calls.csv", dir);
  snprintf(yaml_name, sizeof yaml_name, "%s/m.yaml", dir);
  FILE *f = fopen(csv_path, "w");
  assert_non_null(f);
  fprintf(f, "source,target,calls_per_request,protocol,request_bytes,response_bytes\n");
  char yaml[2048];
  size_t o = (size_t)snprintf(yaml, sizeof yaml,
                              "call_graph_csv: calls.csv\n"
                              "traffic: [{service: a, rate: 1/s}]\n"
                              "services:\n  - name: a\n");
  for (size_t i = 0; i < N_OF(cases); i++) {
    fprintf(f, "a,b%zu,%s,,,\n", i, cases[i].field);
    o += (size_t)snprintf(yaml + o, sizeof yaml - o, "  - name: b%zu\n", i);
  }
  assert_int_equal(fclose(f), 0);
  scenario s;
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_string(yaml, o, yaml_name, NULL, 0, &s, &d);
  if (rc != 0) {
    print_diags(&d);
  }
  assert_int_equal(rc, 0);
  diag_list_release(&d);
  assert_int_equal(s.services[0].n_calls, N_OF(cases));
  for (size_t i = 0; i < N_OF(cases); i++) {
    const scenario_call *c = &s.services[0].calls[i];
    if (c->count != cases[i].count || fabs(c->probability - cases[i].probability) > 1e-15) {
      print_message("%s: count %u p %.17g\n", cases[i].field, c->count, c->probability);
      fail();
    }
  }
  scenario_release(&s);

  /* A header row far too wide is shown cut, with its start. */
  f = fopen(csv_path, "w");
  assert_non_null(f);
  for (int i = 0; i < 20; i++) {
    fprintf(f, "%sc%d", i > 0 ? "," : "", i);
  }
  fprintf(f, "\n");
  assert_int_equal(fclose(f), 0);
  char want[512];
  snprintf(want, sizeof want,
           "%s:1:1: error: expected the header row \"source,target,calls_per_request,protocol,"
           "request_bytes,response_bytes\", got \"c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,"
           "c14,c15,...\"",
           csv_path);
  diag_list_init(&d);
  assert_true(scenario_load_string(yaml, o, yaml_name, NULL, 0, &s, &d) < 0);
  assert_string_equal(diag_first_error(&d), want);
  diag_list_release(&d);
  remove(csv_path);
  remove(dir);
}

static void write_file(const char *path, const char *bytes, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

/* A copy of text with every "\n" replaced by `eol`, after `prefix`. */
static char *convert_eol(const char *prefix, const char *text, const char *eol, size_t *len) {
  size_t cap = strlen(prefix) + 2 * strlen(text) + 1;
  char *out = malloc(cap);
  assert_non_null(out);
  size_t o = (size_t)snprintf(out, cap, "%s", prefix);
  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '\n') {
      o += (size_t)snprintf(out + o, cap - o, "%s", eol);
    } else {
      out[o++] = *p;
    }
  }
  out[o] = '\0';
  *len = o;
  return out;
}

/* What Excel and Windows tools write (a byte order mark, CR LF, no final
 * line break) reads like the plain file; lines stay right across CR LF, CR
 * and quoted line breaks; `--set` takes a path (relative to the current
 * directory) or nothing (no CSV). */
static void test_csv_formats(void **state) {
  (void)state;
  char dir[] = "/tmp/meshsim-csv-XXXXXX";
  assert_non_null(mkdtemp(dir));
  size_t len;
  char *orig = read_all(CSV_DIR "/shop-calls.csv", &len);
  assert_non_null(orig);
  orig[len - 1] = '\0'; /* no final line break */
  scenario twin;
  load_file_ok(CSV_DIR "/shop-twin.yaml", NULL, 0, &twin, true);
  static const struct {
    const char *bom, *eol;
  } variants[] = {{"\xEF\xBB\xBF", "\r\n"}, {"", "\r"}, {"\xEF\xBB\xBF", "\n"}};
  char path[256], ov[300];
  snprintf(path, sizeof path, "%s/calls.csv", dir);
  snprintf(ov, sizeof ov, "call_graph_csv=%s", path);
  for (size_t i = 0; i < N_OF(variants); i++) {
    size_t n;
    char *text = convert_eol(variants[i].bom, orig, variants[i].eol, &n);
    write_file(path, text, n);
    free(text);
    const char *ovs[] = {ov};
    scenario s;
    load_file_ok(CSV_DIR "/shop.yaml", ovs, 1, &s, true);
    assert_same_graph(&s, &twin);
    scenario_release(&s);
  }
  free(orig);

  /* Line numbers: physical lines, whatever ends them, a quoted line break
   * included (its row is reported at its first line). */
  static const char *const eols[] = {"\n", "\r\n", "\r"};
  for (size_t i = 0; i < N_OF(eols); i++) {
    size_t n;
    char *text = convert_eol("",
                             "source,target,calls_per_request,protocol,request_bytes,"
                             "response_bytes\n\"front\nend\",cart,1,,,\n\n"
                             "frontend,catlog,1,,,\n",
                             eols[i], &n);
    write_file(path, text, n);
    free(text);
    const char *ovs[] = {ov};
    char want[512];
    snprintf(want, sizeof want,
             "%s:5:10: error: unknown service \"catlog\"; did you mean \"catalog\"?", path);
    diag_list d;
    diag_list_init(&d);
    scenario s;
    assert_true(scenario_load_file(CSV_DIR "/shop.yaml", ovs, 1, &s, &d) < 0);
    assert_int_equal(d.n_errors, 2);
    assert_non_null(strstr(d.items[0].text, ":2:1: error: unknown service \"front\\x"));
    assert_string_equal(d.items[1].text, want);
    diag_list_release(&d);
  }

  /* A NUL byte in a field is named, not silently cut. */
  static const char nul_csv[] = "source,target,calls_per_request,protocol,request_bytes,"
                                "response_bytes\nfront\0end,cart,1,,,\n";
  write_file(path, nul_csv, sizeof nul_csv - 1);
  {
    const char *ovs[] = {ov};
    char want[512];
    snprintf(want, sizeof want, "%s:2:1: error: invalid \"source\": contains a NUL character",
             path);
    diag_list d;
    diag_list_init(&d);
    scenario s;
    assert_int_equal(scenario_load_file(CSV_DIR "/shop.yaml", ovs, 1, &s, &d),
                     SCENARIO_LOAD_EINVALID);
    assert_int_equal(d.n_errors, 1);
    assert_string_equal(diag_first_error(&d), want);
    diag_list_release(&d);
  }

  /* UTF-16 (Excel's "Unicode text") is named as such. */
  write_file(path, "\xFF\xFEs\0o\0", 6);
  {
    const char *ovs[] = {ov};
    char want[512];
    snprintf(want, sizeof want,
             "%s: error: file is UTF-16 encoded; save it as UTF-8 (CSV inputs must be UTF-8)",
             path);
    diag_list d;
    diag_list_init(&d);
    scenario s;
    assert_int_equal(scenario_load_file(CSV_DIR "/shop.yaml", ovs, 1, &s, &d),
                     SCENARIO_LOAD_EINVALID);
    assert_string_equal(diag_first_error(&d), want);
    diag_list_release(&d);
  }
  remove(path);
  remove(dir);

  /* An empty --set value turns the CSV off: only the YAML call is left. */
  const char *off[] = {"call_graph_csv="};
  scenario s;
  load_file_ok(CSV_DIR "/shop.yaml", off, 1, &s, false);
  uint32_t total = 0;
  for (uint32_t i = 0; i < s.n_services; i++) {
    total += s.services[i].n_calls;
  }
  assert_int_equal(total, 1);
  assert_int_equal(s.n_traffic, 3);
  scenario_release(&s);
  scenario_release(&twin);
}

/* "{dir}" in an expectation stands for the fixture folder. */
static char *expand_dir(const char *text, const char *dir) {
  size_t cap = strlen(text) + 4 * strlen(dir) + 1, o = 0;
  char *out = malloc(cap);
  assert_non_null(out);
  for (const char *p = text; *p != '\0';) {
    if (strncmp(p, "{dir}", 5) == 0) {
      o += (size_t)snprintf(out + o, cap - o, "%s", dir);
      p += 5;
    } else {
      out[o++] = *p++;
    }
  }
  out[o] = '\0';
  return out;
}

/* Every CSV in csv/bad is loaded with base.yaml (calls-*.csv as
 * call_graph_csv, traffic-*.csv as traffic_csv, services-*.csv as
 * services_csv, plus any "# set: KEY=VALUE"
 * lines) and must give exactly its "# expect:" errors, in order, with file
 * and line, and leave no scenario behind. */
static void test_csv_bad_fixtures(void **state) {
  (void)state;
  const char *dir = CSV_DIR "/bad";
  char *names[64];
  size_t n = sorted_names(dir, ".csv", names, N_OF(names));
  assert_true(n >= 20);
  size_t failures = 0;
  for (size_t i = 0; i < n; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    size_t len;
    char *text = read_all(path, &len);
    assert_non_null(text);
    expectation e;
    read_expectations(path, text, &e);
    char *ovs[4];
    size_t n_ov = 0;
    char first[600];
    snprintf(first, sizeof first, "%s=%s",
             strncmp(names[i], "calls-", 6) == 0      ? "call_graph_csv"
             : strncmp(names[i], "services-", 9) == 0 ? "services_csv"
                                                      : "traffic_csv",
             path);
    ovs[n_ov++] = strdup(first);
    for (const char *p = strstr(text, "# set: "); p != NULL && n_ov < N_OF(ovs);
         p = strstr(p + 1, "# set: ")) {
      const char *eol = strchr(p, '\n');
      ovs[n_ov++] = strndup(p + 7, (size_t)(eol - p - 7));
    }
    for (size_t k = 0; k < e.n_errors; k++) {
      char *x = expand_dir(e.errors[k], dir);
      free(e.errors[k]);
      e.errors[k] = x;
    }
    if (e.n_errors == 0) {
      print_message("%s: no \"# expect:\" line\n", path);
      failures++;
    }
    scenario s;
    diag_list d;
    diag_list_init(&d);
    char base[512];
    snprintf(base, sizeof base, "%s/base.yaml", dir);
    int rc = scenario_load_file(base, (const char *const *)ovs, n_ov, &s, &d);
    bool ok = rc == SCENARIO_LOAD_EINVALID && all_zero(&s, sizeof s) && errors_match(&d, &e);
    if (!ok) {
      print_message("%s (rc %d):\n", names[i], rc);
      for (size_t j = 0; j < e.n_errors; j++) {
        print_message("  want: %s\n", e.errors[j]);
      }
      print_diags(&d);
      failures++;
    }
    expectation_release(&e);
    for (size_t j = 0; j < n_ov; j++) {
      free(ovs[j]);
    }
    diag_list_release(&d);
    free(text);
    free(names[i]);
  }
  assert_int_equal(failures, 0);
}

/* Problems with the keys themselves are reported at the key's value. */
static void test_csv_key_errors(void **state) {
  (void)state;
  static const struct {
    const char *text;
    const char *ov;
    const char *want;
  } cases[] = {
      {"services: [{name: a}]\ntraffic: [{service: a, rate: 1/s}]\ncall_graph_csv: nope.csv\n",
       NULL,
       CSV_DIR "/k.yaml:3:17: error: invalid \"call_graph_csv\": cannot open \"" CSV_DIR
               "/nope.csv\": No such file or directory"},
      /* Without YAML traffic only the unreadable file is reported. */
      {"services: [{name: a}]\ntraffic_csv: sub/t.csv\n", NULL,
       CSV_DIR "/k.yaml:2:14: error: invalid \"traffic_csv\": cannot open \"" CSV_DIR
               "/sub/t.csv\": No such file or directory"},
      {"services: [{name: a}]\ntraffic: [{service: a, rate: 1/s}]\ncall_graph_csv: bad\n", NULL,
       CSV_DIR "/k.yaml:3:17: error: invalid \"call_graph_csv\": \"" CSV_DIR
               "/bad\" is a directory; expected a CSV file"},
      {"services: [{name: a}]\ntraffic_csv: \"\"\n", NULL,
       CSV_DIR "/k.yaml:2:14: error: invalid \"traffic_csv\": expected a file path, got nothing"},
      {"services: [{name: a}]\ntraffic_csv: [a.csv]\n", NULL,
       CSV_DIR "/k.yaml:2:14: error: invalid \"traffic_csv\": expected a file path, got a list"},
      /* From --set: relative to the current directory, located in the override. */
      {"services: [{name: a}]\ntraffic: [{service: a, rate: 1/s}]\n",
       "call_graph_csv=no-such-dir/c.csv",
       "--set call_graph_csv=no-such-dir/c.csv:1:16: error: invalid \"call_graph_csv\": cannot "
       "open \"no-such-dir/c.csv\": No such file or directory"},
      /* An absolute path is taken as is. */
      {"services: [{name: a}]\ntraffic: [{service: a, rate: 1/s}]\n"
       "call_graph_csv: /nonexistent/c.csv\n",
       NULL,
       CSV_DIR "/k.yaml:3:17: error: invalid \"call_graph_csv\": cannot open "
               "\"/nonexistent/c.csv\": No such file or directory"},
  };
  for (size_t i = 0; i < N_OF(cases); i++) {
    diag_list d;
    diag_list_init(&d);
    scenario s;
    const char *ov[] = {cases[i].ov};
    int rc = scenario_load_string(cases[i].text, strlen(cases[i].text), CSV_DIR "/k.yaml", ov,
                                  cases[i].ov != NULL ? 1 : 0, &s, &d);
    assert_true(rc < 0);
    assert_true(all_zero(&s, sizeof s));
    if (d.n_errors != 1 || strcmp(diag_first_error(&d), cases[i].want) != 0) {
      print_message("want: %s\n", cases[i].want);
      print_diags(&d);
      fail();
    }
    diag_list_release(&d);
  }
}

/* FNV-1a 64, written again here so the documented formula is checked. */
static uint64_t fnv(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h = (h ^ b[i]) * 1099511628211ULL;
  }
  return h;
}

static uint64_t fnv_file(const char *path, uint64_t h, bool with_length) {
  size_t len;
  char *bytes = read_all(path, &len);
  assert_non_null(bytes);
  if (with_length) {
    unsigned char n8[8];
    for (int b = 0; b < 8; b++) {
      n8[b] = (unsigned char)((uint64_t)len >> (8 * b));
    }
    h = fnv(n8, 8, h);
  }
  h = fnv(bytes, len, h);
  free(bytes);
  return h;
}

static void copy_file(const char *from, const char *to, const char *append) {
  size_t len;
  char *bytes = read_all(from, &len);
  assert_non_null(bytes);
  FILE *f = fopen(to, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, len, f), len);
  if (append != NULL) {
    fputs(append, f);
  }
  assert_int_equal(fclose(f), 0);
  free(bytes);
}

/* The CSV bytes are part of the run identity: YAML bytes, then each CSV
 * (call graph, traffic) as its 8-byte little-endian length and its bytes,
 * then the overrides. The same files elsewhere hash the same. */
static void test_csv_hash(void **state) {
  (void)state;
  scenario a, b;
  load_file_ok(CSV_DIR "/shop.yaml", NULL, 0, &a, true);
  uint64_t h = fnv_file(CSV_DIR "/shop.yaml", 0xcbf29ce484222325ULL, false);
  h = fnv_file(CSV_DIR "/shop-calls.csv", h, true);
  h = fnv_file(CSV_DIR "/shop-traffic.csv", h, true);
  assert_true(a.content_hash == h);
  const char *ov[] = {"metadata.seed=8"};
  load_file_ok(CSV_DIR "/shop.yaml", ov, 1, &b, true);
  assert_true(b.content_hash == fnv("metadata.seed=8", 16, h));
  scenario_release(&b);

  char dir[] = "/tmp/meshsim-csvh-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char yaml[256], calls[256], traffic[256];
  snprintf(yaml, sizeof yaml, "%s/shop.yaml", dir);
  snprintf(calls, sizeof calls, "%s/shop-calls.csv", dir);
  snprintf(traffic, sizeof traffic, "%s/shop-traffic.csv", dir);
  copy_file(CSV_DIR "/shop.yaml", yaml, NULL);
  copy_file(CSV_DIR "/shop-calls.csv", calls, NULL);
  copy_file(CSV_DIR "/shop-traffic.csv", traffic, NULL);
  load_file_ok(yaml, NULL, 0, &b, true);
  assert_true(b.content_hash == a.content_hash);
  scenario_release(&b);
  /* Any change to either CSV changes the hash, even a comment. */
  copy_file(CSV_DIR "/shop-calls.csv", calls, "# re-exported\n");
  load_file_ok(yaml, NULL, 0, &b, true);
  assert_true(b.content_hash != a.content_hash);
  assert_same_graph(&a, &b);
  scenario_release(&b);
  copy_file(CSV_DIR "/shop-calls.csv", calls, NULL);
  copy_file(CSV_DIR "/shop-traffic.csv", traffic, "payment,0.5\n");
  load_file_ok(yaml, NULL, 0, &b, true);
  assert_true(b.content_hash != a.content_hash);
  assert_int_equal(b.n_traffic, 4);
  scenario_release(&b);
  remove(yaml);
  remove(calls);
  remove(traffic);
  remove(dir);
  scenario_release(&a);
}

/* 5,000 services whose 9,996 calls come from one CSV: loads quickly, and
 * a back edge in the CSV is a cycle reported at its row. */
static void test_csv_large(void **state) {
  (void)state;
  const int n = 5000;
  char dir[] = "/tmp/meshsim-csvl-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char yaml_path[256], csv_path[256];
  snprintf(yaml_path, sizeof yaml_path, "%s/big.yaml", dir);
  snprintf(csv_path, sizeof csv_path, "%s/calls.csv", dir);
  FILE *f = fopen(yaml_path, "w");
  assert_non_null(f);
  fprintf(f, "call_graph_csv: calls.csv\ntraffic: [{service: svc-0, rate: 1k/s}]\nservices:\n");
  for (int i = 0; i < n; i++) {
    fprintf(f, "  - {name: svc-%d, namespace: ns%d}\n", i, i % 50);
  }
  assert_int_equal(fclose(f), 0);
  f = fopen(csv_path, "w");
  assert_non_null(f);
  fprintf(f, "source,target,calls_per_request,protocol,request_bytes,response_bytes\n");
  for (int i = 0; i + 2 < n; i++) {
    fprintf(f, "svc-%d,svc-%d,1,grpc,1KiB,2KiB\nsvc-%d,svc-%d,0.5,grpc,,\n", i, i + 1, i, i + 2);
  }
  assert_int_equal(fclose(f), 0);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  scenario s;
  load_file_ok(yaml_path, NULL, 0, &s, true);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  print_message("5000 services, 9996 CSV calls: loaded in %.1f ms\n", ms);
  assert_int_equal(s.services[n - 3].n_calls, 2);
  assert_int_equal(s.services[n - 3].calls[1].target, (uint32_t)(n - 1));
  assert_true(s.services[n - 3].calls[1].probability == 0.5);
  assert_int_equal(s.services[n - 1].protocol, MESH_PROTO_GRPC);
  scenario_release(&s);

  f = fopen(csv_path, "a");
  assert_non_null(f);
  fprintf(f, "svc-4999,svc-4997,1,grpc,,\n");
  assert_int_equal(fclose(f), 0);
  diag_list d;
  diag_list_init(&d);
  assert_int_equal(scenario_load_file(yaml_path, NULL, 0, &s, &d), SCENARIO_LOAD_EINVALID);
  char want[512];
  snprintf(want, sizeof want, "%s:%d:10: error: call cycle: svc-4997 -> svc-4999 -> svc-4997",
           csv_path, 2 * (n - 2) + 2);
  assert_string_equal(diag_first_error(&d), want);
  assert_int_equal(d.n_errors, 1);
  diag_list_release(&d);
  remove(yaml_path);
  remove(csv_path);
  remove(dir);
}

/* The shipped CSV example loads cleanly and takes its graph from CSV. */
static void test_csv_shipped(void **state) {
  (void)state;
  const char *dir = MESHSIM_SOURCE_DIR "/scenarios/csv";
  DIR *dh = opendir(dir);
  assert_non_null(dh);
  struct dirent *de;
  size_t n = 0;
  while ((de = readdir(dh)) != NULL) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0) {
      continue;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    scenario s;
    load_file_ok(path, NULL, 0, &s, true);
    uint32_t calls = 0;
    for (uint32_t i = 0; i < s.n_services; i++) {
      calls += s.services[i].n_calls;
    }
    assert_true(calls > 0);
    assert_true(s.n_traffic > 0);
    scenario_release(&s);
    n++;
  }
  closedir(dh);
  assert_true(n >= 1);
}

/* ------------------------------------------------------------ name tables */

static void check_names(const char *list, int count, const char *(*name)(int),
                        int (*from)(const char *)) {
  char joined[256] = "";
  for (int i = 0; i < count; i++) {
    const char *n = name(i);
    assert_int_equal(from(n), i);
    if (i > 0) {
      strcat(joined, ", ");
    }
    strcat(joined, n);
  }
  assert_string_equal(list, joined);
  assert_string_equal(name(count), "unknown");
  assert_string_equal(name(-1), "unknown");
  assert_int_equal(from("no-such-name"), -1);
  assert_int_equal(from(NULL), -1);
}

#define NAME_FN(fn, type)                                                                          \
  static const char *fn##_i(int v) {                                                               \
    return fn((type)v);                                                                            \
  }
NAME_FN(mesh_mode_name, mesh_mode)
NAME_FN(mesh_ns_mode_name, mesh_ns_mode)
NAME_FN(mesh_proto_name, mesh_proto)
NAME_FN(mesh_kind_name, mesh_kind)
NAME_FN(mesh_proxy_kind_name, mesh_proxy_kind)
NAME_FN(mesh_waypoint_scope_name, mesh_waypoint_scope)
NAME_FN(mesh_placement_name, mesh_placement)
NAME_FN(mesh_lb_name, mesh_lb)
NAME_FN(mesh_sidecar_scope_name, mesh_sidecar_scope)

/* ------------------------------------------------ authoring at cluster size */

/* Services no traffic reaches: max_listed of them named, then a count;
 * SIZE_MAX names every one (validate --all-warnings). */
static void test_warning_lists(void **state) {
  (void)state;
  char text[2048];
  size_t o = (size_t)snprintf(text, sizeof text, "services:\n  - name: web\n");
  for (int i = 0; i < 8; i++) {
    o += (size_t)snprintf(text + o, sizeof text - o, "  - name: lost-%d\n", i);
  }
  snprintf(text + o, sizeof text - o, "traffic: [{service: web, rate: 1/s}]\n");
  static const struct {
    size_t max_listed;
    size_t named;      /* "service "lost-i" receives no traffic" */
    const char *count; /* the closing count, or NULL */
  } cases[] = {
      {DIAG_DEFAULT_MAX_LISTED, 5,
       "w.yaml: warning: 3 more services receive no traffic (`meshsim validate --all-warnings` "
       "lists every one)"},
      {SIZE_MAX, 8, NULL},
      {7, 7,
       "w.yaml: warning: 1 more services receive no traffic (`meshsim validate --all-warnings` "
       "lists every one)"},
      {8, 8, NULL},
  };
  for (size_t c = 0; c < N_OF(cases); c++) {
    scenario s;
    diag_list d;
    diag_list_init(&d);
    d.max_listed = cases[c].max_listed;
    assert_int_equal(scenario_load_string(text, strlen(text), "w.yaml", NULL, 0, &s, &d), 0);
    size_t named = 0;
    for (size_t i = 0; i < d.n; i++) {
      char want[128];
      snprintf(want, sizeof want,
               "w.yaml:%zu:5: warning: service \"lost-%zu\" receives no traffic (no traffic entry "
               "reaches it through calls)",
               i + 3, i);
      named += strcmp(d.items[i].text, want) == 0;
    }
    if (named != cases[c].named || d.n != cases[c].named + (cases[c].count != NULL)) {
      print_diags(&d);
      fail_msg("max_listed %zu: %zu named of %zu messages, want %zu", cases[c].max_listed, named,
               d.n, cases[c].named);
    }
    if (cases[c].count != NULL) {
      assert_string_equal(d.items[d.n - 1].text, cases[c].count);
    }
    scenario_release(&s);
    diag_list_release(&d);
  }
}

/* `l7: true` on `protocol: tcp` loads with a warning at the l7 key; the
 * same from a call-graph CSV's protocol points at the service. */
static void test_l7_on_tcp(void **state) {
  (void)state;
  const char *text = "services:\n"
                     "  - {name: web, calls: [db, cache]}\n"
                     "  - {name: db, protocol: tcp, l7: true}\n"
                     "  - {name: cache, protocol: grpc, l7: true}\n"
                     "traffic: [{service: web, rate: 1/s}]\n";
  scenario s;
  diag_list d;
  diag_list_init(&d);
  assert_int_equal(scenario_load_string(text, strlen(text), "t.yaml", NULL, 0, &s, &d), 0);
  assert_int_equal(d.n, 1);
  assert_string_equal(
      d.items[0].text,
      "t.yaml:3:35: warning: service \"db\" has \"l7: true\" but \"protocol: tcp\": "
      "no proxy can parse opaque TCP, so no L7 policy applies (a waypoint still "
      "carries it in ambient-waypoint namespaces); set the protocol it speaks or "
      "drop \"l7\"");
  assert_true(s.services[1].needs_l7); /* loaded as written */
  scenario_release(&s);
  diag_list_release(&d);
  /* Without l7, or on grpc: no warning. */
  const char *const quiet[] = {"services.db.l7=false", "services.db.protocol=grpc"};
  for (size_t i = 0; i < N_OF(quiet); i++) {
    diag_list_init(&d);
    assert_int_equal(scenario_load_string(text, strlen(text), "t.yaml", &quiet[i], 1, &s, &d), 0);
    assert_int_equal(d.n, 0);
    scenario_release(&s);
    diag_list_release(&d);
  }
}

/* Two services hold the same settings: every field a file can set. */
static void assert_same_service(const scenario *a, uint32_t i, const scenario *b, uint32_t j) {
  const scenario_service *x = &a->services[i], *y = &b->services[j];
  assert_string_equal(x->name, y->name);
  assert_string_equal(a->namespaces[x->ns].name, b->namespaces[y->ns].name);
  assert_string_equal(a->service_accounts[x->service_account],
                      b->service_accounts[y->service_account]);
  assert_int_equal(x->replicas, y->replicas);
  assert_int_equal(x->protocol, y->protocol);
  assert_int_equal(x->cpu_request_millicores, y->cpu_request_millicores);
  assert_int_equal(x->mem_request_bytes, y->mem_request_bytes);
  assert_int_equal(x->cpu_limit_millicores, y->cpu_limit_millicores);
  assert_int_equal(x->mem_limit_bytes, y->mem_limit_bytes);
  assert_int_equal(x->app_workers, y->app_workers);
  assert_int_equal(x->service_time_ns.kind, y->service_time_ns.kind);
  assert_true(x->service_time_ns.a == y->service_time_ns.a);
  assert_true(x->service_time_ns.b == y->service_time_ns.b);
  assert_int_equal(x->service_time_ns.n, y->service_time_ns.n);
  for (size_t k = 0; k < x->service_time_ns.n; k++) {
    assert_true(x->service_time_ns.x[k] == y->service_time_ns.x[k]);
    assert_true(x->service_time_ns.p[k] == y->service_time_ns.p[k]);
  }
  assert_int_equal(x->request_bytes, y->request_bytes);
  assert_int_equal(x->response_bytes, y->response_bytes);
  assert_int_equal(x->needs_l7, y->needs_l7);
  assert_int_equal(x->parallel, y->parallel);
  assert_int_equal(x->lb, y->lb);
  assert_int_equal(x->retry.attempts, y->retry.attempts);
  assert_int_equal(x->retry.timeout_ns, y->retry.timeout_ns);
  assert_int_equal(x->retry.backoff_ns, y->retry.backoff_ns);
  assert_int_equal(x->queue_limit, y->queue_limit);
  assert_int_equal(x->max_requests, y->max_requests);
  assert_int_equal(x->prefer_close, y->prefer_close);
  assert_int_equal(x->n_calls, y->n_calls);
  for (uint32_t k = 0; k < x->n_calls; k++) {
    assert_string_equal(a->services[x->calls[k].target].name, b->services[y->calls[k].target].name);
    assert_int_equal(x->calls[k].count, y->calls[k].count);
    assert_true(x->calls[k].probability == y->calls[k].probability);
    assert_int_equal(x->calls[k].request_bytes, y->calls[k].request_bytes);
    assert_int_equal(x->calls[k].response_bytes, y->calls[k].response_bytes);
  }
}

static void assert_same_services(const scenario *a, const scenario *b) {
  assert_int_equal(a->n_services, b->n_services);
  assert_int_equal(a->n_namespaces, b->n_namespaces);
  for (uint32_t i = 0; i < a->n_services; i++) {
    assert_same_service(a, i, b, i);
  }
}

/* A namespace's defaults: services that leave a key unset take it, a
 * service's own value wins, mappings complete key by key, namespaces
 * without defaults keep the built-in ones; the result equals the same
 * services written out in full. */
static void test_namespace_defaults(void **state) {
  (void)state;
  const char *text = "namespaces:\n"
                     "  - name: shop\n"
                     "    defaults:\n"
                     "      replicas: 3\n"
                     "      protocol: grpc\n"
                     "      requests: {cpu: 250m, memory: 256Mi}\n"
                     "      limits: {cpu: 1}\n"
                     "      workers: 16\n"
                     "      service_time: {dist: empirical, points: [[1ms, 0], [3ms, 1]]}\n"
                     "      request_size: 2KiB\n"
                     "      l7: true\n"
                     "      lb: least-request\n"
                     "      retry: {attempts: 3, timeout: 50ms}\n"
                     "      queue_limit: 100\n"
                     "      connection_pool: {max_requests: 64}\n"
                     "      traffic_distribution: prefer-close\n"
                     "  - name: ops\n"
                     "services:\n"
                     "  - {name: cart, namespace: shop, calls: [pay]}\n"
                     "  - name: pay\n"
                     "    namespace: shop\n"
                     "    replicas: 5\n"
                     "    protocol: http2\n"
                     "    requests: {cpu: 500m}\n"
                     "    retry: {attempts: 2}\n"
                     "    service_time: 2ms\n"
                     "    l7: false\n"
                     "  - {name: cron, namespace: ops}\n"
                     "traffic: [{service: cart, rate: 10/s}, {service: cron, rate: 1/s}]\n";
  const char *full = "namespaces: [{name: shop}, {name: ops}]\n"
                     "services:\n"
                     "  - name: cart\n"
                     "    namespace: shop\n"
                     "    calls: [pay]\n"
                     "    replicas: 3\n"
                     "    protocol: grpc\n"
                     "    requests: {cpu: 250m, memory: 256Mi}\n"
                     "    limits: {cpu: 1}\n"
                     "    workers: 16\n"
                     "    service_time: {dist: empirical, points: [[1ms, 0], [3ms, 1]]}\n"
                     "    request_size: 2KiB\n"
                     "    l7: true\n"
                     "    lb: least-request\n"
                     "    retry: {attempts: 3, timeout: 50ms}\n"
                     "    queue_limit: 100\n"
                     "    connection_pool: {max_requests: 64}\n"
                     "    traffic_distribution: prefer-close\n"
                     "  - name: pay\n"
                     "    namespace: shop\n"
                     "    replicas: 5\n"
                     "    protocol: http2\n"
                     "    requests: {cpu: 500m, memory: 256Mi}\n"
                     "    limits: {cpu: 1}\n"
                     "    workers: 16\n"
                     "    service_time: 2ms\n"
                     "    request_size: 2KiB\n"
                     "    l7: false\n"
                     "    lb: least-request\n"
                     "    retry: {attempts: 2, timeout: 50ms}\n"
                     "    queue_limit: 100\n"
                     "    connection_pool: {max_requests: 64}\n"
                     "    traffic_distribution: prefer-close\n"
                     "  - {name: cron, namespace: ops}\n"
                     "traffic: [{service: cart, rate: 10/s}, {service: cron, rate: 1/s}]\n";
  scenario d, f;
  load_ok(text, NULL, 0, &d);
  load_ok(full, NULL, 0, &f);
  assert_same_services(&d, &f);
  /* The precedence, field by field, on its own. */
  const scenario_service *cart = &d.services[0], *pay = &d.services[1], *cron = &d.services[2];
  assert_int_equal(cart->replicas, 3); /* inherited */
  assert_int_equal(pay->replicas, 5);  /* its own wins */
  assert_int_equal(cron->replicas, 1); /* no defaults: built-in */
  assert_int_equal(pay->cpu_request_millicores, 500);
  assert_int_equal(pay->mem_request_bytes, 256 << 20); /* completed key by key */
  assert_int_equal(pay->retry.attempts, 2);
  assert_int_equal(pay->retry.timeout_ns, 50 * SIM_MS);
  assert_int_equal(cart->service_time_ns.kind, SIM_DIST_EMPIRICAL);
  assert_int_equal(pay->service_time_ns.kind, SIM_DIST_CONSTANT);
  assert_true(cart->dist_storage != NULL && cart->service_time_ns.x == cart->dist_storage);
  assert_int_equal(cart->calls[0].request_bytes, 2048); /* the callee's inherited size */
  assert_false(pay->needs_l7);
  assert_true(pay->prefer_close);
  assert_false(cron->prefer_close);
  assert_int_equal(cron->protocol, MESH_PROTO_HTTP1);
  assert_int_equal(cron->app_workers, 8);
  scenario_release(&f);

  /* --set reaches the defaults, and a service's own key still wins. */
  const char *const ov[] = {"namespaces.shop.defaults.replicas=7",
                            "namespaces.shop.defaults.requests.memory=1Gi"};
  scenario o;
  load_ok(text, ov, 2, &o);
  assert_int_equal(o.services[0].replicas, 7);
  assert_int_equal(o.services[1].replicas, 5);
  assert_int_equal(o.services[1].mem_request_bytes, (int64_t)1 << 30);
  scenario_release(&o);
  scenario_release(&d);
}

/* Mistakes in defaults are reported once, at the defaults; a service's own
 * request above an inherited limit at the request. */
static void test_namespace_defaults_errors(void **state) {
  (void)state;
  static const struct {
    const char *defaults; /* the namespace's line 3 on */
    const char *service;  /* extra keys of service "b" */
    const char *want;     /* every error, joined by '|' */
  } cases[] = {
      {"    defaults: {replicas: 0}\n", "",
       "d.yaml:3:26: error: invalid \"replicas\": must be at least 1, got 0"},
      {"    defaults: {replica: 2}\n", "",
       "d.yaml:3:16: error: unknown key \"replica\" in \"namespaces.shop.defaults\"; did you "
       "mean \"replicas\"?"},
      {"    defaults: {calls: [a]}\n", "",
       "d.yaml:3:16: error: unknown key \"calls\" in \"namespaces.shop.defaults\"; valid keys "
       "are: replicas, protocol, requests, limits, workers, service_time, request_size, "
       "response_size, l7, parallel, lb, retry, queue_limit, connection_pool, "
       "traffic_distribution"},
      {"    defaults: {requests: {cpu: 2}, limits: {cpu: 1}}\n", "",
       "d.yaml:3:50: error: invalid \"cpu\": limit 1000m is below the request 2000m"},
      {"    defaults: {limits: {cpu: 1}}\n", ", requests: {cpu: 1500m}",
       "d.yaml:6:48: error: invalid \"cpu\": request 1500m is above the limit 1000m of "
       "namespace \"shop\"'s defaults"},
      {"    defaults: {limits: {cpu: 1}}\n", ", requests: {cpu: 2}, limits: {memory: 1Gi}",
       "d.yaml:6:60: error: invalid \"cpu\": limit 1000m is below the request 2000m"},
      {"    defaults: [replicas]\n", "",
       "d.yaml:3:15: error: expected a mapping for \"namespaces.shop.defaults\", got a list"},
  };
  for (size_t c = 0; c < N_OF(cases); c++) {
    char text[1024];
    snprintf(text, sizeof text,
             "namespaces:\n"
             "  - name: shop\n"
             "%s"
             "services:\n"
             "  - {name: a, namespace: shop, calls: [b, c]}\n"
             "  - {name: b, namespace: shop%s}\n"
             "  - {name: c, namespace: shop}\n"
             "traffic: [{service: a, rate: 1/s}]\n",
             cases[c].defaults, cases[c].service);
    diag_list d;
    diag_list_init(&d);
    scenario s;
    assert_true(scenario_load_string(text, strlen(text), "d.yaml", NULL, 0, &s, &d) < 0);
    char got[2048] = "";
    size_t off = 0;
    for (size_t i = 0; i < d.n; i++) {
      if (d.items[i].severity == DIAG_ERROR) {
        off +=
            (size_t)snprintf(got + off, sizeof got - off, "%s%s", off ? "|" : "", d.items[i].text);
      }
    }
    if (strcmp(got, cases[c].want) != 0) {
      fail_msg("case %zu:\n got: %s\nwant: %s", c, got, cases[c].want);
    }
    diag_list_release(&d);
  }
}

/* Services from services_csv load to exactly the services the same
 * scenario writes in YAML (namespace defaults, dotted columns, YAML fields
 * and calls included); overrides reach them; the CSV is part of the hash. */
static void test_csv_services(void **state) {
  (void)state;
  scenario c, y;
  load_file_ok(CSV_DIR "/catalog.yaml", NULL, 0, &c, true);
  load_file_ok(CSV_DIR "/catalog-twin.yaml", NULL, 0, &y, true);
  assert_same_services(&c, &y);
  assert_int_equal(c.n_services, 6);
  assert_string_equal(c.services[0].name, "gateway"); /* YAML first, then the rows */
  assert_string_equal(c.services[5].name, "elastic");
  uint64_t h = fnv_file(CSV_DIR "/catalog.yaml", 0xcbf29ce484222325ULL, false);
  h = fnv_file(CSV_DIR "/catalog-services.csv", h, true);
  assert_true(c.content_hash == h);
  scenario_release(&y);

  /* Overrides apply after the rows are in: by name, and to the file. */
  const char *const ov[] = {"services.redis.replicas=9", "services.cart.requests.memory=1Gi"};
  scenario o;
  load_file_ok(CSV_DIR "/catalog.yaml", ov, 2, &o, true);
  uint32_t redis = scenario_find_service(&o, "redis"), cart = scenario_find_service(&o, "cart");
  assert_int_equal(o.services[redis].replicas, 9);
  assert_int_equal(o.services[cart].mem_request_bytes, (int64_t)1 << 30);
  assert_int_equal(o.services[cart].cpu_request_millicores, 500); /* the CSV's */
  scenario_release(&o);

  /* --set services_csv= names another file (relative to the current
   * directory), or none: then only the YAML services are left. */
  const char *const other[] = {"services_csv=" CSV_DIR "/catalog-services.csv",
                               "services.search.replicas=1"};
  load_file_ok(CSV_DIR "/catalog.yaml", other, 2, &o, true);
  assert_int_equal(o.services[scenario_find_service(&o, "search")].replicas, 1);
  scenario_release(&o);
  const char *const off[] = {"services_csv=", "services.gateway.calls="};
  load_file_ok(CSV_DIR "/catalog.yaml", off, 2, &o, true);
  assert_int_equal(o.n_services, 1);
  scenario_release(&o);
  scenario_release(&c);

  /* Problems with the file or its rows as a whole, in the YAML's folder. */
  static const struct {
    const char *text;
    const char *csv; /* written as s.csv beside the YAML; NULL: none */
    const char *want;
  } cases[] = {
      {"services_csv: s.csv\ntraffic: [{service: a, rate: 1/s}]\n", "name\n",
       "{dir}/s.csv: error: no rows after the header and no \"services\" in the scenario: a "
       "scenario needs at least one service"},
      {"services_csv: nope.csv\ntraffic: [{service: a, rate: 1/s}]\n", NULL,
       "{dir}/k.yaml:1:15: error: invalid \"services_csv\": cannot open \"{dir}/nope.csv\": No "
       "such file or directory"},
      {"services_csv: s.csv\ntraffic: [{service: a, rate: 1/s}]\n", "name,replicas\na,\"1\0\"\n",
       "{dir}/s.csv:2:3: error: invalid \"replicas\": contains a NUL character"},
      {"services: [{name: a, calls: [b]}]\nservices_csv: s.csv\ntraffic: [{service: a, rate: "
       "1/s}]\n",
       "name,calls\nb,[a]\n", "{dir}/s.csv:2:4: error: call cycle: a -> b -> a"},
      {"services: {a: 1}\nservices_csv: s.csv\ntraffic: [{service: a, rate: 1/s}]\n", "name\nb\n",
       "{dir}/k.yaml:1:11: error: expected a list for \"services\", got a mapping"},
  };
  char dir[] = "/tmp/meshsim-csvs-XXXXXX";
  assert_non_null(mkdtemp(dir));
  for (size_t i = 0; i < N_OF(cases); i++) {
    char yaml[256], csv[256];
    snprintf(yaml, sizeof yaml, "%s/k.yaml", dir);
    snprintf(csv, sizeof csv, "%s/s.csv", dir);
    FILE *f = fopen(yaml, "w");
    assert_non_null(f);
    fputs(cases[i].text, f);
    fclose(f);
    remove(csv);
    if (cases[i].csv != NULL) {
      f = fopen(csv, "wb");
      assert_non_null(f);
      /* The NUL case holds one: write up to the end of the second line. */
      const char *t = cases[i].csv;
      size_t len = strlen(t);
      if (strstr(t, "\"1") != NULL) {
        len += 3; /* past the NUL: "\0\"\n" */
      }
      fwrite(t, 1, len, f);
      fclose(f);
    }
    char *want = expand_dir(cases[i].want, dir);
    scenario s;
    diag_list d;
    diag_list_init(&d);
    assert_true(scenario_load_file(yaml, NULL, 0, &s, &d) < 0);
    const char *first = diag_first_error(&d);
    if (first == NULL || strcmp(first, want) != 0) {
      print_message("case %zu want: %s\n", i, want);
      print_diags(&d);
      fail();
    }
    diag_list_release(&d);
    free(want);
    remove(yaml);
    remove(csv);
  }
  remove(dir);
}

/* `*` in an override's path reaches every element of a list. */
static void test_override_wildcard(void **state) {
  (void)state;
  const char *text = "services:\n"
                     "  - {name: a, calls: [b]}\n"
                     "  - {name: b, retry: {attempts: 3}}\n"
                     "  - {name: c}\n"
                     "traffic: [{service: a, rate: 1/s}, {service: c, rate: 2/s}]\n";
  const char *const ov[] = {"services.*.workers=16", "services.*.retry.timeout=1s",
                            "traffic.*.arrival=constant", "services.c.workers=2"};
  scenario s;
  load_ok(text, ov, N_OF(ov), &s);
  for (uint32_t i = 0; i < s.n_services; i++) {
    assert_int_equal(s.services[i].app_workers, i == 2 ? 2 : 16); /* later overrides win */
    assert_int_equal(s.services[i].retry.timeout_ns, SIM_S);      /* mappings made as needed */
  }
  assert_int_equal(s.services[1].retry.attempts, 3);
  assert_int_equal(s.traffic[1].arrival, SCN_ARRIVAL_CONSTANT);
  scenario_release(&s);
  const char *const bad[] = {"services.*=3"};
  load_fails(text, bad, 1,
             "--set services.*=3: error: \"services.*\" needs a key after it, like "
             "services.*.replicas");
  const char *const typo[] = {"services.*.replica=3"};
  load_fails(text, typo, 1,
             "--set services.*.replica=3: error: unknown key \"replica\" in \"services.a\"; did "
             "you mean \"replicas\"?");
}

/* Multipliers scale the value the scenario ends up with (from the file, a
 * plain override in any order, a namespace's defaults, the built-in
 * default or a CSV row); counts round up. */
static void test_multipliers(void **state) {
  (void)state;
  const char *text = "cluster:\n"
                     "  nodes: [{name: gp, count: 10, max: 40}, {name: big, count: 0}]\n"
                     "namespaces:\n"
                     "  - {name: shop, defaults: {replicas: 3, workers: 10}}\n"
                     "  - {name: ops}\n"
                     "services:\n"
                     "  - {name: web, namespace: shop, replicas: 2, calls: [db]}\n"
                     "  - {name: db, namespace: shop}\n"
                     "  - {name: cron, namespace: ops}\n"
                     "traffic: [{service: web, rate: 100/s}, {service: cron, rate: 1/s}]\n";
  static const struct {
    const char *ov[3];
    uint32_t web, db, cron;       /* replicas */
    uint32_t web_w, db_w, cron_w; /* workers */
    double rate_web, rate_cron;
    uint32_t gp, big;
  } cases[] = {
      {{NULL}, 2, 3, 1, 10, 10, 8, 100, 1, 10, 0},
      {{"traffic.*.rate=x2"}, 2, 3, 1, 10, 10, 8, 200, 2, 10, 0},
      {{"traffic.web.rate=x0.5"}, 2, 3, 1, 10, 10, 8, 50, 1, 10, 0},
      {{"traffic.1.rate=x3"}, 2, 3, 1, 10, 10, 8, 100, 3, 10, 0}, /* by index */
      {{"services.*.replicas=x2"}, 4, 6, 2, 10, 10, 8, 100, 1, 10, 0},
      {{"services.*.replicas=x1.5"}, 3, 5, 2, 10, 10, 8, 100, 1, 10, 0}, /* rounded up */
      {{"services.*.replicas=x0.1"}, 1, 1, 1, 10, 10, 8, 100, 1, 10, 0}, /* never 0 */
      {{"services.*.workers=x0.3"}, 2, 3, 1, 3, 3, 3, 100, 1, 10, 0},    /* 10 x0.3 = 3 */
      {{"services.db.replicas=x3"}, 2, 9, 1, 10, 10, 8, 100, 1, 10, 0},
      /* A plain override, before or after, is what gets multiplied. */
      {{"services.*.replicas=x2", "services.web.replicas=5"}, 10, 6, 2, 10, 10, 8, 100, 1, 10, 0},
      {{"services.web.replicas=5", "services.*.replicas=x2"}, 10, 6, 2, 10, 10, 8, 100, 1, 10, 0},
      {{"namespaces.shop.defaults.replicas=4", "services.*.replicas=x2"},
       4,
       8,
       2,
       10,
       10,
       8,
       100,
       1,
       10,
       0},
      /* Two multipliers compose. */
      {{"traffic.*.rate=x2", "traffic.web.rate=x2"}, 2, 3, 1, 10, 10, 8, 400, 2, 10, 0},
      {{"cluster.nodes.*.count=x4"}, 2, 3, 1, 10, 10, 8, 100, 1, 40, 0},
  };
  for (size_t c = 0; c < N_OF(cases); c++) {
    size_t n = 0;
    while (n < 3 && cases[c].ov[n] != NULL) {
      n++;
    }
    scenario s;
    load_ok(text, cases[c].ov, n, &s);
    uint32_t got[] = {s.services[0].replicas,    s.services[1].replicas,
                      s.services[2].replicas,    s.services[0].app_workers,
                      s.services[1].app_workers, s.services[2].app_workers,
                      s.cluster.pools[0].count,  s.cluster.pools[1].count};
    uint32_t want[] = {cases[c].web,  cases[c].db,     cases[c].cron, cases[c].web_w,
                       cases[c].db_w, cases[c].cron_w, cases[c].gp,   cases[c].big};
    for (size_t k = 0; k < N_OF(want); k++) {
      if (got[k] != want[k]) {
        fail_msg("case %zu (%s): value %zu is %u, want %u", c, cases[c].ov[0] ? cases[c].ov[0] : "",
                 k, got[k], want[k]);
      }
    }
    assert_true(fabs(s.traffic[0].rate_rps - cases[c].rate_web) < 1e-9);
    assert_true(fabs(s.traffic[1].rate_rps - cases[c].rate_cron) < 1e-12);
    scenario_release(&s);
  }

  /* Rates from traffic_csv are multiplied too (they are never in the tree). */
  scenario a, b;
  const char *const x2[] = {"traffic.*.rate=x2"};
  load_file_ok(CSV_DIR "/shop.yaml", NULL, 0, &a, true);
  load_file_ok(CSV_DIR "/shop.yaml", x2, 1, &b, true);
  assert_int_equal(a.n_traffic, 3);
  for (uint32_t i = 0; i < a.n_traffic; i++) {
    assert_true(b.traffic[i].rate_rps == 2 * a.traffic[i].rate_rps);
  }
  assert_true(a.content_hash != b.content_hash);
  scenario_release(&a);
  scenario_release(&b);

  static const struct {
    const char *ov;
    const char *want;
  } bad[] = {
      {"traffic.*.rate=x0", "--set traffic.*.rate=x0:1:16: error: invalid multiplier \"x0\": "
                            "expected a number above 0 after \"x\", like x2 or x0.5"},
      {"traffic.*.rate=xx", "--set traffic.*.rate=xx:1:16: error: invalid multiplier \"xx\": "
                            "expected a number above 0 after \"x\", like x2 or x0.5"},
      {"traffic.wbe.rate=x2",
       "--set traffic.wbe.rate=x2: error: no entry \"wbe\" in \"traffic\"; did you mean \"web\"?"},
      {"services.*.replicas=x50000",
       "--set services.*.replicas=x50000: error: invalid \"replicas\": 3 x50000 is 150000 for "
       "\"services.db\", more than 100000"}, /* web's 2 x50000 is the most there is */
      {"cluster.nodes.gp.count=x5",
       "--set cluster.nodes.gp.count=x5: error: invalid \"count\": 10 x5 is 50 for "
       "\"cluster.nodes.gp\", above its \"max\" 40"},
  };
  for (size_t c = 0; c < N_OF(bad); c++) {
    load_fails(text, &bad[c].ov, 1, bad[c].want);
  }
  /* Keys that take no multiplier read "x2" as a value. */
  const char *const lb[] = {"services.web.lb=x2"};
  load_fails(text, lb, 1,
             "--set services.web.lb=x2:1:17: error: unknown load balancer \"x2\"; valid load "
             "balancers are: round-robin, random, least-request");
}

/* A failure's instance is named as the model names instances; a name no
 * topology can hold draws a warning at the instance (valid ones none). */
static void test_failure_instances(void **state) {
  (void)state;
  const char *text = "cluster:\n"
                     "  nodes: [{name: general, count: 3, max: 5}]\n"
                     "mesh:\n"
                     "  waypoint: {replicas: 2}\n"
                     "namespaces:\n"
                     "  - {name: shop}\n"
                     "  - {name: pricing, waypoint_scope: service}\n"
                     "services:\n"
                     "  - {name: cart, namespace: shop, replicas: 3, l7: true, calls: [quote]}\n"
                     "  - {name: quote, namespace: pricing, l7: true}\n"
                     "traffic: [{service: cart, rate: 10/s}]\n";
  static const struct {
    const char *target, *instance;
    const char *why; /* after "no KIND "NAME" can exist: "; NULL: no warning */
  } cases[] = {
      {"sidecar", "cart-2", NULL},
      {"sidecar", "cart-3", "service \"cart\" has 3 replicas (cart-0 .. cart-2)"},
      {"sidecar", "cat-0",
       "there is no service \"cat\" (sidecars are named after their pods, SERVICE-N, like "
       "\"cart-0\")"},
      {"sidecar", "cart", "sidecars are named after their pods, SERVICE-N, like \"cart-0\""},
      {"node", "general-4", NULL}, /* placement may add nodes up to max */
      {"node", "general-5", "pool \"general\" has at most 5 nodes (general-0 .. general-4)"},
      {"node", "gen-0", "there is no pool \"gen\" (nodes are named POOL-N, like \"general-0\")"},
      {"ztunnel", "general-1", NULL},
      {"waypoint", "shop/waypoint#1", NULL},
      {"waypoint", "shop/waypoint#2", "waypoint \"shop/waypoint\" has 2 replicas (#0 .. #1)"},
      {"waypoint", "pricing/quote#0", NULL}, /* service scope: keyed by the service */
      {"waypoint", "pricing/waypoint#0",
       "no service with \"l7: true\" in namespace \"pricing\" has a waypoint keyed "
       "\"waypoint\" (the key is \"waypoint\", a service account or a service, by the "
       "namespace's waypoint scope)"},
      {"waypoint", "shp/waypoint#0",
       "there is no namespace \"shp\" (waypoints are named NAMESPACE/KEY#N, like "
       "\"shop/waypoint#0\")"},
      {"waypoint", "shop-waypoint-0",
       "waypoints are named NAMESPACE/KEY#N, like \"shop/waypoint#0\""},
  };
  for (size_t c = 0; c < N_OF(cases); c++) {
    char ov[256], want[768];
    snprintf(ov, sizeof ov,
             "failures=[{name: f, target: %s, instance: \"%s\", at: 1s, duration: 1s}]",
             cases[c].target, cases[c].instance);
    const char *ovs[] = {ov};
    scenario s;
    diag_list d;
    diag_list_init(&d);
    assert_int_equal(scenario_load_string(text, strlen(text), "f.yaml", ovs, 1, &s, &d), 0);
    if (cases[c].why == NULL) {
      if (d.n != 0) {
        print_diags(&d);
        fail_msg("%s \"%s\": no warning expected", cases[c].target, cases[c].instance);
      }
    } else {
      size_t col = strlen(cases[c].target) + 41; /* the instance's quote in the override */
      snprintf(want, sizeof want,
               "--set %s:1:%zu: warning: failure \"f\": no %s \"%s\" can exist: %s", ov, col,
               cases[c].target, cases[c].instance, cases[c].why);
      if (d.n != 1 || strcmp(d.items[0].text, want) != 0) {
        print_message("want: %s\n", want);
        print_diags(&d);
        fail();
      }
    }
    scenario_release(&s);
    diag_list_release(&d);
  }
  /* The control plane fails as a whole. */
  const char *cp[] = {"failures=[{target: control-plane, instance: istiod, at: 1s, duration: 1s}]"};
  scenario s;
  diag_list d;
  diag_list_init(&d);
  assert_int_equal(scenario_load_string(text, strlen(text), "f.yaml", cp, 1, &s, &d), 0);
  assert_int_equal(d.n, 1);
  assert_non_null(strstr(d.items[0].text, "\"instance\" does not apply to target "
                                          "\"control-plane\", which fails as a whole"));
  scenario_release(&s);
  diag_list_release(&d);
}

static void test_mesh_type_names(void **state) {
  (void)state;
  check_names(mesh_mode_names_list(), MESH_MODE_COUNT, mesh_mode_name_i, mesh_mode_from_name);
  check_names(mesh_ns_mode_names_list(), MESH_NS_COUNT, mesh_ns_mode_name_i,
              mesh_ns_mode_from_name);
  check_names(mesh_kind_names_list(), MESH_KIND_COUNT, mesh_kind_name_i, mesh_kind_from_name);
  check_names(mesh_proxy_kind_names_list(), MESH_PROXY_COUNT, mesh_proxy_kind_name_i,
              mesh_proxy_kind_from_name);
  check_names(mesh_waypoint_scope_names_list(), MESH_WAYPOINT_SCOPE_COUNT,
              mesh_waypoint_scope_name_i, mesh_waypoint_scope_from_name);
  check_names(mesh_placement_names_list(), MESH_PLACE_COUNT, mesh_placement_name_i,
              mesh_placement_from_name);
  check_names(mesh_lb_names_list(), MESH_LB_COUNT, mesh_lb_name_i, mesh_lb_from_name);
  check_names(mesh_sidecar_scope_names_list(), MESH_SCOPE_COUNT, mesh_sidecar_scope_name_i,
              mesh_sidecar_scope_from_name);
  /* Protocols: "http" is an alias of http1 and listed first. */
  check_names(mesh_proto_names_list() + strlen("http, "), MESH_PROTO_COUNT, mesh_proto_name_i,
              mesh_proto_from_name);
  assert_int_equal(mesh_proto_from_name("http"), MESH_PROTO_HTTP1);
  assert_string_equal(mesh_mode_name(MESH_MODE_AMBIENT_WAYPOINT), "ambient-waypoint");
  assert_string_equal(mesh_kind_name(MESH_KIND_CONTROL_PLANE), "control_plane");
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    assert_string_equal(mesh_kind_name(mesh_proxy_kind_to_kind((mesh_proxy_kind)k)),
                        mesh_proxy_kind_name((mesh_proxy_kind)k));
  }
}

static void test_diag_helpers(void **state) {
  (void)state;
  static const struct {
    const char *a, *b;
    unsigned d;
  } dist[] = {
      {"seed", "seed", 0},  {"sed", "seed", 1},
      {"seeed", "seed", 1}, {"sede", "seed", 1},
      {"", "abc", 3},       {"kitten", "sitting", 3},
      {"ab", "ba", 1},      {"replica", "replicas", 1},
  };
  for (size_t i = 0; i < N_OF(dist); i++) {
    assert_int_equal(diag_edit_distance(dist[i].a, dist[i].b, 5), dist[i].d);
  }
  assert_int_equal(diag_edit_distance("abcdefgh", "zzzzzzzz", 2), 3);
  const char *keys[] = {"name", "namespace", "replicas", "requests", "service_time"};
  assert_string_equal(diag_suggest("replica", keys, 5), "replicas");
  assert_string_equal(diag_suggest("Name", keys, 5), "name");
  assert_string_equal(diag_suggest("servicetime", keys, 5), "service_time");
  assert_string_equal(diag_suggest("reqests", keys, 5), "requests");
  assert_null(diag_suggest("cpu", keys, 5));
  assert_null(diag_suggest("x", keys, 5));

  char buf[32];
  assert_string_equal(diag_quote(buf, sizeof buf, "a\"b\\c\n", 100), "a\\\"b\\\\c\\x0a");
  assert_string_equal(diag_quote(buf, sizeof buf, "abcdef", 3), "abc...");
  /* Cutting never splits a UTF-8 sequence. */
  assert_string_equal(diag_quote(buf, sizeof buf, "ab\xc2\xb5xyz", 3), "ab...");

  diag_list d;
  diag_list_init(&d);
  assert_int_equal(diag_error(&d, "f.yaml", 3, 4, "bad %s", "thing"), -1);
  assert_int_equal(diag_warning(&d, "f.yaml", 0, 0, "whole file"), 0);
  assert_int_equal(diag_note(&d, NULL, 0, 0, "plain"), 0);
  assert_int_equal(diag_error(&d, "f.yaml", 7, 0, "no column"), -1);
  assert_string_equal(diag_text(&d, 0), "f.yaml:3:4: error: bad thing");
  assert_string_equal(diag_text(&d, 1), "f.yaml: warning: whole file");
  assert_string_equal(diag_text(&d, 2), "note: plain");
  assert_string_equal(diag_text(&d, 3), "f.yaml:7: error: no column");
  assert_null(diag_text(&d, 4));
  assert_int_equal(d.n_errors, 2);
  assert_int_equal(d.n_warnings, 1);
  diag_list_release(&d);
  assert_int_equal(d.n, 0);
  assert_int_equal(d.max_errors, DIAG_DEFAULT_MAX_ERRORS);
  assert_null(diag_first_error(&d));

  /* Past the cap errors are counted, not kept; warnings are not capped. */
  d.max_errors = 2;
  for (int i = 0; i < 3; i++) {
    diag_error(&d, "f", 1, 1, "e%d", i);
  }
  diag_warning(&d, "f", 1, 1, "w");
  assert_int_equal(d.n_errors, 2);
  assert_int_equal(d.n_dropped, 1);
  assert_int_equal(d.n_warnings, 1);
  assert_int_equal(diag_error_count(&d), 3);
  char *out = NULL;
  size_t out_len = 0;
  FILE *f = open_memstream(&out, &out_len);
  assert_non_null(f);
  diag_print(&d, f);
  fclose(f);
  assert_string_equal(out, "f:1:1: error: e0\nf:1:1: error: e1\nf:1:1: warning: w\n"
                           "stopped after 2 errors (1 more not shown)\n");
  free(out);
  diag_list_release(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_scenario), cmocka_unit_test(test_minimal_defaults),
      cmocka_unit_test(test_every_key),        cmocka_unit_test(test_good_fixtures),
      cmocka_unit_test(test_bookinfo),         cmocka_unit_test(test_shipped_scenarios),
      cmocka_unit_test(test_bad_fixtures),     cmocka_unit_test(test_message_style),
      cmocka_unit_test(test_overrides),        cmocka_unit_test(test_objective),
      cmocka_unit_test(test_override_errors),  cmocka_unit_test(test_hash),
      cmocka_unit_test(test_io_errors),        cmocka_unit_test(test_string_inputs),
      cmocka_unit_test(test_error_cap),        cmocka_unit_test(test_many_errors),
      cmocka_unit_test(test_warnings),         cmocka_unit_test(test_mutations),
      cmocka_unit_test(test_hostile_yaml),     cmocka_unit_test(test_long_cycle),
      cmocka_unit_test(test_large_scenario),   cmocka_unit_test(test_csv_equals_yaml),
      cmocka_unit_test(test_csv_mapping),      cmocka_unit_test(test_csv_formats),
      cmocka_unit_test(test_csv_bad_fixtures), cmocka_unit_test(test_csv_key_errors),
      cmocka_unit_test(test_csv_hash),         cmocka_unit_test(test_csv_large),
      cmocka_unit_test(test_csv_shipped),      cmocka_unit_test(test_mesh_type_names),
      cmocka_unit_test(test_diag_helpers),     cmocka_unit_test(test_warning_lists),
      cmocka_unit_test(test_l7_on_tcp),        cmocka_unit_test(test_namespace_defaults),
      cmocka_unit_test(test_operations),       cmocka_unit_test(test_namespace_defaults_errors),
      cmocka_unit_test(test_csv_services),     cmocka_unit_test(test_override_wildcard),
      cmocka_unit_test(test_multipliers),      cmocka_unit_test(test_failure_instances),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
