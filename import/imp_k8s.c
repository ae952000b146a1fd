/* imp_k8s: Kubernetes objects into a scenario; see imp_k8s.h.
 *
 * Two passes: the objects are first read into plain records (k8_*: strings
 * point into the YAML documents, which live until the end), then mapped
 * (Services to the workloads they select, namespaces to modes, nodes to
 * pools) and written. Reading checks what the mapping relies on, so the
 * writer never meets a missing field. */
#include "imp_k8s.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "imp_yaml.h"
#include "mode_rules.h"
#include "profile_load.h"
#include "scenario_load.h"
#include "units.h"

#define K8_COL 40 /* comment column in the written scenario */

typedef struct k8_where {
  const char *file;
  unsigned line;
} k8_where;

typedef struct k8_res { /* one pod's app resources; -1 = not set */
  int64_t req_cpu, req_mem, lim_cpu, lim_mem;
  char from[160]; /* "containers server, cache" */
} k8_res;

typedef struct k8_workload {
  const char *kind, *ns, *name;
  k8_where at;
  yaml_document_t *doc;
  const yaml_node_t *labels; /* pod template labels (mapping) */
  const yaml_node_t *pod_meta;
  bool has_replicas;
  uint32_t replicas;
  const char *sa;
  k8_res app;
  const char *sidecar; /* "istio-proxy" / "linkerd-proxy" container, or NULL */
  k8_res sidecar_res;  /* that container's resources */
  const char *inject;  /* pod-level injection setting, "key=value", or NULL */
  bool inject_on;
  uint32_t hpa_min, hpa_max;
  const char *hpa_name;
  k8_where hpa_at;
  int service; /* meshsim service index, -1 none */
} k8_workload;

typedef struct k8_service {
  const char *ns, *name, *type;
  k8_where at;
  yaml_document_t *doc;
  const yaml_node_t *selector;
  const yaml_node_t *ports;
  const char *use_waypoint; /* istio.io/use-waypoint label on the Service */
} k8_service;

typedef struct k8_namespace {
  const char *name;
  k8_where at; /* file 0: implied by an object in it */
  yaml_document_t *doc;
  const yaml_node_t *labels, *annotations;
} k8_namespace;

typedef struct k8_node {
  const char *name, *zone, *itype, *pool_label;
  k8_where at;
  int64_t cpu, mem;
} k8_node;

typedef struct k8_entry { /* "external traffic enters Service ns/name", and why */
  const char *ns, *name;
  char why[200];
} k8_entry;

typedef struct k8_hpa {
  const char *ns, *name, *target_kind, *target;
  k8_where at;
  uint32_t min, max;
} k8_hpa;

typedef struct k8_svc_out { /* one meshsim service */
  int svc;                  /* k8_service index */
  char name[64];
  uint32_t replicas;
  char aliases[256]; /* other Services selecting the same pods */
  bool entry;
  char entry_why[200];
} k8_svc_out;

#define K8_VEC(T, name)                                                                            \
  T *name;                                                                                         \
  size_t n_##name, cap_##name

typedef struct k8 {
  const imp_k8s_options *o;
  diag_list *d, *notes;
  K8_VEC(k8_workload, wl);
  K8_VEC(k8_service, svc);
  K8_VEC(k8_namespace, ns);
  K8_VEC(k8_node, node);
  K8_VEC(k8_entry, entry);
  K8_VEC(k8_hpa, hpa);
  K8_VEC(k8_svc_out, out);
  int64_t ds_cpu, ds_mem;
  char ds_from[512];
  k8_where ds_at;
  size_t notes_at; /* where the report of notes goes in the output */
  bool nomem;
} k8;

/* Appends one zeroed element to a K8_VEC; NULL when out of memory. */
#define K8_PUSH(k, name)                                                                           \
  ((k8_push((void **)&(k)->name, &(k)->n_##name, &(k)->cap_##name, sizeof *(k)->name, &(k)->nomem)))

static void *k8_push(void **arr, size_t *n, size_t *cap, size_t size, bool *nomem) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    void *na = realloc(*arr, nc * size);
    if (!na) {
      *nomem = true;
      return NULL;
    }
    *arr = na;
    *cap = nc;
  }
  void *e = (char *)*arr + *n * size;
  memset(e, 0, size);
  ++*n;
  return e;
}

/* Namespaces that hold the cluster's and the mesh's own components: the
 * profile models istiod and the ztunnels, so their workloads are no services. */
static bool k8_system_ns(const char *ns) {
  static const char *const sys[] = {"kube-system",  "kube-public",       "kube-node-lease",
                                    "istio-system", "linkerd",           "linkerd-viz",
                                    "linkerd-cni",  "local-path-storage"};
  for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++)
    if (!strcmp(ns, sys[i]))
      return true;
  return !strncmp(ns, "gke-", 4) || !strncmp(ns, "gmp-", 4);
}

/* A file as comments name it: its base name (the notes carry the full path). */
static const char *k8_base(const char *file) {
  const char *slash = strrchr(file, '/');
  return slash ? slash + 1 : file;
}

static const char *k8_label(yaml_document_t *doc, const yaml_node_t *map, const char *key) {
  return imp_yaml_str(imp_yaml_get(doc, map, key));
}

/* ---- reading ------------------------------------------------------------- */

typedef struct k8_obj {
  const char *file;
  yaml_document_t *doc;
  const yaml_node_t *n, *meta;
  const char *kind, *name, *ns;
} k8_obj;

static int k8_quantity(k8 *k, const k8_obj *ob, const yaml_node_t *v, bool cpu, const char *what,
                       int64_t *out) {
  const char *s = imp_yaml_str(v);
  int rc = s ? (cpu ? units_parse_cpu(s, out) : units_parse_size(s, out)) : -1;
  if (rc != 0)
    return imp_yaml_err(k->d, ob->file, v,
                        "invalid %s \"%s\" in %s of %s \"%s\": expected a Kubernetes quantity "
                        "like %s",
                        cpu ? "cpu" : "memory", s ? s : "(not a scalar)", what, ob->kind, ob->name,
                        cpu ? "100m or 0.5" : "64Mi or 1Gi");
  return 0;
}

static void k8_res_init(k8_res *r) {
  r->req_cpu = r->req_mem = r->lim_cpu = r->lim_mem = -1;
  r->from[0] = '\0';
}

/* Adds one container's resources to a pod's. Kubernetes defaults a missing
 * request to the limit; a pod has a limit only when every container has one
 * (`lim_unset` records that one did not). */
static int k8_container(k8 *k, const k8_obj *ob, const yaml_node_t *c, k8_res *r,
                        bool lim_unset[2]) {
  const char *cname = k8_label(ob->doc, c, "name");
  const yaml_node_t *res = imp_yaml_get(ob->doc, c, "resources");
  const yaml_node_t *req = imp_yaml_get(ob->doc, res, "requests");
  const yaml_node_t *lim = imp_yaml_get(ob->doc, res, "limits");
  char what[128];
  int64_t v[4] = {-1, -1, -1, -1};
  static const char *const keys[2] = {"cpu", "memory"};
  for (int j = 0; j < 2; j++) {
    const yaml_node_t *q = imp_yaml_get(ob->doc, req, keys[j]);
    snprintf(what, sizeof what, "container \"%s\" resources.requests", cname ? cname : "?");
    if (q && k8_quantity(k, ob, q, j == 0, what, &v[j]) != 0)
      return -1;
    q = imp_yaml_get(ob->doc, lim, keys[j]);
    snprintf(what, sizeof what, "container \"%s\" resources.limits", cname ? cname : "?");
    if (q && k8_quantity(k, ob, q, j == 0, what, &v[2 + j]) != 0)
      return -1;
    if (v[j] < 0 && v[2 + j] >= 0)
      v[j] = v[2 + j];
  }
  int64_t *dst[4] = {&r->req_cpu, &r->req_mem, &r->lim_cpu, &r->lim_mem};
  for (int j = 0; j < 4; j++) {
    if (v[j] < 0) {
      if (j >= 2)
        lim_unset[j - 2] = true;
      continue;
    }
    *dst[j] = (*dst[j] < 0 ? 0 : *dst[j]) + v[j];
  }
  size_t len = strlen(r->from);
  snprintf(r->from + len, sizeof r->from - len, "%s%s", len ? ", " : "", cname ? cname : "?");
  return 0;
}

static bool k8_is_sidecar(const char *name) {
  return name && (!strcmp(name, "istio-proxy") || !strcmp(name, "linkerd-proxy"));
}

/* The pod template of a Deployment, StatefulSet or DaemonSet: its containers
 * (app and mesh), labels, service account and pod-level injection. */
