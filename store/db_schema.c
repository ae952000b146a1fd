/* db_schema: the results database's schema, its versions and migrations.
 *
 * The schema text of each version is frozen below; a later version adds a
 * migration function to db_migrations[] that upgrades in place. A new
 * database runs every migration from version 0, so it ends with the same
 * tables, in the same column order, as an old database upgraded. */
#include <inttypes.h>

#include "db_internal.h"

static const char *const db_tables[] = {"batches",
                                        "runs",
                                        "batch_runs",
                                        "run_metrics",
                                        "mode_summary",
                                        "kind_usage",
                                        "latency_buckets",
                                        "node_usage",
                                        "series",
                                        "blast",
                                        "blast_instances",
                                        "failures",
                                        "failure_series",
                                        "hotspots",
                                        "shared_capacity",
                                        "proxy_sizing",
                                        "node_warnings",
                                        "namespace_usage",
                                        "sweeps",
                                        "sweep_points",
                                        "advice",
                                        "advice_namespaces",
                                        "advice_uniform",
                                        "advice_alternatives",
                                        "advice_constraints",
                                        "advice_steps",
                                        "advice_risks",
                                        NULL};

const char *const *db_table_names(void) {
  return db_tables;
}

/* Version 1, frozen: never edit it; a change is a migration below. */
static const char db_schema_v1[] =
    "CREATE TABLE batches (\n"
    "  id            INTEGER PRIMARY KEY,\n"
    "  batch_key     TEXT NOT NULL UNIQUE,\n"
    "  scenario      TEXT NOT NULL,\n"
    "  scenario_path TEXT NOT NULL,\n"
    "  scenario_hash TEXT NOT NULL,\n"
    "  params        TEXT NOT NULL,\n"
    "  profile       TEXT NOT NULL,\n"
    "  version       TEXT NOT NULL,\n"
    "  started_at    TEXT NOT NULL,\n"
    "  wall_s        REAL,\n"
    "  seed          INTEGER NOT NULL,\n"
    "  replications  INTEGER NOT NULL,\n"
    "  duration_s    REAL,\n"
    "  warmup_s      REAL,\n"
    "  slo_ms        REAL,\n"
    "  n_modes       INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX batches_scenario ON batches(scenario, started_at);\n"
    "CREATE TABLE runs (\n"
    "  id              INTEGER PRIMARY KEY,\n"
    "  run_key         TEXT NOT NULL UNIQUE,\n"
    "  batch_id        INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  scenario        TEXT NOT NULL,\n"
    "  scenario_hash   TEXT NOT NULL,\n"
    "  params          TEXT NOT NULL,\n"
    "  version         TEXT NOT NULL,\n"
    "  started_at      TEXT NOT NULL,\n"
    "  mode            TEXT NOT NULL,\n"
    "  replication     INTEGER NOT NULL,\n"
    "  seed            INTEGER NOT NULL,\n"
    "  requests        INTEGER NOT NULL,\n"
    "  errors          INTEGER NOT NULL,\n"
    "  slo_violations  INTEGER NOT NULL,\n"
    "  throughput_rps  REAL,\n"
    "  latency_mean_ms REAL,\n"
    "  latency_p50_ms  REAL,\n"
    "  latency_p90_ms  REAL,\n"
    "  latency_p99_ms  REAL,\n"
    "  latency_p999_ms REAL,\n"
    "  wall_s          REAL\n"
    ");\n"
    "CREATE INDEX runs_batch ON runs(batch_id);\n"
    "CREATE INDEX runs_scenario_mode ON runs(scenario, mode);\n"
    "CREATE TABLE batch_runs (\n"
    "  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  PRIMARY KEY (batch_id, run_id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX batch_runs_run ON batch_runs(run_id);\n"
    "CREATE TABLE run_metrics (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  kind   TEXT NOT NULL,\n"
    "  metric TEXT NOT NULL,\n"
    "  value  REAL,\n"
    "  PRIMARY KEY (run_id, kind, metric)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE mode_summary (\n"
    "  batch_id               INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode                   TEXT NOT NULL,\n"
    "  position               INTEGER NOT NULL,\n"
    "  replications           INTEGER NOT NULL,\n"
    "  requests               INTEGER NOT NULL,\n"
    "  errors                 INTEGER NOT NULL,\n"
    "  slo_violations         INTEGER NOT NULL,\n"
    "  throughput_rps         REAL,\n"
    "  latency_mean_ms        REAL,\n"
    "  latency_mean_ci_n      INTEGER,\n"
    "  latency_mean_ci_mean   REAL,\n"
    "  latency_mean_ci_half   REAL,\n"
    "  latency_mean_ci_lo     REAL,\n"
    "  latency_mean_ci_hi     REAL,\n"
    "  latency_p50_ms         REAL,\n"
    "  latency_p50_ci_n       INTEGER,\n"
    "  latency_p50_ci_mean    REAL,\n"
    "  latency_p50_ci_half    REAL,\n"
    "  latency_p50_ci_lo      REAL,\n"
    "  latency_p50_ci_hi      REAL,\n"
    "  latency_p90_ms         REAL,\n"
    "  latency_p90_ci_n       INTEGER,\n"
    "  latency_p90_ci_mean    REAL,\n"
    "  latency_p90_ci_half    REAL,\n"
    "  latency_p90_ci_lo      REAL,\n"
    "  latency_p90_ci_hi      REAL,\n"
    "  latency_p99_ms         REAL,\n"
    "  latency_p99_ci_n       INTEGER,\n"
    "  latency_p99_ci_mean    REAL,\n"
    "  latency_p99_ci_half    REAL,\n"
    "  latency_p99_ci_lo      REAL,\n"
    "  latency_p99_ci_hi      REAL,\n"
    "  latency_p999_ms        REAL,\n"
    "  latency_p999_ci_n      INTEGER,\n"
    "  latency_p999_ci_mean   REAL,\n"
    "  latency_p999_ci_half   REAL,\n"
    "  latency_p999_ci_lo     REAL,\n"
    "  latency_p999_ci_hi     REAL,\n"
    "  mesh_cpu_cores         REAL,\n"
    "  mesh_mem_mib           REAL,\n"
    "  reserved_cpu_cores     REAL,\n"
    "  reserved_mem_mib       REAL,\n"
    "  nodes_needed           INTEGER NOT NULL,\n"
    "  cross_zone_gb_month    REAL,\n"
    "  cost_compute_usd_month REAL,\n"
    "  cost_network_usd_month REAL,\n"
    "  cost_usd_month         REAL,\n"
    "  cost_reserved_usd_month      REAL,\n"
    "  cost_mesh_reserved_usd_month REAL,\n"
    "  hist_count             INTEGER NOT NULL,\n"
    "  hist_overflow          INTEGER NOT NULL,\n"
    "  hist_sum_ns            REAL,\n"
    "  hist_min_ns            INTEGER NOT NULL,\n"
    "  hist_max_ns            INTEGER NOT NULL,\n"
    "  series_seconds         INTEGER NOT NULL,\n"
    "  PRIMARY KEY (batch_id, mode)\n"
    ");\n"
    "CREATE TABLE kind_usage (\n"
    "  batch_id           INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode               TEXT NOT NULL,\n"
    "  kind               TEXT NOT NULL,\n"
    "  instances          INTEGER NOT NULL,\n"
    "  cpu_cores_mean     REAL,\n"
    "  cpu_cores_peak     REAL,\n"
    "  mem_mib_mean       REAL,\n"
    "  mem_mib_peak       REAL,\n"
    "  reserved_cpu_cores REAL,\n"
    "  reserved_mem_mib   REAL,\n"
    "  PRIMARY KEY (batch_id, mode, kind)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE latency_buckets (\n"
    "  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode     TEXT NOT NULL,\n"
    "  lo_ns    INTEGER NOT NULL,\n"
    "  hi_ns    INTEGER NOT NULL,\n"
    "  count    INTEGER NOT NULL,\n"
    "  PRIMARY KEY (batch_id, mode, lo_ns)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE node_usage (\n"
    "  batch_id                  INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode                      TEXT NOT NULL,\n"
    "  position                  INTEGER NOT NULL,\n"
    "  node                      TEXT NOT NULL,\n"
    "  zone                      INTEGER NOT NULL,\n"
    "  pods                      INTEGER NOT NULL,\n"
    "  cpu_cores_app             REAL,\n"
    "  cpu_cores_sidecar         REAL,\n"
    "  cpu_cores_ztunnel         REAL,\n"
    "  cpu_cores_waypoint        REAL,\n"
    "  cpu_cores_control_plane   REAL,\n"
    "  mem_mib_app               REAL,\n"
    "  mem_mib_sidecar           REAL,\n"
    "  mem_mib_ztunnel           REAL,\n"
    "  mem_mib_waypoint          REAL,\n"
    "  mem_mib_control_plane     REAL,\n"
    "  reserved_cpu_cores        REAL,\n"
    "  reserved_mem_mib          REAL,\n"
    "  capacity_cpu_cores        REAL,\n"
    "  capacity_mem_mib          REAL,\n"
    "  PRIMARY KEY (batch_id, mode, position)\n"
    ");\n"
    "CREATE INDEX node_usage_node ON node_usage(batch_id, mode, node);\n"
    "CREATE TABLE series (\n"
    "  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode     TEXT NOT NULL,\n"
    "  metric   TEXT NOT NULL,\n"
    "  second   INTEGER NOT NULL,\n"
    "  value    REAL,\n"
    "  PRIMARY KEY (batch_id, mode, metric, second)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE blast (\n"
    "  batch_id           INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode               TEXT NOT NULL,\n"
    "  kind               TEXT NOT NULL,\n"
    "  instances          INTEGER NOT NULL,\n"
    "  pods_max           INTEGER NOT NULL,\n"
    "  pods_mean          REAL,\n"
    "  services_max       INTEGER NOT NULL,\n"
    "  namespaces_max     INTEGER NOT NULL,\n"
    "  tenants_max        INTEGER NOT NULL,\n"
    "  identities_max     INTEGER NOT NULL,\n"
    "  request_share_max  REAL,\n"
    "  request_share_mean REAL,\n"
    "  PRIMARY KEY (batch_id, mode, kind)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE blast_instances (\n"
    "  batch_id      INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode          TEXT NOT NULL,\n"
    "  position      INTEGER NOT NULL,\n"
    "  kind          TEXT NOT NULL,\n"
    "  instance      TEXT NOT NULL,\n"
    "  pods          INTEGER NOT NULL,\n"
    "  services      INTEGER NOT NULL,\n"
    "  namespaces    INTEGER NOT NULL,\n"
    "  tenants       INTEGER NOT NULL,\n"
    "  identities    INTEGER NOT NULL,\n"
    "  l7_services   INTEGER NOT NULL,\n"
    "  request_share REAL,\n"
    "  PRIMARY KEY (batch_id, mode, position)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE failures (\n"
    "  id                  INTEGER PRIMARY KEY,\n"
    "  batch_id            INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  mode                TEXT NOT NULL,\n"
    "  position            INTEGER NOT NULL,\n"
    "  name                TEXT NOT NULL,\n"
    "  component           TEXT NOT NULL,\n"
    "  instance            TEXT NOT NULL,\n"
    "  at_s                REAL,\n"
    "  down_s              REAL,\n"
    "  failed_requests     INTEGER NOT NULL,\n"
    "  slo_violations      INTEGER NOT NULL,\n"
    "  affected_pods       INTEGER NOT NULL,\n"
    "  affected_services   INTEGER NOT NULL,\n"
    "  affected_namespaces INTEGER NOT NULL,\n"
    "  affected_tenants    INTEGER NOT NULL,\n"
    "  recovery_s          REAL,\n"
    "  series_seconds      INTEGER NOT NULL,\n"
    "  UNIQUE (batch_id, mode, position)\n"
    ");\n"
    "CREATE TABLE failure_series (\n"
    "  failure_id INTEGER NOT NULL REFERENCES failures(id) ON DELETE CASCADE,\n"
    "  second     INTEGER NOT NULL,\n"
    "  error_rate REAL,\n"
    "  PRIMARY KEY (failure_id, second)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE sweeps (\n"
    "  id            INTEGER PRIMARY KEY,\n"
    "  sweep_key     TEXT NOT NULL UNIQUE,\n"
    "  scenario      TEXT NOT NULL,\n"
    "  scenario_path TEXT NOT NULL,\n"
    "  file_hash     TEXT NOT NULL,\n"
    "  version       TEXT NOT NULL,\n"
    "  spec          TEXT NOT NULL,\n"
    "  keys          TEXT NOT NULL,\n"
    "  n_points      INTEGER NOT NULL,\n"
    "  created_at    TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE sweep_points (\n"
    "  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,\n"
    "  point    INTEGER NOT NULL,\n"
    "  params   TEXT NOT NULL,\n"
    "  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
    "  UNIQUE (sweep_id, point)\n"
    ");\n"
    "CREATE INDEX sweep_points_batch ON sweep_points(batch_id);\n";

