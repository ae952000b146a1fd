/* cmd_calibrate: `meshsim calibrate`: a calibration profile from fortio
 * results of a baseline and a mesh run plus the proxy's observed CPU and
 * memory (import/imp_calibrate.h). The profile is checked by the profile
 * loader and written atomically; a scenario uses it by path
 * (mesh.profile or mesh.sidecar_profile: my-profile.yaml). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"
#include "diag.h"
#include "imp_buf.h"
#include "imp_calibrate.h"

enum {
  CO_BASELINE,
  CO_MESH,
  CO_PROXY,
  CO_CPU,
  CO_MEMORY,
  CO_PAYLOAD,
  CO_BASE,
  CO_NAME,
  CO_SERVICES,
  CO_ENDPOINTS,
  CO_OUT,
  CO_QUIET,
  CO_HELP,
  CO_COUNT
};

static const cli_option calibrate_opts[CO_COUNT] = {
    [CO_BASELINE] = {"--baseline", "FILE", "fortio JSON of the run without the mesh"},
    [CO_MESH] = {"--mesh", "FILE", "fortio JSON of the same load through the mesh"},
    [CO_PROXY] = {"--proxy", "KIND",
                  "the proxy the mesh run went through: sidecar (default),\n"
                  "ztunnel or waypoint"},
    [CO_CPU] = {"--proxy-cpu", "CPU", "CPU of one proxy instance during the mesh run (210m, 0.21)"},
    [CO_MEMORY] = {"--proxy-memory", "SIZE", "its memory (62MB, 60Mi)"},
    [CO_PAYLOAD] = {"--payload", "SIZE", "fortio's -payload-size, each way (default 1KiB)"},
    [CO_BASE] = {"--base", "PROFILE", "profile whose other values are carried (istio-1.24)"},
    [CO_NAME] = {"--name", "NAME", "the profile's name (default: calibrated)"},
    [CO_SERVICES] = {"--services-known", "N", "services the proxy knew (the base's reference)"},
    [CO_ENDPOINTS] = {"--endpoints-known", "N", "endpoints it knew (the base's reference)"},
    [CO_OUT] = {"--out", "FILE", "write the profile here (also -o; default: standard output)"},
    [CO_QUIET] = {"--quiet", NULL, "no notes"},
    [CO_HELP] = {"--help", NULL, "this text", .label = "-h, --help"},
};

static const cli_options calibrate_cli = {
    .cmd = "calibrate",
    .opts = calibrate_opts,
    .n_opts = CO_COUNT,
    .help = "usage: meshsim calibrate --baseline FILE --mesh FILE --proxy-cpu CPU\n"
            "                         --proxy-memory SIZE [options]\n\n"
            "Writes a calibration profile from your own benchmark: two fortio runs of one load\n"
            "(fortio load -json FILE -qps Q -c C -payload-size B -p \"50,90,99\" URL), without\n"
            "and with the mesh, and the CPU and memory one proxy used during the mesh run. The\n"
            "pass CPU, on-path share and memory base follow docs/calibration.md; the rest is\n"
            "carried from --base. Use it by path: mesh.sidecar_profile: FILE (a sidecar\n"
            "profile) or mesh.profile: FILE. See docs/import.md.\n\n",
    .width = 24};

int cli_cmd_calibrate(int argc, char **argv) {
  const char *val[CO_COUNT];
  char **av = malloc(((size_t)argc + 1) * sizeof *av);
  if (!av)
    return CLI_EXIT_FAIL;
  for (int i = 0; i < argc; i++)
    av[i] = !strcmp(argv[i], "-o") ? "--out" : argv[i];
  av[argc] = NULL;
  int status = cli_options_parse(&calibrate_cli, argc, av, val, NULL);
  free(av);
  if (status != CLI_CONTINUE)
    return status;
  static const int required[] = {CO_BASELINE, CO_MESH, CO_CPU, CO_MEMORY};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
    if (!val[required[i]])
      return cli_usage_error("calibrate", "%s %s is required (see meshsim calibrate --help)",
                             calibrate_opts[required[i]].name, calibrate_opts[required[i]].arg);
  const char *outp = val[CO_OUT] ? val[CO_OUT] : "-";
  imp_calibrate_options o = {.baseline = val[CO_BASELINE],
                             .mesh = val[CO_MESH],
                             .proxy = val[CO_PROXY] ? val[CO_PROXY] : "sidecar",
                             .cpu = val[CO_CPU],
                             .memory = val[CO_MEMORY],
                             .payload = val[CO_PAYLOAD],
                             .base = val[CO_BASE],
                             .name = val[CO_NAME],
                             .services_known = val[CO_SERVICES],
                             .endpoints_known = val[CO_ENDPOINTS],
                             .display = strcmp(outp, "-") ? outp : "<profile>"};
  diag_list notes, d;
  diag_list_init(&notes);
  diag_list_init(&d);
  imp_buf out;
  imp_buf_init(&out);
  int rc = imp_calibrate(&o, &out, &notes, &d);
  if (!val[CO_QUIET] || rc != 0)
    diag_print(&notes, stderr);
  diag_print(&d, stderr);
  char why[512];
  if (rc != 0) {
    fprintf(stderr, "meshsim calibrate: error: nothing was written\n");
    status = CLI_EXIT_FAIL;
  } else if (imp_buf_write_atomic(outp, out.s, out.len, why, sizeof why) != 0) {
    fprintf(stderr, "meshsim calibrate: error: %s\n", why);
    status = CLI_EXIT_FAIL;
  } else {
    status = CLI_EXIT_OK;
    if (!val[CO_QUIET] && strcmp(outp, "-") != 0)
      fprintf(stderr, "meshsim calibrate: wrote %s (a profile that loads like a builtin)\n", outp);
  }
  imp_buf_release(&out);
  diag_list_release(&notes);
  diag_list_release(&d);
  return status;
}
