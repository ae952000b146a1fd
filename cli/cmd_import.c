/* cmd_import: `meshsim import kubernetes|traffic`: a scenario from what a
 * cluster and its monitoring already say (import/). The output is checked
 * like `meshsim validate` and written atomically: on any error no file is
 * written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"
#include "diag.h"
#include "imp_buf.h"
#include "imp_k8s.h"
#include "imp_traffic.h"

/* The options table only knows long names; "-o FILE" is the one short
 * option people type from habit (kubectl, compilers), so it is read as --out. */
static char **import_argv_o(int argc, char **argv) {
  char **v = malloc(((size_t)argc + 1) * sizeof *v);
  if (!v)
    return NULL;
  for (int i = 0; i < argc; i++)
    v[i] = !strcmp(argv[i], "-o") ? "--out" : argv[i];
  v[argc] = NULL;
  return v;
}

/* Prints the notes (unless quiet) and errors; returns the exit status. */
static int import_finish(const char *cmd, int rc, imp_buf *out, const char *path,
                         const diag_list *notes, diag_list *d, bool quiet, const char *what) {
  if (!quiet || rc != 0)
    diag_print(notes, stderr);
  diag_print(d, stderr);
  if (rc != 0) {
    fprintf(stderr, "meshsim %s: error: nothing was written\n", cmd);
    return CLI_EXIT_FAIL;
  }
  char why[512];
  if (imp_buf_write_atomic(path, out->s, out->len, why, sizeof why) != 0) {
    fprintf(stderr, "meshsim %s: error: %s\n", cmd, why);
    return CLI_EXIT_FAIL;
  }
  if (!quiet && strcmp(path, "-") != 0)
    fprintf(stderr, "meshsim %s: wrote %s (%s; %zu note%s above)\n", cmd, path, what, notes->n,
            notes->n == 1 ? "" : "s");
  return CLI_EXIT_OK;
}

/* ---- import kubernetes --------------------------------------------------- */

enum { KO_OUT, KO_NAMESPACE, KO_NAME, KO_ENTRY, KO_RATE, KO_QUIET, KO_HELP, KO_COUNT };

static const cli_option k8s_opts[KO_COUNT] = {
    [KO_OUT] = {"--out", "FILE", "write the scenario here (also -o; default: standard output)"},
    [KO_NAMESPACE] = {"--namespace", "NS",
                      "namespace of objects that name none, as kubectl apply -n (default)"},
    [KO_NAME] = {"--name", "NAME", "metadata.name of the scenario (default: the file's name)"},
    [KO_ENTRY] = {"--entry", "SERVICE",
                  "a service external traffic enters (repeatable; default: detected\nfrom "
                  "LoadBalancer/NodePort Services, Ingresses, HTTPRoutes, gateway "
                  "VirtualServices)",
                  .repeat = 1},
    [KO_RATE] = {"--rate", "RATE",
                 "placeholder rate of each entry until traffic is imported "
                 "(100/s)"},
    [KO_QUIET] = {"--quiet", NULL, "do not list what was not mapped"},
    [KO_HELP] = {"--help", NULL, "this text", .label = "-h, --help"},
};

typedef struct k8s_args {
  const char **files;
  size_t n_files;
  const char **entries;
  size_t n_entries;
  int argc;
} k8s_args;

static int k8s_on_arg(void *ctx, int opt, const char *value) {
  k8s_args *a = ctx;
  if (opt == CLI_OPTIONS_ARG)
    a->files[a->n_files++] = value;
  else if (opt == KO_ENTRY)
    a->entries[a->n_entries++] = value;
  return CLI_CONTINUE;
}

static const cli_options k8s_cli = {
    .cmd = "import kubernetes",
    .opts = k8s_opts,
    .n_opts = KO_COUNT,
    .help = "usage: meshsim import kubernetes [options] FILE|DIR...\n\n"
            "Writes a scenario from Kubernetes objects: the output of\n"
            "  kubectl get namespaces,nodes,deployments,statefulsets,daemonsets,services,hpa,\\\n"
            "    ingresses -A -o yaml\n"
            "or folders of manifests (rendered Helm or kustomize output, multi-document YAML).\n"
            "Services become services (the Deployments and StatefulSets they select are their\n"
            "pods), namespace mesh labels their mode, Nodes node pools. Every value names the\n"
            "object it came from; what could not be mapped is listed on standard error and at\n"
            "the top of the scenario. The scenario is checked as `meshsim validate` would and\n"
            "written whole or not at all. See docs/import.md.\n\n",
    .width = 20,
    .on_arg = k8s_on_arg};