static int db__migrate_to_v1(db *d) {
  return db__exec(d, db_schema_v1, "creating schema version 1");
}

/* Version 2: failures.has_target, whether the drill had anything to take
 * down in the mode. Version 1 said so only in the instance text the model
 * wrote for people, "(none in this mode)", so that is what the flag is
 * recovered from. */
static int db__migrate_to_v2(db *d) {
  return db__exec(d,
                  "ALTER TABLE failures ADD COLUMN has_target INTEGER NOT NULL DEFAULT 1;\n"
                  "UPDATE failures SET has_target = 0 WHERE instance = '(none in this mode)';\n",
                  "upgrading to schema version 2");
}

/* Version 3: the objective of each batch and the verdict of each mode
 * (models/verdict.h), with the busiest station and the requests left in
 * flight that it is decided from. A batch stored before verdicts was judged
 * by the default objective of its time, p99 <= slo_ms and errors <= 0.1%;
 * its busiest station was not recorded, so it is judged here on latency and
 * errors alone, with the reasons verdict.c writes (SQLite's printf formats
 * %g and %.0f as C does). Frozen like the schema text: verdict.c may change, this may
 * not. */
static int db__migrate_to_v3(db *d) {
  return db__exec(d,
                  "ALTER TABLE batches ADD COLUMN objective_quantile REAL NOT NULL DEFAULT 0.99;\n"
                  "ALTER TABLE batches ADD COLUMN error_budget REAL NOT NULL DEFAULT 0.001;\n"
                  "ALTER TABLE mode_summary ADD COLUMN unfinished INTEGER NOT NULL DEFAULT 0;\n"
                  "ALTER TABLE mode_summary ADD COLUMN busiest_instance TEXT NOT NULL DEFAULT '';\n"
                  "ALTER TABLE mode_summary ADD COLUMN busiest_kind TEXT NOT NULL DEFAULT '';\n"
                  "ALTER TABLE mode_summary ADD COLUMN busiest_node TEXT NOT NULL DEFAULT '';\n"
                  "ALTER TABLE mode_summary ADD COLUMN busiest_utilisation REAL;\n"
                  "ALTER TABLE mode_summary ADD COLUMN verdict TEXT NOT NULL DEFAULT 'meets' "
                  "  CHECK (verdict IN ('meets', 'misses', 'overloaded'));\n"
                  "ALTER TABLE mode_summary ADD COLUMN verdict_reasons TEXT NOT NULL DEFAULT '';\n"
                  "ALTER TABLE mode_summary ADD COLUMN bottleneck TEXT NOT NULL DEFAULT '';\n"
                  "UPDATE mode_summary SET verdict_reasons = (\n"
                  "  SELECT trim(\n"
                  "    CASE WHEN mode_summary.latency_p99_ms > b.slo_ms\n"
                  "      THEN printf('p99 %s ms > %s ms objective',\n"
                  "        printf(CASE WHEN mode_summary.latency_p99_ms >= 1000 THEN '%.0f' "
                  "ELSE '%.4g' END, mode_summary.latency_p99_ms),\n"
                  "        printf(CASE WHEN b.slo_ms >= 1000 THEN '%.0f' ELSE '%.4g' END, "
                  "b.slo_ms))\n"
                  "      ELSE '' END || char(10) ||\n"
                  "    CASE WHEN mode_summary.requests + mode_summary.errors > 0\n"
                  "           AND 1.0 * mode_summary.errors / (mode_summary.requests + "
                  "mode_summary.errors) > 0.001\n"
                  "      THEN printf('errors %.3g%% > 0.1%% budget',\n"
                  "                  100.0 * mode_summary.errors / (mode_summary.requests + "
                  "mode_summary.errors))\n"
                  "      ELSE '' END, char(10))\n"
                  "  FROM batches b WHERE b.id = mode_summary.batch_id);\n"
                  "UPDATE mode_summary SET verdict = 'misses' WHERE verdict_reasons <> '';\n",
                  "upgrading to schema version 3");
}

