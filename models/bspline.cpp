#include "models/bspline.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "framework/error.hpp"

namespace kanscan::models {

template <typename T>
SplineKnots<T> SplineKnots<T>::uniform(int n_in, int grid_size, int order, double lo, double hi) {
  if (grid_size < 1 || order < 1 || order > kMaxSplineOrder || !(hi > lo))
    throw InputError("KAN grid: need grid_size >= 1, 1 <= spline_order <= " + std::to_string(kMaxSplineOrder) +
                     " and grid_range lo < hi; got G=" + std::to_string(grid_size) +
                     ", k=" + std::to_string(order) + ", range [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  const int n = grid_size + 2 * order + 1;
  const double h = (hi - lo) / grid_size;
  std::vector<T> knots(static_cast<std::size_t>(n_in) * n);
  for (int i = 0; i < n_in; ++i)
    for (int j = 0; j < n; ++j) knots[static_cast<std::size_t>(i) * n + j] = static_cast<T>(lo + (j - order) * h);
  return from_knots(n_in, grid_size, order, std::move(knots));
}

template <typename T>
SplineKnots<T> SplineKnots<T>::from_knots(int n_in, int grid_size, int order, std::vector<T> knots) {
  if (grid_size < 1 || order < 1 || order > kMaxSplineOrder)
    throw InputError("KAN grid: grid_size must be >= 1 and spline_order in [1, " +
                     std::to_string(kMaxSplineOrder) + "]");
  SplineKnots s;
  s.n_in_ = n_in;
  s.G_ = grid_size;
  s.k_ = order;
  const std::size_t n = static_cast<std::size_t>(s.n_knots());
  if (knots.size() != static_cast<std::size_t>(n_in) * n)
    throw InputError("KAN grid: expected " + std::to_string(n_in) + " x " + std::to_string(n) + " knots, got " +
                     std::to_string(knots.size()));
  for (int i = 0; i < n_in; ++i) {
    const T* t = knots.data() + i * n;
    for (std::size_t j = 0; j < n; ++j)
      if (!std::isfinite(static_cast<double>(t[j])) || (j > 0 && t[j] < t[j - 1]))
        throw InputError("KAN grid: knots of input " + std::to_string(i) + " must be finite and non-decreasing");
    if (!(t[n - 1] > t[0])) throw InputError("KAN grid: knots of input " + std::to_string(i) + " span no interval");
  }
  s.knots_ = std::move(knots);
  s.build_tables();
  return s;
}

template <typename T>
void SplineKnots<T>::build_tables() {
  const int n = n_knots();
  const int np = n + 2 * k_;
  padded_.assign(static_cast<std::size_t>(n_in_) * np, T(0));
  inv_.assign(static_cast<std::size_t>(n_in_) * (k_ + 1) * np, T(0));
  scale_.assign(n_in_, T(0));
  uniform_.assign(n_in_, 0);
  t0_.assign(n_in_, T(0));
  inv_h_.assign(n_in_, T(0));
  for (int i = 0; i < n_in_; ++i) {
    const T* t = knots(i);
    T* p = padded_.data() + static_cast<std::size_t>(i) * np;
    // Virtual knots continue the end spacing; they only enter padding bases (zero coefficient).
    const T h_lo = std::max(t[1] - t[0], (t[n - 1] - t[0]) / T(n - 1));
    const T h_hi = std::max(t[n - 1] - t[n - 2], (t[n - 1] - t[0]) / T(n - 1));
    for (int j = 0; j < k_; ++j) p[j] = t[0] - T(k_ - j) * h_lo;
    for (int j = 0; j < n; ++j) p[k_ + j] = t[j];
    for (int j = 0; j < k_; ++j) p[k_ + n + j] = t[n - 1] + T(j + 1) * h_hi;
    T* inv = inv_.data() + static_cast<std::size_t>(i) * (k_ + 1) * np;
    for (int q = 1; q <= k_; ++q)
      for (int j = 0; j + q < np; ++j) {
        const T d = p[j + q] - p[j];
        inv[q * np + j] = d > T(0) ? T(1) / d : T(0);
      }
    scale_[i] = T(n - 1) / (t[n - 1] - t[0]);
    // Uniform up to rounding of lo + j h (the same test on reload, so the same path is taken).
    const double h = (static_cast<double>(t[n - 1]) - static_cast<double>(t[0])) / (n - 1);
    const double tol = 1e-6 * (std::abs(static_cast<double>(t[0])) + std::abs(static_cast<double>(t[n - 1])));
    bool uni = true;
    for (int j = 0; j < n && uni; ++j) uni = std::abs(static_cast<double>(t[j]) - (t[0] + j * h)) <= tol;
    uniform_[i] = uni;
    t0_[i] = t[0];
    inv_h_[i] = static_cast<T>(1.0 / h);
  }
}

template <typename T>
bool SplineKnots<T>::all_uniform() const {
  for (auto u : uniform_)
    if (!u) return false;
  return true;
}

template <typename T>
int SplineKnots<T>::eval(int i, T x, T* N, T* dN) const {
  const int n = n_knots();
  const T* t = knots(i);
  if (!(x >= t[0] && x < t[n - 1])) {
    for (int q = 0; q <= k_; ++q) {
      N[q] = T(0);
      if (dN) dN[q] = T(0);
    }
    return -1;
  }
  if (uniform_[i]) {
    // Uniform knots: in units of h, left[j] = f + j - 1, right[j] = j - f, every span of
    // degree j is j.
    const T u = (x - t0_[i]) * inv_h_[i];
    int mu = static_cast<int>(u);
    if (mu > n - 2) mu = n - 2;
    const T f = u - T(mu);
    if (k_ == 3) {
      // Cubic (the default): the uniform B-spline polynomials in closed form.
      const T g = T(1) - f, f2 = f * f, f3 = f2 * f, sixth = T(1) / T(6);
      N[0] = g * g * g * sixth;
      N[1] = (T(3) * f3 - T(6) * f2 + T(4)) * sixth;
      N[2] = (T(-3) * f3 + T(3) * f2 + T(3) * f + T(1)) * sixth;
      N[3] = f3 * sixth;
      if (dN) {
        const T ih = inv_h_[i];
        const T p0 = T(0.5) * g * g, p2 = T(0.5) * f2, p1 = T(1) - p0 - p2;
        dN[0] = -p0 * ih;
        dN[1] = (p0 - p1) * ih;
        dN[2] = (p1 - p2) * ih;
        dN[3] = p2 * ih;
      }
      return mu;
    }
    T prev[kMaxSplineOrder + 1];
    N[0] = T(1);
    for (int j = 1; j <= k_; ++j) {
      if (j == k_)
        for (int r = 0; r < k_; ++r) prev[r] = N[r];
      const T inv_j = T(1) / T(j);
      T saved = T(0);
      for (int r = 0; r < j; ++r) {
        const T temp = N[r] * inv_j;
        N[r] = saved + (T(r + 1) - f) * temp;
        saved = (f + T(j - r - 1)) * temp;
      }
      N[j] = saved;
    }
    if (dN) {
      const T ih = inv_h_[i];
      for (int q = 0; q <= k_; ++q) dN[q] = ih * ((q >= 1 ? prev[q - 1] : T(0)) - (q < k_ ? prev[q] : T(0)));
    }
    return mu;
  }
  // Interval mu with t_mu <= x < t_{mu+1}: a linear guess, corrected by walking.
  int mu = static_cast<int>((x - t[0]) * scale_[i]);
  mu = std::clamp(mu, 0, n - 2);
  while (mu > 0 && x < t[mu]) --mu;
  while (mu < n - 2 && x >= t[mu + 1]) ++mu;

  const int np = n + 2 * k_;
  const T* U = padded_.data() + static_cast<std::size_t>(i) * np;
  const T* inv = inv_.data() + static_cast<std::size_t>(i) * (k_ + 1) * np;
  const int ip = mu + k_;  // interval index in padded knots
  T left[kMaxSplineOrder + 1], right[kMaxSplineOrder + 1], prev[kMaxSplineOrder + 1];
  N[0] = T(1);
  for (int j = 1; j <= k_; ++j) {
    if (j == k_)
      for (int r = 0; r < k_; ++r) prev[r] = N[r];  // degree k-1 values for the derivative
    left[j] = x - U[ip + 1 - j];
    right[j] = U[ip + j] - x;
    const T* invj = inv + j * np + (ip + 1 - j);
    T saved = T(0);
    for (int r = 0; r < j; ++r) {
      const T temp = N[r] * invj[r];
      N[r] = saved + right[r + 1] * temp;
      saved = left[j - r] * temp;
    }
    N[j] = saved;
  }
  if (dN) {
    // d/dx B_{m,k} = k (B_{m,k-1}/(t_{m+k}-t_m) - B_{m+1,k-1}/(t_{m+k+1}-t_{m+1})), m = ip-k+q.
    const T* invk = inv + k_ * np + (ip - k_);
    const T kk = T(k_);
    for (int q = 0; q <= k_; ++q) {
      const T a = q >= 1 ? prev[q - 1] * invk[q] : T(0);
      const T b = q < k_ ? prev[q] * invk[q + 1] : T(0);
      dN[q] = kk * (a - b);
    }
  }
  return mu;
}

std::vector<double> cox_de_boor_reference(const double* t, int n_knots, int order, double x) {
  std::vector<double> b(static_cast<std::size_t>(n_knots - 1));
  for (int m = 0; m + 1 < n_knots; ++m) b[m] = (x >= t[m] && x < t[m + 1]) ? 1.0 : 0.0;
  for (int p = 1; p <= order; ++p) {
    std::vector<double> nb(static_cast<std::size_t>(n_knots - 1 - p));
    for (int m = 0; m + p + 1 < n_knots; ++m) {
      const double d1 = t[m + p] - t[m];
      const double d2 = t[m + p + 1] - t[m + 1];
      const double a = d1 > 0 ? (x - t[m]) / d1 * b[m] : 0.0;
      const double c = d2 > 0 ? (t[m + p + 1] - x) / d2 * b[m + 1] : 0.0;
      nb[m] = a + c;
    }
    b = std::move(nb);
  }
  return b;
}

template class SplineKnots<float>;
template class SplineKnots<double>;

}  // namespace kanscan::models
