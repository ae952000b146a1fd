/* fuzz_overrides: `--set KEY=VALUE` overrides and the unit parsers.
 *
 * The input is split into lines (at most FUZZ_OVERRIDES_MAX of them). Every
 * line is given to each parser of units.h, and units_describe_error renders
 * each rejection; then the lines are applied, in order, as overrides to a
 * fixed valid scenario that sets every key of the format (a copy of
 * tests/fixtures/scenarios/good/full.yaml): the KEY=VALUE split, the path
 * walk through mappings and named or indexed list entries, missing mappings
 * created on the way, the value parsed as its own YAML document and copied
 * into the tree, and the conversion of the result. Lines whose KEY contains
 * "csv" are not applied: `call_graph_csv` / `traffic_csv` would make the
 * loader read a file of the host (fuzz_support.h). */
#include "fuzz_support.h"

#include <stdlib.h>
#include <string.h>

#include "scenario_load.h"
#include "units.h"

#define FUZZ_OVERRIDES_MAX 16

static const char fuzz_overrides_base[] =
    "metadata:\n"
    "  name: full\n"
    "  description: \"every key: set\"\n"
    "  seed: 123456789012\n"
    "  duration: 1min\n"
    "  warmup: 5s\n"
    "  replications: 5\n"
    "  slo: 250ms\n"
    "cluster:\n"
    "  zones: [z1, z2, z3]\n"
    "  nodes:\n"
    "    - name: big\n"
    "      count: 4\n"
    "      max: 10\n"
    "      cpu: 16000m\n"
    "      memory: 64Gi\n"
    "      zones: [z3, z1]\n"
    "    - name: small\n"
    "      count: 0\n"
    "      cpu: 2\n"
    "      memory: 4Gi\n"
    "  network:\n"
    "    same_node: 10us\n"
    "    same_zone: 150µs\n"
    "    cross_zone: 1ms\n"
    "    bandwidth: 125MB/s\n"
    "  placement: binpack\n"
    "  system_reserved: {cpu: 250m, memory: 512Mi}\n"
    "pricing:\n"
    "  vcpu_hour: 0.05\n"
    "  gib_hour: 0.005\n"
    "  cross_zone_gb: 0.02\n"
    "  hours_per_month: 720\n"
    "mesh:\n"
    "  profile: istio-1.25\n"
    "  sidecar_profile: linkerd-2.14\n"
    "  modes: [sidecar, ambient]\n"
    "  sidecar:\n"
    "    workers: 2\n"
    "    requests: {cpu: 100m, memory: 128Mi}\n"
    "    limits: {cpu: 2, memory: 1Gi}\n"
    "    scope: calls\n"
    "  ztunnel:\n"
    "    workers: 4\n"
    "    requests: {cpu: 200m, memory: 512Mi}\n"
    "  waypoint:\n"
    "    workers: 3\n"
    "    limits: {cpu: 1}\n"
    "    scope: service-account\n"
    "    replicas: 2\n"
    "    autoscale:\n"
    "      target_utilisation: 0.5\n"
    "      scale_up_delay: 10s\n"
    "      scale_down_delay: 2min\n"
    "      min: 2\n"
    "      max: 8\n"
    "  new_connection_share: 0.25\n"
    "namespaces:\n"
    "  - name: front\n"
    "    tenant: acme\n"
    "    team: web\n"
    "    mode: ambient\n"
    "    waypoint_scope: service\n"
    "    waypoint_replicas: 3\n"
    "  - name: pay\n"
    "    compliance: true\n"
    "services:\n"
    "  - name: web\n"
    "    namespace: front\n"
    "    service_account: web-sa\n"
    "    replicas: 4\n"
    "    protocol: http2\n"
    "    requests: {cpu: 300m, memory: 1Gi}\n"
    "    limits: {cpu: 600m, memory: 2Gi}\n"
    "    workers: 32\n"
    "    service_time: {dist: pareto, mean: 4ms, alpha: 3}\n"
    "    request_size: 2KiB\n"
    "    response_size: 64KiB\n"
    "    l7: true\n"
    "    parallel: true\n"
    "    lb: least-request\n"
    "    calls:\n"
    "      - {service: api, count: 2, probability: 0.5, request_size: 100B, response_size: 200B}\n"
    "      - {service: ledger}\n"
    "  - name: api\n"
    "    namespace: front\n"
    "    service_account: web-sa\n"
    "    protocol: grpc\n"
    "    lb: random\n"
    "    service_time: {dist: lognormal, median: 1ms, sigma: 0.5}\n"
    "    retry: {attempts: 3, timeout: 50ms, backoff: 5ms}\n"
    "  - name: ledger\n"
    "    namespace: pay\n"
    "    protocol: tcp\n"
    "    service_time:\n"
    "      dist: empirical\n"
    "      points: [[1ms, 0.0], [2ms, 0.5], [10ms, 1.0]]\n"
    "traffic:\n"
    "  - service: web\n"
    "    rate: 1.5k/s\n"
    "    arrival: constant\n"
    "    bursts:\n"
    "      - {at: 10s, duration: 5s, multiplier: 3}\n"
    "      - {at: 30s, duration: 1s, multiplier: 10}\n"
    "  - service: ledger\n"
    "    rate: 60/min\n"
    "failures:\n"
    "  - name: kill-node\n"
    "    target: node\n"
    "    instance: big-0\n"
    "    at: 20s\n"
    "    duration: 10s\n"
    "  - target: control-plane\n"
    "    kind: upgrade\n"
    "    pick: rolling\n"
    "    at: 40s\n"
    "    duration: 5s\n"
    "    drain: 1s\n";

