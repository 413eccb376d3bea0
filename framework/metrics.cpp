#include "framework/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "framework/error.hpp"

namespace kanscan::metrics {
namespace {

void check_sizes(std::size_t n, std::size_t labels, std::size_t weights) {
  if (labels != n) throw InputError("metrics: scores and labels differ in length");
  if (weights != 0 && weights != n) throw InputError("metrics: weights and scores differ in length");
}

}  // namespace

Roc roc_curve(std::span<const float> scores, std::span<const int> labels,
              std::span<const float> weights) {
  const std::size_t n = scores.size();
  check_sizes(n, labels.size(), weights.size());
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  double pos = 0, neg = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    (labels[i] != 0 ? pos : neg) += w;
  }
  if (!(pos > 0) || !(neg > 0))
    throw InputError("ROC/AUC needs both classes; got " + std::string(pos > 0 ? "only signal" : "only background") +
                     " events");
  Roc roc;
  roc.fpr.push_back(0.0);
  roc.tpr.push_back(0.0);
  roc.thresholds.push_back(std::numeric_limits<double>::infinity());
  double tp = 0, fp = 0;
  for (std::size_t k = 0; k < n;) {
    const float s = scores[order[k]];
    for (; k < n && scores[order[k]] == s; ++k) {
      const std::size_t i = order[k];
      const double w = weights.empty() ? 1.0 : weights[i];
      (labels[i] != 0 ? tp : fp) += w;
    }
    roc.fpr.push_back(fp / neg);
    roc.tpr.push_back(tp / pos);
    roc.thresholds.push_back(s);
  }
  return roc;
}

double auc(std::span<const float> scores, std::span<const int> labels, std::span<const float> weights) {
  const Roc roc = roc_curve(scores, labels, weights);
  double area = 0;
  for (std::size_t i = 1; i < roc.fpr.size(); ++i)
    area += (roc.fpr[i] - roc.fpr[i - 1]) * 0.5 * (roc.tpr[i] + roc.tpr[i - 1]);
  return area;
}

double accuracy(std::span<const float> scores, std::span<const int> labels, double threshold,
                std::span<const float> weights) {
  check_sizes(scores.size(), labels.size(), weights.size());
  double right = 0, total = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    total += w;
    if ((scores[i] >= threshold) == (labels[i] != 0)) right += w;
  }
  return total > 0 ? right / total : 0.0;
}

std::vector<double> mae_per_column(std::span<const float> pred, std::span<const float> truth,
                                   std::size_t cols) {
  if (pred.size() != truth.size() || cols == 0 || pred.size() % cols != 0)
    throw InputError("mae: predictions and truth have different shapes");
  std::vector<double> out(cols, 0.0);
  const std::size_t rows = pred.size() / cols;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) out[c] += std::abs(double(pred[r * cols + c]) - truth[r * cols + c]);
  for (auto& v : out) v = rows ? v / double(rows) : 0.0;
  return out;
}

std::vector<double> rmse_per_column(std::span<const float> pred, std::span<const float> truth,
                                    std::size_t cols) {
  if (pred.size() != truth.size() || cols == 0 || pred.size() % cols != 0)
    throw InputError("rmse: predictions and truth have different shapes");
  std::vector<double> out(cols, 0.0);
  const std::size_t rows = pred.size() / cols;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      const double d = double(pred[r * cols + c]) - truth[r * cols + c];
      out[c] += d * d;
    }
  for (auto& v : out) v = rows ? std::sqrt(v / double(rows)) : 0.0;
  return out;
}

}  // namespace kanscan::metrics
