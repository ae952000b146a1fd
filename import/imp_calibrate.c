/* imp_calibrate: fortio results into a profile; see imp_calibrate.h. */
#include "imp_calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "imp_json.h"
#include "mesh_types.h"
#include "profile_load.h"
#include "units.h"

typedef struct cal_run {
  const char *file;
  char type[32];
  double qps, p90_s, p50_s, errors_share;
  long threads;
  long long count;
} cal_run;

static const char *cal_base(const char *f) {
  const char *s = strrchr(f, '/');
  return s ? s + 1 : f;
}

/* One fortio result: RunType, ActualQPS, NumThreads, DurationHistogram
 * (Count, Percentiles [{Percentile, Value in seconds}]) and RetCodes. */
static int cal_read(const char *file, cal_run *r, diag_list *d) {
  memset(r, 0, sizeof *r);
  r->file = file;
  json_t *j = imp_json_load(file, d);
  if (!j)
    return -1;
  int rc = 0;
  json_t *h = json_object_get(j, "DurationHistogram");
  json_t *pct = json_object_get(h, "Percentiles");
  double v;
  const char *type = json_string_value(json_object_get(j, "RunType"));
  snprintf(r->type, sizeof r->type, "%s", type ? type : "");
  if (!json_is_object(j) || !json_is_object(h))
    rc = imp_json_err(d, file, "DurationHistogram",
                      "missing: expected the JSON of `fortio load -json FILE`");
  else if (!imp_json_number(json_object_get(j, "ActualQPS"), &r->qps) || !(r->qps > 0))
    rc = imp_json_err(d, file, "ActualQPS", "expected a rate above 0");
  else if (!imp_json_number(json_object_get(j, "NumThreads"), &v) || v < 1)
    rc = imp_json_err(d, file, "NumThreads", "expected the number of connections (>= 1)");
  else if (!json_is_array(pct))
    rc = imp_json_err(d, file, "DurationHistogram.Percentiles",
                      "missing: run fortio with -p \"50,90,99\"");
  if (rc == 0) {
    r->threads = (long)v;
    imp_json_number(json_object_get(h, "Count"), &v);
    r->count = (long long)v;
    r->p90_s = r->p50_s = -1;
    size_t i;
    json_t *e;
    json_array_foreach(pct, i, e) {
      double p, val;
      if (!imp_json_number(json_object_get(e, "Percentile"), &p) ||
          !imp_json_number(json_object_get(e, "Value"), &val))
        continue;
      if (fabs(p - 90) < 1e-9)
        r->p90_s = val;
      if (fabs(p - 50) < 1e-9)
        r->p50_s = val;
    }
    if (r->p90_s < 0)
      rc = imp_json_err(d, file, "DurationHistogram.Percentiles",
                        "no 90th percentile: run fortio with -p \"50,90,99\"");
    /* Errors: every return code but 200 (HTTP) or SERVING (gRPC). */
    json_t *codes = json_object_get(j, "RetCodes");
    const char *key;
    json_t *val;
    double ok = 0, all = 0;
    json_object_foreach(codes, key, val) {
      double n;
      if (!imp_json_number(val, &n))
        continue;
      all += n;
      if (!strcmp(key, "200") || !strcmp(key, "SERVING"))
        ok += n;
    }
    r->errors_share = all > 0 ? 1 - ok / all : 0;
  }
  json_decref(j);
  return rc;
}

static void cal_line(imp_buf *b, int indent, const char *key, const char *value, const char *why) {
  imp_buf_printf(b, "%*s%s: %s", indent, "", key, value);
  imp_buf_comment(b, 28, "%s", why);
  imp_buf_puts(b, "\n");
}