static int k8_pod(k8 *k, const k8_obj *ob, k8_workload *w) {
  const yaml_node_t *tmpl = imp_yaml_path(ob->doc, ob->n, "spec.template");
  const yaml_node_t *spec = imp_yaml_get(ob->doc, tmpl, "spec");
  const yaml_node_t *cs = imp_yaml_get(ob->doc, spec, "containers");
  if (!imp_yaml_is_seq(cs) || imp_yaml_len(cs) == 0)
    return imp_yaml_err(k->d, ob->file,
                        cs     ? cs
                        : spec ? spec
                        : tmpl ? tmpl
                               : ob->n,
                        "%s \"%s\" has no \"spec.template.spec.containers\" list; expected the "
                        "pod's containers",
                        ob->kind, ob->name);
  w->pod_meta = imp_yaml_get(ob->doc, tmpl, "metadata");
  w->labels = imp_yaml_get(ob->doc, w->pod_meta, "labels");
  w->sa = k8_label(ob->doc, spec, "serviceAccountName");
  if (!w->sa)
    w->sa = k8_label(ob->doc, spec, "serviceAccount");
  k8_res_init(&w->app);
  k8_res_init(&w->sidecar_res);
  bool lim_unset[2] = {false, false}, side_unset[2] = {false, false};
  for (int init = 0; init < 2; init++) {
    const yaml_node_t *list = init ? imp_yaml_get(ob->doc, spec, "initContainers") : cs;
    for (size_t i = 0; i < imp_yaml_len(list); i++) {
      const yaml_node_t *c = imp_yaml_item(ob->doc, list, i);
      const char *cname = k8_label(ob->doc, c, "name");
      if (!imp_yaml_is_map(c) || !cname)
        return imp_yaml_err(k->d, ob->file, c, "%s \"%s\": every container needs a \"name\"",
                            ob->kind, ob->name);
      /* An init container runs before the pod starts, except a native
       * sidecar (restartPolicy: Always), which runs beside it. */
      const char *restart = k8_label(ob->doc, c, "restartPolicy");
      if (init && !(restart && !strcmp(restart, "Always")))
        continue;
      if (k8_is_sidecar(cname)) {
        w->sidecar = cname;
        if (k8_container(k, ob, c, &w->sidecar_res, side_unset) != 0)
          return -1;
      } else if (k8_container(k, ob, c, &w->app, lim_unset) != 0) {
        return -1;
      }
    }
  }
  if (lim_unset[0])
    w->app.lim_cpu = -1;
  if (lim_unset[1])
    w->app.lim_mem = -1;
  const yaml_node_t *ann = imp_yaml_get(ob->doc, w->pod_meta, "annotations");
  static const char *const keys[] = {"sidecar.istio.io/inject", "linkerd.io/inject"};
  for (size_t i = 0; i < 2 && !w->inject; i++) {
    const char *v = k8_label(ob->doc, w->labels, keys[i]);
    if (!v)
      v = k8_label(ob->doc, ann, keys[i]);
    if (v) {
      w->inject = keys[i];
      w->inject_on = !strcmp(v, "true") || !strcmp(v, "enabled");
    }
  }
  return 0;
}

static int k8_replicas(k8 *k, const k8_obj *ob, uint32_t *out, bool *has) {
  const yaml_node_t *r = imp_yaml_path(ob->doc, ob->n, "spec.replicas");
  *has = false;
  if (!r)
    return 0;
  uint64_t v;
  const char *s = imp_yaml_str(r);
  if (!s || units_parse_uint(s, 100000, &v) != 0)
    return imp_yaml_err(k->d, ob->file, r,
                        "invalid \"spec.replicas\" of %s \"%s\": expected a whole number from 0 "
                        "to 100000, got \"%s\"",
                        ob->kind, ob->name, s ? s : "(not a scalar)");
  *out = (uint32_t)v;
  *has = true;
  return 0;
}

static int k8_read_workload(k8 *k, const k8_obj *ob) {
  k8_workload w = {.kind = ob->kind, .ns = ob->ns, .name = ob->name, .service = -1};
  w.at = (k8_where){ob->file, imp_yaml_line(ob->n)};
  w.doc = ob->doc;
  if (k8_pod(k, ob, &w) != 0)
    return -1;
  if (!strcmp(ob->kind, "DaemonSet")) {
    /* A DaemonSet runs one pod per node: per-node system_reserved, except the
     * mesh's own node proxy, which the profile models. */
    if (!strcmp(ob->name, "ztunnel")) {
      diag_note(k->notes, ob->file, w.at.line, 0,
                "DaemonSet %s/ztunnel: the mesh's node proxy; modelled by the calibration "
                "profile, not counted in system_reserved",
                ob->ns);
      return 0;
    }
    diag_note(k->notes, ob->file, w.at.line, 0,
              "DaemonSet %s/%s: one pod per node, not a service; its requests count per node in "
              "cluster.system_reserved",
              ob->ns, ob->name);
    k->ds_cpu += w.app.req_cpu > 0 ? w.app.req_cpu : 0;
    k->ds_mem += w.app.req_mem > 0 ? w.app.req_mem : 0;
    size_t len = strlen(k->ds_from);
    snprintf(k->ds_from + len, sizeof k->ds_from - len, "%s%s/%s", len ? ", " : "", ob->ns,
             ob->name);
    if (!k->ds_at.file)
      k->ds_at = w.at;
    return 0;
  }
  if (k8_replicas(k, ob, &w.replicas, &w.has_replicas) != 0)
    return -1;
  k8_workload *e = K8_PUSH(k, wl);
  if (!e)
    return -1;
  *e = w;
  return 0;
}

static int k8_read_service(k8 *k, const k8_obj *ob) {
  const yaml_node_t *spec = imp_yaml_get(ob->doc, ob->n, "spec");
  if (!imp_yaml_is_map(spec))
    return imp_yaml_err(k->d, ob->file, spec ? spec : ob->n,
                        "Service \"%s\" has no \"spec\" mapping", ob->name);
  const yaml_node_t *ports = imp_yaml_get(ob->doc, spec, "ports");
  const char *type = k8_label(ob->doc, spec, "type");
  if (type && !strcmp(type, "ExternalName")) {
    diag_note(k->notes, ob->file, imp_yaml_line(ob->n), 0,
              "Service %s/%s: type ExternalName points outside the cluster; not a service", ob->ns,
              ob->name);
    return 0;
  }
  for (size_t i = 0; i < imp_yaml_len(ports); i++) {
    const yaml_node_t *p = imp_yaml_item(ob->doc, ports, i);
    if (!imp_yaml_get(ob->doc, p, "port"))
      return imp_yaml_err(k->d, ob->file, p,
                          "Service \"%s\": port %zu has no \"port\"; expected a port number",
                          ob->name, i);
  }
  if (ports && !imp_yaml_is_seq(ports))
    return imp_yaml_err(k->d, ob->file, ports, "Service \"%s\": \"spec.ports\" must be a list",
                        ob->name);
  k8_service *s = K8_PUSH(k, svc);
  if (!s)
    return -1;
  s->ns = ob->ns;
  s->name = ob->name;
  s->type = type ? type : "ClusterIP";
  s->at = (k8_where){ob->file, imp_yaml_line(ob->n)};
  s->doc = ob->doc;
  s->selector = imp_yaml_get(ob->doc, spec, "selector");
  s->ports = ports;
  s->use_waypoint =
      k8_label(ob->doc, imp_yaml_get(ob->doc, ob->meta, "labels"), "istio.io/use-waypoint");
  return 0;
}

static k8_namespace *k8_find_ns(k8 *k, const char *name) {
  for (size_t i = 0; i < k->n_ns; i++)
    if (!strcmp(k->ns[i].name, name))
      return &k->ns[i];
  return NULL;
}

static int k8_read_namespace(k8 *k, const k8_obj *ob) {
  k8_namespace *n = k8_find_ns(k, ob->name);
  if (n && n->at.file) {
    diag_note(k->notes, ob->file, imp_yaml_line(ob->n), 0,
              "Namespace %s given again (first at %s:%u); the first is used", ob->name, n->at.file,
              n->at.line);
    return 0;
  }
  if (!n && !(n = K8_PUSH(k, ns)))
    return -1;
  n->name = ob->name;
  n->at = (k8_where){ob->file, imp_yaml_line(ob->n)};
  n->doc = ob->doc;
  n->labels = imp_yaml_get(ob->doc, ob->meta, "labels");
  n->annotations = imp_yaml_get(ob->doc, ob->meta, "annotations");
  return 0;
}

static int k8_read_node(k8 *k, const k8_obj *ob) {
  const yaml_node_t *labels = imp_yaml_get(ob->doc, ob->meta, "labels");
  const yaml_node_t *spec = imp_yaml_get(ob->doc, ob->n, "spec");
  const char *unsched = k8_label(ob->doc, spec, "unschedulable");
  unsigned line = imp_yaml_line(ob->n);
  if (unsched && !strcmp(unsched, "true")) {
    diag_note(k->notes, ob->file, line, 0,
              "Node %s: unschedulable (cordoned); no pods land on it, left out", ob->name);
    return 0;
  }
  const yaml_node_t *taints = imp_yaml_get(ob->doc, spec, "taints");
  for (size_t i = 0; i < imp_yaml_len(taints); i++) {
    const yaml_node_t *t = imp_yaml_item(ob->doc, taints, i);
    const char *key = k8_label(ob->doc, t, "key"), *eff = k8_label(ob->doc, t, "effect");
    if (key && eff && !strcmp(eff, "NoSchedule") &&
        (!strcmp(key, "node-role.kubernetes.io/control-plane") ||
         !strcmp(key, "node-role.kubernetes.io/master"))) {
      diag_note(k->notes, ob->file, line, 0,
                "Node %s: control-plane node (taint %s:NoSchedule); workloads do not run there, "
                "left out",
                ob->name, key);
      return 0;
    }
  }
  const yaml_node_t *status = imp_yaml_get(ob->doc, ob->n, "status");
  const yaml_node_t *alloc = imp_yaml_get(ob->doc, status, "allocatable");
  const char *which = "status.allocatable";
  if (!alloc) {
    alloc = imp_yaml_get(ob->doc, status, "capacity");
    which = "status.capacity";
  }
  const yaml_node_t *cpu = imp_yaml_get(ob->doc, alloc, "cpu");
  const yaml_node_t *mem = imp_yaml_get(ob->doc, alloc, "memory");
  if (!cpu || !mem)
    return imp_yaml_err(k->d, ob->file,
                        alloc    ? alloc
                        : status ? status
                                 : ob->n,
                        "Node \"%s\" has no \"%s.%s\"; expected the node's allocatable cpu and "
                        "memory (kubectl get nodes -o yaml prints them)",
                        ob->name, alloc ? which : "status.allocatable", !cpu ? "cpu" : "memory");
  k8_node *n = K8_PUSH(k, node);
  if (!n)
    return -1;
  n->name = ob->name;
  n->at = (k8_where){ob->file, line};
  if (k8_quantity(k, ob, cpu, true, which, &n->cpu) != 0 ||
      k8_quantity(k, ob, mem, false, which, &n->mem) != 0)
    return -1;
  n->zone = k8_label(ob->doc, labels, "topology.kubernetes.io/zone");
  if (!n->zone)
    n->zone = k8_label(ob->doc, labels, "failure-domain.beta.kubernetes.io/zone");
  n->itype = k8_label(ob->doc, labels, "node.kubernetes.io/instance-type");
  if (!n->itype)
    n->itype = k8_label(ob->doc, labels, "beta.kubernetes.io/instance-type");
  static const char *const pool_keys[] = {"cloud.google.com/gke-nodepool",
                                          "eks.amazonaws.com/nodegroup", "karpenter.sh/nodepool",
                                          "kubernetes.azure.com/agentpool", "agentpool"};
  for (size_t i = 0; i < sizeof pool_keys / sizeof pool_keys[0] && !n->pool_label; i++)
    n->pool_label = k8_label(ob->doc, labels, pool_keys[i]);
  return 0;
}

