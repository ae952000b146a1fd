/* fuzz_import: `meshsim import kubernetes` from YAML bytes.
 *
 * The input is one file of Kubernetes objects (a List or multi-document
 * manifests), imported with imp_k8s_import_string under the display name
 * "fuzz.yaml": every reader of objects, the mapping of Services to
 * workloads, nodes to pools, the writer and the check of the written
 * scenario by the loader. The output names only builtin profiles and no CSV
 * file, so no input makes it read the host's files. */
#include "fuzz_support.h"

#include "imp_buf.h"
#include "imp_k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  diag_list d, notes;
  diag_list_init(&d);
  diag_list_init(&notes);
  imp_buf out;
  imp_buf_init(&out);
  imp_k8s_options o = {.display = "out.yaml"};
  imp_k8s_import_string((const char *)data, size, "fuzz.yaml", &o, &out, &notes, &d);
  imp_buf_release(&out);
  fuzz_support_diag_drain(&d);
  fuzz_support_diag_drain(&notes);
  return 0;
}
