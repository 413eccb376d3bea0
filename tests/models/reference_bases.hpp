#pragma once
// Serial double reference of the KAN layers with bases other than B-splines, written from the
// formulas of docs/models.md ("KAN bases") on the exported tensors (the reference implementations'
// state-dict names): plain loops and the C library's exp, tanh, acos, cos and sin, nothing shared
// with the kernels.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <vector>

#include "types/model_state.hpp"

namespace kanscan::test {

using RefMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

inline double ref_silu(double x) { return x / (1.0 + std::exp(-x)); }

inline const std::vector<double>& ref_tensor(const LayerState& st, const char* name) { return st.tensors.at(name).data; }

// The basis functions of one input value z (the function order of docs/models.md: rbf centres,
// T_0 .. T_d, cos 1..F then sin 1..F, the rational of group g).
inline std::vector<double> ref_functions(const LayerState& st, double z, int group) {
  const KanBasisState& s = st.kan;
  std::vector<double> f;
  switch (s.basis) {
    case Basis::rbf:
      for (double c : ref_tensor(st, "rbf.grid")) f.push_back(std::exp(-std::pow((z - c) / s.denominator, 2)));
      break;
    case Basis::chebyshev: {
      const double t = s.squash == Squash::tanh ? std::tanh(z) : std::clamp(z, -1.0, 1.0);
      for (int n = 0; n <= s.degree; ++n) f.push_back(std::cos(n * std::acos(t)));
      break;
    }
    case Basis::fourier:
      for (int k = 1; k <= s.gridsize; ++k) f.push_back(std::cos(k * z));
      for (int k = 1; k <= s.gridsize; ++k) f.push_back(std::sin(k * z));
      break;
    case Basis::rational: {
      const auto& a = ref_tensor(st, "act.weight_numerator");
      const auto& b = ref_tensor(st, "act.weight_denominator");
      double p = 0, q = 1;
      for (std::size_t k = 0; k < a.size(); ++k) p += a[k] * std::pow(z, static_cast<double>(k));
      const std::size_t n = static_cast<std::size_t>(s.denominator_degree);
      for (std::size_t k = 1; k <= n; ++k) q += std::abs(b[group * n + k - 1]) * std::pow(std::abs(z), double(k));
      f.push_back(p / q);
      break;
    }
    case Basis::bspline: break;
  }
  return f;
}

// Coefficient of function m of input i for output j.
inline double ref_coef(const LayerState& st, int m, int i, int j, int in, int out) {
  const KanBasisState& s = st.kan;
  switch (s.basis) {
    case Basis::rbf: return ref_tensor(st, "spline_linear.weight")[(j * in + i) * s.num_grids + m];
    case Basis::chebyshev: return ref_tensor(st, "cheby_coeffs")[(i * out + j) * (s.degree + 1) + m];
    case Basis::fourier: {
      const int F = s.gridsize, c = m / F, k = m % F;
      return ref_tensor(st, "fouriercoeffs")[((c * out + j) * in + i) * F + k];
    }
    case Basis::rational: return ref_tensor(st, "fc.weight")[j * in + i];
    case Basis::bspline: break;
  }
  return 0;
}

// y [rows, out] of a stored layer with `in` inputs and `out` outputs.
inline RefMat reference_forward(const LayerState& st, const RefMat& x, int out) {
  const KanBasisState& s = st.kan;
  const int in = static_cast<int>(x.cols());
  RefMat y = RefMat::Zero(x.rows(), out);
  const int groups = s.basis == Basis::rational ? std::min(s.num_groups, in) : 1;
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    std::vector<double> z(x.row(r).data(), x.row(r).data() + in);
    if (s.basis == Basis::rbf && s.layernorm) {
      double mean = 0, var = 0;
      for (double v : z) mean += v / in;
      for (double v : z) var += (v - mean) * (v - mean) / in;
      const auto& w = ref_tensor(st, "layernorm.weight");
      const auto& b = ref_tensor(st, "layernorm.bias");
      for (int i = 0; i < in; ++i) z[i] = (z[i] - mean) / std::sqrt(var + 1e-5) * w[i] + b[i];
    }
    for (int i = 0; i < in; ++i) {
      const auto f = ref_functions(st, z[i], i * groups / in);
      for (int j = 0; j < out; ++j)
        for (std::size_t m = 0; m < f.size(); ++m) y(r, j) += ref_coef(st, static_cast<int>(m), i, j, in, out) * f[m];
      if (s.base_branch) {
        const auto& w = ref_tensor(st, s.basis == Basis::rbf ? "base_linear.weight" : "base_weight");
        for (int j = 0; j < out; ++j) y(r, j) += w[j * in + i] * ref_silu(x(r, i));
      }
    }
    const char* bias = s.basis == Basis::rbf ? "base_linear.bias" : s.basis == Basis::rational ? "fc.bias" : "bias";
    if (st.tensors.count(bias))
      for (int j = 0; j < out; ++j) y(r, j) += ref_tensor(st, bias)[j];
  }
  return y;
}

}  // namespace kanscan::test
