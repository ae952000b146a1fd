/* scenario_load_override: `--set KEY=VALUE` applied to the node tree.
 *
 * A list segment "*" walks the rest of KEY in every element
 * (`services.*.workers=16`). A multiplier (`traffic.*.rate=x2`) is not a
 * value for the tree: scenario_load_multiply.c takes it, and applies it to
 * the converted scenario.
 *
 * VALUE is parsed as a small YAML document of its own and its nodes are
 * deep-copied into the scenario's document (aliases expanded, within a node
 * budget: an alias bomb stops at LD_MAX_COPY_NODES). KEY is walked from the
 * root with the schema alongside, so a typo is caught as in the file: a
 * mapping segment must be a known key (a missing or null mapping on the way
 * is created), a list segment names an element by its name key or its
 * 0-based index. The ids of the nodes made are recorded as the override's,
 * so that later messages about them name the override. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

#define LD_MAX_COPY_NODES 100000 /* per override value: stops alias bombs */
#define LD_MAX_COPY_DEPTH 64

int ld_add_scalar(ld_loader *L, const char *value, yaml_mark_t mark) {
  int id =
      yaml_document_add_scalar(&L->doc, NULL, (yaml_char_t *)value, -1, YAML_PLAIN_SCALAR_STYLE);
  if (id == 0) {
    return 0;
  }
  yaml_node_t *n = ld_node_at(L, id);
  n->start_mark = n->end_mark = mark;
  return id;
}

/* Deep-copies node `id` of src into the scenario document. Aliases in the
 * value are copied as often as they are used, up to a node budget. */
static int copy_node(ld_loader *L, yaml_document_t *src, int id, const ld_offset *at, int depth,
                     size_t *budget) {
  yaml_node_t *n = yaml_document_get_node(src, id);
  if (n == NULL || depth > LD_MAX_COPY_DEPTH || *budget == 0) {
    return 0;
  }
  (*budget)--;
  yaml_mark_t mark = n->start_mark;
  if (mark.line == 0) {
    mark.column += at->col;
  }
  mark.line += at->line;
  int out = 0;
  switch (n->type) {
  case YAML_SCALAR_NODE:
    out = yaml_document_add_scalar(&L->doc, NULL, n->data.scalar.value, (int)n->data.scalar.length,
                                   n->data.scalar.style);
    break;
  case YAML_SEQUENCE_NODE: {
    out = yaml_document_add_sequence(&L->doc, NULL, n->data.sequence.style);
    size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    for (size_t i = 0; out != 0 && i < len; i++) {
      /* Re-read through src each time: src does not move, L->doc may. */
      yaml_node_t *sn = yaml_document_get_node(src, id);
      int child = copy_node(L, src, sn->data.sequence.items.start[i], at, depth + 1, budget);
      if (child == 0 || !yaml_document_append_sequence_item(&L->doc, out, child)) {
        return 0;
      }
    }
    break;
  }
  case YAML_MAPPING_NODE: {
    out = yaml_document_add_mapping(&L->doc, NULL, n->data.mapping.style);
    size_t len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    for (size_t i = 0; out != 0 && i < len; i++) {
      yaml_node_t *sn = yaml_document_get_node(src, id);
      yaml_node_pair_t pair = sn->data.mapping.pairs.start[i];
      int k = copy_node(L, src, pair.key, at, depth + 1, budget);
      int v = k != 0 ? copy_node(L, src, pair.value, at, depth + 1, budget) : 0;
      if (v == 0 || !yaml_document_append_mapping_pair(&L->doc, out, k, v)) {
        return 0;
      }
    }
    break;
  }
  default:
    return 0;
  }
  if (out != 0) {
    yaml_node_t *o = ld_node_at(L, out);
    o->start_mark = o->end_mark = mark;
  }
  return out;
}

/* Finds list element `seg`: by its name key (or, for scalar shorthand
 * items, its text), else by 0-based index. Returns the item slot or NULL. */