static int import_kubernetes(int argc, char **argv) {
  const char *val[KO_COUNT];
  k8s_args a = {calloc((size_t)argc + 1, sizeof(char *)), 0,
                calloc((size_t)argc + 1, sizeof(char *)), 0, argc};
  char **av = import_argv_o(argc, argv);
  if (!a.files || !a.entries || !av) {
    free(a.files);
    free(a.entries);
    free(av);
    fprintf(stderr, "meshsim import kubernetes: error: out of memory\n");
    return CLI_EXIT_FAIL;
  }
  int status = cli_options_parse(&k8s_cli, argc, av, val, &a);
  if (status == CLI_CONTINUE && !a.n_files)
    status = cli_usage_error("import kubernetes",
                             "no input given (usage: meshsim import kubernetes FILE|DIR...)");
  if (status != CLI_CONTINUE) {
    free(a.files);
    free(a.entries);
    free(av);
    return status;
  }
  const char *outp = val[KO_OUT] ? val[KO_OUT] : "-";
  imp_k8s_options o = {.default_namespace = val[KO_NAMESPACE],
                       .name = val[KO_NAME],
                       .entries = a.entries,
                       .n_entries = a.n_entries,
                       .rate = val[KO_RATE],
                       .display = strcmp(outp, "-") ? outp : "<imported scenario>"};
  diag_list notes, d;
  diag_list_init(&notes);
  diag_list_init(&d);
  notes.max_errors = (size_t)-1;
  imp_buf out;
  imp_buf_init(&out);
  int rc = imp_k8s_import(a.files, a.n_files, &o, &out, &notes, &d);
  status = import_finish("import kubernetes", rc, &out, outp, &notes, &d, val[KO_QUIET] != NULL,
                         "a scenario checked as meshsim validate would");
  imp_buf_release(&out);
  diag_list_release(&notes);
  diag_list_release(&d);
  free(a.files);
  free(a.entries);
  free(av);
  return status;
}

/* ---- import traffic ------------------------------------------------------ */

enum {
  TO_INTO,
  TO_OUT,
  TO_REQUESTS,
  TO_REQ_BYTES,
  TO_RESP_BYTES,
  TO_DURATION,
  TO_BUCKETS,
  TO_INBOUND,
  TO_KIALI,
  TO_EXTERNAL,
  TO_QUIET,
  TO_HELP,
  TO_COUNT
};

static const cli_option traffic_opts[TO_COUNT] = {
    [TO_INTO] = {"--into", "SCENARIO",
                 "the scenario to merge into (from import kubernetes, or any)"},
    [TO_OUT] = {"--out", "FILE", "write the result here (also -o; default: replace SCENARIO)"},
    [TO_REQUESTS] = {"--requests", "FILE", "Prometheus: request rates by source and destination"},
    [TO_REQ_BYTES] = {"--request-bytes", "FILE", "Prometheus: mean request bytes per edge"},
    [TO_RESP_BYTES] = {"--response-bytes", "FILE", "Prometheus: mean response bytes per edge"},
    [TO_DURATION] = {"--duration", "FILE", "Prometheus: mean request duration per destination"},
    [TO_BUCKETS] = {"--duration-buckets", "FILE",
                    "Prometheus: duration histogram buckets per destination"},
    [TO_INBOUND] = {"--inbound", "FILE",
                    "Prometheus (Linkerd): every request into each workload;\nexternal "
                    "traffic is what meshed callers do not account for"},
    [TO_KIALI] = {"--kiali", "FILE", "a Kiali graph export instead of Prometheus"},
    [TO_EXTERNAL] = {"--external", "WORKLOAD",
                     "a client outside the model: its calls are entry traffic\n(repeatable; "
                     "\"unknown\" and ingress gateways always are)",
                     .repeat = 1},
    [TO_QUIET] = {"--quiet", NULL, "do not list what was not mapped"},
    [TO_HELP] = {"--help", NULL, "this text", .label = "-h, --help"},
};

typedef struct traffic_args {
  const char **external;
  size_t n_external;
} traffic_args;

static int traffic_on_arg(void *ctx, int opt, const char *value) {
  traffic_args *a = ctx;
  if (opt == TO_EXTERNAL)
    a->external[a->n_external++] = value;
  else if (opt == CLI_OPTIONS_ARG)
    return cli_usage_error("import traffic",
                           "unexpected argument \"%s\" (see meshsim import "
                           "traffic --help)",
                           value);
  return CLI_CONTINUE;
}

static const char traffic_help_end[] = "\n";

