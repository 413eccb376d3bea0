#include "models/model.hpp"

#include <stdexcept>
#include <string>

#include "framework/error.hpp"
#include "models/parameter_count.hpp"

namespace kanscan::models {
namespace {

const Tensor& tensor(const LayerState& s, const std::string& name, std::size_t l) {
  auto it = s.tensors.find(name);
  if (it == s.tensors.end())
    throw InputError("model layer_" + std::to_string(l) + " (" + to_string(s.kind) + "): missing dataset '" + name + "'");
  if (it->second.data.size() != it->second.numel())
    throw InputError("model layer_" + std::to_string(l) + ": dataset '" + name + "' size does not match its shape");
  return it->second;
}

void expect_shape(const Tensor& t, std::vector<std::size_t> shape, const std::string& name, std::size_t l) {
  if (t.shape != shape) {
    std::string want, got;
    for (auto s : shape) want += (want.empty() ? "" : ", ") + std::to_string(s);
    for (auto s : t.shape) got += (got.empty() ? "" : ", ") + std::to_string(s);
    throw InputError("model layer_" + std::to_string(l) + ": dataset '" + name + "' has shape [" + got +
                     "], expected [" + want + "]");
  }
}

}  // namespace

template <typename T>
std::unique_ptr<Model<T>> Model<T>::build(const ModelConfig& cfg, int n_in, int n_out) {
  if (cfg.depth < 0) throw InputError("model depth must be >= 0, got " + std::to_string(cfg.depth));
  if (cfg.depth > 0 && cfg.width < 1) throw InputError("model width must be >= 1, got " + std::to_string(cfg.width));
  std::unique_ptr<Model> m(new Model());
  const auto w = layer_widths(cfg, n_in, n_out);
  for (std::size_t l = 0; l + 1 < w.size(); ++l) {
    const bool last = l + 2 == w.size();
    if (cfg.type == ModelType::kan && cfg.basis != Basis::bspline) {
      const BasisInit init{cfg.scale_base, cfg.fourier_smooth_init, l == 0};
      m->layers_.push_back(std::make_unique<BasisKanLayer<T>>(w[l], w[l + 1], kan_basis_state(cfg), init));
    } else if (cfg.type == ModelType::kan) {
      KanInit init{cfg.scale_noise, cfg.scale_base, cfg.scale_spline};
      m->layers_.push_back(std::make_unique<KanLayer<T>>(
          w[l], w[l + 1], SplineKnots<T>::uniform(w[l], cfg.grid_size, cfg.spline_order, cfg.grid_lo, cfg.grid_hi), init));
    } else {
      const Activation act = last ? Activation::identity : cfg.activation;
      m->layers_.push_back(
          std::make_unique<DenseLayer<T>>(w[l], w[l + 1], act, cfg.leaky_slope, last ? 0.0 : cfg.dropout));
    }
  }
  m->allocate();
  return m;
}

template <typename T>
std::unique_ptr<Model<T>> Model<T>::from_layers(const std::vector<LayerState>& states) {
  if (states.empty()) throw InputError("model has no layers");
  std::unique_ptr<Model> m(new Model());
  for (std::size_t l = 0; l < states.size(); ++l) {
    const LayerState& s = states[l];
    if (s.kind == LayerKind::kan && s.kan.basis != Basis::bspline) {
      const std::string where = "model layer_" + std::to_string(l) + " (kan, basis " + to_string(s.kan.basis) + ")";
      if (basis_functions(s.kan) < 1 || (s.kan.basis == Basis::rational && s.kan.num_groups < 1))
        throw InputError(where + ": bad basis settings (attributes)");
      const auto [in, out] = basis_layer_dims(s, where);
      for (const auto& [name, shape] : basis_tensor_shapes(s.kan, in, out))
        expect_shape(tensor(s, name, l), shape, name, l);
      m->layers_.push_back(std::make_unique<BasisKanLayer<T>>(in, out, s.kan));
    } else if (s.kind == LayerKind::kan) {
      const std::int64_t G = s.grid_size, k = s.spline_order;
      if (G < 1 || k < 1 || k > kMaxSplineOrder)
        throw InputError("model layer_" + std::to_string(l) + ": bad grid_size/spline_order " + std::to_string(G) + "/" +
                         std::to_string(k));
      const Tensor& wb = tensor(s, "base_weight", l);
      if (wb.shape.size() != 2 || wb.shape[0] < 1 || wb.shape[1] < 1)
        throw InputError("model layer_" + std::to_string(l) + ": base_weight must be [out, in]");
      const std::size_t out = wb.shape[0], in = wb.shape[1];
      const Tensor& grid = tensor(s, "grid", l);
      expect_shape(grid, {in, static_cast<std::size_t>(G + 2 * k + 1)}, "grid", l);
      expect_shape(tensor(s, "spline_weight", l), {out, in, static_cast<std::size_t>(G + k)}, "spline_weight", l);
      expect_shape(tensor(s, "spline_scaler", l), {out, in}, "spline_scaler", l);
      std::vector<T> knots(grid.data.begin(), grid.data.end());
      m->layers_.push_back(std::make_unique<KanLayer<T>>(
          static_cast<int>(in), static_cast<int>(out),
          SplineKnots<T>::from_knots(static_cast<int>(in), static_cast<int>(G), static_cast<int>(k), std::move(knots))));
    } else {
      const Tensor& w = tensor(s, "weight", l);
      if (w.shape.size() != 2 || w.shape[0] < 1 || w.shape[1] < 1)
        throw InputError("model layer_" + std::to_string(l) + ": weight must be [out, in]");
      expect_shape(tensor(s, "bias", l), {w.shape[0]}, "bias", l);
      m->layers_.push_back(std::make_unique<DenseLayer<T>>(static_cast<int>(w.shape[1]), static_cast<int>(w.shape[0]),
                                                           s.activation, s.leaky_slope, 0.0));
    }
    if (l > 0 && m->layers_[l]->n_in() != m->layers_[l - 1]->n_out())
      throw InputError("model layer_" + std::to_string(l) + ": takes " + std::to_string(m->layers_[l]->n_in()) +
                       " inputs but layer_" + std::to_string(l - 1) + " gives " +
                       std::to_string(m->layers_[l - 1]->n_out()));
  }
  m->allocate();
  for (std::size_t l = 0; l < states.size(); ++l) m->layers_[l]->import_params(states[l]);
  return m;
}

template <typename T>
void Model<T>::allocate() {
  std::size_t n = 0;
  for (const auto& l : layers_) n += l->n_params();
  params_ = Vec<T>::Zero(static_cast<Eigen::Index>(n));
  grads_ = Vec<T>::Zero(static_cast<Eigen::Index>(n));
  std::size_t off = 0;
  for (auto& l : layers_) {
    l->bind(params_.data() + off, grads_.data() + off);
    off += l->n_params();
  }
  acts_.assign(layers_.size(), Mat<T>());
}

template <typename T>
void Model<T>::init(Rng& rng) {
  for (auto& l : layers_) l->init(rng);
}

template <typename T>
const Mat<T>& Model<T>::forward(const Mat<T>& x, bool training, int threads, Rng* rng) {
  input_ = &x;
  const Mat<T>* cur = &x;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    layers_[l]->forward(*cur, acts_[l], training, threads, rng);
    cur = &acts_[l];
  }
  return *cur;
}

