/* imp_calibrate: a calibration profile from your own benchmark (`meshsim
 * calibrate`).
 *
 * Inputs: two fortio JSON results (`fortio load -json FILE`, the tool Istio's
 * own benchmarks use) of the same load, one without the mesh (baseline) and
 * one through it, plus the CPU and memory one proxy instance used during the
 * mesh run (from `kubectl top pod --containers` or container metrics). The
 * profile's other values are carried from a base profile. The arithmetic is
 * that of docs/calibration.md, applied to your numbers:
 *
 *   pass_cpu[p]      = cpu / (2 passes x rps) - byte_cpu x payload      (3.1)
 *                      for the measured protocol p; the others keep the
 *                      base profile's ratios to it
 *   on_path_fraction = (added p90 / passes on the path - pass_latency)
 *                      / (pass_cpu[p] + byte_cpu x payload)            (3.5)
 *                      added p90 = mesh p90 - baseline p90; 4 passes for a
 *                      sidecar pair or a ztunnel pair; a waypoint's 2 after
 *                      the 4 ztunnel passes of the base profile
 *   memory base      = memory - per_service x services_known - per_endpoint
 *                      x endpoints_known - (per_connection + per_inflight)
 *                      x connections - per_busy_core x cpu       (3.6, 3.6.1)
 *
 * The profile holds the calibrated proxy kind (a sidecar profile is used as
 * mesh.sidecar_profile beside the main one; a ztunnel or waypoint one carries
 * the other ambient proxy and the control plane from the base) and cites the
 * input files as its sources. */
#ifndef MESHSIM_IMP_CALIBRATE_H
#define MESHSIM_IMP_CALIBRATE_H

#include "diag.h"
#include "err.h"
#include "imp_buf.h"

typedef struct imp_calibrate_options {
  const char *baseline, *mesh; /* fortio JSON files */
  const char *proxy;           /* sidecar, ztunnel or waypoint */
  const char *cpu;             /* one proxy instance's CPU during the mesh run ("210m") */
  const char *memory;          /* its memory ("62MB") */
  const char *payload;         /* fortio's -payload-size, each way ("1KiB") */
  const char *base;            /* base profile: builtin name or path; "istio-1.24" */
  const char *name;            /* the profile's name */
  const char *services_known, *endpoints_known; /* config size; the base's reference */
  const char *display;                          /* the output's name in messages */
} imp_calibrate_options;

/* Writes the profile into *out. Returns 0, IMPORT_EINPUT (an input, or a
 * figure that makes no sense, such as CPU below what the payload alone
 * costs) or IMPORT_EOUTPUT (the profile would not load), with errors in d;
 * notes get the values clamped or carried. */
int imp_calibrate(const imp_calibrate_options *o, imp_buf *out, diag_list *notes, diag_list *d);

#endif
