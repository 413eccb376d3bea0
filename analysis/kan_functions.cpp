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
  const double *grid, *base, *spline, *scaler;
  std::size_t nk, nb;
};

}  // namespace

namespace {

KanView view_of(const LayerState& l, const KanShape& s) {
  const std::size_t nb = static_cast<std::size_t>(s.grid_size + s.spline_order);
  return {s, tensor(l, "grid").data.data(), tensor(l, "base_weight").data.data(),
          tensor(l, "spline_weight").data.data(), tensor(l, "spline_scaler").data.data(),
          nb + static_cast<std::size_t>(s.spline_order) + 1, nb};
}

double edge(const KanView& v, std::size_t out, std::size_t in, double x) {
  const auto basis = bspline_basis(std::span<const double>(v.grid + in * v.nk, v.nk), v.s.spline_order, x);
  const double* c = v.spline + (out * v.s.in + in) * v.nb;
  double spline = 0;
  for (std::size_t m = 0; m < v.nb; ++m) spline += c[m] * basis[m];
  return v.base[out * v.s.in + in] * silu(x) + v.scaler[out * v.s.in + in] * spline;
}

}  // namespace

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
      const double lo = v.grid[i * v.nk + s.spline_order], hi = v.grid[i * v.nk + s.spline_order + s.grid_size];
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
