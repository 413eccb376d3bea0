// BasisKanLayer's checkpoint: each basis's tensors named and shaped as its reference
// implementation's state dict (FastKANLayer, ChebyKANLayer, NaiveFourierKANLayer, KAT_Group
// followed by nn.Linear), so that a stored layer loads into that PyTorch module.
#include <string>

#include "framework/error.hpp"
#include "models/basis_layer.hpp"

namespace kanscan::models {
namespace {

using Shapes = std::vector<std::pair<std::string, std::vector<std::size_t>>>;

// The tensor holding the coefficients of function m of every input, and where (m, i, j) sits in it.
struct CoefLayout {
  const char* name;
  std::vector<std::size_t> shape;
};

CoefLayout coef_layout(const KanBasisState& s, std::size_t in, std::size_t out) {
  const std::size_t D = static_cast<std::size_t>(basis_functions(s));
  switch (s.basis) {
    case Basis::rbf: return {"spline_linear.weight", {out, in * D}};
    case Basis::chebyshev: return {"cheby_coeffs", {in, out, D}};
    case Basis::fourier: return {"fouriercoeffs", {2, out, in, D / 2}};
    case Basis::rational: return {"fc.weight", {out, in}};
    case Basis::bspline: break;
  }
  return {"", {}};
}

// Index of coefficient (function m, input i, output j) in the tensor of coef_layout.
std::size_t coef_index(const KanBasisState& s, std::size_t m, std::size_t i, std::size_t j, std::size_t in,
                       std::size_t out) {
  const std::size_t D = static_cast<std::size_t>(basis_functions(s));
  switch (s.basis) {
    case Basis::rbf: return j * in * D + i * D + m;  // spline_basis.view(..., in * M): input-major
    case Basis::chebyshev: return (i * out + j) * D + m;
    case Basis::fourier: {
      const std::size_t F = D / 2, c = m / F, k = m % F;  // functions: cos 1..F, then sin 1..F
      return ((c * out + j) * in + i) * F + k;
    }
    case Basis::rational: return j * in + i;
    case Basis::bspline: break;
  }
  return 0;
}

const char* base_weight_name(const KanBasisState& s) {
  return s.basis == Basis::rbf ? "base_linear.weight" : "base_weight";
}

const char* bias_name(const KanBasisState& s) {
  switch (s.basis) {
    case Basis::rbf: return "base_linear.bias";
    case Basis::fourier: return "bias";
    case Basis::rational: return "fc.bias";
    default: return "";
  }
}

std::vector<std::size_t> bias_shape(const KanBasisState& s, std::size_t out) {
  return s.basis == Basis::fourier ? std::vector<std::size_t>{1, out} : std::vector<std::size_t>{out};
}

}  // namespace

Shapes basis_tensor_shapes(const KanBasisState& s, int in_i, int out_i) {
  const std::size_t in = static_cast<std::size_t>(in_i), out = static_cast<std::size_t>(out_i);
  Shapes v;
  const CoefLayout c = coef_layout(s, in, out);
  v.emplace_back(c.name, c.shape);
  if (s.base_branch) v.emplace_back(base_weight_name(s), std::vector<std::size_t>{out, in});
  const bool bias = s.basis == Basis::fourier || s.basis == Basis::rational || (s.basis == Basis::rbf && s.base_branch);
  if (bias) v.emplace_back(bias_name(s), bias_shape(s, out));
  if (s.basis == Basis::rbf) {
    v.emplace_back("rbf.grid", std::vector<std::size_t>{static_cast<std::size_t>(s.num_grids)});
    if (s.layernorm) {
      v.emplace_back("layernorm.weight", std::vector<std::size_t>{in});
      v.emplace_back("layernorm.bias", std::vector<std::size_t>{in});
    }
  }
  if (s.basis == Basis::chebyshev) v.emplace_back("arange", std::vector<std::size_t>{static_cast<std::size_t>(s.degree) + 1});
  if (s.basis == Basis::rational) {
    const std::size_t g = static_cast<std::size_t>(rational_groups(s.num_groups, in_i));
    v.emplace_back("act.weight_numerator", std::vector<std::size_t>{1, static_cast<std::size_t>(s.numerator_degree) + 1});
    v.emplace_back("act.weight_denominator", std::vector<std::size_t>{g, static_cast<std::size_t>(s.denominator_degree)});
  }
  return v;
}

std::pair<int, int> basis_layer_dims(const LayerState& s, const std::string& where) {
  const CoefLayout c = coef_layout(s.kan, 0, 0);
  const auto it = s.tensors.find(c.name);
  const std::size_t D = static_cast<std::size_t>(basis_functions(s.kan));
  if (it == s.tensors.end()) throw InputError(where + ": missing dataset '" + std::string(c.name) + "'");
  const auto& sh = it->second.shape;
  const bool ok = !sh.empty() && D > 0 && sh.size() == c.shape.size();
  if (ok) {
    switch (s.kan.basis) {
      case Basis::rbf:
        if (sh[1] % D == 0 && sh[1] > 0) return {static_cast<int>(sh[1] / D), static_cast<int>(sh[0])};
        break;
      case Basis::chebyshev: return {static_cast<int>(sh[0]), static_cast<int>(sh[1])};
      case Basis::fourier: return {static_cast<int>(sh[2]), static_cast<int>(sh[1])};
      case Basis::rational: return {static_cast<int>(sh[1]), static_cast<int>(sh[0])};
      case Basis::bspline: break;
    }
  }
  throw InputError(where + ": dataset '" + std::string(c.name) + "' does not have the shape a " +
                   to_string(s.kan.basis) + " layer needs (docs/models.md, Checkpoint layout)");
}

template <typename T>
LayerState BasisKanLayer<T>::export_state() const {
  LayerState st;
  st.kind = LayerKind::kan;
  st.kan = opts_;
  const std::size_t in = in_, out = out_, D = D_;
  for (const auto& [name, shape] : basis_tensor_shapes(opts_, in_, out_)) {
    Tensor t{shape, {}};
    t.data.assign(t.numel(), 0.0);
    st.tensors[name] = std::move(t);
  }
  const T* e = this->p_;
  auto& coef = st.tensors[coef_layout(opts_, in, out).name].data;
  for (std::size_t m = 0; m < D; ++m)
    for (std::size_t i = 0; i < in; ++i)
      for (std::size_t j = 0; j < out; ++j)
        coef[coef_index(opts_, m, i, j, in, out)] = static_cast<double>(e[(m * in + i) * out + j]);
  if (opts_.base_branch) {
    auto& w = st.tensors[base_weight_name(opts_)].data;
    for (std::size_t i = 0; i < in; ++i)
      for (std::size_t j = 0; j < out; ++j) w[j * in + i] = static_cast<double>(e[(D * in + i) * out + j]);
  }
  if (has_bias())
    for (std::size_t j = 0; j < out; ++j) st.tensors[bias_name(opts_)].data[j] = static_cast<double>(this->p_[bias_off_ + j]);
  if (opts_.basis == Basis::rbf)
    for (std::size_t m = 0; m < D; ++m) st.tensors["rbf.grid"].data[m] = static_cast<double>(centers_[m]);
  if (opts_.layernorm)
    for (std::size_t i = 0; i < in; ++i) {
      st.tensors["layernorm.weight"].data[i] = static_cast<double>(this->p_[ln_off_ + i]);
      st.tensors["layernorm.bias"].data[i] = static_cast<double>(this->p_[ln_off_ + in + i]);
    }
  if (opts_.basis == Basis::chebyshev)
    for (std::size_t m = 0; m < D; ++m) st.tensors["arange"].data[m] = static_cast<double>(m);
  if (opts_.basis == Basis::rational) {
    auto& a = st.tensors["act.weight_numerator"].data;
    for (std::size_t k = 0; k < a.size(); ++k) a[k] = static_cast<double>(this->p_[num_off_ + k]);
    auto& b = st.tensors["act.weight_denominator"].data;
    for (std::size_t k = 0; k < b.size(); ++k) b[k] = static_cast<double>(this->p_[den_off_ + k]);
  }
  return st;
}

template <typename T>
void BasisKanLayer<T>::do_import_params(const LayerState& st) {
  const std::size_t in = in_, out = out_, D = D_;
  T* e = this->p_;
  const auto& coef = st.tensors.at(coef_layout(opts_, in, out).name).data;
  for (std::size_t m = 0; m < D; ++m)
    for (std::size_t i = 0; i < in; ++i)
      for (std::size_t j = 0; j < out; ++j)
        e[(m * in + i) * out + j] = static_cast<T>(coef[coef_index(opts_, m, i, j, in, out)]);
  if (opts_.base_branch) {
    const auto& w = st.tensors.at(base_weight_name(opts_)).data;
    for (std::size_t i = 0; i < in; ++i)
      for (std::size_t j = 0; j < out; ++j) e[(D * in + i) * out + j] = static_cast<T>(w[j * in + i]);
  }
  if (has_bias())
    for (std::size_t j = 0; j < out; ++j) this->p_[bias_off_ + j] = static_cast<T>(st.tensors.at(bias_name(opts_)).data[j]);
  if (opts_.basis == Basis::rbf)
    for (std::size_t m = 0; m < D; ++m) centers_[m] = static_cast<T>(st.tensors.at("rbf.grid").data[m]);
  if (opts_.layernorm)
    for (std::size_t i = 0; i < in; ++i) {
      this->p_[ln_off_ + i] = static_cast<T>(st.tensors.at("layernorm.weight").data[i]);
      this->p_[ln_off_ + in + i] = static_cast<T>(st.tensors.at("layernorm.bias").data[i]);
    }
  if (opts_.basis == Basis::rational) {
    const auto& a = st.tensors.at("act.weight_numerator").data;
    for (std::size_t k = 0; k < a.size(); ++k) this->p_[num_off_ + k] = static_cast<T>(a[k]);
    const auto& b = st.tensors.at("act.weight_denominator").data;
    for (std::size_t k = 0; k < b.size(); ++k) this->p_[den_off_ + k] = static_cast<T>(b[k]);
  }
}

template LayerState BasisKanLayer<float>::export_state() const;
template LayerState BasisKanLayer<double>::export_state() const;
template void BasisKanLayer<float>::do_import_params(const LayerState&);
template void BasisKanLayer<double>::do_import_params(const LayerState&);

}  // namespace kanscan::models
