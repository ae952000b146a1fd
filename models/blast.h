/* blast: the structural blast radius of every component instance of one
 * mode: what one failed or compromised instance takes with it. Pure
 * functions of a built topology (no engine, no I/O, no globals).
 *
 * Instances (result_blast_instance.kind, in output order):
 *   sidecar              one per sidecar pod            name: its pod ("cart-3")
 *   ztunnel              one per node, when any ambient name: its node ("default-7")
 *   waypoint             one per waypoint replica       name: "<ns>/<key>#<replica>"
 *   waypoint-deployment  all replicas of one waypoint   name: "<ns>/<key>"
 *   node                 everything on one node          name: its node
 *   control-plane        istiod (one logical instance)  name: "istiod"
 *   gateway              one per ingress gateway replica, every mode
 *                                                       name: "gateway/<name>#<replica>"
 *                        (listed with the proxies, after the waypoint replicas)
 * <key> is the waypoint's scope key: the namespace name, the service account's
 * name (the part after "<ns>/"), or the service name. Nodes are listed in
 * every mode, mode none included, as the mesh-free baseline; mode none has no
 * proxy and no control-plane instance.
 *
 * Definitions. A pod is "meshed" when its namespace runs sidecar, ambient or
 * ambient-waypoint in this mode; "ambient" when it runs ambient or
 * ambient-waypoint. Service, namespace and tenant counts are the distinct
 * services, namespaces and tenants of the pods counted. The paths are those
 * of path.h, whose rules this file mirrors.
 *
 *   pods       the pods whose own traffic the instance carries:
 *                sidecar(p)       {p}
 *                ztunnel(n)       the ambient pods on n (every call into or out
 *                                 of them crosses it). Peers are not counted: a
 *                                 pod elsewhere calling an ambient pod on n -
 *                                 also a sidecar or unmeshed pod in hybrid,
 *                                 which reaches it through n's ztunnel - loses
 *                                 one replica of the callee, not its own
 *                                 traffic, the same convention that keeps a
 *                                 sidecar's callers out of the sidecar's
 *                                 radius. Those calls do count in request_share.
 *                waypoint, waypoint-deployment W
 *                                 the pods of the services bound to W
 *                                 (service_waypoint) and the pods of every
 *                                 meshed service that calls one of them: a
 *                                 waypoint fronts whole services, so all of a
 *                                 meshed caller's calls to them cross W (unlike
 *                                 a sidecar or ztunnel, which fronts one replica
 *                                 among several). A replica gets its
 *                                 deployment's set: every call picks a replica
 *                                 at random, so each replica carries calls of
 *                                 every one of them. Unmeshed callers (and
 *                                 external clients) bypass W (path.h).
 *                node(n)          the pods on n, plus the pods of every
 *                                 waypoint with a replica on n (the union of
 *                                 the radii of its pods, their sidecars, its
 *                                 ztunnel and its waypoint replicas).
 *                control-plane    every meshed pod (config and certificate
 *                                 rotation stop for all of them).
 *                gateway replica  the pods of the entry services whose traffic
 *                                 goes through its gateway (`via`); its
 *                                 request_share is that traffic's share of
 *                                 the external rate over the replicas.
 *                                 Stated approximation: the other instances'
 *                                 shares ignore the gateway hop (a root through
 *                                 a gateway with use_waypoint also crosses the
 *                                 waypoint; a node's radius leaves out the
 *                                 gateway replicas on it).
 *   identities the service-account credentials it holds:
 *                sidecar 1 (its pod's); ztunnel: distinct service accounts of
 *                its ambient pods; waypoint and deployment 1 (its own);
 *                node: distinct service accounts of its meshed pods + one per
 *                distinct waypoint with a replica there; control plane: every
 *                service account of the scenario (it is the CA and can sign
 *                any of them).
 *   l7_services the services whose request data it handles decrypted (a
 *                compromise reads them in clear text): sidecar 1; ztunnel:
 *                distinct services of its ambient pods (L4 only, but it holds
 *                the plaintext stream it encrypts); waypoint and deployment:
 *                the services bound to it (it parses their L7); node: the
 *                union over its proxies; control plane 0 (no data path).
 *   request_share  share of external requests whose call tree touches it
 *                (some call of the tree crosses it; for a node, crosses any
 *                station on it; for the control plane, any meshed pod).
 *
 * request_share, exact under the model's own call process. Write f_s for the
 * probability that one call into service s lands on a pod whose visit touches
 * the instance (pods counted in f, e.g. ztunnel(n): ambient pods of s on n,
 * divided by s's replicas), and g_s for the probability that one call into s
 * from a meshed caller crosses the instance on its way (a waypoint: 1 for a
 * deployment, 1/replicas for a replica; a node: replicas of s's waypoint on
 * the node / its replicas). The probability that the subtree of one call into
 * t never touches it is
 *
 *   q_t = (1 - f_t) * prod over t's call entries c -> u of
 *         (1 - p_c + p_c * (1 - [t meshed] g_u) * q_u) ^ count_c
 *
 * and request_share = sum over entry services e of w_e * (1 - q_e), w_e =
 * rate_e / total external rate (external clients are unmeshed: no g on the
 * root call). The recursion runs over the graph of operations (op_graph.h):
 * t and u are operations, f and g belong to their services, an entry's w is
 * spread over its operation mix, and a call entry that picks one of several
 * ways contributes (1 - p_c + p_c * (1 - sum over ways v of share_v * (g_v +
 * (1 - g_v)(1 - q_v)))) ^ count_c: each of its calls takes one way,
 * independently of the others (each draws from its own key, crn.h). Why it
 * is exact although services share descendants: the call DAG unrolls into a
 * tree of calls, and every call's draws (whether it happens, its pod, its
 * waypoint replica) are independent of every other call's (crn.h keys each
 * call on its own), so sibling subtrees are independent and the product
 * holds. Why f and g capture "touch": with path.h's rules a call crosses
 * sidecar(p) or ztunnel(n) only if p, or an ambient pod on n, is one of its
 * two ends, and every call into such a pod crosses it; a waypoint is crossed
 * exactly by meshed calls into its services. Approximations, stated: (1)
 * pods are picked uniformly and independently per call - exact for lb
 * random, only marginally true for round-robin and least-request; (2)
 * retries, timeouts and failures are ignored (a structural view: the tree as
 * it is when nothing fails); (3) it is load-independent. The Poisson
 * shortcut 1 - exp(-expected visits) was rejected: it treats visits as
 * independent rare events, and a chain makes them certain or correlated
 * (a -> b always: 0.63 for b, truly 1; a -> b with p = 0.5, b -> c always:
 * 0.39 for c, truly 0.5). The product is summed in log space from
 * touch probabilities (log1p/expm1), never as 1 - q, so tiny shares keep their
 * digits. The tests check every instance against a Monte-Carlo count of
 * sampled call trees walked with path_build, in every mode and scope.
 *
 * Complexity. Structure: O(pods + nodes + services + call entries + sum over
 * waypoints of replicas x radius). Shares: one evaluation per distinct touch
 * set - per sidecar service (all replicas of a service share one value), per
 * node (ztunnel and node), per waypoint (deployment and replica) and one for
 * the control plane - each over the services that can reach the touched ones
 * only: O(A log A + call entries out of A), A <= services, one log1p per call
 * entry. Worst case O((services + nodes + waypoints) x (services + call
 * entries)). Measured (Release, 1,000 nodes, 20,000 pods): 0.04 s per mode at
 * 500 services, 0.9 s at 5,000 services (20,000 sidecar pods, deep DAG). */
