/* cli_options: getopt_long driven by a command's option table; see
 * cli_options.h. */
#include "cli_options.h"

#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"

/* getopt_long's code for option j. */
#define CLI_OPTIONS_CODE(j) (0x100 + (j))

/* The option `a` names, written whole ("--db" or "--db=..."); -1 if none. */
static int cli_options__find(const cli_options *o, const char *a) {
  size_t len = strcspn(a, "=");
  for (int j = 0; j < o->n_opts; j++)
    if (strlen(o->opts[j].name) == len && !strncmp(a, o->opts[j].name, len))
      return j;
  return -1;
}

static int cli_options__unknown(const cli_options *o, const char *a) {
  if (o->unknown)
    return cli_usage_error(o->cmd, o->unknown, a);
  return cli_usage_error(o->cmd, "unknown option \"%s\" (see meshsim %s --help)", a, o->cmd);
}

static int cli_options__missing(const cli_options *o, int j) {
  if (o->flags & CLI_OPTIONS_BARE)
    return cli_usage_error(o->cmd, "%s needs a value", o->opts[j].name);
  return cli_usage_error(o->cmd, "%s needs a value (%s)", o->opts[j].name, o->opts[j].arg);
}

/* Which option getopt_long's answer c for argv element a stands for, or an
 * exit status after a message. */
static int cli_options__which(const cli_options *o, int c, const char *a, int *j) {
  *j = cli_options__find(o, a);
  switch (c) {
  case 'h': /* alone: "-hx" is no way to ask for help */
    *j = cli_options__find(o, "--help");
    return strcmp(a, "-h") == 0 && *j >= 0 ? CLI_CONTINUE : cli_options__unknown(o, a);
  case ':':
    return *j >= 0 ? cli_options__missing(o, *j) : cli_options__unknown(o, a);
  case '?':
    if (*j >= 0 && !o->opts[*j].arg && strchr(a, '='))
      return cli_usage_error(o->cmd, "%s takes no value", o->opts[*j].name);
    return cli_options__unknown(o, a);
  default: /* an abbreviation getopt_long took for a whole name is no name */
    return *j == c - CLI_OPTIONS_CODE(0) ? CLI_CONTINUE : cli_options__unknown(o, a);
  }
}

/* The value of option j: getopt_long's, or for an optional one the next
 * argument when it is no option, else its if_omitted. */
static const char *cli_options__value(const cli_option *op, int argc, char **argv) {
  if (!op->arg)
    return op->name;
  if (op->if_omitted && !optarg) {
    if (optind < argc && argv[optind][0] != '-')
      return argv[optind++];
    return op->if_omitted;
  }
  return optarg;
}

static int cli_options__argument(const cli_options *o, const char *a, void *ctx) {
  if (o->on_arg)
    return o->on_arg(ctx, CLI_OPTIONS_ARG, a);
  if (a[0] == '-')
    return cli_options__unknown(o, a);
  return cli_usage_error(o->cmd, "unexpected argument \"%s\" (see meshsim %s --help)", a, o->cmd);
}

int cli_options_parse(const cli_options *o, int argc, char **argv, const char **val, void *ctx) {
  struct option lo[CLI_OPTIONS_MAX + 1];
  unsigned char seen[CLI_OPTIONS_MAX] = {0};
  if (o->n_opts > CLI_OPTIONS_MAX)
    return cli_usage_error(o->cmd, "too many options in its table");
  for (int j = 0; j < o->n_opts; j++) {
    const cli_option *op = &o->opts[j];
    int has = !op->arg ? no_argument : op->if_omitted ? optional_argument : required_argument;
    lo[j] = (struct option){op->name + 2, has, NULL, CLI_OPTIONS_CODE(j)};
    if (val)
      val[j] = NULL;
  }
  lo[o->n_opts] = (struct option){NULL, 0, NULL, 0};
  opterr = 0;
  optind = 0; /* start over: another parse may have run in this process */
  for (;;) {
    int at = optind ? optind : 1, j, rc;
    /* "-": arguments in order; ":": a missing value is ':', not '?' */
    int c = getopt_long(argc, argv, "-:h", lo, NULL);
    if (c == -1) /* the end, or "--" */
      return at < argc ? cli_options__unknown(o, argv[at]) : CLI_CONTINUE;
    if (c == 1) {
      if ((rc = cli_options__argument(o, argv[at], ctx)) != CLI_CONTINUE)
        return rc;
      continue;
    }
    if ((rc = cli_options__which(o, c, argv[at], &j)) != CLI_CONTINUE)
      return rc;
    const cli_option *op = &o->opts[j];
    if (seen[j] && !op->repeat)
      return cli_usage_error(o->cmd, "%s given twice", op->name);
    seen[j] = 1;
    if (!strcmp(op->name, "--help")) {
      cli_options_help(stdout, o);
      return CLI_EXIT_OK;
    }
    const char *v = cli_options__value(op, argc, argv);
    if (op->arg && !*v && !(o->flags & CLI_OPTIONS_BARE))
      return cli_options__missing(o, j);
    if (val)
      val[j] = v;
    if (o->on_arg && (rc = o->on_arg(ctx, j, v)) != CLI_CONTINUE)
      return rc;
  }
}

void cli_options_help(FILE *f, const cli_options *o) {
  fputs(o->help, f);
  if (o->width)
    fputs("options:\n", f);
  for (int i = 0; o->width && i < o->n_opts; i++) {
    const cli_option *op = &o->opts[i];
    char left[40];
    if (op->label)
      snprintf(left, sizeof left, "%s", op->label);
    else
      snprintf(left, sizeof left, "%s%s%s", op->name, op->arg ? " " : "", op->arg ? op->arg : "");
    const char *h = op->help;
    fprintf(f, "  %-*s %.*s\n", o->width, left, (int)strcspn(h, "\n"), h);
    while ((h = strchr(h, '\n')) != NULL) {
      h++;
      fprintf(f, "  %*s %.*s\n", o->width, "", (int)strcspn(h, "\n"), h);
    }
  }
  if (o->help_end)
    fputs(o->help_end, f);
}
