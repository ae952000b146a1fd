/* imp_yaml: files and folders into libyaml documents, with positions; see
 * imp_yaml.h. */
#include "imp_yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void imp_yaml_init(imp_yaml *y) {
  memset(y, 0, sizeof *y);
}

void imp_yaml_release(imp_yaml *y) {
  for (size_t i = 0; i < y->n_docs; i++)
    yaml_document_delete(&y->docs[i].doc);
  for (size_t i = 0; i < y->n_paths; i++)
    free(y->paths[i]);
  free(y->docs);
  free(y->paths);
  memset(y, 0, sizeof *y);
}

static char *imp_yaml__read(const char *path, size_t *len, diag_list *d) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    diag_error(d, path, 0, 0, "cannot open: %s", strerror(errno));
    return NULL;
  }
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 65536 > cap) {
      cap = cap ? cap * 2 : 65536;
      char *nb = realloc(buf, cap + 1);
      if (!nb) {
        diag_error(d, path, 0, 0, "out of memory");
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n > IMP_YAML_MAX_BYTES) {
      diag_error(d, path, 0, 0, "file is too large (more than 64 MiB)");
      free(buf);
      fclose(f);
      return NULL;
    }
    if (got == 0)
      break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    diag_error(d, path, 0, 0, "cannot read: %s", strerror(EIO));
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

static int imp_yaml__push(imp_yaml *y, const char *file, yaml_document_t *doc) {
  if (y->n_docs == y->cap) {
    size_t cap = y->cap ? y->cap * 2 : 16;
    imp_yaml_doc *nd = realloc(y->docs, cap * sizeof *nd);
    if (!nd)
      return -1;
    y->docs = nd;
    y->cap = cap;
  }
  y->docs[y->n_docs].file = file;
  y->docs[y->n_docs].doc = *doc;
  y->n_docs++;
  return 0;
}

static int imp_yaml__parse(imp_yaml *y, const char *path, const char *bytes, size_t len,
                           diag_list *d);

static int imp_yaml__file(imp_yaml *y, const char *path, diag_list *d) {
  size_t len;
  char *bytes = imp_yaml__read(path, &len, d);
  if (!bytes)
    return -1;
  int rc = imp_yaml__parse(y, path, bytes, len, d);
  free(bytes);
  return rc;
}

int imp_yaml_load_string(imp_yaml *y, const char *display, const char *bytes, size_t len,
                         diag_list *d) {
  return imp_yaml__parse(y, display, bytes, len, d);
}

static int imp_yaml__parse(imp_yaml *y, const char *path, const char *bytes, size_t len,
                           diag_list *d) {
  char **np = realloc(y->paths, (y->n_paths + 1) * sizeof *np);
  char *copy = strdup(path);
  if (!np || !copy) {
    free(np ? NULL : copy);
    if (np)
      y->paths = np;
    return diag_error(d, path, 0, 0, "out of memory");
  }
  y->paths = np;
  y->paths[y->n_paths++] = copy;
  yaml_parser_t p;
  yaml_parser_initialize(&p);
  yaml_parser_set_input_string(&p, (const unsigned char *)bytes, len);
  int rc = 0;
  for (;;) {
    yaml_document_t doc;
    if (!yaml_parser_load(&p, &doc)) {
      const char *hint =
          p.problem && strstr(p.problem, "tab") ? "; tabs are not allowed for indentation" : "";
      diag_error(d, copy, (uint32_t)p.problem_mark.line + 1, (uint32_t)p.problem_mark.column + 1,
                 "yaml: %s%s%s%s%s", p.problem ? p.problem : "syntax error", p.context ? " (" : "",
                 p.context ? p.context : "", p.context ? ")" : "", hint);
      rc = -1;
      break;
    }
    if (!yaml_document_get_root_node(&doc)) { /* the end of the stream */
      yaml_document_delete(&doc);
      break;
    }
    if (imp_yaml__push(y, copy, &doc) != 0) {
      yaml_document_delete(&doc);
      rc = diag_error(d, copy, 0, 0, "out of memory");
      break;
    }
  }
  yaml_parser_delete(&p);
  return rc;
}

static int imp_yaml__cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool imp_yaml__is_yaml(const char *name) {
  size_t n = strlen(name);
  return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

/* Files of a folder in name order, then its sub-folders in name order. */
static int imp_yaml__dir(imp_yaml *y, const char *path, diag_list *d, int depth, size_t *found) {
  if (depth > 16)
    return diag_error(d, path, 0, 0, "folders nested more than 16 deep");
  DIR *dir = opendir(path);
  if (!dir)
    return diag_error(d, path, 0, 0, "cannot open folder: %s", strerror(errno));
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(dir)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char **nn = realloc(names, (n + 1) * sizeof *nn);
    if (!nn || !(nn[n] = strdup(e->d_name))) {
      names = nn ? nn : names;
      rc = diag_error(d, path, 0, 0, "out of memory");
      break;
    }
    names = nn;
    n++;
  }
  closedir(dir);
  qsort(names, n, sizeof *names, imp_yaml__cmp);
  for (int pass = 0; pass < 2 && rc == 0; pass++) {
    for (size_t i = 0; i < n && rc == 0; i++) {
      char full[4096];
      struct stat st;
      snprintf(full, sizeof full, "%s/%s", path, names[i]);
      if (stat(full, &st) != 0)
        continue;
      if (pass == 0 && S_ISREG(st.st_mode) && imp_yaml__is_yaml(names[i])) {
        rc = imp_yaml__file(y, full, d);
        ++*found;
      } else if (pass == 1 && S_ISDIR(st.st_mode)) {
        rc = imp_yaml__dir(y, full, d, depth + 1, found);
      }
    }
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return rc;
}

int imp_yaml_load(imp_yaml *y, const char *path, diag_list *d) {
  struct stat st;
  if (stat(path, &st) != 0)
    return diag_error(d, path, 0, 0, "cannot open: %s", strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return imp_yaml__file(y, path, d);
  size_t found = 0;
  if (imp_yaml__dir(y, path, d, 0, &found) != 0)
    return -1;
  if (!found)
    return diag_error(d, path, 0, 0, "no .yaml or .yml files in this folder");
  return 0;
}

yaml_node_t *imp_yaml_node(yaml_document_t *doc, int id) {
  return id ? yaml_document_get_node(doc, id) : NULL;
}

yaml_node_t *imp_yaml_get(yaml_document_t *doc, const yaml_node_t *m, const char *key) {
  if (!imp_yaml_is_map(m))
    return NULL;
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = imp_yaml_node(doc, p->key);
    if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
      return imp_yaml_node(doc, p->value);
  }
  return NULL;
}

yaml_node_t *imp_yaml_path(yaml_document_t *doc, const yaml_node_t *m, const char *path) {
  char key[256];
  const yaml_node_t *n = m;
  while (n && *path) {
    size_t len = strcspn(path, ".");
    if (len >= sizeof key)
      return NULL;
    memcpy(key, path, len);
    key[len] = '\0';
    n = imp_yaml_get(doc, n, key);
    path += len + (path[len] == '.');
  }
  return (yaml_node_t *)n;
}

const char *imp_yaml_str(const yaml_node_t *n) {
  if (!n || n->type != YAML_SCALAR_NODE)
    return NULL;
  const char *s = (const char *)n->data.scalar.value;
  if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
      (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL")))
    return NULL;
  return s;
}

bool imp_yaml_is_map(const yaml_node_t *n) {
  return n && n->type == YAML_MAPPING_NODE;
}

bool imp_yaml_is_seq(const yaml_node_t *n) {
  return n && n->type == YAML_SEQUENCE_NODE;
}

size_t imp_yaml_len(const yaml_node_t *seq) {
  if (!imp_yaml_is_seq(seq))
    return 0;
  return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *imp_yaml_item(yaml_document_t *doc, const yaml_node_t *seq, size_t i) {
  if (i >= imp_yaml_len(seq))
    return NULL;
  return imp_yaml_node(doc, seq->data.sequence.items.start[i]);
}

unsigned imp_yaml_line(const yaml_node_t *n) {
  return n ? (unsigned)n->start_mark.line + 1 : 0;
}

int imp_yaml_err(diag_list *d, const char *file, const yaml_node_t *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  uint32_t line = n ? (uint32_t)n->start_mark.line + 1 : 0;
  uint32_t col = n ? (uint32_t)n->start_mark.column + 1 : 0;
  diag_addv(d, DIAG_ERROR, file, line, col, fmt, ap);
  va_end(ap);
  return -1;
}
