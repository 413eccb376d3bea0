#include "framework/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>

#include "framework/error.hpp"

namespace kanscan::metrics {
namespace {

void check_sizes(std::size_t n, std::size_t labels, std::size_t weights) {
  if (labels != n) throw InputError("metrics: scores and labels differ in length");
  if (weights != 0 && weights != n) throw InputError("metrics: weights and scores differ in length");
}

// Cumulative weighted signal/background counts per group of equal scores, scores descending.
// Shared by the ROC and every threshold scan so that they agree on ties.
struct Cumulative {
  std::vector<double> tp, fp, score;  // after including group g (score = that group's score)
  double pos = 0, neg = 0;
};

// Event indices by score descending, ties (-0 and +0 included) by index ascending, in the low 32
// bits of each value: a stable LSD radix sort (11, 11, 10 bits) of the order-preserving integer
// image of the scores, which starts from ascending indices, gives exactly the order the comparison
// sort (score >, then index <) gave, in linear time (the trainer sorts the validation set every
// epoch). Scores are not NaN (checked by the caller). The buffers are reused per thread.
const std::vector<std::uint64_t>& descending_order(std::span<const float> scores) {
  thread_local std::vector<std::uint64_t> a, b;
  const std::size_t n = scores.size();
  a.resize(n);
  b.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t u;
    const float f = scores[i] == 0.0f ? 0.0f : scores[i];  // -0 ties with +0
    std::memcpy(&u, &f, sizeof u);
    u ^= (u >> 31) ? 0xFFFFFFFFu : 0x80000000u;  // ascending as unsigned
    a[i] = (static_cast<std::uint64_t>(~u) << 32) | i;  // descending
  }
  constexpr int kShift[3] = {32, 43, 54};
  constexpr std::uint32_t kMask[3] = {0x7FF, 0x7FF, 0x3FF};
  for (int pass = 0; pass < 3; ++pass) {
    std::size_t count[2049] = {};
    for (std::size_t i = 0; i < n; ++i) ++count[((a[i] >> kShift[pass]) & kMask[pass]) + 1];
    if (n == 0 || count[((a[0] >> kShift[pass]) & kMask[pass]) + 1] == n) continue;  // one bucket: order kept
    for (std::size_t d = 1; d < 2049; ++d) count[d] += count[d - 1];
    for (std::size_t i = 0; i < n; ++i) b[count[(a[i] >> kShift[pass]) & kMask[pass]]++] = a[i];
    a.swap(b);
  }
  return a;
}

Cumulative cumulate(std::span<const float> scores, std::span<const int> labels, std::span<const float> weights) {
  const std::size_t n = scores.size();
  check_sizes(n, labels.size(), weights.size());
  for (std::size_t i = 0; i < n; ++i)
    if (std::isnan(scores[i]))
      throw NumericalError("metrics: score of event " + std::to_string(i) + " is NaN");
  if (n > std::numeric_limits<std::uint32_t>::max()) throw InputError("metrics: more than 2^32 events");
  const std::vector<std::uint64_t>& order = descending_order(scores);
  Cumulative c;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    (labels[i] != 0 ? c.pos : c.neg) += w;
  }
  if (!(c.pos > 0) || !(c.neg > 0))
    throw InputError("ROC/AUC needs both classes; got " +
                     std::string(c.pos > 0 ? "only signal" : c.neg > 0 ? "only background" : "no weighted") +
                     " events");
  c.tp.reserve(n);
  c.fp.reserve(n);
  c.score.reserve(n);
  double tp = 0, fp = 0;
  for (std::size_t k = 0; k < n;) {
    const float s = scores[order[k] & 0xFFFFFFFFu];
    for (; k < n && scores[order[k] & 0xFFFFFFFFu] == s; ++k) {
      const std::size_t i = order[k] & 0xFFFFFFFFu;
      const double w = weights.empty() ? 1.0 : weights[i];
      (labels[i] != 0 ? tp : fp) += w;
    }
    c.tp.push_back(tp);
    c.fp.push_back(fp);
    c.score.push_back(s);
  }
  return c;
}

}  // namespace

