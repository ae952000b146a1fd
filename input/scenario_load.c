/* scenario_load: YAML scenario file -> scenario, with file:line:col errors.
 *
 * Three stages. (1) Bytes: read the file, check it is UTF-8, parse it with
 * libyaml's document API (yaml_parser_load) into a node tree
 * (scenario_load_yaml.c). (2) Overrides: each `--set KEY=VALUE` is parsed
 * as a small YAML document of its own and its nodes are copied into the
 * tree at KEY; node ids past the file's last node remember which override
 * they came from, so later messages point at the override instead of a
 * line of the file (scenario_load_override.c). (3) Conversion: a schema
 * table per mapping drives unknown-key checks (with did-you-mean) and the
 * override paths; each section is converted into the scenario, names are
 * resolved to indices through hash tables (files may hold thousands of
 * services), and cross checks run last (call cycles, pods that fit no node,
 * required traffic). Between the YAML services and the cross checks, the
 * CSV files named by `call_graph_csv` / `traffic_csv` (libcsv, strict RFC
 * 4180) add calls and traffic entries after the YAML ones; `services_csv`
 * is read earlier, into the node tree, before the overrides other than its
 * own apply, so its services are checked, defaulted and overridden as YAML
 * ones. This file holds
 * the entry points and the order of the stages; scenario_load_internal.h
 * lists the file of each. Errors are collected, never fatal, until the
 * diag list is full; then conversion stops early. On any error the
 * scenario is freed so callers never see a half-filled one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario_load_internal.h"

ld_read_status ld_read_file(const char *path, size_t max, char **out, size_t *out_len,
                            int *err_no) {
  *out = NULL;
  *out_len = 0;
  *err_no = 0;
  struct stat st;
  if (stat(path, &st) != 0) {
    *err_no = errno;
    return LD_READ_OPEN;
  }
  if (S_ISDIR(st.st_mode)) {
    return LD_READ_DIR;
  }
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    *err_no = errno;
    return LD_READ_OPEN;
  }
  size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
  if (cap > max + 1) {
    cap = max + 1;
  }
  char *buf = malloc(cap);
  size_t len = 0;
  ld_read_status rc = buf != NULL ? LD_READ_OK : LD_READ_NOMEM;
  while (rc == LD_READ_OK) {
    if (len == cap) {
      if (cap > max) {
        rc = LD_READ_TOO_LARGE;
        break;
      }
      size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
      char *nb = realloc(buf, ncap);
      if (nb == NULL) {
        rc = LD_READ_NOMEM;
        break;
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) {
        *err_no = errno;
        rc = LD_READ_ERROR;
      }
      break;
    }
  }
  fclose(f);
  if (rc != LD_READ_OK) {
    free(buf);
    return rc;
  }
  *out = buf;
  *out_len = len;
  return LD_READ_OK;
}

/* Stage 3: every section, in the order their references need; each step
 * runs only while the diag list has room. */
static void convert_all(ld_loader *L) {
  yaml_node_t *root = ld_node_at(L, L->root_id);
  if (!ld_check_map(L, root, &ld_sch_root, "")) {
    return;
  }
  ld_convert_metadata(L, root);
  if (!ld_stop(L)) {
    ld_convert_cluster(L, root);
  }
  if (!ld_stop(L)) {
    ld_convert_pricing(L, root);
  }
  if (!ld_stop(L)) {
    ld_convert_mesh(L, root);
  }
  if (!ld_stop(L)) {
    ld_convert_services(L, root); /* namespaces first, inside */
  }
  if (!ld_stop(L)) {
    ld_resolve_calls(L);
  }
  /* CSV inputs after the YAML they extend: services first (names to
   * resolve), then YAML calls and traffic (duplicates to detect). */
  bool have_calls_csv = !ld_stop(L) && ld_read_csv_input(L, root, LD_CSV_CALLS);
  bool have_traffic_csv = !ld_stop(L) && ld_read_csv_input(L, root, LD_CSV_TRAFFIC);
  if (have_calls_csv && !ld_stop(L)) {
    ld_load_call_graph_csv(L);
  }
  if (!ld_stop(L)) {
    ld_convert_gateways(L, root);
  }
  if (!ld_stop(L)) {
    ld_convert_traffic(L, root);
  }
  if (have_traffic_csv && !ld_stop(L)) {
    ld_load_traffic_csv(L);
  }
  if (!ld_stop(L)) {
    ld_convert_failures(L, root);
  }
  if (!ld_stop(L)) {
    ld_convert_advise(L, root);
  }
  /* Multipliers scale what the scenario ends up with: after every value. */
  if (!ld_stop(L)) {
    ld_apply_multipliers(L);
  }
  if (!ld_stop(L) && L->s->n_services > 0) {
    ld_check_cycles(L);
  }
  if (!ld_stop(L)) {
    ld_check_capacity(L);
  }
  if (!ld_stop(L)) {
    ld_warn_l7_tcp(L);
  }
  /* Reachability is only worth a warning in an otherwise valid file. */
  if (diag_error_count(L->diag) == L->errors_before && L->s->n_traffic > 0) {
    ld_warn_unreached(L);
  }
  if (diag_error_count(L->diag) == L->errors_before) {
    ld_warn_failure_instances(L);
  }
}

