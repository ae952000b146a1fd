/* attribution: each namespace's share of a mode; see attribution.h for the
 * rule. O(pods + proxies + waypoints + kinds x namespaces) per mode. */
#include "attribution.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "sim_error.h"

#define ATTR_MIB (1024.0 * 1024.0)

int attribution_acc_add(attribution_acc *a, const model_rep *rep) {
  uint32_t n = rep->n_namespaces;
  if (!rep->ns_busy_ns)
    return 0; /* nothing simulated */
  if (!a->busy_ns) {
    size_t m = n ? n : 1;
    a->n_namespaces = n;
    a->busy_ns = calloc(m * MESH_KIND_COUNT, sizeof(double));
    a->sojourn_ns = calloc(m * MESH_KIND_COUNT, sizeof(double));
    a->cross_zone_bytes = calloc(m, sizeof(double));
    a->latency_ns = calloc(m, sizeof(double));
    a->requests = calloc(m, sizeof(uint64_t));
    a->errors = calloc(m, sizeof(uint64_t));
    if (!a->busy_ns || !a->sojourn_ns || !a->cross_zone_bytes || !a->latency_ns || !a->requests ||
        !a->errors)
      return SIM_ENOMEM;
  }
  if (a->n_namespaces != n)
    return SIM_EINVAL;
  for (size_t i = 0; i < (size_t)n * MESH_KIND_COUNT; i++) {
    a->busy_ns[i] += rep->ns_busy_ns[i];
    a->sojourn_ns[i] += rep->ns_sojourn_ns[i];
  }
  for (uint32_t i = 0; i < n; i++) {
    a->cross_zone_bytes[i] += rep->ns_cross_zone_bytes[i];
    a->latency_ns[i] += rep->ns_latency_ns[i];
    a->requests[i] += rep->ns_requests[i];
    a->errors[i] += rep->ns_errors[i];
  }
  return 0;
}

void attribution_acc_release(attribution_acc *a) {
  free(a->busy_ns);
  free(a->sojourn_ns);
  free(a->cross_zone_bytes);
  free(a->latency_ns);
  free(a->requests);
  free(a->errors);
  memset(a, 0, sizeof *a);
}

/* Scales v[0..n) so it adds up to total (left alone when it adds up to 0). */
static void attr_normalise(double *v, uint32_t n, double total) {
  double sum = 0;
  for (uint32_t i = 0; i < n; i++)
    sum += v[i];
  if (sum > 0 && isfinite(total))
    for (uint32_t i = 0; i < n; i++)
      v[i] *= total / sum;
}

/* total x w_i / sum w into out (zero weights everywhere: by fallback w2). */
static void attr_split(double *out, uint32_t n, double total, const double *w, const double *w2) {
  double sum = 0, sum2 = 0;
  for (uint32_t i = 0; i < n; i++) {
    sum += w[i];
    sum2 += w2 ? w2[i] : 0;
  }
  for (uint32_t i = 0; i < n; i++)
    out[i] = sum > 0 ? total * w[i] / sum : sum2 > 0 ? total * w2[i] / sum2 : 0;
}

/* What attribution_compute works with, per namespace (n of each). */
typedef struct attr_work {
  uint32_t n;
  double *pods, *services, *sidecars, *replicas, *ambient_pods;
  double *zt_share;            /* s_i */
  double *cp_cpu_w, *cp_mem_w; /* c_i for CPU and memory */
  double *cpu[MESH_KIND_COUNT], *mem[MESH_KIND_COUNT];
  double *rcpu[MESH_KIND_COUNT], *rmem[MESH_KIND_COUNT]; /* reserved */
  double *block;
} attr_work;

enum { ATTR_COLUMNS = 8 + 4 * MESH_KIND_COUNT };