static void cal_proxy(imp_buf *b, const profile_proxy *p, const char *kind, const char *cite[8]) {
  char v[64];
  imp_buf_printf(b, "  %s:\n    pass_cpu:\n", kind);
  static const char *const protos[] = {"http1", "http2", "grpc", "tcp"};
  for (int i = 0; i < MESH_PROTO_COUNT; i++) {
    snprintf(v, sizeof v, "%.3fus", p->pass_cpu_ns[i] / 1000);
    cal_line(b, 6, protos[i], v, cite[i]);
  }
  snprintf(v, sizeof v, "%.4gns", p->byte_cpu_ns);
  cal_line(b, 4, "byte_cpu", v, cite[4]);
  snprintf(v, sizeof v, "%.4gus", p->connection_cpu_ns / 1000);
  cal_line(b, 4, "connection_cpu", v, cite[4]);
  snprintf(v, sizeof v, "%.4g", p->on_path_fraction);
  cal_line(b, 4, "on_path_fraction", v, cite[5]);
  snprintf(v, sizeof v, "%.4gus", p->pass_latency_ns / 1000);
  cal_line(b, 4, "pass_latency", v, cite[4]);
  snprintf(v, sizeof v, "%u", p->workers);
  cal_line(b, 4, "workers", v, cite[4]);
  snprintf(v, sizeof v, "%.4gm", p->idle_millicores);
  cal_line(b, 4, "idle_cpu", v, cite[4]);
  imp_buf_puts(b, "    memory:\n");
  snprintf(v, sizeof v, "%.6gMB", p->mem_base_bytes / 1e6);
  cal_line(b, 6, "base", v, cite[6]);
  snprintf(v, sizeof v, "%.6gkB", p->mem_per_service_bytes / 1e3);
  cal_line(b, 6, "per_service", v, cite[4]);
  snprintf(v, sizeof v, "%.6gkB", p->mem_per_endpoint_bytes / 1e3);
  cal_line(b, 6, "per_endpoint", v, cite[4]);
  snprintf(v, sizeof v, "%.6gkB", p->mem_per_connection_bytes / 1e3);
  cal_line(b, 6, "per_connection", v, cite[4]);
  snprintf(v, sizeof v, "%.6gkB", p->mem_per_inflight_bytes / 1e3);
  cal_line(b, 6, "per_inflight", v, cite[4]);
  snprintf(v, sizeof v, "%.6gMB", p->mem_per_busy_core_bytes / 1e6);
  cal_line(b, 6, "per_busy_core", v, cite[4]);
  imp_buf_printf(b, "    requests: {cpu: %lldm, memory: %lld}", (long long)p->request_millicores,
                 (long long)p->request_mem_bytes);
  imp_buf_comment(b, 28, "%s", cite[4]);
  imp_buf_puts(b, "\n    limits: {cpu: ");
  if (p->limit_millicores)
    imp_buf_printf(b, "%lldm", (long long)p->limit_millicores);
  else
    imp_buf_puts(b, "none");
  if (p->limit_mem_bytes)
    imp_buf_printf(b, ", memory: %lld}", (long long)p->limit_mem_bytes);
  else
    imp_buf_puts(b, ", memory: none}");
  imp_buf_comment(b, 28, "%s", cite[4]);
  imp_buf_puts(b, "\n");
}

static int cal_load_base(const char *base, profile *p, diag_list *d) {
  if (strchr(base, '/') || strstr(base, ".yaml"))
    return profile_load_file(base, p, d);
  return profile_load_builtin(base, p, d);
}

static int cal_profile(const imp_calibrate_options *o, imp_buf *out, diag_list *notes,
                       diag_list *d);

int imp_calibrate(const imp_calibrate_options *o, imp_buf *out, diag_list *notes, diag_list *d) {
  int rc = cal_profile(o, out, notes, d);
  if (rc == -2)
    return IMPORT_EOUTPUT;
  return rc ? IMPORT_EINPUT : 0;
}