static int k8_read_hpa(k8 *k, const k8_obj *ob) {
  const yaml_node_t *spec = imp_yaml_get(ob->doc, ob->n, "spec");
  const yaml_node_t *ref = imp_yaml_get(ob->doc, spec, "scaleTargetRef");
  const yaml_node_t *max = imp_yaml_get(ob->doc, spec, "maxReplicas");
  const char *tk = k8_label(ob->doc, ref, "kind"), *tn = k8_label(ob->doc, ref, "name");
  if (!tk || !tn)
    return imp_yaml_err(k->d, ob->file,
                        ref    ? ref
                        : spec ? spec
                               : ob->n,
                        "HorizontalPodAutoscaler \"%s\" has no \"spec.scaleTargetRef\" with "
                        "\"kind\" and \"name\"",
                        ob->name);
  if (!max)
    return imp_yaml_err(k->d, ob->file, spec ? spec : ob->n,
                        "HorizontalPodAutoscaler \"%s\" has no \"spec.maxReplicas\"", ob->name);
  uint64_t vmin = 1, vmax;
  const yaml_node_t *min = imp_yaml_get(ob->doc, spec, "minReplicas");
  const char *smin = imp_yaml_str(min), *smax = imp_yaml_str(max);
  if (min && (!smin || units_parse_uint(smin, 100000, &vmin) != 0))
    return imp_yaml_err(k->d, ob->file, min,
                        "invalid \"spec.minReplicas\" of HorizontalPodAutoscaler \"%s\": expected "
                        "a whole number up to 100000",
                        ob->name);
  if (!smax || units_parse_uint(smax, 100000, &vmax) != 0)
    return imp_yaml_err(k->d, ob->file, max,
                        "invalid \"spec.maxReplicas\" of HorizontalPodAutoscaler \"%s\": expected "
                        "a whole number up to 100000",
                        ob->name);
  k8_hpa *h = K8_PUSH(k, hpa);
  if (!h)
    return -1;
  *h = (k8_hpa){ob->ns,         ob->name,      tk, tn, {ob->file, imp_yaml_line(ob->n)},
                (uint32_t)vmin, (uint32_t)vmax};
  return 0;
}

static void k8_add_entry(k8 *k, const char *ns, const char *host, const char *fmt, const char *a,
                         const char *b, const char *file, unsigned line) {
  /* host may be "name", "name.ns" or "name.ns.svc.cluster.local". */
  char name[254], hns[254];
  size_t len = strcspn(host, ".");
  snprintf(name, sizeof name, "%.*s", (int)len, host);
  if (host[len] == '.') {
    snprintf(hns, sizeof hns, "%.*s", (int)strcspn(host + len + 1, "."), host + len + 1);
    ns = NULL;
  }
  k8_entry *e = K8_PUSH(k, entry);
  if (!e)
    return;
  /* The names must outlive the documents' strings: keep them in why. */
  snprintf(e->why, sizeof e->why, fmt, a, b, k8_base(file), line);
  char *store = malloc(strlen(name) + strlen(ns ? ns : hns) + 2);
  if (!store) {
    k->nomem = true;
    k->n_entry--;
    return;
  }
  strcpy(store, name);
  strcpy(store + strlen(name) + 1, ns ? ns : hns);
  e->name = store;
  e->ns = store + strlen(name) + 1;
}

/* Where external traffic enters: backends of an Ingress, of an HTTPRoute
 * attached to a Gateway, of a VirtualService bound to a gateway. */
static void k8_read_routes(k8 *k, const k8_obj *ob) {
  yaml_document_t *doc = ob->doc;
  unsigned line = imp_yaml_line(ob->n);
  const yaml_node_t *spec = imp_yaml_get(doc, ob->n, "spec");
  const char *fmt = "%s %s (%s:%u) routes external traffic here";
  char who[160];
  snprintf(who, sizeof who, "%s/%s", ob->ns, ob->name);
  if (!strcmp(ob->kind, "Ingress")) {
    const char *def = imp_yaml_str(imp_yaml_path(doc, spec, "defaultBackend.service.name"));
    if (def)
      k8_add_entry(k, ob->ns, def, fmt, "Ingress", who, ob->file, line);
    const yaml_node_t *rules = imp_yaml_get(doc, spec, "rules");
    for (size_t i = 0; i < imp_yaml_len(rules); i++) {
      const yaml_node_t *paths = imp_yaml_path(doc, imp_yaml_item(doc, rules, i), "http.paths");
      for (size_t j = 0; j < imp_yaml_len(paths); j++) {
        const char *s =
            imp_yaml_str(imp_yaml_path(doc, imp_yaml_item(doc, paths, j), "backend.service.name"));
        if (s)
          k8_add_entry(k, ob->ns, s, fmt, "Ingress", who, ob->file, line);
      }
    }
  } else if (!strcmp(ob->kind, "HTTPRoute") || !strcmp(ob->kind, "GRPCRoute")) {
    const yaml_node_t *parents = imp_yaml_get(doc, spec, "parentRefs");
    bool gateway = false;
    for (size_t i = 0; i < imp_yaml_len(parents); i++) {
      const char *kind = k8_label(doc, imp_yaml_item(doc, parents, i), "kind");
      gateway |= !kind || !strcmp(kind, "Gateway"); /* kind defaults to Gateway */
    }
    const yaml_node_t *rules = imp_yaml_get(doc, spec, "rules");
    for (size_t i = 0; gateway && i < imp_yaml_len(rules); i++) {
      const yaml_node_t *refs = imp_yaml_get(doc, imp_yaml_item(doc, rules, i), "backendRefs");
      for (size_t j = 0; j < imp_yaml_len(refs); j++) {
        const yaml_node_t *r = imp_yaml_item(doc, refs, j);
        const char *s = k8_label(doc, r, "name"), *rns = k8_label(doc, r, "namespace");
        if (s)
          k8_add_entry(k, rns ? rns : ob->ns, s, fmt, ob->kind, who, ob->file, line);
      }
    }
  } else { /* VirtualService */
    const yaml_node_t *gws = imp_yaml_get(doc, spec, "gateways");
    bool gateway = false;
    for (size_t i = 0; i < imp_yaml_len(gws); i++) {
      const char *g = imp_yaml_str(imp_yaml_item(doc, gws, i));
      gateway |= g && strcmp(g, "mesh") != 0;
    }
    const yaml_node_t *http = imp_yaml_get(doc, spec, "http");
    for (size_t i = 0; gateway && i < imp_yaml_len(http); i++) {
      const yaml_node_t *route = imp_yaml_get(doc, imp_yaml_item(doc, http, i), "route");
      for (size_t j = 0; j < imp_yaml_len(route); j++) {
        const char *s =
            imp_yaml_str(imp_yaml_path(doc, imp_yaml_item(doc, route, j), "destination.host"));
        if (s)
          k8_add_entry(k, ob->ns, s, fmt, "VirtualService", who, ob->file, line);
      }
    }
  }
}

typedef struct k8_skipped {
  char kind[64];
  unsigned count;
  k8_where first;
} k8_skipped;

static int k8_read_object(k8 *k, const char *file, yaml_document_t *doc, const yaml_node_t *n,
                          k8_skipped *skipped, size_t *n_skipped);

static int k8_read_list(k8 *k, const k8_obj *ob, k8_skipped *skipped, size_t *n_skipped) {
  const yaml_node_t *items = imp_yaml_get(ob->doc, ob->n, "items");
  if (!imp_yaml_is_seq(items) && imp_yaml_str(items) == NULL && items &&
      items->type == YAML_SCALAR_NODE)
    items = NULL; /* items: null is an empty list */
  if (items && !imp_yaml_is_seq(items))
    return imp_yaml_err(k->d, ob->file, items, "\"items\" of a %s must be a list of objects",
                        ob->kind);
  int rc = 0;
  for (size_t i = 0; i < imp_yaml_len(items) && !diag_list_full(k->d); i++)
    rc |=
        k8_read_object(k, ob->file, ob->doc, imp_yaml_item(ob->doc, items, i), skipped, n_skipped);
  return rc;
}

