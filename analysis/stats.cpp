#include "analysis/stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "framework/error.hpp"
#include "framework/rng.hpp"

namespace kanscan::analysis {
namespace {

// Mean and sample variance (n - 1; 0 for one value) of the seeds' values.
std::pair<double, double> mean_var(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  const double m = s / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return {m, v.size() > 1 ? ss / static_cast<double>(v.size() - 1) : 0.0};
}

void finish(Comparison& c, const std::vector<double>& va, const std::vector<double>& vb, double test_var) {
  const auto [ma, sa] = mean_var(va);
  const auto [mb, sb] = mean_var(vb);
  c.n_a = va.size();
  c.n_b = vb.size();
  c.delta = ma - mb;
  c.test_err = std::sqrt(test_var);
  c.seed_err = std::sqrt(sa / static_cast<double>(va.size()) + sb / static_cast<double>(vb.size()));
  c.delta_err = std::sqrt(test_var + c.seed_err * c.seed_err);
  if (c.delta_err > 0) c.p_value = normal_p_value(c.delta / c.delta_err);
  else c.p_value = c.delta == 0 ? 1.0 : 0.0;
}

}  // namespace

double normal_p_value(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

namespace {

// Continued fraction of the incomplete beta function (modified Lentz; Press et al. 6.4).
double beta_cf(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  d = 1.0 / (std::abs(d) < tiny ? tiny : d);
  double h = d;
  for (int m = 1; m <= 300; ++m) {
    const double m2 = 2.0 * m;
    for (int half = 0; half < 2; ++half) {
      const double num = half == 0 ? m * (b - m) * x / ((a + m2 - 1) * (a + m2))
                                   : -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
      d = 1.0 + num * d;
      d = 1.0 / (std::abs(d) < tiny ? tiny : d);
      c = 1.0 + num / c;
      if (std::abs(c) < tiny) c = tiny;
      h *= d * c;
      if (half == 1 && std::abs(d * c - 1.0) < 1e-14) return h;
    }
  }
  return h;
}

// Regularised incomplete beta I_x(a, b).
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0.0;
  if (x >= 1) return 1.0;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return front * beta_cf(a, b, x) / a;
  return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

}  // namespace

double student_t_p_value(double t, double dof) {
  if (!(dof > 0) || std::isnan(t)) return std::nan("");
  return incomplete_beta(0.5 * dof, 0.5, dof / (dof + t * t));
}

Comparison corrected_split_test(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b,
                                double test_over_train) {
  if (a.size() != b.size() || a.size() < 2) throw InputError("split test: both sides need the same two or more splits");
  std::vector<double> d, all_a, all_b;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].empty() || b[k].empty()) throw InputError("split test: a side has no trial on a split");
    d.push_back(mean_var(a[k]).first - mean_var(b[k]).first);
    all_a.insert(all_a.end(), a[k].begin(), a[k].end());
    all_b.insert(all_b.end(), b[k].begin(), b[k].end());
  }
  const auto [md, vd] = mean_var(d);
  const double K = static_cast<double>(d.size());
  Comparison c;
  c.method = fmt::format("corrected resampled t (Nadeau-Bengio), {} splits", d.size());
  c.n_a = all_a.size();
  c.n_b = all_b.size();
  c.delta = md;
  c.delta_err = std::sqrt((1.0 / K + std::max(0.0, test_over_train)) * vd);
  c.test_err = std::nan("");  // inside delta_err: the splits' spread holds test, seed and split noise
  c.seed_err = std::nan("");
  c.p_value = c.delta_err > 0 ? student_t_p_value(c.delta / c.delta_err, K - 1) : (c.delta == 0 ? 1.0 : 0.0);
  return c;
}

