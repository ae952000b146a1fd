/* scenario_load_table: the loader's hash tables, and FNV-1a.
 *
 * Names resolve to indices through open addressing (linear probing, at
 * most half full): a file may hold thousands of services, and every call,
 * traffic entry and CSV row looks one up, so a scan per lookup would make
 * loading quadratic. The name table borrows its keys from the scenario;
 * the pair table finds a call-graph edge by (source, target). The same
 * FNV-1a gives scenario.content_hash. */
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"
#include "sim_error.h"

uint64_t ld_fnv1a(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 1099511628211ULL;
  }
  return h;
}

/* Slots of an open-addressing table for n entries: a power of two, at
 * most half full, at least 16. */
static size_t table_cap(size_t n) {
  size_t cap = 16;
  while (cap < 2 * n + 2) {
    cap <<= 1;
  }
  return cap;
}

/* cap zeroed keys of key_size bytes and cap zeroed values: the keys, and
 * *vals; NULL (and *vals NULL) when out of memory. */
static void *slots_alloc(size_t cap, size_t key_size, uint32_t **vals) {
  void *keys = calloc(cap, key_size);
  *vals = calloc(cap, sizeof **vals);
  if (keys == NULL || *vals == NULL) {
    free(keys);
    free(*vals);
    *vals = NULL;
    return NULL;
  }
  return keys;
}

int ld_nt_init(ld_name_table *t, size_t n) {
  size_t cap = table_cap(n);
  memset(t, 0, sizeof *t);
  t->keys = slots_alloc(cap, sizeof *t->keys, &t->vals);
  if (t->keys == NULL) {
    return SIM_ENOMEM;
  }
  t->mask = (uint32_t)(cap - 1);
  return 0;
}

void ld_nt_free(ld_name_table *t) {
  free(t->keys);
  free(t->vals);
  memset(t, 0, sizeof *t);
}

uint32_t ld_nt_find(const ld_name_table *t, const char *key) {
  if (t->keys == NULL) {
    return SCN_NONE;
  }
  uint32_t i = (uint32_t)ld_fnv1a(key, strlen(key), LD_FNV_OFFSET) & t->mask;
  while (t->keys[i] != NULL) {
    if (strcmp(t->keys[i], key) == 0) {
      return t->vals[i];
    }
    i = (i + 1) & t->mask;
  }
  return SCN_NONE;
}

void ld_nt_put(ld_name_table *t, const char *key, uint32_t val) {
  uint32_t i = (uint32_t)ld_fnv1a(key, strlen(key), LD_FNV_OFFSET) & t->mask;
  while (t->keys[i] != NULL) {
    if (strcmp(t->keys[i], key) == 0) {
      t->vals[i] = val;
      return;
    }
    i = (i + 1) & t->mask;
  }
  t->keys[i] = key;
  t->vals[i] = val;
}

int ld_pt_init(ld_pair_table *t, size_t n) {
  size_t cap = table_cap(n);
  memset(t, 0, sizeof *t);
  t->keys = slots_alloc(cap, sizeof *t->keys, &t->vals);
  if (t->keys == NULL) {
    return SIM_ENOMEM;
  }
  t->mask = cap - 1;
  return 0;
}

void ld_pt_free(ld_pair_table *t) {
  free(t->keys);
  free(t->vals);
  memset(t, 0, sizeof *t);
}

/* The slot of (a, b): holding it, or the empty one where it goes. */
static size_t pt_slot(const ld_pair_table *t, uint32_t a, uint32_t b, uint64_t *key) {
  *key = (((uint64_t)a << 32) | b) + 1;
  size_t i = (size_t)ld_fnv1a(key, sizeof *key, LD_FNV_OFFSET) & t->mask;
  while (t->keys[i] != 0 && t->keys[i] != *key) {
    i = (i + 1) & t->mask;
  }
  return i;
}

uint32_t ld_pt_find(const ld_pair_table *t, uint32_t a, uint32_t b) {
  uint64_t key;
  size_t i = pt_slot(t, a, b, &key);
  return t->keys[i] == key ? t->vals[i] : UINT32_MAX;
}

void ld_pt_put(ld_pair_table *t, uint32_t a, uint32_t b, uint32_t val) {
  uint64_t key;
  size_t i = pt_slot(t, a, b, &key);
  if (t->keys[i] == 0) {
    t->keys[i] = key;
    t->vals[i] = val;
  }
}