static int k8_read_object(k8 *k, const char *file, yaml_document_t *doc, const yaml_node_t *n,
                          k8_skipped *skipped, size_t *n_skipped) {
  if (!imp_yaml_is_map(n))
    return imp_yaml_err(k->d, file, n,
                        "expected a Kubernetes object (a mapping with \"apiVersion\", \"kind\" and "
                        "\"metadata\"), got a %s",
                        n && n->type == YAML_SEQUENCE_NODE ? "list" : "scalar");
  const yaml_node_t *kn = imp_yaml_get(doc, n, "kind");
  k8_obj ob = {file, doc, n, imp_yaml_get(doc, n, "metadata"), imp_yaml_str(kn), NULL, NULL};
  if (!ob.kind)
    return imp_yaml_err(k->d, file, kn ? kn : n,
                        "%s: expected a Kubernetes object with a \"kind\" such as Deployment, "
                        "Service or List",
                        kn ? "\"kind\" must be a name" : "missing required key \"kind\"");
  size_t klen = strlen(ob.kind);
  if (klen >= 4 && !strcmp(ob.kind + klen - 4, "List"))
    return k8_read_list(k, &ob, skipped, n_skipped);
  ob.name = k8_label(doc, ob.meta, "name");
  if (!ob.name)
    return imp_yaml_err(k->d, file, ob.meta ? ob.meta : n,
                        "%s has no \"metadata.name\"; every object needs a name", ob.kind);
  ob.ns = k8_label(doc, ob.meta, "namespace");
  if (!ob.ns)
    ob.ns = k->o->default_namespace ? k->o->default_namespace : "default";
  if (!strcmp(ob.kind, "Namespace"))
    return k8_read_namespace(k, &ob);
  if (!strcmp(ob.kind, "Node"))
    return k8_read_node(k, &ob);
  if (!strcmp(ob.kind, "DaemonSet"))
    return k8_read_workload(k, &ob);
  if (!strcmp(ob.kind, "Deployment") || !strcmp(ob.kind, "StatefulSet"))
    return k8_system_ns(ob.ns) ? 0 : k8_read_workload(k, &ob);
  if (!strcmp(ob.kind, "Service"))
    return k8_system_ns(ob.ns) ? 0 : k8_read_service(k, &ob);
  if (!strcmp(ob.kind, "HorizontalPodAutoscaler"))
    return k8_read_hpa(k, &ob);
  if (!strcmp(ob.kind, "Ingress") || !strcmp(ob.kind, "HTTPRoute") ||
      !strcmp(ob.kind, "GRPCRoute") || !strcmp(ob.kind, "VirtualService")) {
    k8_read_routes(k, &ob);
    return 0;
  }
  /* Everything else is counted per kind and reported once. */
  size_t i;
  for (i = 0; i < *n_skipped; i++)
    if (!strcmp(skipped[i].kind, ob.kind))
      break;
  if (i == *n_skipped && *n_skipped < 64) {
    snprintf(skipped[i].kind, sizeof skipped[i].kind, "%s", ob.kind);
    skipped[i].first = (k8_where){file, imp_yaml_line(n)};
    ++*n_skipped;
  }
  if (i < *n_skipped)
    skipped[i].count++;
  return 0;
}

/* ---- mapping ------------------------------------------------------------- */

/* Does a Service's selector match a pod template's labels? */
static bool k8_selects(const k8_service *s, const k8_workload *w) {
  if (!imp_yaml_is_map(s->selector) ||
      s->selector->data.mapping.pairs.top == s->selector->data.mapping.pairs.start)
    return false;
  if (strcmp(s->ns, w->ns) != 0)
    return false;
  const yaml_node_t *sel = s->selector;
  for (yaml_node_pair_t *p = sel->data.mapping.pairs.start; p < sel->data.mapping.pairs.top; p++) {
    const char *key = imp_yaml_str(imp_yaml_node(s->doc, p->key));
    const char *val = imp_yaml_str(imp_yaml_node(s->doc, p->value));
    const char *have = key ? k8_label(w->doc, w->labels, key) : NULL;
    if (!have || !val || strcmp(have, val) != 0)
      return false;
  }
  return true;
}

static const char *k8_proto_of(const char *s) {
  static const struct {
    const char *prefix, *proto;
  } map[] = {{"http2", "http2"},
             {"h2c", "http2"},
             {"kubernetes.io/h2c", "http2"},
             {"grpc-web", "http"},
             {"grpc", "grpc"},
             {"http", "http"},
             {"kubernetes.io/ws", "http"},
             {"https", "tcp"},
             {"tls", "tcp"},
             {"tcp", "tcp"},
             {"mongo", "tcp"},
             {"mysql", "tcp"},
             {"redis", "tcp"},
             {"kubernetes.io/wss", "tcp"}};
  if (!s)
    return NULL;
  char low[64];
  size_t n = 0;
  for (; s[n] && n + 1 < sizeof low; n++)
    low[n] = (char)(s[n] >= 'A' && s[n] <= 'Z' ? s[n] + 32 : s[n]);
  low[n] = '\0';
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    size_t pl = strlen(map[i].prefix);
    /* Istio reads <protocol>[-<suffix>]; appProtocol is the whole value. */
    if (!strncmp(low, map[i].prefix, pl) && (low[pl] == '\0' || low[pl] == '-'))
      return map[i].proto;
  }
  return NULL;
}

/* The protocol of a Service, from its first port, and the comment saying why. */
static const char *k8_protocol(k8 *k, const k8_service *s, char *why, size_t n) {
  const yaml_node_t *p0 = imp_yaml_item(s->doc, s->ports, 0);
  if (!p0) {
    snprintf(why, n, "Service %s/%s has no ports: assumption http (meshsim's default)", s->ns,
             s->name);
    diag_note(k->notes, s->at.file, s->at.line, 0, "Service %s/%s: no ports; protocol http assumed",
              s->ns, s->name);
    return "http";
  }
  const char *port = k8_label(s->doc, p0, "port");
  const char *name = k8_label(s->doc, p0, "name");
  const char *app = k8_label(s->doc, p0, "appProtocol");
  const char *l4 = k8_label(s->doc, p0, "protocol");
  const char *proto = NULL;
  if (l4 && strcmp(l4, "TCP") != 0) {
    diag_note(k->notes, s->at.file, imp_yaml_line(p0), 0,
              "Service %s/%s: port %s is %s; meshes proxy TCP only, modelled as tcp", s->ns,
              s->name, port ? port : "?", l4);
    snprintf(why, n, "Service %s/%s port %s protocol %s", s->ns, s->name, port ? port : "?", l4);
    return "tcp";
  }
  if ((proto = k8_proto_of(app)) != NULL) {
    snprintf(why, n, "Service %s/%s port %s appProtocol \"%s\"", s->ns, s->name, port ? port : "?",
             app);
  } else if ((proto = k8_proto_of(name)) != NULL) {
    snprintf(why, n, "Service %s/%s port %s name \"%s\"", s->ns, s->name, port ? port : "?", name);
  } else {
    proto = "http";
    snprintf(why, n,
             "Service %s/%s port %s: no protocol in appProtocol or the port name; Istio sniffs, "
             "http assumed",
             s->ns, s->name, port ? port : "?");
    diag_note(k->notes, s->at.file, imp_yaml_line(p0), 0,
              "Service %s/%s: port %s (name \"%s\") names no protocol; http assumed (Istio would "
              "sniff it; name it http-, grpc- or tcp- to be sure)",
              s->ns, s->name, port ? port : "?", name ? name : "");
  }
  for (size_t i = 1; i < imp_yaml_len(s->ports); i++) {
    const yaml_node_t *p = imp_yaml_item(s->doc, s->ports, i);
    const char *other = k8_proto_of(k8_label(s->doc, p, "appProtocol"));
    if (!other)
      other = k8_proto_of(k8_label(s->doc, p, "name"));
    if (other && strcmp(other, proto) != 0)
      diag_note(k->notes, s->at.file, imp_yaml_line(p), 0,
                "Service %s/%s: port %s is %s but a service has one protocol; the first port's "
                "(%s) is used",
                s->ns, s->name, k8_label(s->doc, p, "port"), other, proto);
  }
  return proto;
}

static int k8_cmp_out(const void *a, const void *b) {
  const k8_svc_out *x = a, *y = b;
  return strcmp(x->name, y->name);
}

/* Services to meshsim services: each Service with a selector owns the
 * workloads it selects; one that selects only pods another already owns (a
 * LoadBalancer twin, a per-version Service) is an alias of it. Services with
 * more workloads go first, so "reviews" owns reviews-v1..v3 before
 * "reviews-v2" would take one of them. */
