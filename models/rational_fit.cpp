#include "models/rational_fit.hpp"

#include <Eigen/Dense>
#include <cmath>

namespace kanscan::models {
namespace {

using MatD = Eigen::MatrixXd;
using VecD = Eigen::VectorXd;

// Lawson & Hanson, "Solving Least Squares Problems" (1974), algorithm NNLS: min |A x - y|, x >= 0.
VecD nnls(const MatD& a, const VecD& y) {
  const Eigen::Index n = a.cols();
  VecD x = VecD::Zero(n);
  std::vector<bool> passive(static_cast<std::size_t>(n), false);
  const double tol = 1e-12 * (1.0 + a.norm() * y.norm());
  auto solve_passive = [&]() {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index j = 0; j < n; ++j)
      if (passive[static_cast<std::size_t>(j)]) idx.push_back(j);
    MatD ap(a.rows(), static_cast<Eigen::Index>(idx.size()));
    for (std::size_t c = 0; c < idx.size(); ++c) ap.col(static_cast<Eigen::Index>(c)) = a.col(idx[c]);
    const VecD sp = ap.colPivHouseholderQr().solve(y);
    VecD s = VecD::Zero(n);
    for (std::size_t c = 0; c < idx.size(); ++c) s[idx[c]] = sp[static_cast<Eigen::Index>(c)];
    return s;
  };
  for (int outer = 0; outer < 3 * n + 10; ++outer) {
    const VecD w = a.transpose() * (y - a * x);
    Eigen::Index t = -1;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!passive[static_cast<std::size_t>(j)] && w[j] > tol && (t < 0 || w[j] > w[t])) t = j;
    if (t < 0) break;
    passive[static_cast<std::size_t>(t)] = true;
    for (int inner = 0; inner < 3 * n + 10; ++inner) {
      const VecD s = solve_passive();
      double alpha = 1.0;
      bool feasible = true;
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[static_cast<std::size_t>(j)] && s[j] <= 0) {
          feasible = false;
          alpha = std::min(alpha, x[j] / (x[j] - s[j]));
        }
      if (feasible) {
        x = s;
        break;
      }
      x += alpha * (s - x);
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[static_cast<std::size_t>(j)] && x[j] <= 1e-15) {
          passive[static_cast<std::size_t>(j)] = false;
          x[j] = 0;
        }
    }
  }
  return x;
}

double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

}  // namespace

RationalCoefficients rational_identity(int m, int n) {
  RationalCoefficients c;
  c.numerator.assign(static_cast<std::size_t>(m) + 1, 0.0);
  if (m >= 1) c.numerator[1] = 1.0;
  c.denominator.assign(static_cast<std::size_t>(n), 0.0);
  return c;
}

RationalCoefficients rational_gelu_fit(int m, int n) {
  constexpr int kPoints = 241, kIterations = 12;
  VecD x(kPoints), y(kPoints), q = VecD::Ones(kPoints);
  for (int j = 0; j < kPoints; ++j) {
    x[j] = -3.0 + 6.0 * j / (kPoints - 1);
    y[j] = gelu(x[j]);
  }
  const int na = m + 1;
  RationalCoefficients c;
  for (int it = 0; it < kIterations; ++it) {
    // P(x) - y sum_k beta_k |x|^k = y, weighted by 1/Q_prev; a = a+ - a-.
    MatD a(kPoints, 2 * na + n);
    VecD rhs(kPoints);
    for (int j = 0; j < kPoints; ++j) {
      const double w = 1.0 / q[j];
      double p = 1.0;
      for (int k = 0; k < na; ++k, p *= x[j]) {
        a(j, k) = w * p;
        a(j, na + k) = -w * p;
      }
      double ap = std::abs(x[j]);
      for (int k = 0; k < n; ++k, ap *= std::abs(x[j])) a(j, 2 * na + k) = -w * y[j] * ap;
      rhs[j] = w * y[j];
    }
    const VecD s = nnls(a, rhs);
    c.numerator.assign(static_cast<std::size_t>(na), 0.0);
    c.denominator.assign(static_cast<std::size_t>(n), 0.0);
    for (int k = 0; k < na; ++k) c.numerator[static_cast<std::size_t>(k)] = s[k] - s[na + k];
    for (int k = 0; k < n; ++k) c.denominator[static_cast<std::size_t>(k)] = s[2 * na + k];
    for (int j = 0; j < kPoints; ++j) {
      double qq = 1.0, ap = std::abs(x[j]);
      for (int k = 0; k < n; ++k, ap *= std::abs(x[j])) qq += c.denominator[static_cast<std::size_t>(k)] * ap;
      q[j] = qq;
    }
  }
  c.max_error = 0;
  for (int j = 0; j < kPoints; ++j) {
    double p = 0.0;
    for (int k = m; k >= 0; --k) p = p * x[j] + c.numerator[static_cast<std::size_t>(k)];
    c.max_error = std::max(c.max_error, std::abs(p / q[j] - y[j]));
  }
  return c;
}

}  // namespace kanscan::models
