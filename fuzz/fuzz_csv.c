/* fuzz_csv: the call-graph and traffic CSV readers.
 *
 * The first byte picks the file the rest of the input becomes: 'T' (any even
 * byte) the traffic CSV, 'C' (any odd byte) the call-graph CSV. A fixed
 * scenario (the shop of tests/fixtures/scenarios/csv/shop.yaml) names both
 * files; the other one holds the fixture's valid content. So every input runs
 * libcsv in strict mode, the reader's line and column tracking, header and
 * width checks, number, size and protocol parsing, the merge with the YAML
 * calls and traffic, and the cycle check over CSV edges. The files live in
 * memory (fuzz_support_memfile): nothing touches the disk. */
#include "fuzz_support.h"

#include <stdio.h>
#include <string.h>

#include "scenario_load.h"

static const char fuzz_csv_calls[] =
    "source,target,calls_per_request,protocol,request_bytes,response_bytes\n"
    "frontend,catalog,2.5,http,,\n"
    "frontend,cart,1,grpc,200,1KiB\n"
    "\"frontend\",\"checkout\",\"0.05\",http,2KiB,\"512\"\n"
    "checkout,cart,1,grpc,100B,2KiB\n"
    "checkout,payment,1,grpc,300,100\n"
    "cart,redis,4,tcp,64B,1.5KiB\n";

static const char fuzz_csv_traffic[] = "service,rps\n"
                                       "catalog,25.5\n"
                                       "\"checkout\",\"1.5\"\n";

/* %s: the call-graph CSV path, then the traffic CSV path. */
static const char fuzz_csv_scenario[] = "metadata:\n"
                                        "  seed: 7\n"
                                        "services:\n"
                                        "  - name: frontend\n"
                                        "    replicas: 3\n"
                                        "    calls:\n"
                                        "      - {service: currency, count: 2}\n"
                                        "  - name: catalog\n"
                                        "    request_size: 512B\n"
                                        "  - name: cart\n"
                                        "    protocol: grpc\n"
                                        "  - name: checkout\n"
                                        "  - name: payment\n"
                                        "  - name: currency\n"
                                        "  - name: redis\n"
                                        "call_graph_csv: %s\n"
                                        "traffic:\n"
                                        "  - service: frontend\n"
                                        "    rate: 100/s\n"
                                        "traffic_csv: %s\n";

typedef struct fuzz_csv_state {
  fuzz_support_memfile input, fixed_calls, fixed_traffic;
  char scenario_calls[1024];   /* the input is the call graph */
  char scenario_traffic[1024]; /* the input is the traffic */
} fuzz_csv_state;

static fuzz_csv_state *fuzz_csv_init(void) {
  static fuzz_csv_state st;
  static int ready;
  if (!ready) {
    fuzz_support_memfile_init(&st.input, "fuzz-input.csv");
    fuzz_support_memfile_init(&st.fixed_calls, "calls.csv");
    fuzz_support_memfile_init(&st.fixed_traffic, "traffic.csv");
    fuzz_support_memfile_set(&st.fixed_calls, fuzz_csv_calls, strlen(fuzz_csv_calls));
    fuzz_support_memfile_set(&st.fixed_traffic, fuzz_csv_traffic, strlen(fuzz_csv_traffic));
    snprintf(st.scenario_calls, sizeof st.scenario_calls, fuzz_csv_scenario, st.input.path,
             st.fixed_traffic.path);
    snprintf(st.scenario_traffic, sizeof st.scenario_traffic, fuzz_csv_scenario,
             st.fixed_calls.path, st.input.path);
    ready = 1;
  }
  return &st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) {
    return 0;
  }
  fuzz_csv_state *st = fuzz_csv_init();
  const char *text = data[0] % 2 == 0 ? st->scenario_traffic : st->scenario_calls;
  fuzz_support_memfile_set(&st->input, data + 1, size - 1);
  diag_list d;
  diag_list_init(&d);
  scenario s;
  if (scenario_load_string(text, strlen(text), "fuzz.yaml", NULL, 0, &s, &d) == 0) {
    scenario_release(&s);
  }
  fuzz_support_diag_drain(&d);
  return 0;
}