/* -1: an input is wrong; -2: the profile written does not load. */
static int cal_profile(const imp_calibrate_options *o, imp_buf *out, diag_list *notes,
                       diag_list *d) {
  const char *basename = o->base ? o->base : "istio-1.24";
  int kind = mesh_proxy_kind_from_name(o->proxy ? o->proxy : "sidecar");
  if (kind < 0)
    return diag_error(d, NULL, 0, 0,
                      "unknown proxy \"%s\"; valid proxies are: sidecar, ztunnel, waypoint",
                      o->proxy);
  int64_t cpu_m, mem, payload = 1024;
  double services = -1, endpoints = -1;
  if (units_parse_cpu(o->cpu, &cpu_m) != 0 || cpu_m <= 0)
    return diag_error(d, NULL, 0, 0,
                      "--proxy-cpu: expected a cpu amount like 200m or 0.2, got "
                      "\"%s\"",
                      o->cpu);
  if (units_parse_size(o->memory, &mem) != 0 || mem <= 0)
    return diag_error(d, NULL, 0, 0,
                      "--proxy-memory: expected a size like 60MB or 64Mi, got \"%s\"", o->memory);
  if (o->payload && units_parse_size(o->payload, &payload) != 0)
    return diag_error(d, NULL, 0, 0, "--payload: expected a size like 1KiB, got \"%s\"",
                      o->payload);
  if ((o->services_known && units_parse_number(o->services_known, &services) != 0) ||
      (o->endpoints_known && units_parse_number(o->endpoints_known, &endpoints) != 0))
    return diag_error(d, NULL, 0, 0, "--services-known and --endpoints-known take numbers");
  profile p;
  if (cal_load_base(basename, &p, d) != 0)
    return -1;
  if (!p.has_proxy[kind])
    return diag_error(d, NULL, 0, 0,
                      "the base profile \"%s\" has no %s figures to carry; pick "
                      "one with --base",
                      basename, o->proxy);
  cal_run b, m;
  if (cal_read(o->baseline, &b, d) != 0 || cal_read(o->mesh, &m, d) != 0)
    return -1;
  if (strcmp(b.type, m.type) != 0)
    return diag_error(d, o->mesh, 0, 0,
                      "RunType: \"%s\" but the baseline ran \"%s\"; compare "
                      "runs of one protocol",
                      m.type, b.type);
  if (b.threads != m.threads)
    return diag_error(d, o->mesh, 0, 0,
                      "NumThreads: %ld connections but the baseline used %ld; "
                      "compare runs of the same load",
                      m.threads, b.threads);
  if (fabs(m.qps - b.qps) > 0.1 * b.qps)
    return diag_error(d, o->mesh, 0, 0,
                      "ActualQPS: %.6g but the baseline reached %.6g; the runs must carry the same "
                      "rate (within 10%%): run both at a -qps both can reach",
                      m.qps, b.qps);
  for (int i = 0; i < 2; i++) {
    const cal_run *r = i ? &m : &b;
    if (r->errors_share > 0.01)
      return diag_error(d, r->file, 0, 0,
                        "RetCodes: %.3g%% of the requests failed; a failing run calibrates nothing",
                        100 * r->errors_share);
  }
  mesh_proto proto = !strncmp(m.type, "GRPC", 4) ? MESH_PROTO_GRPC : MESH_PROTO_HTTP1;
  profile_proxy *px = &p.proxy[kind];
  double rps = m.qps;
  /* 3.1: two passes per request through one instance. */
  double pass = cpu_m * 1e6 / (2 * rps) - px->byte_cpu_ns * (double)payload;
  if (!(pass > 0))
    return diag_error(d, NULL, 0, 0,
                      "--proxy-cpu %s at %.6g requests/s is %.4g us per pass, below the %.4g us "
                      "the %lld-byte payload alone costs at the base's byte_cpu",
                      o->cpu, rps, cpu_m * 1e6 / (2 * rps) / 1000,
                      px->byte_cpu_ns * (double)payload / 1000, (long long)payload);
  double old = px->pass_cpu_ns[proto];
  for (int q = 0; q < MESH_PROTO_COUNT; q++)
    px->pass_cpu_ns[q] = kind == MESH_PROXY_ZTUNNEL ? pass : px->pass_cpu_ns[q] / old * pass;
  /* 3.5: the on-path time from the added p90. */
  double added_ns = (m.p90_s - b.p90_s) * 1e9, passes = 4, other = 0;
  if (kind == MESH_PROXY_WAYPOINT && p.has_proxy[MESH_PROXY_ZTUNNEL]) {
    const profile_proxy *z = &p.proxy[MESH_PROXY_ZTUNNEL];
    other = 4 * (z->on_path_fraction *
                     (z->pass_cpu_ns[MESH_PROTO_HTTP1] + z->byte_cpu_ns * (double)payload) +
                 z->pass_latency_ns);
    passes = 2;
  }
  double cpu_pass = pass + px->byte_cpu_ns * (double)payload;
  double on_path = (added_ns - other) / passes - px->pass_latency_ns;
  double frac = on_path / cpu_pass;
  char frac_why[400];
  snprintf(frac_why, sizeof frac_why,
           "[M1][M2][C2] (p90 %.4g ms - %.4g ms%s) / %g passes - %.4g us = %.4g us on path; / "
           "%.4g us per pass",
           m.p90_s * 1e3, b.p90_s * 1e3, other > 0 ? " - 4 ztunnel passes [B1]" : "", passes,
           px->pass_latency_ns / 1000, on_path / 1000, cpu_pass / 1000);
  if (!(frac > 0)) {
    diag_note(notes, o->mesh, 0, 0,
              "the mesh run's p90 is not above the baseline's by more than the local hops; "
              "on_path_fraction is carried from %s",
              basename);
    snprintf(frac_why, sizeof frac_why, "[B1] carried: the measured p90s leave no on-path time");
  } else if (frac > 1) {
    diag_note(notes, o->mesh, 0, 0,
              "the added p90 (%.4g us on path per pass) exceeds the pass CPU (%.4g us): queueing "
              "or a slower path; on_path_fraction is set to 1",
              on_path / 1000, cpu_pass / 1000);
    px->on_path_fraction = 1;
  } else {
    px->on_path_fraction = frac;
  }
  /* 3.6: the memory base after the configuration, the connections and the
   * heap of the measured CPU (cpu_m millicores; per_busy_core carried). */
  if (services < 0)
    services = p.reference.services_known;
  if (endpoints < 0)
    endpoints = p.reference.endpoints_known;
  double conns = (double)m.threads;
  double base = (double)mem - px->mem_per_service_bytes * services -
                px->mem_per_endpoint_bytes * endpoints -
                (px->mem_per_connection_bytes + px->mem_per_inflight_bytes) * conns -
                px->mem_per_busy_core_bytes * (double)cpu_m / 1000;
  if (!(base > 0))
    return diag_error(d, NULL, 0, 0,
                      "--proxy-memory %s is below what %g services, %g endpoints and %g "
                      "connections cost at the base's slopes; check the figure or "
                      "--services-known",
                      o->memory, services, endpoints, conns);
  px->mem_base_bytes = base;

  /* The profile text. */
  const char *name = o->name ? o->name : "calibrated";
  imp_buf_printf(out, "# meshsim calibration profile written by `meshsim calibrate` from fortio "
                      "results.\n# Format: docs/calibration.md. [M1][M2] = the fortio runs, "
                      "[M3] = the observed proxy figures,\n# [B1] = carried from the base "
                      "profile, [C1]-[C3] = the arithmetic (docs/calibration.md).\n");
  imp_buf_puts(out, "name: ");
  imp_buf_scalar(out, name);
  imp_buf_printf(out, "\ndescription: \"%s %s calibrated from %s and %s\"\n", basename, o->proxy,
                 cal_base(o->baseline), cal_base(o->mesh));
  imp_buf_printf(out, "source: \"meshsim calibrate --base %s; the files under sources\"\n\n",
                 basename);
  imp_buf_puts(out, "sources:\n  M1: ");
  char text[600];
  snprintf(text, sizeof text,
           "fortio baseline %s: %s, %.6g qps over %ld connections, p50 %.4g ms, p90 %.4g ms, "
           "%lld requests",
           o->baseline, b.type, b.qps, b.threads, b.p50_s * 1e3, b.p90_s * 1e3, b.count);
  imp_buf_scalar(out, text);
  snprintf(text, sizeof text,
           "fortio mesh run %s: %s, %.6g qps over %ld connections, p50 %.4g ms, p90 %.4g ms, "
           "%lld requests",
           o->mesh, m.type, m.qps, m.threads, m.p50_s * 1e3, m.p90_s * 1e3, m.count);
  imp_buf_puts(out, "\n  M2: ");
  imp_buf_scalar(out, text);
  snprintf(text, sizeof text,
           "observed during M2, one %s instance: cpu %s, memory %s; payload %s each way", o->proxy,
           o->cpu, o->memory, o->payload ? o->payload : "1KiB");
  imp_buf_puts(out, "\n  M3: ");
  imp_buf_scalar(out, text);
  snprintf(text, sizeof text, "carried from profile %s (its own sources: docs/calibration.md)",
           basename);
  imp_buf_puts(out, "\n  B1: ");
  imp_buf_scalar(out, text);
  imp_buf_puts(out, "\n  C1: \"docs/calibration.md 3.1: pass_cpu = cpu / (2 passes x rps) - "
                    "byte_cpu x payload; other protocols keep the base's ratios\"\n"
                    "  C2: \"docs/calibration.md 3.5: on_path_fraction = (added p90 / passes - "
                    "pass_latency) / pass CPU at the payload\"\n"
                    "  C3: \"docs/calibration.md 3.6: base = memory - per_service x services - "
                    "per_endpoint x endpoints - (per_connection + per_inflight) x connections - "
                    "per_busy_core x cpu (3.6.1)\"\n\n"
                    "proxies:\n");
  char c_pass[4][200], c_base[300];
  for (int q = 0; q < MESH_PROTO_COUNT; q++) {
    if (q == (int)proto)
      snprintf(c_pass[q], sizeof c_pass[q], "[M2][M3][C1] %s / (2 x %.6g/s) - %.4g ns x %lld B",
               o->cpu, rps, px->byte_cpu_ns, (long long)payload);
    else
      snprintf(c_pass[q], sizeof c_pass[q], "[C1][B1] %s x the base's ratio %.4g",
               mesh_proto_name(proto), px->pass_cpu_ns[q] / pass);
  }
  snprintf(c_base, sizeof c_base,
           "[M3][C3][B1] %s - %g x %.4g kB - %g x %.4g kB - %g x %.4g kB - %s x %.4g MB", o->memory,
           services, px->mem_per_service_bytes / 1e3, endpoints, px->mem_per_endpoint_bytes / 1e3,
           conns, (px->mem_per_connection_bytes + px->mem_per_inflight_bytes) / 1e3, o->cpu,
           px->mem_per_busy_core_bytes / 1e6);
  const char *cite[8] = {c_pass[0], c_pass[1], c_pass[2], c_pass[3],
                         "[B1]",    frac_why,  c_base,    NULL};
  const char *carried[8] = {"[B1]", "[B1]", "[B1]", "[B1]", "[B1]", "[B1]", "[B1]", NULL};
  /* A sidecar profile stands beside the main one (mesh.sidecar_profile); an
   * ambient one is the main profile and needs both ambient proxies. */
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    if (k == kind)
      cal_proxy(out, px, mesh_proxy_kind_name((mesh_proxy_kind)k), cite);
    else if (kind != MESH_PROXY_SIDECAR && k != MESH_PROXY_SIDECAR && p.has_proxy[k])
      cal_proxy(out, &p.proxy[k], mesh_proxy_kind_name((mesh_proxy_kind)k), carried);
  }
  const profile_control_plane *cp = &p.control_plane;
  imp_buf_printf(out,
                 "\ncontrol_plane:\n  cpu:\n    base: %.6gm             # [B1]\n"
                 "    per_proxy: %.6gm        # [B1]\n    per_service: %.6gm      # [B1]\n"
                 "  memory:\n    base: %.6gB            # [B1]\n    per_proxy: %.6gB       # [B1]\n"
                 "    per_service: %.6gB     # [B1]\n    per_endpoint: %.6gB    # [B1]\n"
                 "  requests: {cpu: %lldm, memory: %lld}   # [B1]\n  replicas: %u   # [B1]\n",
                 cp->base_millicores, cp->per_proxy_millicores, cp->per_service_millicores,
                 cp->mem_base_bytes, cp->mem_per_proxy_bytes, cp->mem_per_service_bytes,
                 cp->mem_per_endpoint_bytes, (long long)cp->request_millicores,
                 (long long)cp->request_mem_bytes, cp->replicas);
  imp_buf_printf(out,
                 "\nreference:\n  rps: %.6g               # [M2] ActualQPS\n"
                 "  request_bytes: %lld      # [M3] payload\n"
                 "  response_bytes: %lld     # [M3] echoed by the fortio server\n"
                 "  services_known: %g       # [B1] or --services-known\n"
                 "  endpoints_known: %g      # [B1] or --endpoints-known\n"
                 "  connections: %ld         # [M2] NumThreads\n"
                 "  published:\n    %s: {cpu: %.6g, memory: %lld}   # [M3]\n",
                 rps, (long long)payload, (long long)payload, services, endpoints, m.threads,
                 o->proxy, cpu_m / 1000.0, (long long)mem);
  if (out->nomem)
    return diag_error(d, NULL, 0, 0, "out of memory");
  /* The profile must load as any profile would. */
  profile check;
  if (profile_load_string(out->s, out->len, o->display ? o->display : "<profile>", &check, d) !=
      0) {
    diag_error(d, NULL, 0, 0,
               "the calibrated profile does not load (the messages above); nothing "
               "was written");
    return -2;
  }
  (void)old;
  return 0;
}