/* Version 4: hot spots, what the shared proxies need, right-sized proxy
 * requests and nodes over capacity (models/capacity.h), and the nodes needed
 * counted from use as well as requests. mode_summary.nodes_needed of a
 * batch stored before counted requests alone, so that is what its
 * nodes_needed_reserved is; its count from use was not recorded
 * (nodes_needed_used 0, target_utilisation and headroom NULL) and its new
 * tables are empty. Frozen like the schema text. */
static int db__migrate_to_v4(db *d) {
  return db__exec(
      d,
      "ALTER TABLE mode_summary ADD COLUMN target_utilisation REAL;\n"
      "ALTER TABLE mode_summary ADD COLUMN headroom REAL;\n"
      "ALTER TABLE mode_summary ADD COLUMN nodes_needed_reserved INTEGER NOT NULL DEFAULT 0;\n"
      "ALTER TABLE mode_summary ADD COLUMN nodes_needed_used INTEGER NOT NULL DEFAULT 0;\n"
      "ALTER TABLE mode_summary ADD COLUMN pods_unplaced INTEGER NOT NULL DEFAULT 0;\n"
      "ALTER TABLE mode_summary ADD COLUMN nodes_over_cpu INTEGER NOT NULL DEFAULT 0;\n"
      "ALTER TABLE mode_summary ADD COLUMN nodes_over_mem INTEGER NOT NULL DEFAULT 0;\n"
      "ALTER TABLE mode_summary ADD COLUMN busiest_node_by_cpu TEXT NOT NULL DEFAULT '';\n"
      "ALTER TABLE mode_summary ADD COLUMN busiest_node_cpu_share REAL;\n"
      "ALTER TABLE mode_summary ADD COLUMN node_mem_share_max REAL;\n"
      "ALTER TABLE mode_summary ADD COLUMN errors_timeout INTEGER NOT NULL DEFAULT 0;\n"
      "ALTER TABLE mode_summary ADD COLUMN errors_rejected INTEGER NOT NULL DEFAULT 0;\n"
      "ALTER TABLE mode_summary ADD COLUMN errors_outage INTEGER NOT NULL DEFAULT 0;\n"
      "ALTER TABLE mode_summary ADD COLUMN fail_mean_ms REAL;\n"
      "ALTER TABLE mode_summary ADD COLUMN fail_p50_ms REAL;\n"
      "ALTER TABLE mode_summary ADD COLUMN fail_p99_ms REAL;\n"
      "ALTER TABLE failures ADD COLUMN p99_during_ms REAL;\n"
      "ALTER TABLE failures ADD COLUMN p99_steady_ms REAL;\n"
      "ALTER TABLE failures ADD COLUMN slo_violations_steady INTEGER NOT NULL DEFAULT 0;\n"
      "UPDATE mode_summary SET nodes_needed_reserved = nodes_needed;\n"
      "CREATE TABLE hotspots (\n"
      "  batch_id      INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
      "  mode          TEXT NOT NULL,\n"
      "  position      INTEGER NOT NULL,\n"
      "  instance      TEXT NOT NULL,\n"
      "  kind          TEXT NOT NULL,\n"
      "  node          TEXT NOT NULL,\n"
      "  utilisation   REAL,\n"
      "  cpu_cores     REAL,\n"
      "  latency_ms    REAL,\n"
      "  latency_share REAL,\n"
      "  PRIMARY KEY (batch_id, mode, position)\n"
      ") WITHOUT ROWID;\n"
      "CREATE TABLE shared_capacity (\n"
      "  batch_id              INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
      "  mode                  TEXT NOT NULL,\n"
      "  position              INTEGER NOT NULL,\n"
      "  kind                  TEXT NOT NULL,\n"
      "  instance              TEXT NOT NULL,\n"
      "  replicas              INTEGER NOT NULL,\n"
      "  utilisation           REAL,\n"
      "  utilisation_max       REAL,\n"
      "  cpu_cores             REAL,\n"
      "  replicas_needed       INTEGER NOT NULL,\n"
      "  cpu_cores_per_replica REAL,\n"
      "  PRIMARY KEY (batch_id, mode, position)\n"
      ") WITHOUT ROWID;\n"
      "CREATE TABLE proxy_sizing (\n"
      "  batch_id             INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
      "  mode                 TEXT NOT NULL,\n"
      "  kind                 TEXT NOT NULL,\n"
      "  instances            INTEGER NOT NULL,\n"
      "  request_cpu_cores    REAL,\n"
      "  request_mem_mib      REAL,\n"
      "  p95_cpu_cores        REAL,\n"
      "  p95_mem_mib          REAL,\n"
      "  max_cpu_cores        REAL,\n"
      "  right_cpu_cores      REAL,\n"
      "  right_mem_mib        REAL,\n"
      "  cost_usd_month       REAL,\n"
      "  right_cost_usd_month REAL,\n"
      "  PRIMARY KEY (batch_id, mode, kind)\n"
      ") WITHOUT ROWID;\n"
      "CREATE TABLE node_warnings (\n"
      "  batch_id           INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,\n"
      "  mode               TEXT NOT NULL,\n"
      "  position           INTEGER NOT NULL,\n"
      "  node               TEXT NOT NULL,\n"
      "  cpu_used_cores     REAL,\n"
      "  cpu_capacity_cores REAL,\n"
      "  mem_used_mib       REAL,\n"
      "  mem_capacity_mib   REAL,\n"
      "  PRIMARY KEY (batch_id, mode, position)\n"
      ") WITHOUT ROWID;\n",
      "upgrading to schema version 4");
}