static int k8_map_services(k8 *k) {
  size_t n = k->n_svc;
  size_t *order = malloc((n ? n : 1) * sizeof *order);
  size_t *count = calloc(n ? n : 1, sizeof *count);
  if (!order || !count) {
    free(order);
    free(count);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    order[i] = i;
    for (size_t w = 0; w < k->n_wl; w++)
      count[i] += k8_selects(&k->svc[i], &k->wl[w]);
  }
  for (size_t i = 1; i < n; i++) /* stable insertion sort: most workloads first */
    for (size_t j = i; j > 0 && count[order[j]] > count[order[j - 1]]; j--) {
      size_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (size_t oi = 0; oi < n; oi++) {
    k8_service *s = &k->svc[order[oi]];
    if (!s->selector) {
      diag_note(k->notes, s->at.file, s->at.line, 0,
                "Service %s/%s: no selector (endpoints managed elsewhere); not a service", s->ns,
                s->name);
      continue;
    }
    if (!count[order[oi]]) {
      diag_note(k->notes, s->at.file, s->at.line, 0,
                "Service %s/%s: selects no Deployment or StatefulSet in the input; left out", s->ns,
                s->name);
      continue;
    }
    int owner = -1;
    bool fresh = false;
    for (size_t w = 0; w < k->n_wl; w++) {
      if (!k8_selects(s, &k->wl[w]))
        continue;
      if (k->wl[w].service >= 0)
        owner = owner < 0 ? k->wl[w].service : owner;
      else
        fresh = true;
    }
    if (!fresh) { /* an alias: mark the owner as an entry if this one is */
      k8_svc_out *o = &k->out[owner];
      size_t len = strlen(o->aliases);
      snprintf(o->aliases + len, sizeof o->aliases - len, "%s%s (%s)", len ? ", " : "", s->name,
               s->type);
      if (!strcmp(s->type, "LoadBalancer") || !strcmp(s->type, "NodePort")) {
        o->entry = true;
        snprintf(o->entry_why, sizeof o->entry_why, "Service %s/%s type %s (%s:%u)", s->ns, s->name,
                 s->type, k8_base(s->at.file), s->at.line);
      }
      continue;
    }
    k8_svc_out *o = K8_PUSH(k, out);
    if (!o)
      break;
    o->svc = (int)order[oi];
    snprintf(o->name, sizeof o->name, "%s", s->name);
    if (strlen(s->name) > 63)
      snprintf(o->name, sizeof o->name, "%.63s", s->name);
    if (!strcmp(s->type, "LoadBalancer") || !strcmp(s->type, "NodePort")) {
      o->entry = true;
      snprintf(o->entry_why, sizeof o->entry_why, "Service %s/%s type %s (%s:%u)", s->ns, s->name,
               s->type, k8_base(s->at.file), s->at.line);
    }
    for (size_t w = 0; w < k->n_wl; w++)
      if (k8_selects(s, &k->wl[w]) && k->wl[w].service < 0)
        k->wl[w].service = (int)(k->n_out - 1);
  }
  free(order);
  free(count);
  if (k->nomem)
    return -1;
  /* Names are unique across namespaces in a scenario: a clash gets ".ns". */
  for (size_t i = 0; i < k->n_out; i++)
    for (size_t j = i + 1; j < k->n_out; j++)
      if (!strcmp(k->out[i].name, k->out[j].name)) {
        const k8_service *s = &k->svc[k->out[j].svc];
        snprintf(k->out[j].name, sizeof k->out[j].name, "%.40s.%.22s", s->name, s->ns);
        diag_note(k->notes, s->at.file, s->at.line, 0,
                  "Service %s/%s: the name is used in another namespace too; named \"%s\"", s->ns,
                  s->name, k->out[j].name);
      }
  return 0;
}

static void k8_map_hpas(k8 *k) {
  for (size_t h = 0; h < k->n_hpa; h++) {
    const k8_hpa *a = &k->hpa[h];
    bool found = false;
    for (size_t w = 0; w < k->n_wl; w++) {
      k8_workload *wl = &k->wl[w];
      if (strcmp(wl->ns, a->ns) || strcmp(wl->name, a->target) || strcmp(wl->kind, a->target_kind))
        continue;
      wl->hpa_min = a->min;
      wl->hpa_max = a->max;
      wl->hpa_name = a->name;
      wl->hpa_at = a->at;
      found = true;
      diag_note(k->notes, a->at.file, a->at.line, 0,
                "HorizontalPodAutoscaler %s/%s: %s %s scales between %u and %u replicas; meshsim "
                "scales no application pods, so replicas stay at %u",
                a->ns, a->name, a->target_kind, a->target, a->min, a->max,
                wl->has_replicas ? wl->replicas : a->min);
    }
    if (!found)
      diag_note(k->notes, a->at.file, a->at.line, 0,
                "HorizontalPodAutoscaler %s/%s: its target %s %s is not in the input", a->ns,
                a->name, a->target_kind, a->target);
  }
}

/* ---- writing ------------------------------------------------------------- */

static void k8_cpu(imp_buf *b, int64_t m) {
  if (m % 1000 == 0)
    imp_buf_printf(b, "%" PRId64, m / 1000);
  else
    imp_buf_printf(b, "%" PRId64 "m", m);
}

static void k8_mem(imp_buf *b, int64_t bytes) {
  if (bytes && bytes % (1 << 30) == 0)
    imp_buf_printf(b, "%" PRId64 "Gi", bytes >> 30);
  else if (bytes && bytes % (1 << 20) == 0)
    imp_buf_printf(b, "%" PRId64 "Mi", bytes >> 20);
  else if (bytes && bytes % 1024 == 0)
    imp_buf_printf(b, "%" PRId64 "Ki", bytes >> 10);
  else
    imp_buf_printf(b, "%" PRId64, bytes);
}

/* "{cpu: 100m, memory: 64Mi}" with what is set; false when nothing is. */
static bool k8_resources(imp_buf *b, int64_t cpu, int64_t mem) {
  if (cpu < 0 && mem < 0)
    return false;
  imp_buf_puts(b, "{");
  if (cpu >= 0) {
    imp_buf_puts(b, "cpu: ");
    k8_cpu(b, cpu);
  }
  if (mem >= 0) {
    imp_buf_puts(b, cpu >= 0 ? ", memory: " : "memory: ");
    k8_mem(b, mem);
  }
  imp_buf_puts(b, "}");
  return true;
}

typedef struct k8_mode {
  const char *mode; /* none, sidecar, ambient, ambient-waypoint */
  char why[240];
  bool linkerd;
} k8_mode;

static k8_mode k8_ns_mode(k8 *k, const k8_namespace *n) {
  k8_mode m = {"none", "", false};
  const char *dp = k8_label(n->doc, n->labels, "istio.io/dataplane-mode");
  const char *wp = k8_label(n->doc, n->labels, "istio.io/use-waypoint");
  const char *inj = k8_label(n->doc, n->labels, "istio-injection");
  const char *rev = k8_label(n->doc, n->labels, "istio.io/rev");
  const char *lk = k8_label(n->doc, n->annotations, "linkerd.io/inject");
  if (n->at.file) {
    if (dp && !strcmp(dp, "ambient")) {
      m.mode = wp ? "ambient-waypoint" : "ambient";
      snprintf(m.why, sizeof m.why, "label istio.io/dataplane-mode=ambient%s%s%s of Namespace %s",
               wp ? ", istio.io/use-waypoint=" : "", wp ? wp : "", wp ? "" : "", n->name);
      return m;
    }
    if ((inj && !strcmp(inj, "enabled")) || rev) {
      m.mode = "sidecar";
      snprintf(m.why, sizeof m.why, "label %s=%s of Namespace %s",
               rev && !(inj && !strcmp(inj, "enabled")) ? "istio.io/rev" : "istio-injection",
               rev && !(inj && !strcmp(inj, "enabled")) ? rev : inj, n->name);
      return m;
    }
    if (lk && !strcmp(lk, "enabled")) {
      m.mode = "sidecar";
      m.linkerd = true;
      snprintf(m.why, sizeof m.why, "annotation linkerd.io/inject=enabled of Namespace %s",
               n->name);
      return m;
    }
  }
  /* No namespace-wide setting: the pods may carry proxies already
   * (istioctl kube-inject, linkerd inject) or ask for them. */
  for (size_t w = 0; w < k->n_wl; w++) {
    const k8_workload *wl = &k->wl[w];
    if (strcmp(wl->ns, n->name) != 0 || wl->service < 0)
      continue;
    if (wl->sidecar || (wl->inject && wl->inject_on)) {
      m.mode = "sidecar";
      m.linkerd = wl->sidecar ? !strcmp(wl->sidecar, "linkerd-proxy")
                              : !strcmp(wl->inject, "linkerd.io/inject");
      if (wl->sidecar)
        snprintf(m.why, sizeof m.why, "container %s in %s %s/%s", wl->sidecar, wl->kind, wl->ns,
                 wl->name);
      else
        snprintf(m.why, sizeof m.why, "%s enabled on the pods of %s %s/%s", wl->inject, wl->kind,
                 wl->ns, wl->name);
      return m;
    }
  }
  snprintf(m.why, sizeof m.why,
           "%s %s carries no mesh label (istio-injection, istio.io/dataplane-mode, "
           "linkerd.io/inject)",
           n->at.file ? "Namespace" : "namespace", n->name);
  return m;
}

static void k8_where_text(char *buf, size_t n, const k8_where *w) {
  snprintf(buf, n, "%s:%u", k8_base(w->file), w->line);
}

static void k8_write_cluster(k8 *k, imp_buf *b) {
  if (!k->n_node && !k->ds_from[0]) {
    diag_note(k->notes, NULL, 0, 0,
              "no Node objects: the cluster keeps meshsim's default pool (3 nodes of 8 vCPU, "
              "32Gi); add `kubectl get nodes -o yaml` to the input");
    return;
  }
  imp_buf_puts(b, "cluster:\n");
  /* Zones in order of first appearance. */
  const char *zones[256];
  size_t nz = 0;
  bool zoneless = false;
  for (size_t i = 0; i < k->n_node; i++) {
    if (!k->node[i].zone) {
      zoneless = true;
      continue;
    }
    size_t z;
    for (z = 0; z < nz && strcmp(zones[z], k->node[i].zone); z++)
      ;
    if (z == nz && nz < 256)
      zones[nz++] = k->node[i].zone;
  }
  if (nz && zoneless)
    zones[nz++] = "no-zone";
  if (nz) {
    imp_buf_puts(b, "  zones: [");
    for (size_t z = 0; z < nz; z++) {
      imp_buf_puts(b, z ? ", " : "");
      imp_buf_scalar(b, zones[z]);
    }
    imp_buf_puts(b, "]");
    imp_buf_comment(b, K8_COL, "label topology.kubernetes.io/zone of the Nodes");
    imp_buf_puts(b, "\n");
    if (zoneless)
      diag_note(k->notes, NULL, 0, 0,
                "some Nodes have no topology.kubernetes.io/zone label; they are in zone "
                "\"no-zone\"");
  }
  if (k->n_node) {
    imp_buf_puts(b, "  nodes:\n");
    bool *done = calloc(k->n_node, 1);
    if (!done) {
      b->nomem = true;
      return;
    }
    char names[64][64];
    size_t n_names = 0;
    for (size_t i = 0; i < k->n_node; i++) {
      if (done[i])
        continue;
      const k8_node *a = &k->node[i];
      const char *key = a->pool_label ? a->pool_label : a->itype ? a->itype : "nodes";
      const char *key_why = a->pool_label ? "node-pool label"
                            : a->itype    ? "label node.kubernetes.io/instance-type"
                                          : "assumption: one pool (no pool or instance-type label)";
      char pname[64], members[512] = "";
      snprintf(pname, sizeof pname, "%.60s", key);
      for (size_t t = 0, suffix = 2; t < n_names; t++)
        if (!strcmp(names[t], pname)) {
          snprintf(pname, sizeof pname, "%.56s-%zu", key, suffix++);
          t = (size_t)-1;
        }
      if (n_names < 64)
        snprintf(names[n_names++], 64, "%s", pname);
      const char *pz[256];
      size_t npz = 0, count = 0;
      for (size_t j = i; j < k->n_node; j++) {
        const k8_node *c = &k->node[j];
        const char *ck = c->pool_label ? c->pool_label : c->itype ? c->itype : "nodes";
        if (done[j] || strcmp(ck, key) || c->cpu != a->cpu || c->mem != a->mem)
          continue;
        done[j] = true;
        count++;
        size_t len = strlen(members);
        if (len < 400)
          snprintf(members + len, sizeof members - len, "%s%s", len ? ", " : "", c->name);
        else if (len < sizeof members - 5 && members[len - 1] != '.')
          snprintf(members + len, sizeof members - len, ", ...");
        const char *cz = c->zone ? c->zone : "no-zone";
        size_t z;
        for (z = 0; z < npz && strcmp(pz[z], cz); z++)
          ;
        if (z == npz && npz < 256 && nz)
          pz[npz++] = cz;
      }
      char at[300];
      k8_where_text(at, sizeof at, &a->at);
      imp_buf_puts(b, "    - name: ");
      imp_buf_scalar(b, pname);
      imp_buf_comment(b, K8_COL, "%s of Node %s (%s)", key_why, a->name, at);
      imp_buf_printf(b, "\n      count: %zu", count);
      imp_buf_comment(b, K8_COL, "Nodes %s", members);
      imp_buf_puts(b, "\n      cpu: ");
      k8_cpu(b, a->cpu);
      imp_buf_comment(b, K8_COL, "status.allocatable.cpu of Node %s", a->name);
      imp_buf_puts(b, "\n      memory: ");
      k8_mem(b, a->mem);
      imp_buf_comment(b, K8_COL, "status.allocatable.memory of Node %s", a->name);
      imp_buf_puts(b, "\n");
      if (npz) {
        imp_buf_puts(b, "      zones: [");
        for (size_t z = 0; z < npz; z++) {
          imp_buf_puts(b, z ? ", " : "");
          imp_buf_scalar(b, pz[z]);
        }
        imp_buf_puts(b, "]");
        imp_buf_comment(b, K8_COL, "zone labels of these Nodes");
        imp_buf_puts(b, "\n");
      }
    }
    free(done);
  }
  if (k->ds_from[0]) {
    char at[300];
    k8_where_text(at, sizeof at, &k->ds_at);
    imp_buf_puts(b, "  system_reserved: ");
    k8_resources(b, k->ds_cpu, k->ds_mem);
    imp_buf_comment(b, K8_COL,
                    "requests of DaemonSets %s (%s...): per node (allocatable already leaves out "
                    "the kubelet's and the OS's reserve)",
                    k->ds_from, at);
    imp_buf_puts(b, "\n");
  }
}

/* The workloads of meshsim service i, for comments: "Deployment ns/a (f:12), ...". */
static void k8_members(k8 *k, size_t i, char *buf, size_t n) {
  buf[0] = '\0';
  for (size_t w = 0; w < k->n_wl; w++) {
    if (k->wl[w].service != (int)i)
      continue;
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s%s %s (%s:%u)", len ? ", " : "", k->wl[w].kind, k->wl[w].name,
             k8_base(k->wl[w].at.file), k->wl[w].at.line);
  }
}

