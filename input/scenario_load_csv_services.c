/* scenario_load_csv_services: services_csv, the services section as a table
 * (from `kubectl get deployments`, a service catalogue or a spreadsheet).
 *
 * The header names the columns: `name` and any other service key, a key
 * inside a mapping written dotted (requests.cpu, retry.timeout). Each row
 * becomes a service mapping in the document, appended to `services` after
 * the YAML ones, as if it had been written there: a column naming a single
 * value gives a plain scalar of the field's text as is (never parsed as
 * YAML, so a name stays a name), a column naming a mapping or a list
 * (service_time, calls, requests) gives the field parsed as a YAML value.
 * Every node keeps the position of its field and the nodes are recorded as
 * the CSV's (ld_record_origin), so conversion checks a CSV service exactly
 * as a YAML one, defaults and overrides included, and its messages read
 * "services.csv:4:12: error: ...". An empty field leaves the key unset.
 *
 * The rows are added before the overrides other than services_csv's own
 * apply (ld_ov_phase), so `--set services.cart.replicas=3` reaches a
 * service from the CSV. A row with a problem of its own (a field that is
 * not YAML, a NUL byte, the wrong number of fields) is reported and left
 * out; the load then fails, and references to services go unchecked
 * (services_incomplete), since they may name the row left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

#define SVC_MAX_DEPTH  3  /* service_time.mean is 2 deep; one more is spare */
#define SVC_COLUMN_MAX 96 /* a column's name */

typedef struct svc_column {
  char text[SVC_COLUMN_MAX]; /* the name as written, cut at the dots below */
  char name[SVC_COLUMN_MAX]; /* the name as written, for messages */
  const char *seg[SVC_MAX_DEPTH];
  size_t depth;
  bool yaml; /* names a mapping or a list: the field is a YAML value */
} svc_column;

typedef struct svc_ctx {
  svc_column cols[LD_CSVR_MAX_FIELDS];
  size_t n_cols;
  int seq;          /* the services list (0: not made yet, -1: not a list) */
  size_t good;      /* rows read without a problem of their own */
  bool yaml_listed; /* the file lists services of its own */
} svc_ctx;

/* ---- the header ---------------------------------------------------------- */

/* "unknown column ..." with a suggestion among the keys of sm. */
static void svc_unknown(ld_csv_reader *r, size_t i, const svc_column *c, size_t j,
                        const ld_schema_map *sm) {
  const char *names[32];
  size_t nn = ld_schema_key_names(sm, names, 32);
  char q[128], sug[640];
  ld_suggestion(sug, sizeof sug, c->seg[j], names, nn, "keys");
  if (j == 0) {
    ld_csv_err(r, i, "unknown column \"%s\"%s", ld_quote(q, sizeof q, c->name), sug);
  } else {
    char q2[128];
    ld_csv_err(r, i, "unknown column \"%s\": \"%s\" has no key \"%s\"%s",
               ld_quote(q, sizeof q, c->name), c->seg[j - 1], ld_quote(q2, sizeof q2, c->seg[j]),
               sug);
  }
}

/* Column i's name into c: its path in ld_sch_service, which must end at a
 * key (a single value, or a mapping or list given whole as YAML). */
static bool svc_column_parse(ld_csv_reader *r, size_t i, svc_column *c) {
  const char *t = ld_csv_field(r, i, "column");
  char q[128];
  if (t == NULL) {
    return false;
  }
  if (t[0] == '\0') {
    ld_csv_err(r, i, "column %zu has no name; expected a service key such as \"replicas\"", i + 1);
    return false;
  }
  if (strlen(t) >= sizeof c->text) {
    ld_csv_err(r, i, "column \"%s\" is too long", ld_quote(q, sizeof q, t));
    return false;
  }
  snprintf(c->name, sizeof c->name, "%s", t);
  snprintf(c->text, sizeof c->text, "%s", t);
  c->depth = 0;
  for (char *s = c->text; s != NULL && c->depth < SVC_MAX_DEPTH;) {
    c->seg[c->depth++] = s;
    s = strchr(s, '.');
    if (s != NULL) {
      *s++ = '\0';
    }
  }
  const ld_schema_map *sm = &ld_sch_service;
  for (size_t j = 0; j < c->depth; j++) {
    const ld_schema_key *k = sm != NULL ? ld_schema_find(sm, c->seg[j]) : NULL;
    if (k == NULL || c->seg[j][0] == '\0') {
      svc_unknown(r, i, c, j, sm != NULL ? sm : &ld_sch_service);
      return false;
    }
    bool last = j + 1 == c->depth;
    if (k->kind == LD_KEY_LEAF && !last) {
      ld_csv_err(r, i, "unknown column \"%s\": \"%s\" holds a single value",
                 ld_quote(q, sizeof q, c->name), c->seg[j]);
      return false;
    }
    if (k->kind == LD_KEY_LIST && !last) {
      ld_csv_err(r, i,
                 "unknown column \"%s\": \"%s\" is a list; give it whole, as YAML (a column "
                 "\"%s\" holding [a, b])",
                 ld_quote(q, sizeof q, c->name), c->seg[j], c->seg[j]);
      return false;
    }
    c->yaml = last && k->kind != LD_KEY_LEAF;
    sm = k->sub;
  }
  return true;
}

