/* imp_k8s: Kubernetes objects into scenarios.
 *
 * The example inputs of scenarios/import/ (a kubectl List with nodes, HPAs,
 * an ambient and a sidecar-injected namespace; the public Online Boutique
 * and Bookinfo manifests, trimmed) are imported and the scenario they give
 * is loaded back and checked value by value. The round trip compares the
 * imports with the shipped scenarios/online-boutique.yaml and bookinfo.yaml
 * in services, replicas, requests, limits and protocols, printing every row.
 * Bad inputs (tests/fixtures/import/k8s-bad/) carry their message on an
 * `# expect:` line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "imp_buf.h"
#include "imp_k8s.h"
#include "scenario_load.h"

#define EXAMPLES MESHSIM_SOURCE_DIR "/scenarios/import"

/* Imports `paths` and loads the result; fails the test on any error. */
static void import_ok(const char *const *paths, size_t n, const char *ns, scenario *s,
                      diag_list *notes) {
  imp_k8s_options o = {.default_namespace = ns, .display = "<out>"};
  diag_list d;
  diag_list_init(&d);
  diag_list_init(notes);
  imp_buf out;
  imp_buf_init(&out);
  int rc = imp_k8s_import(paths, n, &o, &out, notes, &d);
  if (rc != 0)
    diag_print(&d, stderr);
  assert_int_equal(rc, 0);
  rc = scenario_load_string(out.s, out.len, "<out>", NULL, 0, s, &d);
  if (rc != 0)
    diag_print(&d, stderr);
  assert_int_equal(rc, 0);
  imp_buf_release(&out);
  diag_list_release(&d);
}

static const scenario_service *svc(const scenario *s, const char *name) {
  uint32_t i = scenario_find_service(s, name);
  if (i == SCN_NONE)
    fail_msg("no service \"%s\" in the import", name);
  return &s->services[i];
}

static bool has_note(const diag_list *notes, const char *part) {
  for (size_t i = 0; i < notes->n; i++)
    if (strstr(notes->items[i].text, part))
      return true;
  return false;
}

static void test_kubectl_list(void **state) {
  (void)state;
  const char *paths[] = {EXAMPLES "/cluster/kubectl-list.yaml"};
  scenario s;
  diag_list notes;
  import_ok(paths, 1, NULL, &s, &notes);
  /* Namespaces and their current modes; kube-system is the cluster's own. */
  assert_int_equal(s.n_namespaces, 2);
  assert_int_equal(s.namespaces[scenario_find_namespace(&s, "shop")].hybrid_mode,
                   MESH_NS_AMBIENT_WAYPOINT);
  assert_int_equal(s.namespaces[scenario_find_namespace(&s, "payments")].hybrid_mode,
                   MESH_NS_SIDECAR);
  assert_int_equal(s.mesh.n_modes, 5); /* two modes in use: hybrid is listed */
  /* Node pool: three workers of one pool, the control-plane node left out. */
  assert_int_equal(s.cluster.n_pools, 1);
  assert_string_equal(s.cluster.pools[0].name, "pool-1");
  assert_int_equal(s.cluster.pools[0].count, 3);
  assert_int_equal(s.cluster.pools[0].cpu_millicores, 3920);
  assert_int_equal(s.cluster.pools[0].mem_bytes, 13335256LL * 1024);
  assert_int_equal(s.cluster.n_zones, 2);
  assert_int_equal(s.cluster.pools[0].n_zones, 2);
  /* kube-proxy is per-node reserve; ztunnel is the profile's. */
  assert_int_equal(s.cluster.system_reserved_millicores, 100);
  assert_int_equal(s.cluster.system_reserved_mem_bytes, 64LL << 20);
  /* web: two app containers summed, HPA noted, replicas as set. */
  const scenario_service *web = svc(&s, "web");
  assert_int_equal(web->replicas, 3);
  assert_int_equal(web->cpu_request_millicores, 300);
  assert_int_equal(web->mem_request_bytes, 320LL << 20);
  assert_int_equal(web->cpu_limit_millicores, 0); /* the cache container sets none */
  assert_int_equal(web->protocol, MESH_PROTO_HTTP1);
  assert_true(web->needs_l7); /* the namespace uses a waypoint */
  /* catalog-db: a StatefulSet; requests default to the limits. */
  const scenario_service *db = svc(&s, "catalog-db");
  assert_int_equal(db->replicas, 2);
  assert_int_equal(db->protocol, MESH_PROTO_TCP);
  assert_int_equal(db->cpu_request_millicores, 500);
  assert_int_equal(db->mem_request_bytes, 1LL << 30);
  /* pay: istio-proxy is the mesh's, not the app's. */
  const scenario_service *pay = svc(&s, "pay");
  assert_int_equal(pay->replicas, 2);
  assert_int_equal(pay->protocol, MESH_PROTO_GRPC);
  assert_int_equal(pay->cpu_request_millicores, 200);
  assert_int_equal(pay->mem_request_bytes, 128LL << 20);
  assert_int_equal(s.mesh.proxy[MESH_PROXY_SIDECAR].request_millicores, 100);
  assert_int_equal(s.mesh.proxy[MESH_PROXY_SIDECAR].limit_mem_bytes, 1LL << 30);
  /* Traffic enters the LoadBalancer Service. */
  assert_int_equal(s.n_traffic, 1);
  assert_string_equal(s.services[s.traffic[0].service].name, "web");
  assert_true(has_note(&notes, "HorizontalPodAutoscaler shop/web"));
  assert_true(has_note(&notes, "1 ConfigMap object"));
  assert_true(has_note(&notes, "control-plane node"));
  assert_true(has_note(&notes, "port 9090 is http"));
  assert_true(has_note(&notes, "DaemonSet kube-system/kube-proxy: one pod per node"));
  scenario_release(&s);
  diag_list_release(&notes);
}