static void k8_write_service(k8 *k, imp_buf *b, size_t i, bool namespaces) {
  const k8_svc_out *o = &k->out[i];
  const k8_service *s = &k->svc[o->svc];
  const k8_workload *first = NULL;
  uint32_t replicas = 0;
  char repl[512] = "", members[1024];
  k8_members(k, i, members, sizeof members);
  for (size_t w = 0; w < k->n_wl; w++) {
    const k8_workload *wl = &k->wl[w];
    if (wl->service != (int)i)
      continue;
    uint32_t r = wl->has_replicas ? wl->replicas : wl->hpa_name ? wl->hpa_min : 1;
    replicas += r;
    size_t len = strlen(repl);
    const char *how = wl->has_replicas ? "spec.replicas"
                      : wl->hpa_name   ? "HPA minReplicas"
                                       : "no spec.replicas: 1";
    if (wl->hpa_name)
      snprintf(repl + len, sizeof repl - len, "%s%s %s %u (%s; HPA %s: %u..%u)", len ? ", " : "",
               wl->kind, wl->name, r, how, wl->hpa_name, wl->hpa_min, wl->hpa_max);
    else
      snprintf(repl + len, sizeof repl - len, "%s%s %s %u (%s)", len ? ", " : "", wl->kind,
               wl->name, r, how);
    if (!first)
      first = wl;
    else if (first->app.req_cpu != wl->app.req_cpu || first->app.req_mem != wl->app.req_mem ||
             first->app.lim_cpu != wl->app.lim_cpu || first->app.lim_mem != wl->app.lim_mem)
      diag_note(k->notes, wl->at.file, wl->at.line, 0,
                "%s %s/%s: its resources differ from %s %s, whose are used for service \"%s\"",
                wl->kind, wl->ns, wl->name, first->kind, first->name, o->name);
  }
  imp_buf_puts(b, "  - name: ");
  imp_buf_scalar(b, o->name);
  imp_buf_comment(b, K8_COL, "Service %s/%s (%s:%u) selects %s%s%s", s->ns, s->name,
                  k8_base(s->at.file), s->at.line, members,
                  o->aliases[0] ? "; also selected by " : "", o->aliases);
  imp_buf_puts(b, "\n");
  if (namespaces) {
    imp_buf_puts(b, "    namespace: ");
    imp_buf_scalar(b, s->ns);
    imp_buf_comment(b, K8_COL, "metadata.namespace of Service %s", s->name);
    imp_buf_puts(b, "\n");
  }
  imp_buf_puts(b, "    service_account: ");
  imp_buf_scalar(b, first->sa ? first->sa : "default");
  if (first->sa)
    imp_buf_comment(b, K8_COL, "serviceAccountName of %s %s", first->kind, first->name);
  else
    imp_buf_comment(b, K8_COL, "%s %s sets no serviceAccountName: Kubernetes uses \"default\"",
                    first->kind, first->name);
  imp_buf_printf(b, "\n    replicas: %u", replicas);
  imp_buf_comment(b, K8_COL, "%s", repl);
  char why[400];
  const char *proto = k8_protocol(k, s, why, sizeof why);
  imp_buf_printf(b, "\n    protocol: %s", proto);
  imp_buf_comment(b, K8_COL, "%s", why);
  imp_buf_puts(b, "\n");
  imp_buf_puts(b, "    requests: ");
  if (k8_resources(b, first->app.req_cpu, first->app.req_mem)) {
    imp_buf_comment(
        b, K8_COL, "resources.requests of containers %s of %s %s%s", first->app.from, first->kind,
        first->name,
        first->app.req_cpu < 0 || first->app.req_mem < 0 ? " (the rest: meshsim's default)" : "");
  } else {
    b->len -= strlen("    requests: ");
    b->s[b->len] = '\0';
    size_t from = b->len;
    imp_buf_printf(b, "    # requests: none set in %s %s; meshsim's default 100m/128Mi applies",
                   first->kind, first->name);
    imp_buf_one_line(b, from);
  }
  imp_buf_puts(b, "\n");
  if (first->app.lim_cpu >= 0 || first->app.lim_mem >= 0) {
    imp_buf_puts(b, "    limits: ");
    k8_resources(b, first->app.lim_cpu, first->app.lim_mem);
    imp_buf_comment(b, K8_COL, "resources.limits of containers %s of %s %s", first->app.from,
                    first->kind, first->name);
    imp_buf_puts(b, "\n");
  }
  const k8_namespace *ns = k8_find_ns(k, s->ns);
  const char *nswp =
      ns && ns->at.file ? k8_label(ns->doc, ns->labels, "istio.io/use-waypoint") : NULL;
  if (s->use_waypoint || nswp) {
    imp_buf_puts(b, "    l7: true");
    imp_buf_comment(b, K8_COL,
                    "label istio.io/use-waypoint=%s on %s %s: its traffic goes "
                    "through a waypoint (L7)",
                    s->use_waypoint ? s->use_waypoint : nswp,
                    s->use_waypoint ? "Service" : "Namespace", s->use_waypoint ? s->name : s->ns);
    imp_buf_puts(b, "\n");
  }
}

