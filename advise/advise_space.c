/* advise_space: what each namespace may run. The candidate modes
 * (advise.modes), replaced by a namespace's pin when it has one (a --pin
 * replaces a scenario pin of the same namespace), cut to sidecar by
 * compliance and to sidecar or ambient-waypoint by an L7 need; in a
 * namespace with no L7 service ambient-waypoint is ambient (no waypoint is
 * deployed for it). See advise.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise_internal.h"
#include "err.h"

#define ADV_BIT(m)   SCN_NS_MODE_BIT(m)
#define ADV_L7_MODES (ADV_BIT(MESH_NS_SIDECAR) | ADV_BIT(MESH_NS_AMBIENT_WAYPOINT))

mesh_ns_mode adv_canonical(const adv_space *sp, uint32_t ns, mesh_ns_mode m) {
  return m == MESH_NS_AMBIENT_WAYPOINT && !sp->l7[ns] ? MESH_NS_AMBIENT : m;
}

const char *adv_modes_text(unsigned bits, char *buf, size_t n) {
  size_t at = 0;
  buf[0] = '\0';
  for (int m = 0; m < MESH_NS_COUNT; m++)
    if (bits & ADV_BIT(m)) {
      int w =
          snprintf(buf + at, n - at, "%s%s", at ? ", " : "", mesh_ns_mode_name((mesh_ns_mode)m));
      if (w < 0 || (size_t)w >= n - at)
        break;
      at += (size_t)w;
    }
  return buf;
}

void adv_fmt(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, n, fmt, ap);
  va_end(ap);
}

/* The canonical form of a set of modes for namespace ns. */
static unsigned canonical_set(const adv_space *sp, uint32_t ns, unsigned bits) {
  unsigned out = 0;
  for (int m = 0; m < MESH_NS_COUNT; m++)
    if (bits & ADV_BIT(m))
      out |= ADV_BIT(adv_canonical(sp, ns, (mesh_ns_mode)m));
  return out;
}

static int add_constraint(adv_space *sp, const char *kind, const char *ns, unsigned modes,
                          uint32_t limit, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int add_constraint(adv_space *sp, const char *kind, const char *ns, unsigned modes,
                          uint32_t limit, const char *fmt, ...) {
  advice_constraint *c = realloc(sp->constraints, (sp->n_constraints + 1) * sizeof *c);
  if (!c)
    return ERR_ENOMEM;
  sp->constraints = c;
  c = &c[sp->n_constraints++];
  memset(c, 0, sizeof *c);
  snprintf(c->kind, sizeof c->kind, "%s", kind);
  snprintf(c->ns, sizeof c->ns, "%s", ns ? ns : "");
  c->modes = modes;
  c->limit = limit;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->text, sizeof c->text, fmt, ap);
  va_end(ap);
  return 0;
}

/* A --pin "NS=MODE[,MODE...]" into sp->pinned; ERR_EINVAL after a message
 * located at the option, as the loader locates a --set. */
static int parse_pin(adv_space *sp, const scenario *s, const char *pin, diag_list *d) {
  const char *eq = strchr(pin, '=');
  char name[SCN_NAME_MAX], where[SCN_TEXT_MAX];
  snprintf(where, sizeof where, "--pin %s", pin);
  if (!eq || eq == pin || (size_t)(eq - pin) >= sizeof name || !eq[1]) {
    diag_error(d, where, 0, 0, "expected NAMESPACE=MODE[,MODE...], like payments=sidecar");
    return ERR_EINVAL;
  }
  snprintf(name, sizeof name, "%.*s", (int)(eq - pin), pin);
  uint32_t ns = scenario_find_namespace(s, name);
  if (ns == SCN_NONE) {
    char list[512];
    size_t at = 0;
    list[0] = '\0';
    for (uint32_t i = 0; i < s->n_namespaces && at + 1 < sizeof list; i++)
      at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "",
                             s->namespaces[i].name);
    diag_error(d, where, 0, 0, "unknown namespace \"%s\"; valid namespaces are: %s", name, list);
    return ERR_EINVAL;
  }
  unsigned bits = 0;
  for (const char *at = eq + 1; *at;) {
    size_t len = strcspn(at, ",");
    char mode[32];
    snprintf(mode, sizeof mode, "%.*s", (int)(len < sizeof mode ? len : sizeof mode - 1), at);
    int m = mesh_ns_mode_from_name(mode);
    if (m < 0 || len >= sizeof mode) {
      diag_error(d, where, 0, 0, "unknown namespace mode \"%s\"; valid modes are: %s", mode,
                 mesh_ns_mode_names_list());
      return ERR_EINVAL;
    }
    bits |= ADV_BIT(m);
    at += len + (at[len] == ',');
  }
  sp->pinned[ns] = bits;
  sp->pin_cli[ns] = true;
  return 0;
}