static const cli_options traffic_cli = {
    .cmd = "import traffic",
    .opts = traffic_opts,
    .n_opts = TO_COUNT,
    .help = "usage: meshsim import traffic --into SCENARIO (--requests FILE [...] | --kiali FILE)\n"
            "                              [--out FILE] [--external WORKLOAD]...\n\n"
            "Merges measured traffic into a scenario: entry rates, calls per request (rate A->B\n"
            "over the rate into A), request and response sizes, service-time estimates. The\n"
            "scenario's comments and layout are kept; the result is checked as `meshsim\n"
            "validate` would and written whole or not at all. See docs/import.md.\n\n",
    .width = 26,
    .help_end = traffic_help_end,
    .on_arg = traffic_on_arg};

static int import_traffic(int argc, char **argv) {
  const char *val[TO_COUNT];
  traffic_args a = {calloc((size_t)argc + 1, sizeof(char *)), 0};
  char **av = import_argv_o(argc, argv);
  if (!a.external || !av) {
    free(a.external);
    free(av);
    fprintf(stderr, "meshsim import traffic: error: out of memory\n");
    return CLI_EXIT_FAIL;
  }
  int status = cli_options_parse(&traffic_cli, argc, av, val, &a);
  if (status == CLI_EXIT_OK && argc > 1) /* --help: the queries to run */
    fputs(imp_traffic_queries(), stdout);
  if (status == CLI_CONTINUE && !val[TO_INTO])
    status = cli_usage_error("import traffic", "--into SCENARIO is required");
  bool prom = val[TO_REQUESTS] || val[TO_REQ_BYTES] || val[TO_RESP_BYTES] || val[TO_DURATION] ||
              val[TO_BUCKETS] || val[TO_INBOUND];
  if (status == CLI_CONTINUE && val[TO_KIALI] && prom)
    status = cli_usage_error("import traffic", "--kiali and the Prometheus inputs exclude each "
                                               "other");
  if (status == CLI_CONTINUE && !val[TO_KIALI] && !val[TO_REQUESTS])
    status = cli_usage_error("import traffic",
                             "--requests FILE (or --kiali FILE) is required: the rates are what "
                             "the rest is measured against");
  if (status != CLI_CONTINUE) {
    free(a.external);
    free(av);
    return status;
  }
  const char *outp = val[TO_OUT] ? val[TO_OUT] : val[TO_INTO];
  imp_traffic_options o = {.into = val[TO_INTO],
                           .requests = val[TO_REQUESTS],
                           .request_bytes = val[TO_REQ_BYTES],
                           .response_bytes = val[TO_RESP_BYTES],
                           .duration = val[TO_DURATION],
                           .duration_buckets = val[TO_BUCKETS],
                           .inbound = val[TO_INBOUND],
                           .kiali = val[TO_KIALI],
                           .external = a.external,
                           .n_external = a.n_external,
                           .display = strcmp(outp, "-") ? outp : "<merged scenario>"};
  diag_list notes, d;
  diag_list_init(&notes);
  diag_list_init(&d);
  notes.max_errors = (size_t)-1;
  imp_buf out;
  imp_buf_init(&out);
  int rc = imp_traffic_import(&o, &out, &notes, &d);
  status = import_finish("import traffic", rc, &out, outp, &notes, &d, val[TO_QUIET] != NULL,
                         "traffic merged, checked as meshsim validate would");
  imp_buf_release(&out);
  diag_list_release(&notes);
  diag_list_release(&d);
  free(a.external);
  free(av);
  return status;
}

/* ---- meshsim import ------------------------------------------------------ */

static void import_usage(FILE *f) {
  fprintf(f, "usage: meshsim import kubernetes [options] FILE|DIR...\n"
             "       meshsim import traffic --into SCENARIO [options]\n\n"
             "  kubernetes  a scenario from Kubernetes objects (kubectl get -o yaml, manifests)\n"
             "  traffic     entry rates, calls, sizes and service times from Prometheus or\n"
             "              Kiali, merged into a scenario\n\n"
             "'meshsim import <kind> --help' describes the options; docs/import.md walks\n"
             "from a cluster to a report.\n");
}

int cli_cmd_import(int argc, char **argv) {
  if (argc < 2) {
    import_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    import_usage(stdout);
    return CLI_EXIT_OK;
  }
  if (!strcmp(argv[1], "kubernetes"))
    return import_kubernetes(argc - 1, argv + 1);
  if (!strcmp(argv[1], "traffic"))
    return import_traffic(argc - 1, argv + 1);
  return cli_usage_error("import", "unknown kind \"%s\"; valid kinds are: kubernetes, traffic",
                         argv[1]);
}
