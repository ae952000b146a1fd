/* scenario_load: reads a scenario file (YAML) into a scenario, with
 * compiler-style diagnostics.
 *
 * The file is parsed with libyaml's document API into a node tree, `--set`
 * overrides are applied to that tree, and the tree is then converted into
 * the plain-data scenario of models/scenario.h: every default applied, every
 * unit converted (ns, bytes, millicores), every name resolved to an index.
 * Problems are collected into a diag_list as "file:line:col: error: ..."
 * (at most diag->max_errors of them, 20 by default) rather than stopping at
 * the first one; warnings do not fail the load. The format and every message
 * are documented in docs/scenario-format.md.
 *
 * Overrides are "KEY=VALUE" strings. KEY is a dotted path from the top of
 * the document; a list element is addressed by its `name` (`service` for
 * traffic entries and calls) or by its 0-based index:
 *   metadata.seed=7   cluster.nodes.general.count=20   traffic.frontend.rate=2k/s
 *   services.frontend.replicas=10   mesh.modes=[sidecar,ambient]
 * VALUE is parsed as YAML (a scalar or a flow list/mapping), so it keeps its
 * YAML typing. A missing mapping key on the path is created; a missing list
 * element is an error. Diagnostics about an override name it as the file:
 * "--set metadata.seed=x:1:15: error: ..." (column within KEY=VALUE). */
#ifndef MESHSIM_SCENARIO_LOAD_H
#define MESHSIM_SCENARIO_LOAD_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "scenario.h"

/* Largest scenario file accepted. */
#define SCENARIO_LOAD_MAX_BYTES ((size_t)64 << 20)

/* Loads the file at `path` with the n_overrides strings in `overrides`
 * applied in order (later ones win). On success returns 0 and *out owns
 * the scenario (free with scenario_release); warnings may be in *diag. On
 * failure returns a negative SCENARIO_LOAD_E* code, *out is zeroed (nothing
 * to free) and *diag holds at least one error. *diag must have been set up
 * with diag_list_init; entries are appended to what it already holds. */
int scenario_load_file(const char *path, const char *const *overrides, size_t n_overrides,
                       scenario *out, diag_list *diag);

/* The same from memory: `text` holds `len` bytes (need not be NUL-
 * terminated); `display_name` stands in for the file name in messages, in
 * scenario.path and for the default metadata.name. */
int scenario_load_string(const char *text, size_t len, const char *display_name,
                         const char *const *overrides, size_t n_overrides, scenario *out,
                         diag_list *diag);

/* scenario.content_hash: FNV-1a 64 over the file bytes, then over each CSV
 * input read (call graph, traffic, services) as its length in 8 little-endian
 * bytes and its bytes, then over each override string followed by one NUL
 * byte (so "a=1","b" and "a=1b" differ). This function gives it for
 * scenarios without CSV inputs. */
uint64_t scenario_load_hash(const void *bytes, size_t len, const char *const *overrides,
                            size_t n_overrides);

#endif