/* ---- round trip ----------------------------------------------------------- */

/* The shipped scenario and the import agree on every service's name,
 * replicas, requests, limits and protocol. Prints the table compared. */
static void round_trip(const char *shipped, const char *folder, const char *ns) {
  const char *paths[] = {folder};
  scenario imp, ref;
  diag_list notes, d;
  import_ok(paths, 1, ns, &imp, &notes);
  diag_list_init(&d);
  int rc = scenario_load_file(shipped, NULL, 0, &ref, &d);
  if (rc != 0)
    diag_print(&d, stderr);
  assert_int_equal(rc, 0);
  printf("%s vs import of %s\n%-24s %9s %9s %9s %9s %9s %9s\n", shipped, folder, "service",
         "replicas", "cpu req", "mem req", "cpu lim", "mem lim", "protocol");
  int diffs = 0;
  assert_int_equal(imp.n_services, ref.n_services);
  for (uint32_t i = 0; i < ref.n_services; i++) {
    const scenario_service *r = &ref.services[i];
    const scenario_service *m = svc(&imp, r->name);
    int same = r->replicas == m->replicas &&
               r->cpu_request_millicores == m->cpu_request_millicores &&
               r->mem_request_bytes == m->mem_request_bytes &&
               r->cpu_limit_millicores == m->cpu_limit_millicores &&
               r->mem_limit_bytes == m->mem_limit_bytes && r->protocol == m->protocol;
    printf("%-24s %4u/%-4u %4lld/%-4lld %4lld/%-4lld %4lld/%-4lld %4lld/%-4lld %4s/%-4s %s\n",
           r->name, r->replicas, m->replicas, (long long)r->cpu_request_millicores,
           (long long)m->cpu_request_millicores, (long long)(r->mem_request_bytes >> 20),
           (long long)(m->mem_request_bytes >> 20), (long long)r->cpu_limit_millicores,
           (long long)m->cpu_limit_millicores, (long long)(r->mem_limit_bytes >> 20),
           (long long)(m->mem_limit_bytes >> 20), mesh_proto_name(r->protocol),
           mesh_proto_name(m->protocol), same ? "same" : "DIFFERS");
    diffs += !same;
  }
  printf("(shipped/imported; memory in MiB) %d of %u services differ\n", diffs, ref.n_services);
  assert_int_equal(diffs, 0);
  scenario_release(&imp);
  scenario_release(&ref);
  diag_list_release(&notes);
  diag_list_release(&d);
}