/* Two columns may not give one key twice, whole or in part. */
static bool svc_column_clash(ld_csv_reader *r, size_t i, const svc_ctx *cx) {
  const svc_column *c = &cx->cols[i];
  for (size_t k = 0; k < i; k++) {
    const svc_column *o = &cx->cols[k];
    size_t d = c->depth < o->depth ? c->depth : o->depth, j = 0;
    while (j < d && strcmp(c->seg[j], o->seg[j]) == 0) {
      j++;
    }
    if (j < d) {
      continue;
    }
    char q[128];
    if (c->depth == o->depth) {
      ld_csv_err(r, i, "duplicate column \"%s\" (first is column %zu)",
                 ld_quote(q, sizeof q, c->name), k + 1);
    } else {
      char q2[128];
      ld_csv_err(r, i, "column \"%s\" sets part of what column %zu (\"%s\") sets",
                 ld_quote(q, sizeof q, c->name), k + 1, ld_quote(q2, sizeof q2, o->name));
    }
    return true;
  }
  return false;
}

/* The header: every column known, none twice, `name` among them. Any
 * problem stops the file: its rows cannot be read without their columns. */
static void svc_header(ld_csv_reader *r, svc_ctx *cx) {
  bool ok = true, has_name = false;
  if (r->n_fields > LD_CSVR_MAX_FIELDS) {
    ld_csv_err(r, SIZE_MAX, "the header has %zu columns; at most %d are read", r->n_fields,
               LD_CSVR_MAX_FIELDS);
    r->stopped = true;
    return;
  }
  for (size_t i = 0; i < r->n_fields; i++) {
    svc_column *c = &cx->cols[i];
    if (!svc_column_parse(r, i, c) || svc_column_clash(r, i, cx)) {
      ok = false;
      continue;
    }
    has_name = has_name || (c->depth == 1 && strcmp(c->seg[0], "name") == 0);
  }
  cx->n_cols = r->n_fields;
  if (ok && !has_name) {
    ld_csv_err(r, SIZE_MAX, "the header has no \"name\" column; every service needs a name");
    ok = false;
  }
  r->stopped = !ok;
}

/* ---- the rows ------------------------------------------------------------ */

/* The mapping at key `key` of mapping `parent`, made when missing. 0 when
 * out of memory. */
static int svc_child_map(ld_loader *L, int parent, const char *key, yaml_mark_t mark) {
  yaml_node_pair_t *p = ld_find_pair(L, ld_node_at(L, parent), key);
  if (p != NULL) {
    return p->value;
  }
  int kid = ld_add_scalar(L, key, mark);
  int mid = kid != 0 ? yaml_document_add_mapping(&L->doc, NULL, YAML_FLOW_MAPPING_STYLE) : 0;
  if (mid == 0 || !yaml_document_append_mapping_pair(&L->doc, parent, kid, mid)) {
    return 0;
  }
  ld_node_at(L, mid)->start_mark = mark;
  return mid;
}

/* The services list of the document, made when the file has none (or a
 * null one); -1 when `services` is something else (conversion says so). */
static int svc_list(ld_loader *L) {
  yaml_node_pair_t *p = ld_find_pair(L, ld_node_at(L, L->root_id), "services");
  if (p != NULL && ld_is_seq(ld_node_at(L, p->value))) {
    return p->value;
  }
  if (p != NULL && !ld_is_null(ld_node_at(L, p->value))) {
    return -1;
  }
  yaml_mark_t mark = {0, 0, 0};
  int seq = yaml_document_add_sequence(&L->doc, NULL, YAML_BLOCK_SEQUENCE_STYLE);
  if (seq == 0) {
    return 0;
  }
  ld_node_at(L, seq)->start_mark = mark;
  /* Adding a node may move the document's nodes: find the pair again. */
  p = ld_find_pair(L, ld_node_at(L, L->root_id), "services");
  if (p != NULL) {
    p->value = seq;
    return seq;
  }
  int kid = ld_add_scalar(L, "services", mark);
  if (kid == 0 || !yaml_document_append_mapping_pair(&L->doc, L->root_id, kid, seq)) {
    return 0;
  }
  return seq;
}

