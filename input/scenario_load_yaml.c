/* scenario_load_yaml: bytes -> libyaml node tree, and what every stage uses
 * to read the tree and to say where a node is.
 *
 * The bytes are checked before libyaml sees them (UTF-8; flow nesting,
 * whose cost in libyaml grows with its depth), parsed with the document API
 * (yaml_parser_load), and refused when empty or when a second document
 * follows. Node ids past the file's last node were made by `--set`
 * overrides: ld_locate maps them back through L->origins, so messages name
 * "--set KEY=VALUE" instead of a line of the file. libyaml marks are
 * zero-based; messages are one-based. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenario_load_internal.h"
#include "sim_error.h"

/* ---- parsing ------------------------------------------------------------- */

/* Byte offset of a libyaml mark (whose column counts characters). */
static size_t mark_offset(const char *bytes, size_t len, size_t line, size_t column) {
  size_t i = 0, l = 0;
  while (l < line && i < len) {
    if (bytes[i] == '\n') {
      l++;
    }
    i++;
  }
  for (size_t c = 0; c < column && i < len && bytes[i] != '\n'; c++) {
    i++;
    while (i < len && ((unsigned char)bytes[i] & 0xC0) == 0x80) {
      i++;
    }
  }
  return i;
}

void ld_report_yaml_error(ld_loader *L, const yaml_parser_t *p, const char *file, const char *bytes,
                          size_t len, const ld_offset *at) {
  bool override = at != NULL;
  char msg[LD_MSG_MAX];
  size_t line0 = 0, col0 = 0; /* zero-based, columns in characters */
  if (p->error == YAML_MEMORY_ERROR) {
    ld_nomem(L);
    return;
  }
  const char *problem = p->problem != NULL ? p->problem : "syntax error";
  if (p->error == YAML_READER_ERROR) {
    /* Reader errors carry a byte offset, not a mark. */
    size_t off = p->problem_offset < len ? p->problem_offset : len;
    for (size_t i = 0; i < off; i++) {
      if (bytes[i] == '\n') {
        line0++;
        col0 = 0;
      } else if (((unsigned char)bytes[i] & 0xC0) != 0x80) {
        col0++;
      }
    }
    if (p->problem_value != -1) {
      snprintf(msg, sizeof msg, "yaml: %s (byte 0x%02x)", problem, (unsigned)p->problem_value);
    } else {
      snprintf(msg, sizeof msg, "yaml: %s", problem);
    }
  } else {
    const yaml_mark_t *mk = &p->problem_mark;
    line0 = mk->line;
    col0 = mk->column;
    if (p->context != NULL && p->context_mark.line != mk->line && !override) {
      snprintf(msg, sizeof msg, "yaml: %s (%s at line %zu, column %zu)", problem, p->context,
               p->context_mark.line + 1, p->context_mark.column + 1);
    } else if (p->context != NULL) {
      snprintf(msg, sizeof msg, "yaml: %s (%s)", problem, p->context);
    } else {
      snprintf(msg, sizeof msg, "yaml: %s", problem);
    }
    /* Tabs are the classic cause of "cannot start any token". */
    size_t off = mark_offset(bytes, len, mk->line, mk->column);
    if (off < len && bytes[off] == '\t') {
      size_t used = strlen(msg);
      snprintf(msg + used, sizeof msg - used, "; tabs are not allowed for indentation");
    }
  }
  if (override && memchr(bytes, '\n', len) == NULL && line0 > 0) {
    line0 = 0;
    col0 = len; /* one past the last character */
  }
  if (override && line0 == 0) {
    col0 += at->col;
  }
  if (override) {
    line0 += at->line;
  }
  diag_error(L->diag, file, (uint32_t)line0 + 1, (uint32_t)col0 + 1, "%s", msg);
}

/* The first byte that is not valid UTF-8, or len when all are. Overlong
 * forms, surrogates and code points past U+10FFFF count as invalid. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + n >= len) {
      return i; /* truncated sequence */
    }
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xC0) != 0x80) {
        return i;
      }
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += n + 1;
  }
  return len;
}

