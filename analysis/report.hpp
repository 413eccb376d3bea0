#pragma once
// `kanscan analyze`: everything computed from one results file, the printed summary, and the
// CSV/JSON files the plotting script (analysis/plots.py) draws from.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "analysis/aggregate.hpp"
#include "analysis/results_file.hpp"
#include "analysis/stats.hpp"
#include "types/dataset.hpp"
#include "types/model_state.hpp"

namespace kanscan::analysis {

// Applies a stored model to raw features (the CLI passes models::predict): analysis/ does not
// depend on models/, so the train-sample outputs of the overtraining check come through this.
using Predictor = std::function<RowMatrixXf(const ModelState&, const RowMatrixXf&)>;

struct AnalyzeOptions {
  std::string metric;     // "" = choose_metric's default
  std::string cost;       // "" / params, train_flops, infer_flops, train_seconds (choose_cost)
  std::string data_file;  // events for the spline-vs-LLR study; "" = from the results file
  int bins_per_decade = 2;
  std::size_t top = 5;    // best configurations listed in the summary
  std::size_t max_kan_studies = 3;
  int bootstrap_replicas = 1000;  // paired bootstrap of MAE differences
  Predictor predict;              // empty: no train-sample output distributions
};

// One paired comparison of two families' configurations on the same test events: at a
// matched budget (scope "budget", [lo, hi)) or between the families' best (scope "best").
struct PairedRow {
  std::string scope;
  double lo = 0, hi = 0;
  std::string a, b;  // families: delta = a - b
  std::size_t config_a = 0, config_b = 0;
  bool ok = false;
  Comparison cmp;
  std::string note;  // why there is no test (ok = false)
};

// Working points of one trial on the front (classification), from its stored ROC curve and,
// when the events are available, from its test predictions and the events' labels/weights.
struct WorkingPoint {
  std::string trial, label;
  double n_params = 0;
  double eff_at_rej90 = 0, eff_at_rej99 = 0;  // signal efficiency at background rejection 1 - FPR
  double rej_at_eff50 = 0, inv_fpr_at_eff50 = 0;  // at 50 % signal efficiency: 1 - FPR and 1 / FPR
  bool with_events = false;
  double accuracy_05 = 0, best_accuracy = 0, best_accuracy_threshold = 0;
  double z = 0, z_threshold = 0, z_s = 0, z_b = 0;  // Asimov significance at the best cut (test sample)
};

struct Report {
  std::string results_path;
  std::map<std::string, std::string> attributes;
  std::string task;  // classification | regression | "" (unknown: no metric columns)
  MetricSpec metric;
  CostSpec cost;
  TrialsTable trials;
  std::size_t n_ok = 0, n_failed = 0;
  std::vector<std::string> rows_without_group;  // ok rows whose /trial/<id> is missing
  std::vector<std::string> groups_without_row;  // trial groups not (yet) in /trials
  std::vector<ConfigGroup> configs;
  std::vector<std::string> models;                          // in order of appearance
  std::map<std::string, std::vector<std::string>> shown_axes;  // per model: axes that vary (labels)
  std::string label(const ConfigGroup& g) const;
  std::map<std::string, std::vector<std::size_t>> fronts;   // "all" and each model -> config indices
  std::vector<AxisRow> axes;
  std::vector<AxisSlice> slices;
  std::vector<BudgetRow> budgets;
  std::string reference;                                     // family every other is compared with ("mlp")
  std::vector<PairedRow> comparisons;                        // filled by write_outputs (needs the events)
  std::vector<WorkingPoint> working_points;                  // front of "all" (filled by write_outputs)
  std::vector<std::string> notes;                           // things skipped, and why
};

// Aggregates, fronts and tables. Never throws for an incomplete file; throws InputError for
// a bad --metric.
Report analyze(const ResultsFile& file, const AnalyzeOptions& options = {});

// The concise text summary printed by `kanscan analyze`.
std::string format_summary(const Report& report, const AnalyzeOptions& options = {});

// Writes trials.csv, configs.csv, pareto.csv, axes.csv, axis_slices.csv, matched_budget.csv,
// comparisons.csv, working_points.csv and output_distributions.csv / overtraining.csv
// (classification), resolution.csv and pred_vs_true.csv (regression), summary.txt, the KAN
// function / importance / LLR CSVs where the models and data allow, and analysis.json (the
// plot manifest) into dir (created). Each file is written to a temporary name and renamed.
// Returns the files written.
std::vector<std::string> write_outputs(const ResultsFile& file, Report& report, const std::string& dir,
                                       const AnalyzeOptions& options = {});

// Quotes a CSV field when needed (RFC 4180).
std::string csv_field(const std::string& s);

}  // namespace kanscan::analysis
