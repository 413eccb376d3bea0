#pragma once
// Central-difference gradient checker in double precision (mlpack ann_test_tools style).
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <functional>

namespace kanscan::test {

struct GradCheck {
  double worst = 0.0;       // largest |analytic - numeric| / (atol + rtol * scale); <= 1 passes
  Eigen::Index where = -1;  // index of the worst entry
  double analytic = 0.0, numeric = 0.0;
  bool ok() const { return worst <= 1.0; }
};

// f(x) is the scalar objective; analytic its claimed gradient at x.
inline GradCheck check_gradient(const std::function<double(const Eigen::VectorXd&)>& f, const Eigen::VectorXd& x,
                                const Eigen::VectorXd& analytic, double h = 1e-6, double rtol = 1e-5,
                                double atol = 1e-7) {
  GradCheck r;
  Eigen::VectorXd xp = x;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    xp[i] = x[i] + h;
    const double fp = f(xp);
    xp[i] = x[i] - h;
    const double fm = f(xp);
    xp[i] = x[i];
    const double num = (fp - fm) / (2 * h);
    const double a = analytic[i];
    const double e = std::abs(a - num) / (atol + rtol * std::max(std::abs(a), std::abs(num)));
    if (!(e <= r.worst)) {
      r.worst = std::isnan(e) ? INFINITY : e;
      r.where = i;
      r.analytic = a;
      r.numeric = num;
    }
  }
  return r;
}

}  // namespace kanscan::test