const char *ld_foreign_bom(const char *bytes, size_t len) {
  const unsigned char *u = (const unsigned char *)bytes;
  /* UTF-32LE's mark starts with UTF-16LE's: test the longer one first. */
  if (len >= 4 && ((u[0] == 0xFF && u[1] == 0xFE && u[2] == 0 && u[3] == 0) ||
                   (u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF))) {
    return "UTF-32";
  }
  if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
    return "UTF-16";
  }
  return NULL;
}

static int check_encoding(ld_loader *L, const char *bytes, size_t len) {
  const unsigned char *u = (const unsigned char *)bytes;
  const char *enc = ld_foreign_bom(bytes, len);
  if (enc != NULL) {
    return diag_error(L->diag, L->file, 0, 0,
                      "file is %s encoded; save it as UTF-8 (scenario files must be UTF-8)", enc);
  }
  size_t bad = utf8_invalid_at(u, len);
  if (bad == len) {
    return 0;
  }
  uint32_t line = 1, col = 1;
  for (size_t i = 0; i < bad; i++) {
    if (bytes[i] == '\n') {
      line++;
      col = 1;
    } else if ((u[i] & 0xC0) != 0x80) {
      col++;
    }
  }
  return diag_error(L->diag, L->file, line, col,
                    "invalid UTF-8 (byte 0x%02x); scenario files must be UTF-8 text", u[bad]);
}

/* libyaml's scanner re-examines every pending simple key on each token, and
 * each open "[" or "{" holds one, so parsing costs O(tokens * flow depth):
 * 30,000 nested brackets take seconds, 200,000 over a minute. No scenario
 * nests flow collections more than a few levels, so refuse deep nesting
 * before libyaml sees it. The count ignores quoting (a bracket inside a
 * string counts too): an upper bound that real files stay far below. */
#define LD_MAX_FLOW_DEPTH 1000

int ld_check_flow_depth(ld_loader *L, const char *file, const char *bytes, size_t len,
                        const ld_offset *at) {
  size_t depth = 0;
  uint32_t line = 1, col = 1;
  for (size_t i = 0; i < len; i++) {
    char c = bytes[i];
    if (c == '[' || c == '{') {
      if (++depth > LD_MAX_FLOW_DEPTH) {
        uint32_t shift = at != NULL && line == 1 ? (uint32_t)at->col : 0;
        return diag_error(L->diag, file, line + (at != NULL ? (uint32_t)at->line : 0), col + shift,
                          "lists and mappings are nested more than %d deep", LD_MAX_FLOW_DEPTH);
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
    if (c == '\n') {
      line++;
      col = 1;
    } else if (((unsigned char)c & 0xC0) != 0x80) {
      col++;
    }
  }
  return 0;
}

int ld_parse_document(ld_loader *L, const char *bytes, size_t len) {
  const char *display = L->file;
  if (check_encoding(L, bytes, len) != 0 ||
      ld_check_flow_depth(L, display, bytes, len, NULL) != 0) {
    return SCENARIO_LOAD_ESYNTAX;
  }
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    ld_nomem(L);
    return ERR_ENOMEM;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)bytes, len);
  if (!yaml_parser_load(&parser, &L->doc)) {
    ld_report_yaml_error(L, &parser, display, bytes, len, NULL);
    int code = parser.error == YAML_MEMORY_ERROR ? ERR_ENOMEM : SCENARIO_LOAD_ESYNTAX;
    yaml_parser_delete(&parser);
    return code;
  }
  L->have_doc = true;
  yaml_node_t *root = yaml_document_get_root_node(&L->doc);
  if (root == NULL) {
    yaml_parser_delete(&parser);
    diag_error(L->diag, display, 0, 0,
               "file is empty; expected a mapping with sections such as metadata, cluster, "
               "services and traffic");
    return SCENARIO_LOAD_EINVALID;
  }
  /* A second document is almost always a stray "---": refuse it rather
   * than silently ignoring half the file. */
  yaml_document_t extra;
  if (!yaml_parser_load(&parser, &extra)) {
    ld_report_yaml_error(L, &parser, display, bytes, len, NULL);
    yaml_parser_delete(&parser);
    return SCENARIO_LOAD_ESYNTAX;
  }
  yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
  if (extra_root != NULL) {
    diag_error(L->diag, display, (uint32_t)extra.start_mark.line + 1,
               (uint32_t)extra.start_mark.column + 1,
               "a second YAML document starts here; a scenario file holds exactly one");
    yaml_document_delete(&extra);
    yaml_parser_delete(&parser);
    return SCENARIO_LOAD_ESYNTAX;
  }
  yaml_document_delete(&extra);
  yaml_parser_delete(&parser);

  L->root_id = ld_node_id(L, root);
  L->n_file_nodes = (int)(L->doc.nodes.top - L->doc.nodes.start);
  if (!ld_is_map(root)) {
    char g[96];
    ld_err_at(L, root,
              "expected a mapping of sections (metadata, cluster, services, ...) at the top of the "
              "file, got %s",
              ld_got_text(root, g, sizeof g));
    return SCENARIO_LOAD_EINVALID;
  }
  return 0;
}