static uint64_t hash_overrides(uint64_t h, const char *const *overrides, size_t n_overrides) {
  for (size_t i = 0; i < n_overrides; i++) {
    const char *ov = overrides[i] != NULL ? overrides[i] : "";
    h = ld_fnv1a(ov, strlen(ov) + 1, h); /* with its NUL: a separator */
  }
  return h;
}

uint64_t scenario_load_hash(const void *bytes, size_t len, const char *const *overrides,
                            size_t n_overrides) {
  return hash_overrides(ld_fnv1a(bytes, len, LD_FNV_OFFSET), overrides, n_overrides);
}

/* scenario_load_hash extended by the CSV inputs read, between the YAML
 * bytes and the overrides: for each (call graph, traffic, services) its length
 * as 8 little-endian bytes, then its bytes. The length keeps the files'
 * boundaries apart; without CSV inputs the hash is scenario_load_hash's. */
static uint64_t hash_inputs(const ld_loader *L, const void *bytes, size_t len) {
  uint64_t h = ld_fnv1a(bytes, len, LD_FNV_OFFSET);
  for (int k = 0; k < LD_CSV_KIND_COUNT; k++) {
    const ld_csv_input *in = &L->csv[k];
    if (in->bytes == NULL) {
      continue;
    }
    unsigned char n8[8];
    for (int b = 0; b < 8; b++) {
      n8[b] = (unsigned char)((uint64_t)in->len >> (8 * b));
    }
    h = ld_fnv1a(n8, sizeof n8, h);
    h = ld_fnv1a(in->bytes, in->len, h);
  }
  return hash_overrides(h, L->overrides, L->n_overrides);
}

/* "dir/shop.yaml" -> "shop". */
static void base_name(char *out, size_t size, const char *path) {
  const char *b = strrchr(path, '/');
  b = b != NULL ? b + 1 : path;
  size_t len = strlen(b);
  const char *dot = strrchr(b, '.');
  if (dot != NULL && dot != b && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0)) {
    len = (size_t)(dot - b);
  }
  if (len >= size) {
    len = size - 1;
  }
  memcpy(out, b, len);
  out[len] = '\0';
}

static void loader_release(ld_loader *L) {
  if (L->have_doc) {
    yaml_document_delete(&L->doc);
  }
  for (size_t i = 0; L->ov_labels != NULL && i < L->n_overrides; i++) {
    free(L->ov_labels[i]);
  }
  free(L->ov_labels);
  free(L->origins);
  ld_nt_free(&L->zones);
  ld_nt_free(&L->pools);
  ld_nt_free(&L->namespaces);
  ld_nt_free(&L->services);
  ld_nt_free(&L->accounts);
  ld_nt_free(&L->traffic);
  ld_nt_free(&L->failures);
  ld_nt_free(&L->gateways);
  free(L->ns_ids);
  for (uint32_t i = 0; L->ns_defaults != NULL && i < L->s->n_namespaces; i++) {
    free(L->ns_defaults[i].sv.dist_storage);
  }
  free(L->ns_defaults);
  ld_multipliers_free(L);
  free(L->svc_ids);
  ld_op_aux_free(L);
  free(L->call_start);
  free(L->calls);
  free(L->traffic_ids);
  free(L->failure_ids);
  free(L->pool_ids);
  for (int k = 0; k < LD_CSV_KIND_COUNT; k++) {
    free(L->csv[k].bytes);
  }
}