Comparison paired_influence_test(const std::vector<metrics::Influence>& a, const std::vector<metrics::Influence>& b,
                                 const std::string& method) {
  if (a.empty() || b.empty()) throw InputError("paired test: each side needs at least one trial");
  const std::size_t n = a.front().influence.size();
  for (const auto* side : {&a, &b})
    for (const auto& x : *side)
      if (x.influence.size() != n)
        throw InputError(fmt::format("paired test: the trials were evaluated on different test events ({} vs {})", n,
                                     x.influence.size()));
  std::vector<double> va, vb;
  for (const auto& x : a) va.push_back(x.value);
  for (const auto& x : b) vb.push_back(x.value);
  double var = 0;
  const double ia = 1.0 / static_cast<double>(a.size()), ib = 1.0 / static_cast<double>(b.size());
  for (std::size_t e = 0; e < n; ++e) {
    double d = 0;
    for (const auto& x : a) d += ia * x.influence[e];
    for (const auto& x : b) d -= ib * x.influence[e];
    var += d * d;
  }
  Comparison c;
  c.method = method;
  finish(c, va, vb, var);
  return c;
}

double bootstrap_mean_se(std::span<const double> d, std::uint64_t seed, int replicas) {
  const std::size_t n = d.size();
  if (n == 0 || replicas < 2) return std::nan("");
  Rng rng(seed);
  std::vector<double> means(static_cast<std::size_t>(replicas));
  for (auto& m : means) {
    double s = 0;
    for (std::size_t k = 0; k < n; ++k) s += d[rng.below(n)];
    m = s / static_cast<double>(n);
  }
  return std::sqrt(mean_var(means).second);
}

Comparison paired_bootstrap_test(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b,
                                 std::uint64_t seed, int replicas) {
  if (a.empty() || b.empty()) throw InputError("paired test: each side needs at least one trial");
  const std::size_t n = a.front().size();
  for (const auto* side : {&a, &b})
    for (const auto& x : *side)
      if (x.size() != n)
        throw InputError(fmt::format("paired test: the trials were evaluated on different test events ({} vs {})", n,
                                     x.size()));
  if (n == 0) throw InputError("paired test: no test events");
  std::vector<double> va, vb, d(n, 0.0);
  auto side_mean = [n](const std::vector<double>& l) {
    double s = 0;
    for (double x : l) s += x;
    return s / static_cast<double>(n);
  };
  for (const auto& l : a) va.push_back(side_mean(l));
  for (const auto& l : b) vb.push_back(side_mean(l));
  const double ia = 1.0 / static_cast<double>(a.size()), ib = 1.0 / static_cast<double>(b.size());
  for (std::size_t e = 0; e < n; ++e) {
    for (const auto& l : a) d[e] += ia * l[e];
    for (const auto& l : b) d[e] -= ib * l[e];
  }
  const double se = bootstrap_mean_se(d, seed, replicas);
  Comparison c;
  c.method = fmt::format("paired bootstrap (B={})", replicas);
  finish(c, va, vb, se * se);
  return c;
}

KsResult ks_test(std::vector<double> a, std::vector<double> b) {
  KsResult r;
  if (a.empty() || b.empty()) return {std::nan(""), std::nan("")};
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == x) ++i;
    while (j < b.size() && b[j] == x) ++j;
    r.statistic = std::max(r.statistic, std::abs(double(i) / na - double(j) / nb));
  }
  const double ne = std::sqrt(na * nb / (na + nb));
  const double lambda = (ne + 0.12 + 0.11 / ne) * r.statistic;
  // Q_KS(lambda) = 2 sum_k (-1)^(k-1) exp(-2 k^2 lambda^2)
  if (lambda < 0.2) return {r.statistic, 1.0};
  double q = 0, sign = 1;
  for (int k = 1; k <= 100; ++k) {
    const double term = sign * std::exp(-2.0 * k * k * lambda * lambda);
    q += term;
    if (std::abs(term) < 1e-12 * std::abs(q)) break;
    sign = -sign;
  }
  r.p_value = std::clamp(2.0 * q, 0.0, 1.0);
  return r;
}

}  // namespace kanscan::analysis