static int attr_work_init(attr_work *w, uint32_t n) {
  memset(w, 0, sizeof *w);
  w->n = n;
  size_t m = n ? n : 1;
  w->block = calloc(m * ATTR_COLUMNS, sizeof(double));
  if (!w->block)
    return SIM_ENOMEM;
  double *at = w->block;
  double **cols[8] = {&w->pods,         &w->services, &w->sidecars, &w->replicas,
                      &w->ambient_pods, &w->zt_share, &w->cp_cpu_w, &w->cp_mem_w};
  for (int c = 0; c < 8; c++, at += m)
    *cols[c] = at;
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    w->cpu[k] = at;
    w->mem[k] = at + m;
    w->rcpu[k] = at + 2 * m;
    w->rmem[k] = at + 3 * m;
    at += 4 * m;
  }
  return 0;
}

/* Structure per namespace: pods, services, sidecars, waypoint replicas,
 * ambient pods; the apps' own CPU and requests. */
static void attr_structure(const attribution_input *in, attr_work *w) {
  const topology *t = in->t;
  const scenario *s = t->scn;
  for (uint32_t sv = 0; sv < s->n_services; sv++)
    w->services[s->services[sv].ns] += 1;
  for (uint32_t p = 0; p < t->n_pods; p++) {
    const scenario_service *svc = &s->services[t->pods[p].service];
    uint32_t i = svc->ns;
    w->pods[i] += 1;
    w->sidecars[i] += t->pods[p].sidecar != TOPO_NONE;
    w->ambient_pods[i] +=
        t->pods[p].mode == MESH_NS_AMBIENT || t->pods[p].mode == MESH_NS_AMBIENT_WAYPOINT;
    w->cpu[MESH_KIND_APP][i] += in->cores ? in->cores[p] : 0;
    w->rcpu[MESH_KIND_APP][i] += svc->cpu_request_millicores / 1000.0;
    w->rmem[MESH_KIND_APP][i] += svc->mem_request_bytes / ATTR_MIB;
  }
  for (uint32_t i = 0; i < w->n; i++)
    w->mem[MESH_KIND_APP][i] = w->rmem[MESH_KIND_APP][i];
  for (uint32_t x = 0; x < t->n_waypoints; x++)
    w->replicas[t->waypoints[x].ns] += t->waypoints[x].n_replicas;
}

/* Sidecars and waypoints: their owner's (attribution.h). */
static void attr_owned(const attribution_input *in, attr_work *w, const mode_result *out) {
  const topology *t = in->t;
  const double RT = (double)in->replications * in->duration_s;
  static const mesh_proxy_kind owned[2] = {MESH_PROXY_SIDECAR, MESH_PROXY_WAYPOINT};
  for (int o = 0; o < 2; o++) {
    mesh_proxy_kind pk = owned[o];
    mesh_kind k = mesh_proxy_kind_to_kind(pk);
    double idle = in->proxy_profile[pk]->proxy[pk].idle_millicores / 1000.0;
    const topo_proxy_settings *ps = &t->proxy_settings[pk];
    const double *count = pk == MESH_PROXY_SIDECAR ? w->sidecars : w->replicas;
    for (uint32_t i = 0; i < w->n; i++) {
      double work = in->acc && in->acc->busy_ns ? in->acc->busy_ns[(size_t)k * w->n + i] : 0;
      w->cpu[k][i] = idle * count[i] + (RT > 0 ? work / 1e9 / RT : 0);
      w->rcpu[k][i] = count[i] * ps->request_millicores / 1000.0;
      w->rmem[k][i] = count[i] * ps->request_mem_bytes / ATTR_MIB;
    }
    attr_normalise(w->cpu[k], w->n, out->kind[k].cpu_cores_mean);
  }
  for (uint32_t x = 0; x < t->n_proxies; x++) {
    const topo_proxy *px = &t->proxies[x];
    double mib = in->proxy_mem_bytes ? in->proxy_mem_bytes[x] / ATTR_MIB : 0;
    if (px->kind == MESH_PROXY_SIDECAR)
      w->mem[MESH_KIND_SIDECAR][t->scn->services[t->pods[px->owner].service].ns] += mib;
    else if (px->kind == MESH_PROXY_WAYPOINT)
      w->mem[MESH_KIND_WAYPOINT][t->waypoints[px->owner].ns] += mib;
  }
  attr_normalise(w->mem[MESH_KIND_SIDECAR], w->n, out->kind[MESH_KIND_SIDECAR].mem_mib_mean);
  attr_normalise(w->mem[MESH_KIND_WAYPOINT], w->n, out->kind[MESH_KIND_WAYPOINT].mem_mib_mean);
}