/* Every namespace a service lives in is declared; services are written in
 * name order, and workloads point at them again after the sort. */
static int k8_prepare(k8 *k) {
  for (size_t i = 0; i < k->n_out; i++) {
    const char *ns = k->svc[k->out[i].svc].ns;
    if (!k8_find_ns(k, ns)) {
      k8_namespace *n = K8_PUSH(k, ns);
      if (!n)
        return -1;
      n->name = ns;
    }
  }
  qsort(k->out, k->n_out, sizeof *k->out, k8_cmp_out);
  for (size_t w = 0; w < k->n_wl; w++)
    k->wl[w].service = -1;
  for (size_t i = 0; i < k->n_out; i++)
    for (size_t w = 0; w < k->n_wl; w++)
      if (k->wl[w].service < 0 && k8_selects(&k->svc[k->out[i].svc], &k->wl[w]))
        k->wl[w].service = (int)i;
  return 0;
}

static void k8_write_header(k8 *k, imp_buf *b, const char *const *paths, size_t n_paths) {
  imp_buf_puts(b, "# Imported by `meshsim import kubernetes` from:");
  size_t from = b->len;
  for (size_t i = 0; i < n_paths; i++)
    imp_buf_printf(b, " %s", paths[i]);
  imp_buf_one_line(b, from);
  imp_buf_puts(b, "\n# Every value names the Kubernetes object it came from (KIND NAMESPACE/NAME, "
                  "file:line).\n# Service times, payload sizes, calls and rates are not in "
                  "Kubernetes objects: meshsim's\n# defaults apply until `meshsim import traffic` "
                  "merges them from monitoring (docs/import.md).\n");
  k->notes_at = b->len; /* the report goes here once every note is known */
  imp_buf_puts(b, "metadata:\n");
  if (k->o->name) {
    imp_buf_puts(b, "  name: ");
    imp_buf_scalar(b, k->o->name);
    imp_buf_comment(b, K8_COL, "--name");
    imp_buf_puts(b, "\n");
  }
  imp_buf_printf(b, "  description: \"imported from %zu Kubernetes object file%s\"\n", n_paths,
                 n_paths == 1 ? "" : "s");
}

/* The mesh section: the profile and modes the namespaces' modes call for,
 * and an injected proxy's own resources. */
static void k8_write_mesh(k8 *k, imp_buf *b, const k8_mode *modes) {
  bool linkerd = false, istio = false, mixed = false;
  const char *first_mode = NULL;
  for (size_t i = 0; i < k->n_ns; i++) {
    if (k8_system_ns(k->ns[i].name))
      continue;
    if (strcmp(modes[i].mode, "none") != 0)
      *(modes[i].linkerd ? &linkerd : &istio) = true;
    if (first_mode && strcmp(modes[i].mode, first_mode) != 0)
      mixed = true;
    if (!first_mode)
      first_mode = modes[i].mode;
  }
  imp_buf_puts(b, "mesh:\n");
  if (linkerd && !istio) {
    imp_buf_puts(b, "  profile: linkerd-2.14");
    imp_buf_comment(b, K8_COL, "linkerd.io/inject in the input: the builtin Linkerd profile");
    imp_buf_puts(b, "\n  modes: [none, sidecar]");
    imp_buf_comment(b, K8_COL, "Linkerd has no ambient mode");
  } else {
    if (linkerd)
      diag_note(k->notes, NULL, 0, 0,
                "both Istio and Linkerd namespaces: the Istio profile is used for every sidecar");
    imp_buf_puts(b, "  profile: istio-1.24");
    imp_buf_comment(b, K8_COL, "assumption: the latest builtin Istio profile (meshsim profiles)");
    imp_buf_printf(b, "\n  modes: [none, sidecar, ambient, ambient-waypoint%s]",
                   mixed ? ", hybrid" : "");
    if (mixed)
      imp_buf_comment(b, K8_COL, "hybrid: every namespace in its current mode (namespaces[].mode)");
    else
      imp_buf_comment(b, K8_COL, "every namespace runs %s today; hybrid would equal it",
                      first_mode ? first_mode : "none");
  }
  imp_buf_puts(b, "\n");
  for (size_t w = 0; w < k->n_wl; w++) { /* the injected proxy's own resources */
    const k8_workload *wl = &k->wl[w];
    if (!wl->sidecar || (wl->sidecar_res.req_cpu < 0 && wl->sidecar_res.req_mem < 0))
      continue;
    imp_buf_puts(b, "  sidecar:\n    requests: ");
    k8_resources(b, wl->sidecar_res.req_cpu, wl->sidecar_res.req_mem);
    imp_buf_comment(b, K8_COL, "container %s of %s %s/%s (%s:%u)", wl->sidecar, wl->kind, wl->ns,
                    wl->name, k8_base(wl->at.file), wl->at.line);
    imp_buf_puts(b, "\n");
    if (wl->sidecar_res.lim_cpu >= 0 || wl->sidecar_res.lim_mem >= 0) {
      imp_buf_puts(b, "    limits: ");
      k8_resources(b, wl->sidecar_res.lim_cpu, wl->sidecar_res.lim_mem);
      imp_buf_comment(b, K8_COL, "container %s of %s %s/%s", wl->sidecar, wl->kind, wl->ns,
                      wl->name);
      imp_buf_puts(b, "\n");
    }
    break;
  }
}

static void k8_write_namespaces(k8 *k, imp_buf *b, const k8_mode *modes) {
  imp_buf_puts(b, "namespaces:\n");
  for (size_t i = 0; i < k->n_ns; i++) {
    const k8_namespace *n = &k->ns[i];
    if (k8_system_ns(n->name))
      continue; /* the cluster's own: no services of it are imported */
    imp_buf_puts(b, "  - name: ");
    imp_buf_scalar(b, n->name);
    if (n->at.file)
      imp_buf_comment(b, K8_COL, "Namespace %s (%s:%u)", n->name, k8_base(n->at.file), n->at.line);
    else
      imp_buf_comment(b, K8_COL, "metadata.namespace of its objects (no Namespace object%s)",
                      k->o->default_namespace ? "; or --namespace" : "");
    imp_buf_printf(b, "\n    mode: %s", modes[i].mode);
    imp_buf_comment(b, K8_COL, "%s", modes[i].why);
    imp_buf_puts(b, "\n");
  }
}

/* Why service i is an entry point ("" when it is not). */
static void k8_entry_why(k8 *k, size_t i, char *why, size_t n) {
  const k8_service *s = &k->svc[k->out[i].svc];
  why[0] = '\0';
  if (k->o->n_entries) {
    for (size_t e = 0; e < k->o->n_entries; e++)
      if (!strcmp(k->o->entries[e], k->out[i].name))
        snprintf(why, n, "--entry %s", k->out[i].name);
    return;
  }
  if (k->out[i].entry) {
    snprintf(why, n, "%s", k->out[i].entry_why);
    return;
  }
  for (size_t e = 0; e < k->n_entry && !why[0]; e++) {
    const k8_entry *en = &k->entry[e];
    if (strcmp(en->ns, s->ns))
      continue;
    bool hit = !strcmp(en->name, s->name);
    for (size_t w = 0; !hit && w < k->n_svc; w++) /* an alias Service of this one */
      if (!strcmp(k->svc[w].name, en->name) && !strcmp(k->svc[w].ns, en->ns))
        for (size_t x = 0; x < k->n_wl && !hit; x++)
          hit = k->wl[x].service == (int)i && k8_selects(&k->svc[w], &k->wl[x]);
    if (hit)
      snprintf(why, n, "%s", en->why);
  }
}

/* Traffic: the entry points, at a placeholder rate. */
static int k8_write_traffic(k8 *k, imp_buf *b) {
  for (size_t e = 0; e < k->o->n_entries; e++) {
    bool found = false;
    for (size_t i = 0; i < k->n_out; i++)
      found |= !strcmp(k->o->entries[e], k->out[i].name);
    if (!found)
      return diag_error(k->d, NULL, 0, 0,
                        "--entry \"%s\" names no imported service (see the services: list)",
                        k->o->entries[e]);
  }
  imp_buf_puts(b, "traffic:\n");
  const char *rate = k->o->rate ? k->o->rate : "100/s";
  size_t written = 0;
  for (size_t i = 0; i < k->n_out; i++) {
    char why[300];
    k8_entry_why(k, i, why, sizeof why);
    if (!why[0])
      continue;
    imp_buf_puts(b, "  - service: ");
    imp_buf_scalar(b, k->out[i].name);
    imp_buf_comment(b, K8_COL, "entry: %s", why);
    imp_buf_puts(b, "\n    rate: ");
    imp_buf_scalar(b, rate);
    imp_buf_comment(b, K8_COL,
                    "assumption: a placeholder%s; `meshsim import traffic` sets the "
                    "measured rate",
                    k->o->rate ? " (--rate)" : "");
    imp_buf_puts(b, "\n");
    written++;
  }
  if (!written && k->n_out) {
    imp_buf_puts(b, "  - service: ");
    imp_buf_scalar(b, k->out[0].name);
    imp_buf_comment(b, K8_COL, "assumption: no entry point found; pass --entry SERVICE");
    imp_buf_puts(b, "\n    rate: ");
    imp_buf_scalar(b, rate);
    imp_buf_comment(b, K8_COL,
                    "assumption: a placeholder; `meshsim import traffic` sets the "
                    "measured rate");
    imp_buf_puts(b, "\n");
    diag_note(k->notes, NULL, 0, 0,
              "no entry point found (no LoadBalancer or NodePort Service, Ingress, HTTPRoute or "
              "gateway VirtualService): traffic enters \"%s\"; pass --entry SERVICE",
              k->out[0].name);
  }
  return 0;
}

