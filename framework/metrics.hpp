#pragma once
// Evaluation metrics shared by the trainer (validation/test) and analysis/.
// All functions take scores for the positive class and integer labels (0/1) or targets.
// All are serial and deterministic: sums run in a fixed order (score, then event index).
#include <span>
#include <vector>

namespace kanscan::metrics {

struct Roc {
  std::vector<double> fpr, tpr, thresholds;  // thresholds descending; starts at (0,0)
};

// ROC curve with ties grouped (one point per distinct score) and optional event weights
// (empty = unit weights). Throws InputError if only one class is present, NumericalError if a
// score is NaN (a diverged model: the trainer turns it into a failed trial).
Roc roc_curve(std::span<const float> scores, std::span<const int> labels,
              std::span<const float> weights = {});
// Exact area under the ROC curve (trapezoids over tie groups = Mann-Whitney with ties
// counted 1/2), weighted. Throws InputError if only one class is present.
double auc(std::span<const float> scores, std::span<const int> labels,
           std::span<const float> weights = {});
// Weighted fraction with (score >= threshold) == label.
double accuracy(std::span<const float> scores, std::span<const int> labels, double threshold = 0.5,
                std::span<const float> weights = {});

// Mean absolute / root-mean-square error per column of row-major [n, t] arrays.
std::vector<double> mae_per_column(std::span<const float> pred, std::span<const float> truth,
                                   std::size_t cols);
std::vector<double> rmse_per_column(std::span<const float> pred, std::span<const float> truth,
                                    std::size_t cols);

// ---- Test-sample uncertainties (docs/analysis.md, "Uncertainties and tests") ----

// A metric of a test sample with its per-event influence: resampling the events moves the metric
// by about the sum of the influences of the events drawn, so its variance is the sum of their
// squares. The small-sample factor n_g/(n_g - 1) of each event's group (its class for the AUC,
// the whole sample otherwise) is folded into the influence, so that for the AUC the variance is
// exactly DeLong et al.'s. Influences of two metrics on the same events, in the same order,
// subtract and average event by event: that is how paired comparisons and seed means get
// their variances (analysis/stats.hpp).
struct Influence {
  double value = 0;
  std::vector<double> influence;  // [n], in the order of the events given
  double variance() const;        // sum of squares
  double std_error() const;       // its square root
};

// AUC with DeLong's structural components (DeLong, DeLong, Clarke-Pearson 1988): for a
// positive i, V10_i = weighted fraction of negatives scored below it (ties 1/2); for a
// negative j, V01_j = weighted fraction of positives above it. influence = w (V - AUC) / W_class.
// O(n log n). With unit weights the variance is DeLong's S10/m + S01/n; with event weights it
// is the same linearisation, weighted. Throws like auc().
Influence auc_influence(std::span<const float> scores, std::span<const int> labels,
                        std::span<const float> weights = {});
// Weighted mean of per-event values (accuracy: 0/1 correctness; MAE: |residual|), with
// influence w (v - mean) / W.
Influence mean_influence(std::span<const double> values, std::span<const float> weights = {});

// ---- Threshold scans over a ROC curve (all weighted, ties grouped like roc_curve) ----

struct ThresholdChoice {
  double value = 0;      // the metric at the chosen cut
  double threshold = 0;  // events with score >= threshold are selected as signal
};

// Accuracy maximised over every cut between distinct scores (including "select all" and
// "select none"). Ties go to the highest threshold reaching the maximum.
ThresholdChoice best_accuracy(std::span<const float> scores, std::span<const int> labels,
                              std::span<const float> weights = {});

// Signal efficiency (TPR) at a fixed background rejection r = 1 - FPR, linearly interpolated
// between ROC points; r in [0, 1]. Standard working points are r = 0.9, 0.99, 0.999.
double signal_efficiency_at_rejection(const Roc& roc, double rejection);
// Background rejection 1 - FPR at a fixed signal efficiency, linearly interpolated.
double rejection_at_signal_efficiency(const Roc& roc, double efficiency);

// Asimov discovery significance Z = sqrt(2((s+b) ln(1+s/b) - s)) for expected signal s and
// background b (Cowan et al. 2011); Z -> s/sqrt(b) for s << b. Returns 0 when s <= 0 and
// +inf when b <= 0 < s.
double asimov_significance(double s, double b);

struct SignificanceChoice {
  double z = 0;          // best Z
  double threshold = 0;  // cut (score >= threshold)
  double s = 0, b = 0;   // expected signal/background passing the cut
};
// Z maximised over cuts. Passing weighted counts are scaled so that the whole sample
// corresponds to `signal_total` signal and `background_total` background events
// (<= 0 keeps the sample's own weighted totals). Cuts with b < min_background are skipped so
// that a cut keeping a single signal event with no background does not give Z = inf.
SignificanceChoice best_significance(std::span<const float> scores, std::span<const int> labels,
                                     std::span<const float> weights = {}, double signal_total = 0,
                                     double background_total = 0, double min_background = 1.0);

// ---- Regression summaries ----

struct RegressionMetrics {
  // Per target (columns); "std" = in standardised units (divided by the target's std).
  std::vector<double> mae, rmse, mae_std, rmse_std;
  // Averages over targets of the per-target values.
  double mae_mean = 0, rmse_mean = 0, mae_std_mean = 0, rmse_std_mean = 0;
};
// pred and truth are row-major [n, t] in physical units; target_std [t] are the training
// standard deviations (empty = all 1, so physical and standardised coincide).
RegressionMetrics regression_metrics(std::span<const float> pred, std::span<const float> truth,
                                     std::size_t cols, std::span<const double> target_std = {});

}  // namespace kanscan::metrics