/* Which services of namespace ns need L7, "a, b" into buf; false when none. */
static bool l7_services(const scenario *s, uint32_t ns, char *buf, size_t n) {
  size_t at = 0;
  buf[0] = '\0';
  for (uint32_t sv = 0; sv < s->n_services; sv++)
    if (s->services[sv].ns == ns && s->services[sv].needs_l7) {
      if (at + 1 < n)
        at += (size_t)snprintf(buf + at, n - at, "%s%s", at ? ", " : "", s->services[sv].name);
    }
  return at > 0;
}

/* One namespace's allowed set and the constraints that made it. */
static int namespace_set(adv_space *sp, const scenario *s, uint32_t ns, diag_list *d) {
  const char *name = s->namespaces[ns].name;
  char l7[256], a[128], b[128];
  sp->l7[ns] = l7_services(s, ns, l7, sizeof l7);
  unsigned bits = s->advise.modes;
  int rc = 0;
  if (sp->pinned[ns]) {
    bits = sp->pinned[ns];
    rc = add_constraint(sp, "pin", name, bits, 0, "pinned to %s (%s)",
                        adv_modes_text(bits, a, sizeof a),
                        sp->pin_cli[ns] ? "--pin" : "advise.pins");
  } else if (s->namespaces[ns].compliance) {
    bits &= ADV_BIT(MESH_NS_SIDECAR);
    rc = add_constraint(sp, "compliance", name, ADV_BIT(MESH_NS_SIDECAR), 0,
                        "compliance: only sidecars keep one identity per pod");
  }
  if (rc == 0 && sp->l7[ns]) {
    unsigned before = bits;
    bits &= ADV_L7_MODES;
    rc = add_constraint(sp, "l7", name, ADV_L7_MODES, 0,
                        "needs L7 (%s): sidecar or ambient-waypoint", l7);
    if (rc == 0 && bits == 0) {
      diag_error(d, s->path, 0, 0,
                 "namespace \"%s\" needs L7 (%s), which only sidecar and ambient-waypoint "
                 "provide, but may only run %s",
                 name, l7, adv_modes_text(before, b, sizeof b));
      return ERR_EINVAL;
    }
  }
  if (rc == 0 && bits == 0) {
    diag_error(d, s->path, 0, 0,
               "namespace \"%s\" is left no mode: it is held to compliance (sidecar only) but "
               "the candidate modes are %s",
               name, adv_modes_text(s->advise.modes, a, sizeof a));
    return ERR_EINVAL;
  }
  sp->allowed[ns] = canonical_set(sp, ns, bits);
  return rc;
}

int adv_space_init(adv_space *sp, const scenario *s, const char *const *pins, size_t n_pins,
                   diag_list *d) {
  memset(sp, 0, sizeof *sp);
  uint32_t n = s->n_namespaces;
  sp->n = n;
  size_t m = n ? n : 1;
  sp->allowed = calloc(m, sizeof *sp->allowed);
  sp->pinned = calloc(m, sizeof *sp->pinned);
  sp->pin_cli = calloc(m, sizeof *sp->pin_cli);
  sp->l7 = calloc(m, sizeof *sp->l7);
  if (!sp->allowed || !sp->pinned || !sp->pin_cli || !sp->l7) {
    adv_space_release(sp);
    return ERR_ENOMEM;
  }
  for (uint32_t i = 0; i < s->advise.n_pins; i++)
    sp->pinned[s->advise.pins[i].ns] = s->advise.pins[i].modes;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n_pins; i++)
    rc = parse_pin(sp, s, pins[i], d);
  char a[128];
  if (rc == 0)
    rc = add_constraint(sp, "modes", NULL, s->advise.modes, 0, "candidate modes: %s",
                        adv_modes_text(s->advise.modes, a, sizeof a));
  for (uint32_t ns = 0; rc == 0 && ns < n; ns++)
    rc = namespace_set(sp, s, ns, d);
  if (rc == 0 && s->advise.max_tenants_per_proxy)
    rc = add_constraint(sp, "max_tenants", NULL, 0, s->advise.max_tenants_per_proxy,
                        "at most %u tenant%s per shared proxy instance (ztunnel, waypoint replica)",
                        s->advise.max_tenants_per_proxy,
                        s->advise.max_tenants_per_proxy == 1 ? "" : "s");
  if (rc == 0 && s->advise.max_pods_per_proxy)
    rc = add_constraint(sp, "max_pods", NULL, 0, s->advise.max_pods_per_proxy,
                        "at most %u pods per shared proxy instance (ztunnel, waypoint replica)",
                        s->advise.max_pods_per_proxy);
  if (rc != 0)
    adv_space_release(sp);
  return rc;
}

void adv_space_release(adv_space *sp) {
  free(sp->allowed);
  free(sp->pinned);
  free(sp->pin_cli);
  free(sp->l7);
  free(sp->constraints);
  memset(sp, 0, sizeof *sp);
}