template <typename T>
void Model<T>::backward(const Mat<T>& dout, int threads, Mat<T>* dx) {
  if (input_ == nullptr) throw std::logic_error("model: backward before any forward");
  const Mat<T>* d = &dout;
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const Mat<T>& in = l == 0 ? *input_ : acts_[l - 1];
    Mat<T>* next = l == 0 ? dx : &d_[l % 2];
    layers_[l]->backward(in, *d, next, threads);
    d = next;
  }
}

template <typename T>
std::vector<LayerState> Model<T>::export_layers() const {
  std::vector<LayerState> s;
  for (const auto& l : layers_) s.push_back(l->export_state());
  return s;
}

template <typename T>
bool Model<T>::has_kan() const {
  for (const auto& l : layers_)
    if (dynamic_cast<const KanLayer<T>*>(l.get())) return true;
  return false;
}

template <typename T>
double Model<T>::update_grids(const Mat<T>& x, double grid_eps, int threads) {
  double worst = 0.0;
  Mat<T> cur = x, next;
  for (auto& l : layers_) {
    if (auto* kan = dynamic_cast<KanLayer<T>*>(l.get())) worst = std::max(worst, kan->update_grid(cur, grid_eps));
    l->forward(cur, next, false, threads, nullptr);
    cur.swap(next);
  }
  return worst;
}

template <typename T>
void Model<T>::extend_grids(int new_grid) {
  std::vector<LayerState> states;
  for (const auto& l : layers_) {
    if (auto* kan = dynamic_cast<const KanLayer<T>*>(l.get())) states.push_back(kan->extended_state(new_grid));
    else states.push_back(l->export_state());
  }
  auto fresh = from_layers(states);
  layers_ = std::move(fresh->layers_);
  allocate();
  for (std::size_t l = 0; l < states.size(); ++l) layers_[l]->import_params(states[l]);
}

template class Model<float>;
template class Model<double>;

}  // namespace kanscan::models
