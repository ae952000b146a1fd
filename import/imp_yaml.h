/* imp_yaml: YAML input of the importers: files (or folders of them) read
 * into libyaml documents, every document of a multi-document stream kept,
 * and small readers over the node tree that say where a node is, so every
 * message is "file:line:col: error: ..." (libyaml's zero-based marks plus 1).
 *
 * An imp_yaml owns its files' paths and documents; imp_yaml_release frees
 * them. Nodes and strings returned by the readers point into the documents
 * and live as long as the imp_yaml. */
#ifndef MESHSIM_IMP_YAML_H
#define MESHSIM_IMP_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "diag.h"

/* Largest input file read (a kubectl List of a big cluster is a few MiB). */
#define IMP_YAML_MAX_BYTES ((size_t)64 << 20)

typedef struct imp_yaml_doc {
  const char *file; /* the path as given (owned by the imp_yaml_file) */
  yaml_document_t doc;
} imp_yaml_doc;

typedef struct imp_yaml {
  imp_yaml_doc *docs;
  size_t n_docs, cap;
  char **paths;
  size_t n_paths;
} imp_yaml;

void imp_yaml_init(imp_yaml *y);
void imp_yaml_release(imp_yaml *y);

/* Reads `path`: a file, or a folder whose *.yaml and *.yml files are read
 * in name order, sub-folders included (rendered Helm charts nest them).
 * Every document of every file is appended. Returns 0, or -1 after adding
 * an error to d (cannot open, not UTF-8, YAML syntax with its position, a
 * folder without YAML files). */
int imp_yaml_load(imp_yaml *y, const char *path, diag_list *d);

/* The same for `len` bytes in memory, named `display` in messages. */
int imp_yaml_load_string(imp_yaml *y, const char *display, const char *bytes, size_t len,
                         diag_list *d);

/* The node id's node, or NULL. */
yaml_node_t *imp_yaml_node(yaml_document_t *doc, int id);
/* The value of `key` in mapping m (NULL when m is no mapping or lacks it). */
yaml_node_t *imp_yaml_get(yaml_document_t *doc, const yaml_node_t *m, const char *key);
/* A dotted path of keys from m ("spec.template.spec"), or NULL. */
yaml_node_t *imp_yaml_path(yaml_document_t *doc, const yaml_node_t *m, const char *path);
/* The text of a scalar node; NULL for any other node (or NULL). A scalar
 * written as null (~, null, empty) gives NULL too. */
const char *imp_yaml_str(const yaml_node_t *n);
bool imp_yaml_is_map(const yaml_node_t *n);
bool imp_yaml_is_seq(const yaml_node_t *n);
/* Number of items of a sequence (0 for anything else) and item i. */
size_t imp_yaml_len(const yaml_node_t *seq);
yaml_node_t *imp_yaml_item(yaml_document_t *doc, const yaml_node_t *seq, size_t i);
/* 1-based line of a node (0 for NULL). */
unsigned imp_yaml_line(const yaml_node_t *n);

/* "file:line:col: error: <fmt>" at node n (the whole file when n is NULL);
 * returns -1. */
int imp_yaml_err(diag_list *d, const char *file, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
