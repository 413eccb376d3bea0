#pragma once
#include <cmath>
#include <cstddef>

namespace kanscan::scans {

// Seconds of one trial slot per trial, fitted online to this session's finished trials:
// seconds ~ a * cost + b * passes (a, b >= 0), with cost = trial_cost (the model's arithmetic) and
// passes = trial_passes (per-event work that does not depend on the model), both scaled by the
// fraction of the planned epochs the trial ran (early stopping); predictions for trials still to
// run are scaled by the mean of that fraction so far. A cost-only ETA was
// 2-3x optimistic on real scans: handed out most expensive first, the small trials left at the
// end take far longer than their arithmetic says.
class TrialTimeModel {
 public:
  // ran: fraction of the planned epochs the trial ran, in (0, 1].
  void add(double cost, double passes, double seconds, double ran = 1.0) {
    ran_sum_ += ran;
    cost *= ran, passes *= ran;
    s11_ += cost * cost, s12_ += cost * passes, s22_ += passes * passes;
    s1y_ += cost * seconds, s2y_ += passes * seconds, syy_ += seconds * seconds;
    ++n_;
  }
  std::size_t samples() const { return n_; }
  // Predicted seconds for trials totalling `cost` and `passes`; NaN before enough samples.
  double predict(double cost, double passes) const {
    if (n_ < 3) return NAN;
    double a = 0, b = 0, best = INFINITY;
    auto consider = [&](double ta, double tb) {
      if (!(ta >= 0 && tb >= 0 && std::isfinite(ta) && std::isfinite(tb))) return;
      const double sse = syy_ - 2 * (ta * s1y_ + tb * s2y_) + ta * ta * s11_ + 2 * ta * tb * s12_ + tb * tb * s22_;
      if (sse < best) best = sse, a = ta, b = tb;
    };
    const double det = s11_ * s22_ - s12_ * s12_;
    if (det > 1e-12 * s11_ * s22_) consider((s1y_ * s22_ - s2y_ * s12_) / det, (s2y_ * s11_ - s1y_ * s12_) / det);
    if (s11_ > 0) consider(s1y_ / s11_, 0);
    if (s22_ > 0) consider(0, s2y_ / s22_);
    return std::isfinite(best) ? (a * cost + b * passes) * ran_sum_ / static_cast<double>(n_) : NAN;
  }

 private:
  double s11_ = 0, s12_ = 0, s22_ = 0, s1y_ = 0, s2y_ = 0, syy_ = 0, ran_sum_ = 0;
  std::size_t n_ = 0;
};

}  // namespace kanscan::scans
