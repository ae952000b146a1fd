/* imp_k8s: Kubernetes objects into a meshsim scenario (`meshsim import
 * kubernetes`).
 *
 * Input is what `kubectl get ... -o yaml` prints (a List, or any *List) or a
 * folder of manifests (rendered Helm or kustomize output, multi-document
 * YAML). What becomes what:
 *
 *   Namespace labels/annotations   the namespace's current mode (hybrid):
 *                                  istio.io/dataplane-mode=ambient -> ambient,
 *                                  plus istio.io/use-waypoint -> ambient-waypoint;
 *                                  istio-injection=enabled, istio.io/rev or
 *                                  linkerd.io/inject=enabled -> sidecar; else none
 *   Service (with a selector)      one service: the Deployments and StatefulSets
 *                                  it selects are its pods (replicas summed);
 *                                  its first port's appProtocol or Istio name
 *                                  prefix (http-, grpc-, tcp-, ...) its protocol
 *   Deployment, StatefulSet        replicas, serviceAccountName, requests and
 *                                  limits of the app containers (istio-proxy and
 *                                  linkerd-proxy are the mesh's, not the app's)
 *   HorizontalPodAutoscaler        min/max in a comment and the report (meshsim
 *                                  scales no pods); replicas when none is set
 *   DaemonSet                      its requests are per-node system_reserved
 *   Node                           pools by node-pool label or instance type:
 *                                  count, allocatable cpu/memory, zones
 *   LoadBalancer/NodePort Service, where external traffic enters (a placeholder
 *   Ingress, HTTPRoute, gateway    rate until `meshsim import traffic` sets it)
 *   VirtualService
 *
 * Every written value carries a comment naming the object (KIND NS/NAME,
 * file:line) it came from; what could not be mapped is listed in `notes`
 * (diag notes, one per object or fact, with its file and line) and in a
 * comment block at the top of the scenario. */
#ifndef MESHSIM_IMP_K8S_H
#define MESHSIM_IMP_K8S_H

#include <stddef.h>

#include "diag.h"
#include "err.h"
#include "imp_buf.h"

typedef struct imp_k8s_options {
  const char *default_namespace; /* for objects that name none (kubectl apply -n); "default" */
  const char *name;              /* metadata.name; NULL: the loader's default (file name) */
  const char *const *entries;    /* --entry SERVICE...: where traffic enters; NULL: detected */
  size_t n_entries;
  const char *rate;    /* the placeholder entry rate, "100/s" when NULL */
  const char *display; /* the output's name in validation messages */
} imp_k8s_options;

/* Reads every path (file or folder) and writes the scenario into *out (an
 * initialised buffer). Errors (unreadable input, YAML syntax, an object
 * missing a field meshsim needs, a bad quantity, a scenario that would not
 * validate) go to d as file:line:col; what was left out goes to notes.
 * Returns 0, IMPORT_EINPUT (the input) or IMPORT_EOUTPUT (the scenario would
 * not validate); on failure *out holds nothing usable. */
int imp_k8s_import(const char *const *paths, size_t n_paths, const imp_k8s_options *o, imp_buf *out,
                   diag_list *notes, diag_list *d);

/* The same for one YAML text of `len` bytes, named `display` in messages. */
int imp_k8s_import_string(const char *text, size_t len, const char *display,
                          const imp_k8s_options *o, imp_buf *out, diag_list *notes, diag_list *d);

/* Checks a scenario text as `meshsim validate` would before a run: the
 * loader's checks plus the builtin profiles its modes need. Diagnostics
 * name `display`. Returns 0 or IMPORT_EOUTPUT. */
int imp_check_scenario(const char *text, size_t len, const char *display, diag_list *d);

#endif
