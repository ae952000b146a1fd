/* imp_traffic: measured traffic merged into a scenario (`meshsim import
 * traffic`).
 *
 * Inputs are what monitoring already holds, per pair of workloads:
 *   Prometheus  JSON of the HTTP query API (/api/v1/query, resultType
 *               "vector") for the queries imp_traffic_queries prints: request
 *               rates of istio_requests_total by source and destination, and
 *               optionally mean request and response bytes and the request
 *               duration (mean, and histogram buckets);
 *   Linkerd     the same API for Linkerd's proxy metrics: request_total
 *               outbound by deployment and dst_service (the edges) and
 *               inbound by deployment (all requests into a service, so that
 *               external traffic is what meshed callers do not account for),
 *               response_latency_ms for durations;
 *   Kiali       a graph export (/api/namespaces/graph, workload or app graph):
 *               request rates on its edges.
 * Workloads are matched to the scenario's services by the labels Istio sets
 * (destination_service_name, *_canonical_service, *_workload, *_app; a
 * workload's -vN suffix is dropped last); a source outside the mesh
 * ("unknown", an ingress gateway, or one named with --external) is external
 * traffic. A workload that matches no service is an error.
 *
 * Derived (docs/import.md gives the formulas):
 *   entry rate of S       = rate external -> S
 *   calls per request A->B = rate A->B / rate into A, written as count =
 *                            ceil(m) calls of probability m / count
 *   request/response size = the rate-weighted mean bytes into a service
 *   service time of A     = mean duration at A - sum over its calls of
 *                           calls per request x mean duration at the callee
 *                           (calls one after another; at least 5% of A's own
 *                           duration), lognormal through the mean and the
 *                           histogram's p99 for services that call nothing
 *
 * The scenario file is edited, not rewritten: its comments and layout stay,
 * each service's calls, service_time, request_size and response_size are
 * replaced or added in place (calls the data does not mention, such as
 * opaque TCP ones, are kept), and the traffic section is replaced. The
 * result is checked like `meshsim validate` before it is returned. */
#ifndef MESHSIM_IMP_TRAFFIC_H
#define MESHSIM_IMP_TRAFFIC_H

#include <stddef.h>

#include "diag.h"
#include "err.h"
#include "imp_buf.h"

typedef struct imp_traffic_options {
  const char *into; /* the scenario to merge into */
  /* Prometheus query results (NULL: not given); requests is required with
   * any of the others. */
  const char *requests, *request_bytes, *response_bytes, *duration, *duration_buckets;
  const char *inbound; /* every request into each service: external = inbound - meshed callers */
  const char *kiali;   /* a Kiali graph export; excludes the Prometheus inputs */
  const char *const *external; /* workloads that are clients outside the model */
  size_t n_external;
  const char *display; /* the output's name in validation messages */
} imp_traffic_options;

/* Reads the inputs and writes the merged scenario into *out. Returns 0,
 * IMPORT_EINPUT (an input, or the scenario merged into) or IMPORT_EOUTPUT
 * (the merge would not validate), with errors in d; notes get what was left
 * out. */
int imp_traffic_import(const imp_traffic_options *o, imp_buf *out, diag_list *notes, diag_list *d);

/* The PromQL queries to run, one per input option, for --help. */
const char *imp_traffic_queries(void);

#endif
