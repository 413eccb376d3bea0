#include "analysis/kan_functions.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

#include "framework/error.hpp"

namespace kanscan::analysis {
namespace {

const Tensor& tensor(const LayerState& l, const char* name) {
  const auto it = l.tensors.find(name);
  if (it == l.tensors.end()) throw InputError(std::string("KAN layer: missing tensor ") + name);
  return it->second;
}

double silu(double x) { return x / (1.0 + std::exp(-x)); }

// A validated KAN layer's tensors, so that evaluating many edges does no map lookups.
struct KanView {
  KanShape s;
  const LayerState* layer = nullptr;
  const double *grid = nullptr, *base = nullptr, *spline = nullptr, *scaler = nullptr;  // bspline
  std::size_t nk = 0, nb = 0;
  const double* coef = nullptr;  // other bases: the coefficient tensor
  std::size_t D = 0;             // functions per input
};

}  // namespace

namespace {

std::size_t functions_of(const LayerState& l) {
  const KanBasisState& b = l.kan;
  switch (b.basis) {
    case Basis::rbf: return static_cast<std::size_t>(std::max(0, b.num_grids));
    case Basis::chebyshev: return static_cast<std::size_t>(std::max(0, b.degree + 1));
    case Basis::fourier: return 2 * static_cast<std::size_t>(std::max(0, b.gridsize));
    case Basis::rational: return 1;
    case Basis::bspline: break;
  }
  return 0;
}

const char* coef_name(Basis b) {
  switch (b) {
    case Basis::rbf: return "spline_linear.weight";
    case Basis::chebyshev: return "cheby_coeffs";
    case Basis::fourier: return "fouriercoeffs";
    case Basis::rational: return "fc.weight";
    case Basis::bspline: break;
  }
  return "spline_weight";
}

const char* base_name(Basis b) { return b == Basis::rbf ? "base_linear.weight" : "base_weight"; }

KanView view_of(const LayerState& l, const KanShape& s) {
  KanView v;
  v.s = s;
  v.layer = &l;
  if (s.basis == Basis::bspline) {
    const std::size_t nb = static_cast<std::size_t>(s.grid_size + s.spline_order);
    v.grid = tensor(l, "grid").data.data();
    v.base = tensor(l, "base_weight").data.data();
    v.spline = tensor(l, "spline_weight").data.data();
    v.scaler = tensor(l, "spline_scaler").data.data();
    v.nk = nb + static_cast<std::size_t>(s.spline_order) + 1;
    v.nb = nb;
    return v;
  }
  v.coef = tensor(l, coef_name(s.basis)).data.data();
  v.D = functions_of(l);
  if (l.kan.base_branch) v.base = tensor(l, base_name(s.basis)).data.data();
  return v;
}

// Coefficient of function m of input i for output j in the basis's tensor layout.
double coef_at(const KanView& v, std::size_t m, std::size_t i, std::size_t j) {
  const std::size_t in = v.s.in, out = v.s.out, D = v.D;
  switch (v.s.basis) {
    case Basis::rbf: return v.coef[j * in * D + i * D + m];
    case Basis::chebyshev: return v.coef[(i * out + j) * D + m];
    case Basis::fourier: {
      const std::size_t F = D / 2;
      return v.coef[(((m / F) * out + j) * in + i) * F + m % F];
    }
    case Basis::rational: return v.coef[j * in + i];
    case Basis::bspline: break;
  }
  return 0;
}

double edge(const KanView& v, std::size_t out, std::size_t in, double x) {
  if (v.s.basis != Basis::bspline) {
    const std::vector<double> f = kan_basis_functions(*v.layer, in, x);
    double phi = 0;
    for (std::size_t m = 0; m < f.size(); ++m) phi += coef_at(v, m, in, out) * f[m];
    if (v.base) phi += v.base[out * v.s.in + in] * silu(x);
    return phi;
  }
  const auto basis = bspline_basis(std::span<const double>(v.grid + in * v.nk, v.nk), v.s.spline_order, x);
  const double* c = v.spline + (out * v.s.in + in) * v.nb;
  double spline = 0;
  for (std::size_t m = 0; m < v.nb; ++m) spline += c[m] * basis[m];
  return v.base[out * v.s.in + in] * silu(x) + v.scaler[out * v.s.in + in] * spline;
}

// The shape of a non-B-spline layer from its coefficient tensor, every other tensor checked.
KanShape basis_shape(const LayerState& l) {
  KanShape s;
  s.basis = l.kan.basis;
  const std::size_t D = functions_of(l);
  const Tensor& c = tensor(l, coef_name(s.basis));
  const auto& sh = c.shape;
  const auto bad = [&]() {
    return InputError("KAN layer (basis " + to_string(s.basis) +
                      "): tensor shapes do not match its settings (model/ layout: docs/models.md, Checkpoint layout)");
  };
  if (D == 0) throw bad();
  switch (s.basis) {
    case Basis::rbf:
      if (sh.size() != 2 || sh[1] % D != 0) throw bad();
      s.out = sh[0], s.in = sh[1] / D;
      if (tensor(l, "rbf.grid").shape != std::vector<std::size_t>{D}) throw bad();
      break;
    case Basis::chebyshev:
      if (sh.size() != 3 || sh[2] != D) throw bad();
      s.in = sh[0], s.out = sh[1];
      break;
    case Basis::fourier:
      if (sh.size() != 4 || sh[0] != 2 || sh[3] != D / 2) throw bad();
      s.out = sh[1], s.in = sh[2];
      break;
    case Basis::rational: {
      if (sh.size() != 2) throw bad();
      s.out = sh[0], s.in = sh[1];
      const Tensor& a = tensor(l, "act.weight_numerator");
      const Tensor& b = tensor(l, "act.weight_denominator");
      if (a.shape.size() != 2 || a.shape[0] != 1 || b.shape.size() != 2 || b.shape[0] < 1 || b.shape[0] > s.in)
        throw bad();
      break;
    }
    case Basis::bspline: break;
  }
  if (s.in == 0 || s.out == 0) throw bad();
  if (l.kan.base_branch && tensor(l, base_name(s.basis)).shape != std::vector<std::size_t>{s.out, s.in}) throw bad();
  if (s.basis == Basis::rbf && l.kan.layernorm)
    throw InputError("KAN layer (basis rbf) with LayerNorm: its inputs are normalised together, so its edges are not "
                     "functions of one input (no edge functions or importance from it)");
  return s;
}

}  // namespace

std::vector<double> kan_basis_functions(const LayerState& l, std::size_t in, double x) {
  const KanBasisState& b = l.kan;
  std::vector<double> f;
  switch (b.basis) {
    case Basis::rbf:
      for (double c : tensor(l, "rbf.grid").data) f.push_back(std::exp(-std::pow((x - c) / b.denominator, 2)));
      break;
    case Basis::chebyshev: {
      const double t = b.squash == Squash::tanh ? std::tanh(x) : std::clamp(x, -1.0, 1.0);
      for (int n = 0; n <= b.degree; ++n) f.push_back(std::cos(n * std::acos(t)));
      break;
    }
    case Basis::fourier:
      for (int k = 1; k <= b.gridsize; ++k) f.push_back(std::cos(k * x));
      for (int k = 1; k <= b.gridsize; ++k) f.push_back(std::sin(k * x));
      break;
    case Basis::rational: {
      const Tensor& a = tensor(l, "act.weight_numerator");
      const Tensor& d = tensor(l, "act.weight_denominator");
      const Tensor& w = tensor(l, "fc.weight");
      const std::size_t n_in = w.shape.size() == 2 ? w.shape[1] : 1, groups = d.shape.empty() ? 1 : d.shape[0];
      const std::size_t n = d.shape.size() == 2 ? d.shape[1] : 0, g = in * groups / std::max<std::size_t>(n_in, 1);
      double p = 0, q = 1;
      for (std::size_t k = a.data.size(); k-- > 0;) p = p * x + a.data[k];
      for (std::size_t k = 1; k <= n; ++k) q += std::abs(d.data[g * n + k - 1]) * std::pow(std::abs(x), double(k));
      f.push_back(p / q);
      break;
    }
    case Basis::bspline: throw InputError("kan_basis_functions: B-spline layers: use bspline_basis");
  }
  return f;
}

std::pair<double, double> kan_active_range(const LayerState& l, std::size_t in) {
  const KanShape s = kan_shape(l);
  if (in >= s.in) throw InputError("KAN layer: input index out of range");
  constexpr double kPi = 3.14159265358979323846;
  switch (s.basis) {
    case Basis::bspline: {
      const Tensor& grid = tensor(l, "grid");
      const std::size_t nk = grid.shape[1];
      return {grid.data[in * nk + s.spline_order], grid.data[in * nk + s.spline_order + s.grid_size]};
    }
    case Basis::rbf: return {l.kan.grid_min, l.kan.grid_max};
    case Basis::chebyshev: return l.kan.squash == Squash::tanh ? std::pair{-2.0, 2.0} : std::pair{-1.0, 1.0};
    case Basis::fourier: return {-kPi, kPi};
    case Basis::rational: return {-3.0, 3.0};
  }
  return {-1.0, 1.0};
}

std::vector<double> bspline_basis(std::span<const double> knots, int order, double x) {
  if (order < 0 || knots.size() < static_cast<std::size_t>(order) + 2)
    throw InputError("B-spline: need at least order + 2 knots");
  const std::size_t n0 = knots.size() - 1;
  std::vector<double> b(n0, 0.0);
  for (std::size_t m = 0; m < n0; ++m) b[m] = (x >= knots[m] && x < knots[m + 1]) ? 1.0 : 0.0;
  for (int k = 1; k <= order; ++k) {
    const std::size_t nk = n0 - static_cast<std::size_t>(k);
    for (std::size_t m = 0; m < nk; ++m) {
      const double dl = knots[m + k] - knots[m], dr = knots[m + k + 1] - knots[m + 1];
      const double left = dl != 0 ? (x - knots[m]) / dl * b[m] : 0.0;
      const double right = dr != 0 ? (knots[m + k + 1] - x) / dr * b[m + 1] : 0.0;
      b[m] = left + right;
    }
    b.resize(nk);
  }
  return b;
}

KanShape kan_shape(const LayerState& l) {
  if (l.kind != LayerKind::kan) throw InputError("expected a KAN layer, got kind = " + to_string(l.kind));
  if (l.kan.basis != Basis::bspline) return basis_shape(l);
  KanShape s;
  s.grid_size = l.grid_size;
  s.spline_order = l.spline_order;
  const Tensor& base = tensor(l, "base_weight");
  const Tensor& spline = tensor(l, "spline_weight");
  const Tensor& scaler = tensor(l, "spline_scaler");
  const Tensor& grid = tensor(l, "grid");
  if (base.shape.size() != 2) throw InputError("KAN layer: base_weight must be [out, in]");
  s.out = base.shape[0];
  s.in = base.shape[1];
  const std::size_t nb = static_cast<std::size_t>(s.grid_size + s.spline_order);
  if (spline.shape != std::vector<std::size_t>{s.out, s.in, nb} || scaler.shape != base.shape ||
      grid.shape != std::vector<std::size_t>{s.in, nb + s.spline_order + 1})
    throw InputError(
        "KAN layer: tensor shapes do not match grid_size/spline_order (model/ layout: docs/models.md, Checkpoint layout)");
  return s;
}

double kan_edge(const LayerState& l, std::size_t out, std::size_t in, double x) {
  const KanShape s = kan_shape(l);
  if (out >= s.out || in >= s.in) throw InputError("KAN layer: edge index out of range");
  return edge(view_of(l, s), out, in, x);
}

bool is_kan(const ModelState& m) { return !m.layers.empty() && m.layers.front().kind == LayerKind::kan; }

std::vector<double> kan_feature_importance(const ModelState& m, std::span<const float> samples,
                                           std::size_t n_features, bool centered) {
  if (!is_kan(m)) throw InputError("feature importance from L1 norms needs a KAN (first layer kind = kan)");
  const LayerState& l = m.layers.front();
  const KanShape s = kan_shape(l);
  const KanView v = view_of(l, s);
  if (m.input_mean.size() != s.in || m.input_std.size() != s.in)
    throw InputError("KAN model: input_mean/input_std do not match the first layer's inputs");
  if (!samples.empty() && (n_features != s.in || samples.size() % s.in != 0))
    throw InputError("feature importance: samples have " + std::to_string(n_features) + " features, the model " +
                     std::to_string(s.in));
  std::vector<double> imp(s.in, 0.0);
  constexpr int kPoints = 201;
  std::vector<double> xs;
  for (std::size_t i = 0; i < s.in; ++i) {
    // The points where feature i is evaluated: its samples (standardised), or the spline range.
    xs.clear();
    if (!samples.empty()) {
      const std::size_t n = samples.size() / s.in;
      for (std::size_t r = 0; r < n; ++r) xs.push_back((samples[r * s.in + i] - m.input_mean[i]) / m.input_std[i]);
    } else {
      const auto [lo, hi] = kan_active_range(l, i);
      for (int p = 0; p < kPoints; ++p) xs.push_back(lo + (hi - lo) * p / (kPoints - 1));
    }
    if (xs.empty()) continue;
    for (std::size_t o = 0; o < s.out; ++o) {
      double mean = 0;
      if (centered) {
        for (double x : xs) mean += edge(v, o, i, x);
        mean /= double(xs.size());
      }
      double sum = 0;
      for (double x : xs) sum += std::abs(edge(v, o, i, x) - mean);
      imp[i] += sum / double(xs.size());
    }
  }
  return imp;
}

LlrCurve log_likelihood_ratio(std::span<const float> x, std::span<const int> labels, std::span<const float> weights,
                              int bins, double min_count) {
  if (x.size() != labels.size() || (!weights.empty() && weights.size() != x.size()))
    throw InputError("log-likelihood ratio: features, labels and weights differ in length");
  if (bins < 1) throw InputError("log-likelihood ratio: bins must be >= 1");
  std::vector<float> finite;
  finite.reserve(x.size());
  for (float v : x)
    if (std::isfinite(v)) finite.push_back(v);
  LlrCurve out;
  if (finite.size() < 2) return out;
  std::sort(finite.begin(), finite.end());
  const double lo = finite[static_cast<std::size_t>(0.005 * double(finite.size() - 1))];
  const double hi = finite[static_cast<std::size_t>(0.995 * double(finite.size() - 1))];
  if (!(hi > lo)) return out;
  const double width = (hi - lo) / bins;
  std::vector<double> ws(bins, 0), wb(bins, 0), ns(bins, 0), nb(bins, 0);
  double ts = 0, tb = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) continue;
    const double w = weights.empty() ? 1.0 : weights[i];
    (labels[i] != 0 ? ts : tb) += w;
    if (x[i] < lo || x[i] > hi) continue;
    const int b = std::min(bins - 1, static_cast<int>((x[i] - lo) / width));
    if (labels[i] != 0) ws[b] += w, ns[b] += 1;
    else wb[b] += w, nb[b] += 1;
  }
  if (!(ts > 0) || !(tb > 0)) throw InputError("log-likelihood ratio: needs both signal and background events");
  for (int b = 0; b < bins; ++b) {
    if (ns[b] < min_count || nb[b] < min_count || !(ws[b] > 0) || !(wb[b] > 0)) continue;
    out.center.push_back(lo + (b + 0.5) * width);
    out.llr.push_back(std::log((ws[b] / ts) / (wb[b] / tb)));
    out.err.push_back(std::sqrt(1.0 / ns[b] + 1.0 / nb[b]));
  }
  return out;
}

}  // namespace kanscan::analysis