/* Field i's value node: a plain scalar, or its text parsed as YAML. */
static int svc_value(ld_csv_reader *r, const svc_column *c, size_t i, const char *text,
                     yaml_mark_t mark) {
  if (!c->yaml) {
    return ld_add_scalar(r->L, text, mark);
  }
  const ld_csvr_field *f = &r->fields[i];
  ld_offset at = {f->line - 1, f->col - 1 + (f->quoted ? 1 : 0)};
  int vid = 0;
  return ld_add_yaml_value(r->L, r->file, text, &at, &vid) == 0 ? vid : -1;
}

/* One row: its mapping, appended to the services list when the row is good. */
static void svc_row(ld_csv_reader *r) {
  ld_loader *L = r->L;
  svc_ctx *cx = r->user;
  if (r->rows == 0) {
    svc_header(r, cx);
    return;
  }
  if (r->n_fields != cx->n_cols) {
    const char *names[LD_CSVR_MAX_FIELDS];
    for (size_t i = 0; i < cx->n_cols; i++) {
      names[i] = cx->cols[i].name;
    }
    char want[512];
    ld_csv_err(r, SIZE_MAX, "expected %zu fields (%s), got %zu", cx->n_cols,
               ld_csv_join(want, sizeof want, names, cx->n_cols), r->n_fields);
    return;
  }
  size_t errors = diag_error_count(L->diag);
  yaml_mark_t row_mark = {0, r->fields[0].line - 1, 0};
  int row = yaml_document_add_mapping(&L->doc, NULL, YAML_FLOW_MAPPING_STYLE);
  if (row == 0) {
    ld_nomem(L);
    r->stopped = true;
    return;
  }
  ld_node_at(L, row)->start_mark = row_mark;
  for (size_t i = 0; i < cx->n_cols && !L->nomem; i++) {
    const svc_column *c = &cx->cols[i];
    const char *text = ld_csv_field(r, i, c->name);
    if (text == NULL || text[0] == '\0') {
      continue; /* unset: the namespace's default, else the built-in one */
    }
    yaml_mark_t mark = {0, r->fields[i].line - 1, r->fields[i].col - 1};
    int parent = row;
    for (size_t j = 0; j + 1 < c->depth && parent != 0; j++) {
      parent = svc_child_map(L, parent, c->seg[j], mark);
    }
    int vid = parent != 0 ? svc_value(r, c, i, text, mark) : 0;
    if (vid < 0) {
      continue; /* reported */
    }
    int kid = vid != 0 ? ld_add_scalar(L, c->seg[c->depth - 1], mark) : 0;
    if (kid == 0 || !yaml_document_append_mapping_pair(&L->doc, parent, kid, vid)) {
      ld_nomem(L);
    }
  }
  if (L->nomem || diag_error_count(L->diag) > errors) {
    r->stopped = L->nomem;
    return;
  }
  if (cx->seq == 0 && (cx->seq = svc_list(L)) == 0) {
    ld_nomem(L);
    r->stopped = true;
    return;
  }
  if (cx->seq > 0 && !yaml_document_append_sequence_item(&L->doc, cx->seq, row)) {
    ld_nomem(L);
    r->stopped = true;
    return;
  }
  cx->good++;
}

void ld_load_services_csv(ld_loader *L) {
  yaml_node_t *root = ld_node_at(L, L->root_id);
  if (ld_get_raw(L, root, "services_csv") == NULL) {
    return;
  }
  yaml_node_t *yaml_list = ld_get(L, root, "services");
  svc_ctx *cx = calloc(1, sizeof *cx);
  if (cx == NULL) {
    ld_nomem(L);
    return;
  }
  cx->yaml_listed = ld_is_seq(yaml_list) && ld_seq_len(yaml_list) > 0;
  size_t errors = diag_error_count(L->diag);
  int first_new = (int)(L->doc.nodes.top - L->doc.nodes.start) + 1;
  ld_csv_input *in = &L->csv[LD_CSV_SERVICES];
  if (ld_read_csv_input(L, root, LD_CSV_SERVICES)) {
    ld_csv_reader r;
    ld_csvr_init(&r, L, in->path, svc_row, cx);
    int rc = ld_csvr_run(&r, in->bytes, in->len);
    free(r.buf);
    if (rc == 0 && r.rows == 0 && diag_error_count(L->diag) == errors) {
      diag_error(L->diag, in->path, 0, 0,
                 "file is empty; expected a header row naming the columns, such as "
                 "\"name,namespace,replicas\"");
    } else if (rc == 0 && cx->good == 0 && !cx->yaml_listed &&
               diag_error_count(L->diag) == errors) {
      diag_error(L->diag, in->path, 0, 0,
                 "no rows after the header and no \"services\" in the scenario: a scenario "
                 "needs at least one service");
    }
  }
  ld_record_origin(L, first_new, in->path, true);
  /* A service left out may be what a call or a traffic entry names. */
  if (diag_error_count(L->diag) > errors) {
    L->services_incomplete = true;
  }
  free(cx);
}