static int load_bytes(const char *display, const char *bytes, size_t len,
                      const char *const *overrides, size_t n_overrides, scenario *out,
                      diag_list *diag) {
  ld_loader L;
  memset(&L, 0, sizeof L);
  L.s = out;
  L.diag = diag;
  L.file = display;
  L.overrides = overrides;
  L.n_overrides = n_overrides;
  size_t errors_before = diag_error_count(diag);
  L.errors_before = errors_before;
  int code = SCENARIO_LOAD_EINVALID;

  scenario_init_defaults(out);
  snprintf(out->path, sizeof out->path, "%s", display);
  base_name(out->meta.name, sizeof out->meta.name, display);
  out->content_hash = scenario_load_hash(bytes, len, overrides, n_overrides);
  if (out->cluster.n_zones == 0 || out->cluster.n_pools == 0) {
    ld_nomem(&L);
    code = ERR_ENOMEM;
    goto done;
  }
  int rc = ld_parse_document(&L, bytes, len);
  if (rc != 0) {
    code = rc;
    goto done;
  }
  /* services_csv first (its own overrides, then its rows into the
   * document), so that the other overrides reach the services it adds. */
  L.origins = calloc(n_overrides + 1, sizeof *L.origins);
  if (L.origins == NULL) {
    ld_nomem(&L);
    code = ERR_ENOMEM;
    goto done;
  }
  if (ld_apply_overrides(&L, LD_OV_INPUTS) != 0) {
    code = L.nomem ? ERR_ENOMEM : SCENARIO_LOAD_EOVERRIDE;
    goto done;
  }
  if (!ld_stop(&L)) {
    ld_load_services_csv(&L);
  }
  if (ld_apply_overrides(&L, LD_OV_REST) != 0) {
    code = L.nomem ? ERR_ENOMEM : SCENARIO_LOAD_EOVERRIDE;
    goto done;
  }
  convert_all(&L);
  out->content_hash = hash_inputs(&L, bytes, len);
  if (L.nomem) {
    code = ERR_ENOMEM;
  }

done:
  loader_release(&L);
  if (diag_error_count(diag) > errors_before || L.nomem) {
    scenario_release(out);
    return code;
  }
  return 0;
}

int scenario_load_string(const char *text, size_t len, const char *display_name,
                         const char *const *overrides, size_t n_overrides, scenario *out,
                         diag_list *diag) {
  if (out == NULL || diag == NULL) {
    return ERR_EINVAL;
  }
  memset(out, 0, sizeof *out);
  const char *name = display_name != NULL ? display_name : "<string>";
  if (text == NULL || (overrides == NULL && n_overrides > 0)) {
    diag_error(diag, name, 0, 0, "no scenario text given");
    return ERR_EINVAL;
  }
  return load_bytes(name, text, len, overrides, n_overrides, out, diag);
}

int scenario_load_file(const char *path, const char *const *overrides, size_t n_overrides,
                       scenario *out, diag_list *diag) {
  if (out == NULL || diag == NULL) {
    return ERR_EINVAL;
  }
  memset(out, 0, sizeof *out);
  if (path == NULL || path[0] == '\0') {
    diag_error(diag, NULL, 0, 0, "no scenario file given");
    return ERR_EINVAL;
  }
  if (overrides == NULL && n_overrides > 0) {
    diag_error(diag, path, 0, 0, "overrides missing");
    return ERR_EINVAL;
  }
  char *buf;
  size_t len;
  int err_no;
  switch (ld_read_file(path, SCENARIO_LOAD_MAX_BYTES, &buf, &len, &err_no)) {
  case LD_READ_OK:
    break;
  case LD_READ_OPEN:
    diag_error(diag, path, 0, 0, "cannot open scenario file: %s", strerror(err_no));
    return SCENARIO_LOAD_EIO;
  case LD_READ_DIR:
    diag_error(diag, path, 0, 0, "is a directory; expected a scenario file (.yaml)");
    return SCENARIO_LOAD_EIO;
  case LD_READ_TOO_LARGE:
    diag_error(diag, path, 0, 0, "file is too large (more than %zu MiB)",
               SCENARIO_LOAD_MAX_BYTES >> 20);
    return SCENARIO_LOAD_EIO;
  case LD_READ_ERROR:
    diag_error(diag, path, 0, 0, "cannot read scenario file: %s", strerror(err_no));
    return SCENARIO_LOAD_EIO;
  case LD_READ_NOMEM:
    diag_error(diag, path, 0, 0, "out of memory reading the scenario file");
    return ERR_ENOMEM;
  }
  int rc = load_bytes(path, buf, len, overrides, n_overrides, out, diag);
  free(buf);
  return rc;
}
