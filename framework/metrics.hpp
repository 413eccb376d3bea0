#pragma once
// Evaluation metrics shared by the trainer (validation/test) and analysis/.
// All functions take scores for the positive class and integer labels (0/1) or targets.
#include <span>
#include <vector>

namespace kanscan::metrics {

struct Roc {
  std::vector<double> fpr, tpr, thresholds;  // thresholds descending; starts at (0,0)
};

// ROC curve with ties grouped (one point per distinct score) and optional event weights
// (empty = unit weights). Throws InputError if only one class is present.
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

}  // namespace kanscan::metrics