/* Version 5: each namespace's share of every mode (models/attribution.h),
 * and what `meshsim advise` found (models/advice.h): its advice and, per
 * advice, its namespaces, uniform modes, runner-ups, constraints, migration
 * steps and their risks. A batch stored before has no rows here: its
 * per-namespace figures were not recorded. Frozen like the schema text. */
static int db__migrate_to_v5(db *d) {
  return db__exec(d,
                  "CREATE TABLE namespace_usage (\n"
                  "  batch_id                INTEGER NOT NULL REFERENCES batches(id) "
                  "ON DELETE CASCADE,\n"
                  "  mode                    TEXT NOT NULL,\n"
                  "  position                INTEGER NOT NULL,\n"
                  "  namespace               TEXT NOT NULL,\n"
                  "  tenant                  TEXT NOT NULL,\n"
                  "  namespace_mode          TEXT NOT NULL,\n"
                  "  pods                    INTEGER NOT NULL,\n"
                  "  cpu_cores_app           REAL,\n"
                  "  cpu_cores_sidecar       REAL,\n"
                  "  cpu_cores_ztunnel       REAL,\n"
                  "  cpu_cores_waypoint      REAL,\n"
                  "  cpu_cores_control_plane REAL,\n"
                  "  mem_mib_app             REAL,\n"
                  "  mem_mib_sidecar         REAL,\n"
                  "  mem_mib_ztunnel         REAL,\n"
                  "  mem_mib_waypoint        REAL,\n"
                  "  mem_mib_control_plane   REAL,\n"
                  "  mesh_cpu_cores          REAL,\n"
                  "  mesh_mem_mib            REAL,\n"
                  "  reserved_cpu_cores      REAL,\n"
                  "  reserved_mem_mib        REAL,\n"
                  "  mesh_reserved_cpu_cores REAL,\n"
                  "  mesh_reserved_mem_mib   REAL,\n"
                  "  cross_zone_gb_month     REAL,\n"
                  "  cost_usd_month          REAL,\n"
                  "  mesh_cost_usd_month     REAL,\n"
                  "  entry_requests          INTEGER NOT NULL,\n"
                  "  entry_errors            INTEGER NOT NULL,\n"
                  "  entry_latency_ms        REAL,\n"
                  "  latency_gain_ms         REAL,\n"
                  "  mesh_time_ms            REAL,\n"
                  "  PRIMARY KEY (batch_id, mode, position)\n"
                  ") WITHOUT ROWID;\n"
                  "CREATE TABLE advice (\n"
                  "  id                  INTEGER PRIMARY KEY,\n"
                  "  batch_id            INTEGER NOT NULL REFERENCES batches(id) "
                  "ON DELETE CASCADE,\n"
                  "  scenario            TEXT NOT NULL,\n"
                  "  objective           TEXT NOT NULL,\n"
                  "  found               INTEGER NOT NULL,\n"
                  "  verdict             TEXT NOT NULL,\n"
                  "  verdict_reasons     TEXT NOT NULL,\n"
                  "  bottleneck          TEXT NOT NULL,\n"
                  "  cost_usd_month      REAL,\n"
                  "  value               REAL,\n"
                  "  latency_ms          REAL,\n"
                  "  budget              INTEGER NOT NULL,\n"
                  "  simulations         INTEGER NOT NULL,\n"
                  "  uniform_simulations INTEGER NOT NULL,\n"
                  "  budget_exhausted    INTEGER NOT NULL,\n"
                  "  has_plan            INTEGER NOT NULL,\n"
                  "  plan_from           TEXT NOT NULL,\n"
                  "  plan_safe           INTEGER NOT NULL,\n"
                  "  plan_exhaustive     INTEGER NOT NULL,\n"
                  "  plan_simulations    INTEGER NOT NULL,\n"
                  "  wall_s              REAL\n"
                  ");\n"
                  "CREATE INDEX advice_batch ON advice(batch_id);\n"
                  "CREATE TABLE advice_namespaces (\n"
                  "  advice_id      INTEGER NOT NULL REFERENCES advice(id) ON DELETE CASCADE,\n"
                  "  position       INTEGER NOT NULL,\n"
                  "  namespace      TEXT NOT NULL,\n"
                  "  namespace_mode TEXT NOT NULL,\n"
                  "  allowed        TEXT NOT NULL,\n"
                  "  reason         TEXT NOT NULL,\n"
                  "  why            TEXT NOT NULL,\n"
                  "  PRIMARY KEY (advice_id, position)\n"
                  ") WITHOUT ROWID;\n"
                  "CREATE TABLE advice_uniform (\n"
                  "  advice_id      INTEGER NOT NULL REFERENCES advice(id) ON DELETE CASCADE,\n"
                  "  position       INTEGER NOT NULL,\n"
                  "  mode           TEXT NOT NULL,\n"
                  "  verdict        TEXT NOT NULL,\n"
                  "  cost_usd_month REAL,\n"
                  "  value          REAL,\n"
                  "  latency_ms     REAL,\n"
                  "  violations     INTEGER NOT NULL,\n"
                  "  why            TEXT NOT NULL,\n"
                  "  PRIMARY KEY (advice_id, position)\n"
                  ") WITHOUT ROWID;\n"
                  "CREATE TABLE advice_alternatives (\n"
                  "  advice_id      INTEGER NOT NULL REFERENCES advice(id) ON DELETE CASCADE,\n"
                  "  position       INTEGER NOT NULL,\n"
                  "  rank           INTEGER NOT NULL,\n"
                  "  verdict        TEXT NOT NULL,\n"
                  "  cost_usd_month REAL,\n"
                  "  value          REAL,\n"
                  "  latency_ms     REAL,\n"
                  "  changes        TEXT NOT NULL,\n"
                  "  PRIMARY KEY (advice_id, position)\n"
                  ") WITHOUT ROWID;\n"
                  "CREATE TABLE advice_constraints (\n"
                  "  advice_id   INTEGER NOT NULL REFERENCES advice(id) ON DELETE CASCADE,\n"
                  "  position    INTEGER NOT NULL,\n"
                  "  kind        TEXT NOT NULL,\n"
                  "  namespace   TEXT NOT NULL,\n"
                  "  modes       TEXT NOT NULL,\n"
                  "  limit_value INTEGER NOT NULL,\n"
                  "  text        TEXT NOT NULL,\n"
                  "  PRIMARY KEY (advice_id, position)\n"
                  ") WITHOUT ROWID;\n"
                  "CREATE TABLE advice_steps (\n"
                  "  advice_id      INTEGER NOT NULL REFERENCES advice(id) ON DELETE CASCADE,\n"
                  "  position       INTEGER NOT NULL,\n"
                  "  step           INTEGER NOT NULL,\n"
                  "  namespace      TEXT NOT NULL,\n"
                  "  from_mode      TEXT NOT NULL,\n"
                  "  to_mode        TEXT NOT NULL,\n"
                  "  verdict        TEXT NOT NULL,\n"
                  "  cost_usd_month REAL,\n"
                  "  value          REAL,\n"
                  "  latency_ms     REAL,\n"
                  "  why            TEXT NOT NULL,\n"
                  "  PRIMARY KEY (advice_id, position)\n"
                  ") WITHOUT ROWID;\n"
                  "CREATE TABLE advice_risks (\n"
                  "  advice_id INTEGER NOT NULL REFERENCES advice(id) ON DELETE CASCADE,\n"
                  "  step      INTEGER NOT NULL,\n"
                  "  position  INTEGER NOT NULL,\n"
                  "  kind      TEXT NOT NULL,\n"
                  "  text      TEXT NOT NULL,\n"
                  "  source    TEXT NOT NULL,\n"
                  "  PRIMARY KEY (advice_id, step, position)\n"
                  ") WITHOUT ROWID;\n",
                  "upgrading to schema version 5");
}