static int k8_write(k8 *k, imp_buf *b, const char *const *paths, size_t n_paths) {
  if (k8_prepare(k) != 0)
    return -1;
  k8_write_header(k, b, paths, n_paths);
  k8_write_cluster(k, b);
  /* Modes: each namespace's current one. */
  k8_mode *modes = calloc(k->n_ns ? k->n_ns : 1, sizeof *modes);
  if (!modes)
    return -1;
  for (size_t i = 0; i < k->n_ns; i++)
    modes[i] = k8_ns_mode(k, &k->ns[i]);
  k8_write_mesh(k, b, modes);
  k8_write_namespaces(k, b, modes);
  free(modes);
  imp_buf_puts(b, "services:\n");
  for (size_t i = 0; i < k->n_out; i++)
    k8_write_service(k, b, i, true);
  if (k8_write_traffic(k, b) != 0)
    return -1;
  return b->nomem || k->nomem ? -1 : 0;
}

/* Inserts the report, a comment block, at byte `at` of the output. */
static int k8_put_notes(imp_buf *b, const diag_list *notes, size_t at) {
  imp_buf nb;
  imp_buf_init(&nb);
  imp_buf_putn(&nb, b->s, at);
  if (notes->n) {
    imp_buf_printf(&nb, "#\n# Not mapped, or mapped with an assumption (%zu):\n", notes->n);
    for (size_t i = 0; i < notes->n; i++) {
      imp_buf_puts(&nb, "#   - ");
      size_t from = nb.len;
      imp_buf_puts(&nb, notes->items[i].text);
      imp_buf_one_line(&nb, from);
      imp_buf_puts(&nb, "\n");
    }
  }
  imp_buf_puts(&nb, b->s + at);
  if (nb.nomem) {
    imp_buf_release(&nb);
    return -1;
  }
  imp_buf_release(b);
  *b = nb;
  return 0;
}

/* Copies the errors of `from` into d (warnings about a fresh import, such as
 * services no traffic reaches before calls are imported, are expected). */
static void k8_copy_errors(diag_list *d, const diag_list *from) {
  for (size_t i = 0; i < from->n; i++)
    if (from->items[i].severity == DIAG_ERROR)
      diag_error(d, from->items[i].file, from->items[i].line, from->items[i].col, "%s",
                 from->items[i].message);
}

int imp_check_scenario(const char *text, size_t len, const char *display, diag_list *out) {
  scenario s;
  diag_list dl, *d = &dl;
  diag_list_init(d);
  if (scenario_load_string(text, len, display, NULL, 0, &s, d) != 0) {
    k8_copy_errors(out, d);
    diag_list_release(d);
    return IMPORT_EOUTPUT;
  }
  profile p[MODE_RULES_SOURCES];
  int rc = 0;
  for (int src = 0; src < MODE_RULES_SOURCES && rc == 0; src++) {
    const char *name = mode_rules_profile_name(&s, (mode_rules_source)src);
    if (!name)
      p[src] = p[MODE_RULES_MAIN];
    else if (strchr(name, '/') || strstr(name, ".yaml"))
      rc = profile_load_file(name, &p[src], d);
    else
      rc = profile_load_builtin(name, &p[src], d);
  }
  if (rc == 0)
    rc = mode_rules_check(&s, display, p, d);
  scenario_release(&s);
  k8_copy_errors(out, d);
  diag_list_release(d);
  return rc ? IMPORT_EOUTPUT : 0;
}

static int k8_import(imp_yaml *y, int rc, const char *const *paths, size_t n_paths,
                     const imp_k8s_options *o, imp_buf *out, diag_list *notes, diag_list *d);

int imp_k8s_import(const char *const *paths, size_t n_paths, const imp_k8s_options *o, imp_buf *out,
                   diag_list *notes, diag_list *d) {
  imp_yaml y;
  imp_yaml_init(&y);
  int rc = 0;
  for (size_t i = 0; i < n_paths && !diag_list_full(d); i++)
    rc |= imp_yaml_load(&y, paths[i], d);
  return k8_import(&y, rc, paths, n_paths, o, out, notes, d);
}

int imp_k8s_import_string(const char *text, size_t len, const char *display,
                          const imp_k8s_options *o, imp_buf *out, diag_list *notes, diag_list *d) {
  imp_yaml y;
  imp_yaml_init(&y);
  int rc = imp_yaml_load_string(&y, display, text, len, d);
  const char *paths[] = {display};
  return k8_import(&y, rc, paths, 1, o, out, notes, d);
}

/* The import of what *yp holds (rc: whether reading it failed); releases it. */
static int k8_import(imp_yaml *yp, int rc, const char *const *paths, size_t n_paths,
                     const imp_k8s_options *o, imp_buf *out, diag_list *notes, diag_list *d) {
  k8 k = {.o = o, .d = d, .notes = notes};
  imp_yaml y = *yp;
  k8_skipped skipped[64];
  size_t n_skipped = 0;
  for (size_t i = 0; rc == 0 && i < y.n_docs && !diag_list_full(d); i++) {
    yaml_node_t *root = yaml_document_get_root_node(&y.docs[i].doc);
    if (root && root->type == YAML_SCALAR_NODE && !imp_yaml_str(root))
      continue; /* an empty document ("---" then nothing) */
    rc |= k8_read_object(&k, y.docs[i].file, &y.docs[i].doc, root, skipped, &n_skipped);
  }
  if (k.nomem)
    rc = diag_error(d, NULL, 0, 0, "out of memory");
  if (rc == 0 && diag_error_count(d) == 0) {
    for (size_t i = 0; i < n_skipped; i++)
      diag_note(notes, skipped[i].first.file, skipped[i].first.line, 0,
                "%u %s object%s: meshsim does not model them", skipped[i].count, skipped[i].kind,
                skipped[i].count == 1 ? "" : "s");
    k8_map_hpas(&k);
    if (k8_map_services(&k) != 0)
      rc = diag_error(d, NULL, 0, 0, "out of memory");
  }
  if (rc == 0 && diag_error_count(d) == 0) {
    for (size_t w = 0; w < k.n_wl; w++) {
      const k8_workload *wl = &k.wl[w];
      if (wl->service < 0)
        diag_note(notes, wl->at.file, wl->at.line, 0,
                  "%s %s/%s: no Service selects its pods, so nothing in the mesh calls it (a "
                  "client, such as a load generator, or a worker); not a service",
                  wl->kind, wl->ns, wl->name);
      else if (wl->has_replicas && wl->replicas == 0)
        diag_note(notes, wl->at.file, wl->at.line, 0, "%s %s/%s: scaled to 0 replicas", wl->kind,
                  wl->ns, wl->name);
    }
    for (size_t i = 0; i < k.n_out; i++) { /* a service of 0 pods cannot be simulated */
      uint32_t r = 0;
      for (size_t w = 0; w < k.n_wl; w++)
        if (k.wl[w].service == (int)i)
          r += k.wl[w].has_replicas ? k.wl[w].replicas : k.wl[w].hpa_name ? k.wl[w].hpa_min : 1;
      if (r == 0) {
        const k8_service *s = &k.svc[k.out[i].svc];
        diag_note(notes, s->at.file, s->at.line, 0,
                  "Service %s/%s: every workload it selects is scaled to 0; left out", s->ns,
                  s->name);
        memmove(&k.out[i], &k.out[i + 1], (k.n_out - i - 1) * sizeof *k.out);
        k.n_out--;
        for (size_t w = 0; w < k.n_wl; w++)
          k.wl[w].service = k.wl[w].service == (int)i  ? -1
                            : k.wl[w].service > (int)i ? k.wl[w].service - 1
                                                       : k.wl[w].service;
        i--;
      }
    }
    if (!k.n_out)
      rc = diag_error(d, n_paths ? paths[0] : NULL, 0, 0,
                      "no Service that selects a Deployment or StatefulSet: nothing to import "
                      "(expected Services and the workloads behind them)");
  }
  if (rc == 0 && diag_error_count(d) == 0) {
    rc = k8_write(&k, out, paths, n_paths);
    if (rc == 0 && k8_put_notes(out, notes, k.notes_at) != 0)
      rc = -1;
    if (rc != 0 && diag_error_count(d) == 0)
      diag_error(d, NULL, 0, 0, "out of memory");
  }
  bool invalid_output = false;
  if (rc == 0 && diag_error_count(d) == 0 &&
      imp_check_scenario(out->s, out->len, o->display ? o->display : "scenario", d) != 0) {
    invalid_output = true;
    diag_error(d, NULL, 0, 0,
               "the imported scenario does not validate (the messages above); nothing was "
               "written");
  }
  for (size_t i = 0; i < k.n_entry; i++)
    free((char *)k.entry[i].name);
  free(k.wl);
  free(k.svc);
  free(k.ns);
  free(k.node);
  free(k.entry);
  free(k.hpa);
  free(k.out);
  imp_yaml_release(&y);
  if (invalid_output)
    return IMPORT_EOUTPUT;
  return rc || diag_error_count(d) ? IMPORT_EINPUT : 0;
}
