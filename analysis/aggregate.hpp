#pragma once
// Seed aggregation and per-axis / per-budget tables over the /trials table.
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analysis/results_file.hpp"

namespace kanscan::analysis {

struct Stats {
  double mean = 0, std = 0;  // std: sample standard deviation (n - 1), 0 for n = 1
  std::size_t n = 0;         // finite values used; mean and std are NaN when n = 0
};
// NaN and inf values are skipped (a diverged seed must not poison its configuration's mean).
// Serial, summed in the given order: deterministic.
Stats summarize(std::span<const double> values);

// What a /trials column means to the analysis. Anything not recognised is an axis, so new
// axes added by the scan engine need no change here.
enum class ColumnRole { id, bookkeeping, metric, axis };
ColumnRole column_role(const std::string& name);

struct MetricSpec {
  std::string name;               // a /trials column, e.g. test_auc
  bool higher_is_better = true;
};
// test_auc (higher) if present, else test_mae (lower), else test_accuracy, else test_loss.
// An explicit name: direction from the name (auc/accuracy/significance/efficiency: higher).
MetricSpec choose_metric(const TrialsTable& t, const std::string& requested = "");

// One configuration: every axis value equal, seeds differ.
struct ConfigGroup {
  std::string model;
  std::vector<std::pair<std::string, std::string>> axes;  // (axis, value) in table order, model excluded
  double n_params = 0;
  std::vector<std::size_t> rows;  // every row of the configuration
  std::size_t n_ok = 0, n_failed = 0;
  std::map<std::string, Stats> metrics;  // over ok rows, every metric column
  std::string best_trial;                // ok row with the best primary metric ("" if none)
  std::vector<std::string> trial_ids;    // ok rows
  // "kan depth=1 width=8 grid_size=5"; with `shown`, only those axes (e.g. the ones that vary).
  std::string label() const;
  std::string label(const std::vector<std::string>& shown) const;
  std::string axis(const std::string& name) const;  // value text, "" when absent
};

bool row_ok(const TrialsTable& t, std::size_t row);

// Per model, the axes whose value differs between its configurations (what a label needs).
std::map<std::string, std::vector<std::string>> varying_axes(const std::vector<ConfigGroup>& groups);

// Groups rows by (model, every axis value); configurations ordered by (model, n_params, label)
// and seeds by (seed, trial id), so the result does not depend on the rows' completion order.
std::vector<ConfigGroup> aggregate_seeds(const TrialsTable& t, const MetricSpec& primary);

// Best configuration (by mean of the primary metric) for each value of each axis, per model.
struct AxisRow {
  std::string model, axis, value;
  std::size_t n_configs = 0;
  Stats over_configs;            // of the configurations' means
  std::size_t best = 0;          // index into the ConfigGroup list
};
// Axes with at least two distinct values within a model; values in numeric order when numeric.
std::vector<AxisRow> axis_table(const std::vector<ConfigGroup>& groups, const MetricSpec& primary);

// Best configuration per model inside logarithmic parameter-count bins (bins_per_decade per
// factor 10): "KAN vs MLP at matched parameter budgets".
struct BudgetRow {
  double lo = 0, hi = 0;  // [lo, hi)
  std::string model;
  std::size_t best = 0;   // index into the ConfigGroup list
};
std::vector<BudgetRow> matched_budgets(const std::vector<ConfigGroup>& groups, const MetricSpec& primary,
                                       int bins_per_decade = 2);

// Value of the primary metric oriented so that higher is better (for Pareto fronts).
double oriented(const MetricSpec& m, double v);

}  // namespace kanscan::analysis