/* Version 6: each drill's time to detect (result_failure.detect_s). A
 * drill stored before reads NULL: not recorded. Frozen like the schema text. */
static int db__migrate_to_v6(db *d) {
  return db__exec(d, "ALTER TABLE failures ADD COLUMN detect_s REAL;\n",
                  "upgrading to schema version 6");
}

/* Each entry upgrades from to_version - 1 to to_version, in order. */
static const struct {
  int to_version;
  int (*fn)(db *d);
} db_migrations[] = {
    {1, db__migrate_to_v1}, {2, db__migrate_to_v2}, {3, db__migrate_to_v3},
    {4, db__migrate_to_v4}, {5, db__migrate_to_v5}, {6, db__migrate_to_v6},
};
_Static_assert(sizeof db_migrations / sizeof db_migrations[0] == DB_SCHEMA_VERSION,
               "one migration per schema version");

int db_schema_version(db *d) {
  int64_t v = 0;
  if (db__int_query(d, "PRAGMA user_version", &v) < 0)
    return DB_ESQL;
  return (int)v;
}

/* Also refuses a database of an earlier draft of version 1 (see below). A
 * failed migration rolls back whole: the database stays at its version. */
int db__upgrade(db *d) {
  int64_t app_id = 0, version = 0, objects = 0;
  if (db__int_query(d, "PRAGMA application_id", &app_id) < 0)
    return DB_ESQL;
  if (db__int_query(d, "PRAGMA user_version", &version) < 0)
    return DB_ESQL;
  if (db__int_query(d, "SELECT count(*) FROM sqlite_schema", &objects) < 0)
    return DB_ESQL;
  if (app_id != DB_APPLICATION_ID && (app_id != 0 || version != 0 || objects != 0))
    return db__fail(d, DB_EFOREIGN,
                    "%s: not a meshsim results database (application_id %" PRId64
                    ", user_version %" PRId64 ")",
                    d->path, app_id, version);
  if (version > DB_SCHEMA_VERSION)
    return db__fail(d, DB_ENEWER,
                    "%s: database schema version %" PRId64
                    " is newer than version %d known to this meshsim; use a newer meshsim",
                    d->path, version, DB_SCHEMA_VERSION);
  if (version >= 1) {
    /* Version 1 grew (sweeps, SLO, reserved costs) before its first
     * release; a database of an earlier draft cannot take today's rows. */
    int64_t sweeps = 0;
    if (db__int_query(d, "SELECT count(*) FROM sqlite_schema WHERE name = 'sweep_points'",
                      &sweeps) < 0)
      return DB_ESQL;
    if (!sweeps)
      return db__fail(d, DB_EFOREIGN,
                      "%s: written by a development build of meshsim with an earlier draft of "
                      "schema version 1 (no sweep tables); move it away and run again",
                      d->path);
  }
  if (version == DB_SCHEMA_VERSION)
    return 0;

  if (db__exec(d, "BEGIN IMMEDIATE", "starting schema upgrade") < 0)
    return DB_ESQL;
  /* Another process may have upgraded it while we waited for the lock. */
  int rc = db__int_query(d, "PRAGMA user_version", &version);
  for (size_t i = 0; rc == 0 && i < sizeof db_migrations / sizeof db_migrations[0]; i++) {
    if (db_migrations[i].to_version <= version)
      continue;
    rc = db_migrations[i].fn(d);
    if (rc == 0) {
      char sql[64];
      snprintf(sql, sizeof sql, "PRAGMA user_version = %d", db_migrations[i].to_version);
      rc = db__exec(d, sql, "setting schema version");
    }
  }
  if (rc == 0) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", DB_APPLICATION_ID);
    rc = db__exec(d, sql, "setting application id");
  }
  if (rc == 0 && db__exec(d, "COMMIT", "committing schema upgrade") == 0)
    return 0;
  sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
  return rc < 0 ? rc : DB_ESQL;
}