Roc roc_curve(std::span<const float> scores, std::span<const int> labels,
              std::span<const float> weights) {
  const Cumulative c = cumulate(scores, labels, weights);
  Roc roc;
  roc.fpr.reserve(c.tp.size() + 1);
  roc.tpr.reserve(c.tp.size() + 1);
  roc.thresholds.reserve(c.tp.size() + 1);
  roc.fpr.push_back(0.0);
  roc.tpr.push_back(0.0);
  roc.thresholds.push_back(std::numeric_limits<double>::infinity());
  for (std::size_t g = 0; g < c.tp.size(); ++g) {
    roc.fpr.push_back(c.fp[g] / c.neg);
    roc.tpr.push_back(c.tp[g] / c.pos);
    roc.thresholds.push_back(c.score[g]);
  }
  return roc;
}

// The trapezoids of roc_curve's points, computed from the same quotients without building the curve.
double auc(std::span<const float> scores, std::span<const int> labels, std::span<const float> weights) {
  const Cumulative c = cumulate(scores, labels, weights);
  double area = 0, fpr0 = 0.0, tpr0 = 0.0;
  for (std::size_t g = 0; g < c.tp.size(); ++g) {
    const double fpr = c.fp[g] / c.neg, tpr = c.tp[g] / c.pos;
    area += (fpr - fpr0) * 0.5 * (tpr + tpr0);
    fpr0 = fpr;
    tpr0 = tpr;
  }
  return area;
}

double Influence::variance() const {
  double v = 0;
  for (double x : influence) v += x * x;
  return v;
}

double Influence::std_error() const { return std::sqrt(variance()); }

Influence auc_influence(std::span<const float> scores, std::span<const int> labels,
                        std::span<const float> weights) {
  const Cumulative c = cumulate(scores, labels, weights);  // checks sizes, NaN and both classes
  const std::size_t n = scores.size();
  auto w_of = [&](std::size_t i) { return weights.empty() ? 1.0 : static_cast<double>(weights[i]); };
  // Per tie group (scores descending): weighted positives and negatives strictly above it, and
  // in it. A positive's V10 counts the negatives below (total - above - same/2); a negative's
  // V01 the positives above (+ same/2).
  std::vector<std::size_t> group(n);
  {
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
    });
    std::size_t g = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (k > 0 && scores[order[k]] != scores[order[k - 1]]) ++g;
      group[order[k]] = g;
    }
  }
  Influence out;
  out.value = auc(scores, labels, weights);
  std::size_t m_pos = 0, m_neg = 0;
  for (std::size_t i = 0; i < n; ++i) (labels[i] != 0 ? m_pos : m_neg) += 1;
  const double f_pos = m_pos > 1 ? std::sqrt(double(m_pos) / double(m_pos - 1)) : 1.0;
  const double f_neg = m_neg > 1 ? std::sqrt(double(m_neg) / double(m_neg - 1)) : 1.0;
  out.influence.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t g = group[i];
    const double tp_above = g ? c.tp[g - 1] : 0.0, fp_above = g ? c.fp[g - 1] : 0.0;
    const double tp_same = c.tp[g] - tp_above, fp_same = c.fp[g] - fp_above;
    if (labels[i] != 0) {
      const double v10 = (c.neg - fp_above - 0.5 * fp_same) / c.neg;
      out.influence[i] = f_pos * w_of(i) * (v10 - out.value) / c.pos;
    } else {
      const double v01 = (tp_above + 0.5 * tp_same) / c.pos;
      out.influence[i] = f_neg * w_of(i) * (v01 - out.value) / c.neg;
    }
  }
  return out;
}

Influence mean_influence(std::span<const double> values, std::span<const float> weights) {
  const std::size_t n = values.size();
  if (weights.size() != 0 && weights.size() != n) throw InputError("metrics: weights and values differ in length");
  Influence out;
  double sw = 0, s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    sw += w;
    s += w * values[i];
  }
  if (n == 0 || sw == 0) {
    out.value = std::numeric_limits<double>::quiet_NaN();
    out.influence.assign(n, 0.0);
    return out;
  }
  out.value = s / sw;
  const double f = n > 1 ? std::sqrt(double(n) / double(n - 1)) : 1.0;
  out.influence.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    out.influence[i] = f * w * (values[i] - out.value) / sw;
  }
  return out;
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

ThresholdChoice best_accuracy(std::span<const float> scores, std::span<const int> labels,
                              std::span<const float> weights) {
  const Cumulative c = cumulate(scores, labels, weights);
  const double total = c.pos + c.neg;
  // Cut "select none" first: all events called background.
  ThresholdChoice best{c.neg / total, std::numeric_limits<double>::infinity()};
  for (std::size_t g = 0; g < c.tp.size(); ++g) {
    const double acc = (c.tp[g] + (c.neg - c.fp[g])) / total;
    if (acc > best.value) best = {acc, c.score[g]};
  }
  return best;
}