/* ---- reading nodes ------------------------------------------------------- */

bool ld_is_null(const yaml_node_t *n) {
  if (!ld_is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
    return false;
  }
  const char *v = ld_sval(n);
  return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
         strcmp(v, "NULL") == 0;
}

yaml_node_pair_t *ld_find_pair(ld_loader *L, const yaml_node_t *m, const char *key) {
  if (!ld_is_map(m)) {
    return NULL;
  }
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = ld_node_at(L, p->key);
    if (ld_is_scalar(k) && strcmp(ld_sval(k), key) == 0) {
      return p;
    }
  }
  return NULL;
}

yaml_node_t *ld_get_raw(ld_loader *L, const yaml_node_t *m, const char *key) {
  yaml_node_pair_t *p = ld_find_pair(L, m, key);
  return p != NULL ? ld_node_at(L, p->value) : NULL;
}

yaml_node_t *ld_get(ld_loader *L, const yaml_node_t *m, const char *key) {
  yaml_node_t *v = ld_get_raw(L, m, key);
  return ld_is_null(v) ? NULL : v;
}

/* ---- where a node is, and messages --------------------------------------- */

/* The origin of a node not read from the file; NULL for the file's. */
static const ld_ov_origin *origin_of(ld_loader *L, const yaml_node_t *n) {
  int id = n != NULL ? ld_node_id(L, n) : 0;
  for (size_t i = 0; id > L->n_file_nodes && i < L->n_origins; i++) {
    if (id >= L->origins[i].first_id && id <= L->origins[i].last_id) {
      return &L->origins[i];
    }
  }
  return NULL;
}

void ld_locate(ld_loader *L, const yaml_node_t *n, const char **file, uint32_t *line,
               uint32_t *col) {
  *file = L->file;
  *line = 0;
  *col = 0;
  if (n == NULL) {
    return;
  }
  const ld_ov_origin *o = origin_of(L, n);
  if (o != NULL) {
    *file = o->label;
  }
  *line = (uint32_t)n->start_mark.line + 1;
  *col = (uint32_t)n->start_mark.column + 1;
}

const char *ld_where_text(ld_loader *L, const yaml_node_t *n, char *buf, size_t size) {
  const ld_ov_origin *o = origin_of(L, n);
  uint32_t line = n != NULL ? (uint32_t)n->start_mark.line + 1 : 0;
  if (o == NULL) {
    snprintf(buf, size, "line %u", line);
  } else if (o->lines) {
    snprintf(buf, size, "%s line %u", o->label, line);
  } else {
    snprintf(buf, size, "%s", o->label);
  }
  return buf;
}

const char *ld_where_file(ld_loader *L, const yaml_node_t *n, char *buf, size_t size) {
  const ld_ov_origin *o = origin_of(L, n);
  uint32_t line = n != NULL ? (uint32_t)n->start_mark.line + 1 : 0;
  if (o == NULL || o->lines) {
    snprintf(buf, size, "%s line %u", o != NULL ? o->label : L->file, line);
  } else {
    snprintf(buf, size, "%s", o->label);
  }
  return buf;
}

