#pragma once
// Random variates of docs/generators.md §1.1 on top of kanscan::Rng (xoshiro256**). Every algorithm
// is written out here so that streams are identical on every compiler and standard library.
#include <algorithm>
#include <cmath>

#include "framework/rng.hpp"

namespace kanscan::io::gen {

inline constexpr double kPi = 3.14159265358979323846;

inline double uniform(Rng& r) { return r.uniform(); }
inline double uniform(Rng& r, double lo, double hi) { return lo + (hi - lo) * r.uniform(); }
// Box-Muller with the sine partner cached inside Rng.
inline double gauss(Rng& r) { return r.normal(); }
inline double gauss(Rng& r, double mean, double sigma) { return mean + sigma * r.normal(); }
inline bool bernoulli(Rng& r, double p) { return r.uniform() < p; }

inline double exponential(Rng& r, double mean) { return -mean * std::log(1.0 - r.uniform()); }

// Marsaglia-Tsang for k >= 1; Gamma(k+1) * u^(1/k) boosts k < 1.
inline double gamma(Rng& r, double k, double theta) {
  if (k < 1.0) {
    const double g = gamma(r, k + 1.0, 1.0);
    return theta * g * std::pow(r.uniform(), 1.0 / k);
  }
  const double d = k - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = r.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = r.uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return theta * d * v;
  }
}

inline double beta(Rng& r, double a, double b) {
  const double x = gamma(r, a, 1.0);
  const double y = gamma(r, b, 1.0);
  return x / (x + y);
}

// Knuth's product of uniforms; meant for lambda < 30.
inline int poisson(Rng& r, double lambda) {
  if (lambda <= 0.0) return 0;
  const double limit = std::exp(-lambda);
  int k = 0;
  double p = r.uniform();
  while (p > limit) {
    ++k;
    p *= r.uniform();
  }
  return k;
}

// dN/dp ∝ p^-n above p_min; with p_max > 0 the inverse CDF is truncated at p_max (exact, no loop).
inline double power_law(Rng& r, double p_min, double n, double p_max = 0.0) {
  double u = r.uniform();
  if (p_max > p_min) u *= 1.0 - std::pow(p_max / p_min, 1.0 - n);
  return p_min * std::pow(1.0 - u, -1.0 / (n - 1.0));
}

// Relativistic Breit-Wigner in m^2, truncated to [lo, hi]; returns m.
inline double breit_wigner(Rng& r, double mass, double width, double lo, double hi) {
  const double mg = mass * width;
  const double a = std::atan((lo * lo - mass * mass) / mg);
  const double b = std::atan((hi * hi - mass * mass) / mg);
  const double m2 = mass * mass + mg * std::tan(a + (b - a) * r.uniform());
  return std::sqrt(std::max(m2, 0.0));
}

// W helicity fractions of the SM top decay (F_R ~ 0).
struct Helicity {
  double f0 = 0.70;
  double fl = 0.30;
};

// cos of the charged lepton (or d-type quark) in the W rest frame w.r.t. the W flight
// direction in the top rest frame: F0 ¾(1-x²) as the median of three U(-1,1),
// F_L ⅜(1-x)² as 1-2u^(1/3), F_R ⅜(1+x)² as 2u^(1/3)-1.
inline double helicity_cos(Rng& r, const Helicity& h = {}) {
  const double pick = r.uniform();
  if (pick < h.f0) {
    double a = uniform(r, -1, 1), b = uniform(r, -1, 1), c = uniform(r, -1, 1);
    return std::max(std::min(a, b), std::min(std::max(a, b), c));
  }
  if (pick < h.f0 + h.fl) return 1.0 - 2.0 * std::cbrt(r.uniform());
  return 2.0 * std::cbrt(r.uniform()) - 1.0;
}

}  // namespace kanscan::io::gen