double signal_efficiency_at_rejection(const Roc& roc, double rejection) {
  if (roc.fpr.empty() || roc.fpr.size() != roc.tpr.size()) throw InputError("working point: empty ROC curve");
  if (!(rejection >= 0.0 && rejection <= 1.0))
    throw InputError("working point: background rejection must be in [0, 1], got " + std::to_string(rejection));
  const double f = 1.0 - rejection;
  // Last point with fpr <= f: the top of any vertical segment, i.e. the best efficiency there.
  std::size_t i = 0;
  while (i + 1 < roc.fpr.size() && roc.fpr[i + 1] <= f) ++i;
  if (i + 1 == roc.fpr.size() || roc.fpr[i] == f) return roc.tpr[i];
  const std::size_t j = i + 1;
  return roc.tpr[i] + (roc.tpr[j] - roc.tpr[i]) * (f - roc.fpr[i]) / (roc.fpr[j] - roc.fpr[i]);
}

double rejection_at_signal_efficiency(const Roc& roc, double efficiency) {
  if (roc.fpr.empty() || roc.fpr.size() != roc.tpr.size()) throw InputError("working point: empty ROC curve");
  if (!(efficiency >= 0.0 && efficiency <= 1.0))
    throw InputError("working point: signal efficiency must be in [0, 1], got " + std::to_string(efficiency));
  std::size_t i = 0;
  while (i < roc.tpr.size() && roc.tpr[i] < efficiency) ++i;
  if (i == roc.tpr.size()) return 1.0 - roc.fpr.back();
  if (roc.tpr[i] == efficiency || i == 0) return 1.0 - roc.fpr[i];
  const double t0 = roc.tpr[i - 1], t1 = roc.tpr[i];
  const double f = roc.fpr[i - 1] + (roc.fpr[i] - roc.fpr[i - 1]) * (efficiency - t0) / (t1 - t0);
  return 1.0 - f;
}

double asimov_significance(double s, double b) {
  if (!(s > 0)) return 0.0;
  if (!(b > 0)) return std::numeric_limits<double>::infinity();
  // log1p keeps the s << b limit accurate, where (s+b)ln(1+s/b) - s is a small difference.
  const double q = 2.0 * ((s + b) * std::log1p(s / b) - s);
  return std::sqrt(std::max(q, 0.0));
}

SignificanceChoice best_significance(std::span<const float> scores, std::span<const int> labels,
                                     std::span<const float> weights, double signal_total,
                                     double background_total, double min_background) {
  const Cumulative c = cumulate(scores, labels, weights);
  const double ks = signal_total > 0 ? signal_total / c.pos : 1.0;
  const double kb = background_total > 0 ? background_total / c.neg : 1.0;
  SignificanceChoice best{0.0, std::numeric_limits<double>::infinity(), 0.0, 0.0};
  for (std::size_t g = 0; g < c.tp.size(); ++g) {
    const double s = c.tp[g] * ks, b = c.fp[g] * kb;
    if (b < min_background) continue;
    const double z = asimov_significance(s, b);
    if (z > best.z) best = {z, c.score[g], s, b};
  }
  return best;
}

RegressionMetrics regression_metrics(std::span<const float> pred, std::span<const float> truth,
                                     std::size_t cols, std::span<const double> target_std) {
  if (!target_std.empty() && target_std.size() != cols)
    throw InputError("regression metrics: " + std::to_string(target_std.size()) + " target stds for " +
                     std::to_string(cols) + " targets");
  RegressionMetrics r;
  r.mae = mae_per_column(pred, truth, cols);
  r.rmse = rmse_per_column(pred, truth, cols);
  r.mae_std.resize(cols);
  r.rmse_std.resize(cols);
  for (std::size_t c = 0; c < cols; ++c) {
    const double sd = target_std.empty() ? 1.0 : target_std[c];
    if (!(sd > 0)) throw InputError("regression metrics: target " + std::to_string(c) + " has std <= 0");
    r.mae_std[c] = r.mae[c] / sd;
    r.rmse_std[c] = r.rmse[c] / sd;
  }
  const auto mean = [cols](const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / double(cols);
  };
  r.mae_mean = mean(r.mae);
  r.rmse_mean = mean(r.rmse);
  r.mae_std_mean = mean(r.mae_std);
  r.rmse_std_mean = mean(r.rmse_std);
  return r;
}

}  // namespace kanscan::metrics
