#pragma once
// Tables for the physics plots of `kanscan analyze` (docs/analysis.md, "Physics plots"):
// per-class output distributions on the training and the test sample (the overtraining
// check, with a Kolmogorov-Smirnov test per class), and for regression the predicted against
// the true value per target with the bias (median residual) and resolution (half the 16-84 %
// width of the residuals) in bins of the true value. One trial per family (per family and loss
// when a family was trained with several losses): the chosen seed of its best configuration
// (by the selection metric).
#include <string>
#include <vector>

#include "analysis/events.hpp"
#include "analysis/report.hpp"

namespace kanscan::analysis {

struct StudiedTrial {
  std::string trial, model, label;
};
std::vector<StudiedTrial> physics_trials(const Report& r);

struct KsRow {
  std::string trial, model, class_name;
  std::size_t n_train = 0, n_test = 0;
  double statistic = 0, p_value = 1;
};

struct OutputTables {
  std::string distributions_csv, overtraining_csv;  // "" when nothing could be computed
  std::vector<KsRow> ks;
  std::vector<std::string> notes;
};
// Binary classification. Test outputs are the stored predictions; training outputs come from
// predict applied to the events' training part (needs the scan's split and a predictor).
OutputTables output_distributions(const ResultsFile& file, const std::vector<StudiedTrial>& trials, const Events& e,
                                  const Predictor& predict);

struct ResolutionTables {
  std::string resolution_csv, pred_vs_true_csv;
  std::vector<std::string> notes;
};
// Regression: stored test predictions against the events' targets, physical units. Bins: ten
// of equal population between the 1 % and 99 % quantiles of the true value; errors are the
// Gaussian approximations 1.25 res / sqrt(n) (median) and 0.96 res / sqrt(n) (half width).
ResolutionTables resolution_tables(const ResultsFile& file, const std::vector<StudiedTrial>& trials, const Events& e);

}  // namespace kanscan::analysis