/* Ztunnels and the control plane: split by work and by what istiod serves. */
static void attr_shared(const attribution_input *in, attr_work *w, const mode_result *out) {
  const topology *t = in->t;
  const size_t zt = (size_t)MESH_KIND_ZTUNNEL * w->n;
  double *work = w->rcpu[MESH_KIND_CONTROL_PLANE]; /* scratch until reserved is set below */
  for (uint32_t i = 0; i < w->n; i++)
    work[i] = in->acc && in->acc->busy_ns ? in->acc->busy_ns[zt + i] : 0;
  attr_split(w->zt_share, w->n, 1.0, work, w->ambient_pods);
  const result_kind_usage *z = &out->kind[MESH_KIND_ZTUNNEL];
  for (uint32_t i = 0; i < w->n; i++) {
    w->cpu[MESH_KIND_ZTUNNEL][i] = z->cpu_cores_mean * w->zt_share[i];
    w->mem[MESH_KIND_ZTUNNEL][i] = z->mem_mib_mean * w->zt_share[i];
    w->rcpu[MESH_KIND_ZTUNNEL][i] = z->reserved_cpu_cores * w->zt_share[i];
    w->rmem[MESH_KIND_ZTUNNEL][i] = z->reserved_mem_mib * w->zt_share[i];
  }
  const profile_control_plane *cp = in->control_plane;
  double ztunnels = t->n_by_kind[MESH_PROXY_ZTUNNEL];
  for (uint32_t i = 0; i < w->n; i++) {
    double proxies = w->sidecars[i] + w->replicas[i] + ztunnels * w->zt_share[i];
    w->cp_cpu_w[i] =
        cp ? cp->per_proxy_millicores * proxies + cp->per_service_millicores * w->services[i] : 0;
    w->cp_mem_w[i] = cp ? cp->mem_per_proxy_bytes * proxies +
                              cp->mem_per_service_bytes * w->services[i] +
                              cp->mem_per_endpoint_bytes * w->pods[i]
                        : 0;
  }
  const result_kind_usage *c = &out->kind[MESH_KIND_CONTROL_PLANE];
  attr_split(w->cpu[MESH_KIND_CONTROL_PLANE], w->n, c->cpu_cores_mean, w->cp_cpu_w, w->services);
  attr_split(w->mem[MESH_KIND_CONTROL_PLANE], w->n, c->mem_mib_mean, w->cp_mem_w, w->services);
  attr_split(w->rcpu[MESH_KIND_CONTROL_PLANE], w->n, c->reserved_cpu_cores, w->cp_cpu_w,
             w->services);
  attr_split(w->rmem[MESH_KIND_CONTROL_PLANE], w->n, c->reserved_mem_mib, w->cp_mem_w, w->services);
}

/* The figures of namespace i from the work arrays, but its compute cost. */
static void attr_fill(const attribution_input *in, const attr_work *w, const mode_result *out,
                      uint32_t i, result_namespace *rn) {
  const scenario *s = in->t->scn;
  const scenario_namespace *ns = &s->namespaces[i];
  snprintf(rn->name, sizeof rn->name, "%s", ns->name);
  snprintf(rn->tenant, sizeof rn->tenant, "%s", ns->tenant);
  rn->mode = topo_ns_mode(s, i, in->t->mode);
  rn->pods = (uint32_t)w->pods[i];
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    rn->cpu_cores[k] = w->cpu[k][i];
    rn->mem_mib[k] = w->mem[k][i];
    rn->reserved_cpu_cores += w->rcpu[k][i];
    rn->reserved_mem_mib += w->rmem[k][i];
    if (k != MESH_KIND_APP) {
      rn->mesh_cpu_cores += w->cpu[k][i];
      rn->mesh_mem_mib += w->mem[k][i];
      rn->mesh_reserved_cpu_cores += w->rcpu[k][i];
      rn->mesh_reserved_mem_mib += w->rmem[k][i];
    }
  }
  const attribution_acc *a = in->acc && in->acc->busy_ns ? in->acc : NULL;
  double reps = in->replications ? in->replications : 1;
  rn->cross_zone_gb_month =
      a ? cost_cross_zone_gb_month(s, a->cross_zone_bytes[i] / reps, in->duration_s) : 0;
  rn->mesh_cost_usd_month =
      cost_reserved_month(s, rn->mesh_reserved_cpu_cores, rn->mesh_reserved_mem_mib);
  rn->entry_requests = a ? a->requests[i] : 0;
  rn->entry_errors = a ? a->errors[i] : 0;
  rn->entry_latency_ms = rn->entry_requests ? a->latency_ns[i] / rn->entry_requests / 1e6 : NAN;
  rn->latency_gain_ms = NAN;
  double proxy_ns = 0;
  for (int k = 0; a && k < MESH_KIND_COUNT; k++)
    if (k != MESH_KIND_APP)
      proxy_ns += a->sojourn_ns[(size_t)k * w->n + i];
  rn->mesh_time_ms = out->requests ? proxy_ns / (double)out->requests / 1e6 : NAN;
}

