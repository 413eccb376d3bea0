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

// What the analysis ranks by and what it reports: every choice (the best seed of a
// configuration, the ranking, the Pareto fronts, the best per budget and per axis value) is made
// on `select`, a validation column, and the tables report `name`, its test column. Choosing
// on the test metric would make the reported best optimistic (selection bias).
struct MetricSpec {
  std::string name;               // reported: a /trials column, e.g. test_auc
  std::string select;             // chosen by: e.g. val_auc; == name when the file has no validation column
  std::string err;                // test-sample standard error of `name` (test_auc_err), "" when none
  bool higher_is_better = true;
  bool on_validation() const { return select != name; }
};
// test_auc (higher) if present, else test_mae (lower), else test_accuracy, else test_loss, each
// selected on its val_ counterpart when the file has it. An explicit name (test_X or val_X):
// reported test_X, selected on val_X when present; any other column is both. Direction from
// the name (auc/accuracy/significance/efficiency: higher). Unknown columns: InputError.
MetricSpec choose_metric(const TrialsTable& t, const std::string& requested = "");

// The cost a Pareto front and the matched budgets are measured in (`--cost`): a /trials
// column, lower is better. params = n_params (always present); infer_flops and train_flops
// per event (docs/analysis.md, "Cost axes"); train_seconds measured.
struct CostSpec {
  std::string name = "params";    // as given to --cost
  std::string column = "n_params";
  std::string label = "trainable parameters";
};
// InputError for an unknown name or a column the file lacks (written by an older kanscan).
CostSpec choose_cost(const TrialsTable& t, const std::string& requested = "");


// One configuration: every axis value equal, seeds differ.
struct ConfigGroup {
  std::string model;              // the family: the block's label, "kan (rbf)" when a block has several bases
  std::vector<std::pair<std::string, std::string>> axes;  // (axis, value) in table order, model excluded
  double n_params = 0;
  double cost = 0;                // mean of the cost column over ok seeds (n_params by default)
  std::vector<std::size_t> rows;  // every row of the configuration
  std::size_t n_ok = 0, n_failed = 0;
  std::map<std::string, Stats> metrics;  // over ok rows, every metric column
  std::string best_trial;                // ok row with the best selection metric ("" if none)
  std::vector<std::string> trial_ids;    // ok rows
  std::vector<std::size_t> ok_rows;      // ok rows, in seed order (as trial_ids)
  std::size_t n_undertrained = 0;        // ok seeds whose best validation epoch was the last one
  std::size_t n_splits = 1;              // distinct data splits among the ok rows (repeated splits)
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
std::vector<ConfigGroup> aggregate_seeds(const TrialsTable& t, const MetricSpec& primary,
                                        const CostSpec& cost = CostSpec{});

// Mean of a metric over a configuration's ok seeds, NaN when none.
double group_mean(const ConfigGroup& g, const std::string& column);
// Uncertainty of a configuration's seed mean of the reported metric: sqrt(std^2/n + err^2/K),
// the seeds' spread (training randomness) and the test-sample standard error (mean of the
// seeds' `err` column; the seeds share the test events, so it does not shrink with n; with K
// repeated splits each split has test events of its own). NaN when neither is known.
double seed_mean_uncertainty(const ConfigGroup& g, const MetricSpec& m);

// Best configuration (by mean of the selection metric) for each value of each axis, per model.
struct AxisRow {
  std::string model, axis, value;
  std::size_t n_configs = 0;
  Stats over_configs;            // of the configurations' means
  std::size_t best = 0;          // index into the ConfigGroup list
};
// Axes with at least two distinct values within a model; values in numeric order when numeric.
std::vector<AxisRow> axis_table(const std::vector<ConfigGroup>& groups, const MetricSpec& primary);

// One axis of one family with every other axis held fixed: the configurations along it.
struct AxisSlice {
  std::string model, axis;
  std::vector<std::pair<std::string, std::string>> others;  // the fixed values of the other axes
  std::vector<std::pair<std::string, std::size_t>> points;  // (value, config), in axis order
  bool through_best = false;  // the slice through the family's best configuration
};
// Per family and axis (two or more values in the family), every slice with two or more points
// and the slice through the best configuration, ordered: through_best first, then by the
// number of points, then by their best selection value.
std::vector<AxisSlice> axis_slices(const std::vector<ConfigGroup>& groups, const MetricSpec& primary);

// Best configuration per model inside logarithmic cost bins (bins_per_decade per factor 10):
// "KAN vs MLP at matched parameter budgets" (or FLOPs, seconds with --cost).
struct BudgetRow {
  double lo = 0, hi = 0;  // [lo, hi)
  std::string model;
  std::size_t best = 0;   // index into the ConfigGroup list
};
std::vector<BudgetRow> matched_budgets(const std::vector<ConfigGroup>& groups, const MetricSpec& primary,
                                       int bins_per_decade = 2);

// Value of the metric oriented so that higher is better (for Pareto fronts).
double oriented(const MetricSpec& m, double v);

}  // namespace kanscan::analysis