const char *ld_where_from(ld_loader *L, const yaml_node_t *at, const yaml_node_t *ref, char *buf,
                          size_t size) {
  const ld_ov_origin *oa = origin_of(L, at), *ob = origin_of(L, ref);
  bool same_file = oa == ob && (ob == NULL || ob->lines);
  if (same_file) {
    snprintf(buf, size, "line %u", ref != NULL ? (uint32_t)ref->start_mark.line + 1 : 0);
    return buf;
  }
  return ld_where_file(L, ref, buf, size);
}

static int verr(ld_loader *L, diag_severity sev, const yaml_node_t *n, const char *fmt,
                va_list ap) {
  const char *file;
  uint32_t line, col;
  ld_locate(L, n, &file, &line, &col);
  char msg[LD_MSG_MAX];
  vsnprintf(msg, sizeof msg, fmt, ap);
  diag_add(L->diag, sev, file, line, col, "%s", msg);
  return -1;
}

int ld_err_at(ld_loader *L, const yaml_node_t *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(L, DIAG_ERROR, n, fmt, ap);
  va_end(ap);
  return -1;
}

void ld_warn_at(ld_loader *L, const yaml_node_t *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(L, DIAG_WARNING, n, fmt, ap);
  va_end(ap);
}

int ld_nomem(ld_loader *L) {
  if (!L->nomem) {
    L->nomem = true;
    diag_error(L->diag, L->file, 0, 0, "out of memory");
  }
  return SIM_ENOMEM;
}

bool ld_stop(ld_loader *L) {
  return L->nomem || diag_list_full(L->diag);
}

#define LD_LIST_NAMES_MAX 12 /* "valid services are: ..." only for short lists */

const char *ld_quote(char *buf, size_t size, const char *s) {
  return diag_quote(buf, size, s, 60);
}

const char *ld_got_text(const yaml_node_t *n, char *buf, size_t size) {
  if (ld_is_map(n)) {
    return "a mapping";
  }
  if (ld_is_seq(n)) {
    return "a list";
  }
  if (ld_is_null(n)) {
    return "nothing";
  }
  char q[96];
  snprintf(buf, size, "\"%s\"", diag_quote(q, sizeof q, ld_sval(n), 40));
  return buf;
}

const char *ld_in_path(const char *path, char *buf, size_t size) {
  if (path[0] == '\0') {
    return "at the top level";
  }
  snprintf(buf, size, "in \"%s\"", path);
  return buf;
}

void ld_path_join(char *out, size_t size, const char *base, const char *seg) {
  int w =
      base[0] == '\0' ? snprintf(out, size, "%s", seg) : snprintf(out, size, "%s.%s", base, seg);
  if (w < 0) {
    out[0] = '\0';
  }
}

size_t ld_join_sep(char *buf, size_t size, const char *const *names, size_t n, const char *sep) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && used + 1 < size; i++) {
    int w = snprintf(buf + used, size - used, "%s%s", i > 0 ? sep : "", names[i]);
    if (w < 0) {
      break;
    }
    used += (size_t)w;
  }
  return used;
}

const char *ld_join_names(char *buf, size_t size, const char *const *names, size_t n) {
  size_t used = ld_join_sep(buf, size, names, n, ", ");
  if (used >= size && size > 4) {
    memcpy(buf + size - 4, "...", 4);
  }
  return buf;
}

const char *ld_suggestion(char *buf, size_t size, const char *word, const char *const *names,
                          size_t n, const char *plural) {
  const char *best = diag_suggest(word, names, n);
  bool is_keys = strcmp(plural, "keys") == 0;
  if (best != NULL) {
    snprintf(buf, size, "; did you mean \"%s\"?", best);
  } else if (n > 0 && (is_keys || n <= LD_LIST_NAMES_MAX)) {
    char list[512];
    snprintf(buf, size, "; valid %s are: %s", plural, ld_join_names(list, sizeof list, names, n));
  } else {
    buf[0] = '\0';
  }
  return buf;
}