static void test_round_trip_online_boutique(void **state) {
  (void)state;
  round_trip(MESHSIM_SOURCE_DIR "/scenarios/online-boutique.yaml", EXAMPLES "/online-boutique",
             "boutique");
}

/* Bookinfo's manifest sets no requests: the import leaves meshsim's default
 * (100m/128Mi), which the shipped scenario states as its assumption. */
static void test_round_trip_bookinfo(void **state) {
  (void)state;
  round_trip(MESHSIM_SOURCE_DIR "/scenarios/bookinfo.yaml", EXAMPLES "/bookinfo", "bookinfo");
}

static void test_entries_and_clients(void **state) {
  (void)state;
  const char *ob[] = {EXAMPLES "/online-boutique"};
  scenario s;
  diag_list notes;
  import_ok(ob, 1, "boutique", &s, &notes);
  assert_int_equal(s.n_traffic, 1); /* frontend-external (LoadBalancer) is frontend's twin */
  assert_string_equal(s.services[s.traffic[0].service].name, "frontend");
  assert_true(has_note(&notes, "Deployment boutique/loadgenerator: no Service selects"));
  scenario_release(&s);
  diag_list_release(&notes);
  const char *bi[] = {EXAMPLES "/bookinfo"};
  import_ok(bi, 1, "bookinfo", &s, &notes);
  assert_int_equal(s.n_traffic, 1); /* the gateway VirtualService routes to productpage */
  assert_string_equal(s.services[s.traffic[0].service].name, "productpage");
  assert_int_equal(svc(&s, "reviews")->replicas, 3); /* reviews-v1..v3 behind one Service */
  scenario_release(&s);
  diag_list_release(&notes);
}

/* ---- bad inputs ----------------------------------------------------------- */

#define BAD MESHSIM_FIXTURES "/import/k8s-bad"

static void test_bad_inputs(void **state) {
  (void)state;
  DIR *dir = opendir(BAD);
  assert_non_null(dir);
  struct dirent *e;
  int checked = 0;
  while ((e = readdir(dir)) != NULL) {
    if (!strstr(e->d_name, ".yaml"))
      continue;
    char path[1024], line[1024], expect[1200];
    snprintf(path, sizeof path, "%s/%s", BAD, e->d_name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    const char *want = strstr(line, "# expect: ");
    assert_non_null(want);
    want += strlen("# expect: ");
    if (!strncmp(want, "<out>", 5))
      snprintf(expect, sizeof expect, "%s", want);
    else
      snprintf(expect, sizeof expect, "%s/%s", BAD, want);
    const char *paths[] = {path};
    imp_k8s_options o = {.display = "<out>"};
    diag_list d, notes;
    diag_list_init(&d);
    diag_list_init(&notes);
    imp_buf out;
    imp_buf_init(&out);
    int rc = imp_k8s_import(paths, 1, &o, &out, &notes, &d);
    const char *got = diag_first_error(&d);
    printf("%-26s %s\n", e->d_name, got ? got : "(no error)");
    assert_int_equal(rc, strncmp(want, "<out>", 5) ? IMPORT_EINPUT : IMPORT_EOUTPUT);
    assert_non_null(got);
    assert_string_equal(got, expect);
    imp_buf_release(&out);
    diag_list_release(&d);
    diag_list_release(&notes);
    checked++;
  }
  closedir(dir);
  assert_true(checked >= 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kubectl_list),
      cmocka_unit_test(test_entries_and_clients),
      cmocka_unit_test(test_round_trip_online_boutique),
      cmocka_unit_test(test_round_trip_bookinfo),
      cmocka_unit_test(test_bad_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