/* cost_i = compute x f_i / sum f + network_i (attribution.h). */
static void attr_costs(const attribution_input *in, const attr_work *w, mode_result *out) {
  const scenario *s = in->t->scn;
  double *f = w->rcpu[MESH_KIND_APP]; /* not needed any more: reuse as scratch */
  double *net = w->rmem[MESH_KIND_APP];
  for (uint32_t i = 0; i < w->n; i++) {
    double cpu = 0, mem = 0;
    for (int k = 0; k < MESH_KIND_COUNT; k++) {
      cpu += fmax(w->rcpu[k][i], w->cpu[k][i]);
      mem += fmax(w->rmem[k][i], w->mem[k][i]);
    }
    net[i] = cost_network_month(s, out->namespaces[i].cross_zone_gb_month);
    f[i] = cost_reserved_month(s, cpu, mem);
  }
  attr_normalise(net, w->n, out->cost_network_usd_month);
  double *compute = w->cp_cpu_w; /* scratch too */
  attr_split(compute, w->n, out->cost_compute_usd_month, f, w->pods);
  for (uint32_t i = 0; i < w->n; i++)
    out->namespaces[i].cost_usd_month = compute[i] + net[i];
}

int attribution_compute(const attribution_input *in, mode_result *out) {
  uint32_t n = in->t->scn->n_namespaces;
  free(out->namespaces);
  out->namespaces = NULL;
  out->n_namespaces = 0;
  attr_work w;
  if (attr_work_init(&w, n) != 0)
    return SIM_ENOMEM;
  out->namespaces = calloc(n ? n : 1, sizeof *out->namespaces);
  if (!out->namespaces) {
    free(w.block);
    return SIM_ENOMEM;
  }
  out->n_namespaces = n;
  attr_structure(in, &w);
  attr_owned(in, &w, out);
  attr_shared(in, &w, out);
  for (uint32_t i = 0; i < n; i++)
    attr_fill(in, &w, out, i, &out->namespaces[i]);
  attr_costs(in, &w, out); /* last: it reuses the apps' reserved columns */
  free(w.block);
  return 0;
}

double attribution_latency_gain(const mode_result *m, const mode_result *none, uint32_t ns) {
  if (ns >= m->n_namespaces || ns >= none->n_namespaces)
    return NAN;
  double a = m->namespaces[ns].entry_latency_ms, b = none->namespaces[ns].entry_latency_ms;
  return isfinite(a) && isfinite(b) ? a - b : NAN;
}

void attribution_relate(run_result *r) {
  const mode_result *none = NULL;
  for (uint32_t i = 0; i < r->n_modes && !none; i++)
    if (r->modes[i].mode == MESH_MODE_NONE)
      none = &r->modes[i];
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (uint32_t ns = 0; ns < r->modes[i].n_namespaces; ns++)
      r->modes[i].namespaces[ns].latency_gain_ms =
          none ? attribution_latency_gain(&r->modes[i], none, ns) : NAN;
}
