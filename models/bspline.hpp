#pragma once
// B-spline bases of order k (degree k) on per-input knot vectors, as in efficient-kan's
// KANLinear: G intervals over the grid range extended by k knots on each side, so each input
// has G+2k+1 knots and G+k bases. Only the k+1 bases that are non-zero at x are evaluated
// (de Boor's triangular scheme, The NURBS Book A2.2), with precomputed reciprocal knot spans
// so that no division happens per sample.
#include <cstddef>
#include <vector>

namespace kanscan::models {

// Largest supported spline order (k+1 values live on the stack).
inline constexpr int kMaxSplineOrder = 15;

template <typename T>
class SplineKnots {
 public:
  SplineKnots() = default;
  // Uniform grid of G intervals over [lo, hi], extended by k knots per side, for n_in inputs.
  static SplineKnots uniform(int n_in, int grid_size, int order, double lo, double hi);
  // Arbitrary non-decreasing knots, row-major [n_in, G+2k+1].
  static SplineKnots from_knots(int n_in, int grid_size, int order, std::vector<T> knots);

  int n_in() const { return n_in_; }
  int grid_size() const { return G_; }
  int order() const { return k_; }
  int n_knots() const { return G_ + 2 * k_ + 1; }
  int n_basis() const { return G_ + k_; }
  const T* knots(int i) const { return knots_.data() + static_cast<std::size_t>(i) * n_knots(); }
  const std::vector<T>& all_knots() const { return knots_; }
  // Every input on uniform knots (the default grid): batched kernels may take the fast path.
  bool all_uniform() const;
  const T* first_knots() const { return t0_.data(); }
  const T* inv_spacings() const { return inv_h_.data(); }

  // Evaluates the k+1 bases that can be non-zero at x for input i into N[0..k] and their
  // derivatives into dN[0..k] (dN may be null). Returns r0 such that N[q] belongs to basis
  // m = r0 - k + q (m outside [0, G+k) are padding bases whose coefficients are zero), or -1
  // when x lies outside [t_0, t_{G+2k}) (all bases zero; also for NaN).
  int eval(int i, T x, T* N, T* dN) const;

 private:
  void build_tables();
  int n_in_ = 0, G_ = 0, k_ = 0;
  std::vector<T> knots_;   // [n_in, n]
  std::vector<T> padded_;  // [n_in, n + 2k]: k virtual knots per side so A2.2 never leaves the array
  std::vector<T> inv_;     // [n_in, k+1, n + 2k]: 1 / (t_{j+p} - t_j), 0 for empty spans
  std::vector<T> scale_;   // [n_in]: (n-1)/(t_{n-1}-t_0), a first guess of the interval index
  // Inputs whose knots are uniform (the default grid) take a path that needs only the
  // fractional position inside the interval: spans are multiples of h, no table lookups.
  std::vector<unsigned char> uniform_;  // [n_in]
  std::vector<T> t0_, inv_h_;           // [n_in]
};

// Direct Cox-de Boor recursion for all G+k bases at x (reference for tests; efficient-kan's
// half-open convention B_{m,0} = [t_m <= x < t_{m+1}]).
std::vector<double> cox_de_boor_reference(const double* knots, int n_knots, int order, double x);

}  // namespace kanscan::models