static yaml_node_item_t *find_element(ld_loader *L, yaml_node_t *seq, const ld_schema_map *elem,
                                      const char *seg) {
  const char *key = elem != NULL ? elem->list_key : NULL;
  size_t n = ld_seq_len(seq);
  for (size_t i = 0; key != NULL && i < n; i++) {
    yaml_node_t *it = ld_seq_item(L, seq, i);
    yaml_node_t *nv = ld_is_map(it) ? ld_get(L, it, key) : it;
    if (ld_is_scalar(nv) && strcmp(ld_sval(nv), seg) == 0) {
      return &seq->data.sequence.items.start[i];
    }
  }
  uint64_t idx;
  if (units_parse_uint(seg, UINT64_MAX, &idx) == 0 && seg[0] != '+' && idx < n) {
    return &seq->data.sequence.items.start[idx];
  }
  return NULL;
}

static int override_error(ld_loader *L, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int override_error(ld_loader *L, const char *label, const char *fmt, ...) {
  char msg[LD_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return diag_error(L->diag, label, 0, 0, "%s", msg);
}

/* Names of the elements of a list, for "valid entries are: ...". */
static const char *element_names(ld_loader *L, yaml_node_t *seq, const ld_schema_map *elem,
                                 char *buf, size_t size, const char **names, size_t *n_names) {
  size_t n = ld_seq_len(seq);
  *n_names = 0;
  for (size_t i = 0; i < n && *n_names < 64; i++) {
    yaml_node_t *it = ld_seq_item(L, seq, i);
    yaml_node_t *nv = elem != NULL && elem->list_key != NULL && ld_is_map(it)
                          ? ld_get(L, it, elem->list_key)
                          : (ld_is_scalar(it) ? it : NULL);
    if (ld_is_scalar(nv)) {
      names[(*n_names)++] = ld_sval(nv);
    }
  }
  return ld_join_names(buf, size, names, *n_names);
}

/* An override's VALUE (or a CSV field) is parsed as a YAML document of its
 * own and its nodes copied into the scenario document, positions shifted
 * by *at ("KEY=" for an override). */
int ld_add_yaml_value(ld_loader *L, const char *label, const char *value, const ld_offset *at,
                      int *vid) {
  if (ld_check_flow_depth(L, label, value, strlen(value), at) != 0) {
    return -1;
  }
  yaml_parser_t p;
  yaml_document_t vd;
  if (!yaml_parser_initialize(&p)) {
    return ld_nomem(L);
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)value, strlen(value));
  if (!yaml_parser_load(&p, &vd)) {
    ld_report_yaml_error(L, &p, label, value, strlen(value), at);
    yaml_parser_delete(&p);
    return -1;
  }
  yaml_parser_delete(&p);
  size_t budget = LD_MAX_COPY_NODES;
  if (yaml_document_get_root_node(&vd) == NULL) {
    yaml_mark_t mark = {0, at->line, at->col};
    *vid = ld_add_scalar(L, "", mark);
  } else {
    *vid = copy_node(L, &vd, 1, at, 0, &budget);
  }
  yaml_document_delete(&vd);
  if (*vid == 0) {
    if (budget == 0) {
      return override_error(L, label, "value is too large (more than %d nodes)", LD_MAX_COPY_NODES);
    }
    return override_error(L, label, "value is nested too deeply or out of memory");
  }
  return 0;
}

/* Where the walk down an override's KEY has got to. The schema follows
 * the walk so that a typo in KEY is caught as in the file; past a key the
 * schema does not know (sm and elem NULL) nothing is checked. */
typedef struct ov_walk {
  ld_loader *L;
  const char *label;         /* "--set KEY=VALUE", the file name of messages */
  const char *key;           /* KEY, for "empty key in path" */
  int cur;                   /* the node reached */
  const ld_schema_map *sm;   /* cur as a mapping: its schema */
  const ld_schema_map *elem; /* cur as a list: its element's schema */
  int vid;                   /* the value's root node */
  char path[LD_PATH_MAX];    /* the segments walked, dotted, for messages */
} ov_walk;

static int ov_unknown_key(ov_walk *w, const char *seg) {
  const char *names[32];
  size_t nn = ld_schema_key_names(w->sm, names, 32);
  char q[128], ib[LD_PATH_MAX + 8], sug[640];
  return override_error(w->L, w->label, "unknown key \"%s\" %s%s", ld_quote(q, sizeof q, seg),
                        ld_in_path(w->path, ib, sizeof ib),
                        ld_suggestion(sug, sizeof sug, seg, names, nn, "keys"));
}

/* The last segment, in a mapping: replaces the value, or adds the key. */
static int ov_set_in_map(ov_walk *w, yaml_node_pair_t *pair, const char *seg) {
  ld_loader *L = w->L;
  if (pair != NULL) {
    pair->value = w->vid;
    return 0;
  }
  yaml_mark_t mark = {0, 0, 0};
  int kid = ld_add_scalar(L, seg, mark);
  if (kid == 0 || !yaml_document_append_mapping_pair(&L->doc, w->cur, kid, w->vid)) {
    return ld_nomem(L);
  }
  return 0;
}

/* Creates the mapping a path goes through when it is missing (e.g.
 * mesh.waypoint when unset) or null (`replace`: the key is there). Returns
 * its id, 0 when out of memory. */
static int ov_new_map(ov_walk *w, bool replace, const char *seg) {
  ld_loader *L = w->L;
  yaml_mark_t mark = {0, 0, 0};
  int mid = yaml_document_add_mapping(&L->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
  if (mid == 0) {
    return 0;
  }
  if (replace) {
    /* Re-find the pair: adding a node may have moved nothing in the
     * pairs array, but recompute from the id to be safe. */
    yaml_node_t *mn = ld_node_at(L, w->cur);
    for (yaml_node_pair_t *pp = mn->data.mapping.pairs.start; pp < mn->data.mapping.pairs.top;
         pp++) {
      yaml_node_t *k = ld_node_at(L, pp->key);
      if (ld_is_scalar(k) && strcmp(ld_sval(k), seg) == 0) {
        pp->value = mid;
      }
    }
  } else {
    int kid = ld_add_scalar(L, seg, mark);
    if (kid == 0 || !yaml_document_append_mapping_pair(&L->doc, w->cur, kid, mid)) {
      return 0;
    }
  }
  ld_node_at(L, mid)->start_mark = mark;
  return mid;
}

/* Segment `seg` of a mapping; `rest` is the rest of KEY (NULL: seg is
 * the last segment). */
static int ov_step_map(ov_walk *w, const char *seg, const char *rest) {
  ld_loader *L = w->L;
  const ld_schema_key *sk = w->sm != NULL ? ld_schema_find(w->sm, seg) : NULL;
  if (w->sm != NULL && sk == NULL) {
    return ov_unknown_key(w, seg);
  }
  yaml_node_pair_t *pair = ld_find_pair(L, ld_node_at(L, w->cur), seg);
  if (rest == NULL) {
    return ov_set_in_map(w, pair, seg);
  }
  char next_path[LD_PATH_MAX], next_name[128], q[128];
  ld_path_join(next_path, sizeof next_path, w->path, seg);
  size_t next_len = strcspn(rest, ".");
  snprintf(next_name, sizeof next_name, "%.*s", (int)(next_len < 100 ? next_len : 100), rest);
  if (sk != NULL && sk->kind == LD_KEY_LEAF) {
    return override_error(L, w->label, "\"%s\" holds a single value; it has no key \"%s\"",
                          next_path, ld_quote(q, sizeof q, next_name));
  }
  int child = pair != NULL ? pair->value : 0;
  if (child == 0 || (ld_is_null(ld_node_at(L, child)) && (sk == NULL || sk->kind == LD_KEY_MAP))) {
    if (sk != NULL && sk->kind == LD_KEY_LIST) {
      return override_error(L, w->label, "\"%s\" has no entries to address with \"%s\"", next_path,
                            ld_quote(q, sizeof q, next_name));
    }
    child = ov_new_map(w, pair != NULL, seg);
    if (child == 0) {
      return ld_nomem(L);
    }
  }
  w->cur = child;
  if (sk != NULL && sk->kind == LD_KEY_LIST) {
    w->elem = sk->sub;
    w->sm = NULL;
  } else {
    w->sm = sk != NULL ? sk->sub : NULL;
    w->elem = NULL;
  }
  snprintf(w->path, sizeof w->path, "%s", next_path);
  return 0;
}

/* "no entry "x" in "services"", with what the list does hold. */
static int ov_no_entry(ov_walk *w, yaml_node_t *seq, const char *seg) {
  const char *names[64];
  size_t nn;
  char list[512], sug[640], q[128];
  element_names(w->L, seq, w->elem, list, sizeof list, names, &nn);
  const char *best = diag_suggest(seg, names, nn);
  if (best != NULL) {
    snprintf(sug, sizeof sug, "; did you mean \"%s\"?", best);
  } else if (nn > 0) {
    snprintf(sug, sizeof sug, "; valid entries are: %s", list);
  } else {
    snprintf(sug, sizeof sug, "; it has %zu entries", ld_seq_len(seq));
  }
  return override_error(w->L, w->label, "no entry \"%s\" in \"%s\"%s", ld_quote(q, sizeof q, seg),
                        w->path, sug);
}

/* Segment `seg` of a list: an element's name or index. */
static int ov_step_list(ov_walk *w, const char *seg, const char *rest) {
  yaml_node_t *n = ld_node_at(w->L, w->cur);
  yaml_node_item_t *slot = find_element(w->L, n, w->elem, seg);
  if (slot == NULL) {
    return ov_no_entry(w, n, seg);
  }
  if (rest == NULL) {
    *slot = w->vid;
    return 0;
  }
  char next_path[LD_PATH_MAX];
  ld_path_join(next_path, sizeof next_path, w->path, seg);
  w->cur = *slot;
  w->sm = w->elem;
  w->elem = NULL;
  snprintf(w->path, sizeof w->path, "%s", next_path);
  return 0;
}

static int ov_walk_path(ov_walk *w, char *key);

/* Segment "*" of a list: the rest of KEY in every element, in order (the
 * value node is shared, as a YAML alias would be). Stops at the first
 * element with a problem: the others would only repeat it. */
static int ov_each(ov_walk *w, const char *rest) {
  ld_loader *L = w->L;
  if (rest == NULL) {
    return override_error(L, w->label, "\"%s.*\" needs a key after it, like %s.*.replicas", w->path,
                          w->path);
  }
  size_t n = ld_seq_len(ld_node_at(L, w->cur));
  const char *name_key = w->elem != NULL ? w->elem->list_key : NULL;
  for (size_t i = 0; i < n; i++) {
    /* Walking may add nodes, which may move them: look the list up again. */
    int item = ld_node_at(L, w->cur)->data.sequence.items.start[i];
    ov_walk e = *w;
    e.cur = item;
    e.sm = w->elem;
    e.elem = NULL;
    ld_element_path(L, e.path, sizeof e.path, w->path, ld_node_at(L, item), name_key, i);
    char *copy = strdup(rest);
    if (copy == NULL) {
      return ld_nomem(L);
    }
    int rc = ov_walk_path(&e, copy);
    free(copy);
    if (rc != 0) {
      return rc;
    }
  }
  return 0;
}

/* Walks `key` (a copy of KEY, cut at its dots as it goes) from the root,
 * creating missing mappings, and puts the value at its end. */
static int ov_walk_path(ov_walk *w, char *key) {
  char *seg = key;
  for (;;) {
    char *dot = strchr(seg, '.');
    if (dot != NULL) {
      *dot = '\0';
    }
    const char *rest = dot != NULL ? dot + 1 : NULL;
    yaml_node_t *n = ld_node_at(w->L, w->cur);
    char q[128];
    int rc;
    if (seg[0] == '\0') {
      rc =
          override_error(w->L, w->label, "empty key in path \"%s\"", ld_quote(q, sizeof q, w->key));
    } else if (ld_is_map(n)) {
      rc = ov_step_map(w, seg, rest);
    } else if (ld_is_seq(n) && strcmp(seg, "*") == 0) {
      return ov_each(w, rest);
    } else if (ld_is_seq(n)) {
      rc = ov_step_list(w, seg, rest);
    } else {
      rc = override_error(w->L, w->label, "\"%s\" holds a single value; it has no key \"%s\"",
                          w->path, ld_quote(q, sizeof q, seg));
    }
    if (rc != 0 || rest == NULL) {
      return rc;
    }
    seg = dot + 1;
  }
}

/* Node ids from first_new on were made for `label`: messages about them
 * name it instead of a line of the file. */
void ld_record_origin(ld_loader *L, int first_new, const char *label, bool lines) {
  int last_new = (int)(L->doc.nodes.top - L->doc.nodes.start);
  if (last_new >= first_new) {
    ld_ov_origin *o = &L->origins[L->n_origins++];
    o->first_id = first_new;
    o->last_id = last_new;
    o->label = label;
    o->lines = lines;
  }
}

static int apply_override(ld_loader *L, size_t index) {
  const char *ov = L->overrides[index];
  const char *label = L->ov_labels[index];
  const char *eq = ov != NULL ? strchr(ov, '=') : NULL;
  if (eq == NULL || eq == ov) {
    return override_error(L, label, "expected KEY=VALUE, like metadata.seed=7");
  }
  size_t key_len = (size_t)(eq - ov);
  int mult = ld_take_multiplier(L, index, ov, key_len, eq + 1);
  if (mult != 0) {
    return mult < 0 ? -1 : 0; /* applied once the scenario is converted */
  }
  int first_new = (int)(L->doc.nodes.top - L->doc.nodes.start) + 1;
  int vid;
  ld_offset at = {0, key_len + 1};
  int rc = ld_add_yaml_value(L, label, eq + 1, &at, &vid);
  if (rc != 0) {
    return rc;
  }
  char *key = strndup(ov, key_len);
  if (key == NULL) {
    return ld_nomem(L);
  }
  ov_walk w = {L, label, key, L->root_id, &ld_sch_root, NULL, vid, ""};
  rc = ov_walk_path(&w, key);
  free(key);
  ld_record_origin(L, first_new, label, false);
  return rc;
}

/* "--set KEY=VALUE" for each override, the file of its messages. */
static int make_labels(ld_loader *L) {
  L->ov_labels = calloc(L->n_overrides, sizeof *L->ov_labels);
  if (L->ov_labels == NULL) {
    return ld_nomem(L);
  }
  for (size_t i = 0; i < L->n_overrides; i++) {
    const char *ov = L->overrides[i] != NULL ? L->overrides[i] : "";
    size_t len = strlen(ov) + 7;
    L->ov_labels[i] = malloc(len);
    if (L->ov_labels[i] == NULL) {
      return ld_nomem(L);
    }
    snprintf(L->ov_labels[i], len, "--set %s", ov);
  }
  return 0;
}

/* Keys that name an input read into the document before the other
 * overrides apply. */
static bool is_input_key(const char *ov) {
  static const char key[] = "services_csv=";
  return ov != NULL && strncmp(ov, key, sizeof key - 1) == 0;
}

int ld_apply_overrides(ld_loader *L, ld_ov_phase phase) {
  if (L->n_overrides == 0) {
    return 0;
  }
  if (L->ov_labels == NULL && make_labels(L) != 0) {
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < L->n_overrides && !ld_stop(L); i++) {
    if (is_input_key(L->overrides[i]) != (phase == LD_OV_INPUTS)) {
      continue;
    }
    if (L->overrides[i] == NULL) {
      rc = override_error(L, L->ov_labels[i], "expected KEY=VALUE, like metadata.seed=7");
      continue;
    }
    if (apply_override(L, i) != 0) {
      rc = -1;
    }
  }
  return rc;
}