static void fuzz_overrides_units(const char *s) {
  int rc[UNITS_KIND_COUNT];
  sim_time ns;
  int64_t i64;
  double f;
  uint64_t u;
  bool b;
  rc[UNITS_DURATION] = units_parse_duration(s, &ns);
  rc[UNITS_SIZE] = units_parse_size(s, &i64);
  rc[UNITS_CPU] = units_parse_cpu(s, &i64);
  rc[UNITS_RATE] = units_parse_rate(s, &f);
  rc[UNITS_BANDWIDTH] = units_parse_bandwidth(s, &f);
  rc[UNITS_INTEGER] = units_parse_uint(s, UINT64_MAX, &u);
  rc[UNITS_NUMBER] = units_parse_number(s, &f);
  rc[UNITS_BOOL] = units_parse_bool(s, &b);
  units_parse_uint(s, 1000, &u);
  for (int k = 0; k < UNITS_KIND_COUNT; k++) {
    if (rc[k] != 0) {
      char buf[256];
      units_describe_error((units_kind)k, rc[k], s, buf, sizeof buf);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_support_cstr(data, size);
  if (text == NULL) {
    return 0;
  }
  const char *overrides[FUZZ_OVERRIDES_MAX];
  size_t n = 0;
  char *line = text;
  for (size_t i = 0; i < FUZZ_OVERRIDES_MAX && line != NULL; i++) {
    char *nl = strchr(line, '\n');
    if (nl != NULL) {
      *nl = '\0';
    }
    fuzz_overrides_units(line);
    const char *eq = strchr(line, '=');
    size_t key_len = eq != NULL ? (size_t)(eq - line) : strlen(line);
    int names_csv = 0;
    for (size_t j = 0; j + 3 <= key_len && !names_csv; j++) {
      names_csv = memcmp(line + j, "csv", 3) == 0;
    }
    if (!names_csv) {
      overrides[n++] = line;
    }
    line = nl != NULL ? nl + 1 : NULL;
  }
  diag_list d;
  diag_list_init(&d);
  scenario s;
  if (scenario_load_string(fuzz_overrides_base, sizeof fuzz_overrides_base - 1, "base.yaml",
                           overrides, n, &s, &d) == 0) {
    scenario_release(&s);
  }
  fuzz_support_diag_drain(&d);
  free(text);
  return 0;
}