#ifndef MESHSIM_BLAST_H
#define MESHSIM_BLAST_H

#include <stdint.h>

#include "result.h"
#include "topology.h"

/* Instance kind names, as stored in result_blast_instance.kind and the
 * database; sidecar, ztunnel, waypoint and gateway equal mesh_proxy_kind_name(). */
#define BLAST_KIND_SIDECAR    "sidecar"
#define BLAST_KIND_ZTUNNEL    "ztunnel"
#define BLAST_KIND_WAYPOINT   "waypoint"
#define BLAST_KIND_DEPLOYMENT "waypoint-deployment"
#define BLAST_KIND_NODE       "node"
#define BLAST_KIND_CONTROL    "control-plane"
#define BLAST_KIND_GATEWAY    "gateway"
#define BLAST_CONTROL_NAME    "istiod"

/* Computes the radius of every instance of t's mode and the summary per
 * proxy kind. *instances is malloc'd (caller frees; NULL when there are
 * none), *n_instances its length; out[k] and has[k] as blast_summarise().
 * Returns 0, SIM_EINVAL (NULL argument, or a cycle of operations: the
 * radius needs a DAG, which the scenario loader guarantees) or SIM_ENOMEM; on
 * error nothing is allocated and *instances is NULL. */
int blast_compute(const topology *t, result_blast out[MESH_PROXY_COUNT], int has[MESH_PROXY_COUNT],
                  result_blast_instance **instances, uint32_t *n_instances);

/* Summary per proxy kind (sidecar, ztunnel, waypoint replica) of an instance
 * list: instance count, max and mean pods, max services, namespaces, tenants
 * and identities, max and mean request share. has[k] = 1 when the list holds
 * an instance of kind k; out[k] is zeroed otherwise. Other kinds (deployment,
 * node, control plane) stay in the list only. */
void blast_summarise(const result_blast_instance *instances, uint32_t n,
                     result_blast out[MESH_PROXY_COUNT], int has[MESH_PROXY_COUNT]);

/* Expected visits (calls received) per external request, per service, into
 * visits[n_services]: V_e = w_e + sum over calls c -> e of V_caller x
 * count_c x p_c (x the way's share for a choice), w_e the share of external
 * traffic entering at e, computed per operation and summed over a service's
 * operations. Summed over a service's pods / replicas this is each pod's
 * mean load per request (what a "busiest" pick needs). Returns 0 or
 * SIM_EINVAL (NULL, call cycle) or SIM_ENOMEM. */
int blast_service_visits(const scenario *s, double *visits);

/* request_share of an arbitrary touch set, by the formula above:
 * land[s] = f_s, the probability one call into s lands on a touching pod,
 * edge[s] = g_s, the probability one call into s from a meshed caller
 * crosses the instance (NULL = all 0). Meshed-ness comes from t's mode.
 * O(services + call entries). Returns 0, SIM_EINVAL or SIM_ENOMEM. */
int blast_request_share(const topology *t, const double *land, const double *edge, double *share);

#endif
