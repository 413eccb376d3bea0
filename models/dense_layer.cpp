#include "models/dense_layer.hpp"

#include <cmath>
#include <string>

#include "framework/error.hpp"
#include "framework/parallel.hpp"

namespace kanscan::models {

Activation parse_activation(const std::string& name) {
  if (name == "identity" || name == "linear" || name == "none") return Activation::identity;
  if (name == "relu") return Activation::relu;
  if (name == "leaky_relu") return Activation::leaky_relu;
  if (name == "silu" || name == "swish") return Activation::silu;
  if (name == "tanh") return Activation::tanh;
  if (name == "sigmoid") return Activation::sigmoid;
  throw InputError("activation: expected one of relu, leaky_relu, silu, tanh, sigmoid, identity; got '" + name + "'");
}

std::string activation_name(Activation a) {
  switch (a) {
    case Activation::identity: return "identity";
    case Activation::relu: return "relu";
    case Activation::leaky_relu: return "leaky_relu";
    case Activation::silu: return "silu";
    case Activation::tanh: return "tanh";
    case Activation::sigmoid: return "sigmoid";
  }
  return "identity";
}

template <typename T>
DenseLayer<T>::DenseLayer(int n_in, int n_out, Activation act, double leaky_slope, double dropout)
    : in_(n_in), out_(n_out), act_(act), slope_(static_cast<T>(leaky_slope)), dropout_(dropout) {
  if (n_in < 1 || n_out < 1) throw InputError("dense layer: in and out must be >= 1");
  if (!(dropout >= 0.0 && dropout < 1.0)) throw InputError("dropout must be in [0, 1), got " + std::to_string(dropout));
}

template <typename T>
void DenseLayer<T>::init(Rng& rng) {
  // torch.nn.Linear's default: Kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in)),
  // for the weight and the bias.
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_));
  T* w = this->p_;
  for (int j = 0; j < out_; ++j)
    for (int i = 0; i < in_; ++i) w[static_cast<std::size_t>(i) * out_ + j] = static_cast<T>(rng.uniform(-bound, bound));
  T* b = this->p_ + static_cast<std::size_t>(in_) * out_;
  for (int j = 0; j < out_; ++j) b[j] = static_cast<T>(rng.uniform(-bound, bound));
}

// Parallel over fixed sample blocks, one Eigen GEMM per block (Eigen itself single-threaded):
// each output row written by one thread, deterministic.
template <typename T>
void DenseLayer<T>::forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* rng) {
  if (x.cols() != in_) throw InputError("dense layer: input has " + std::to_string(x.cols()) + " columns, expected " + std::to_string(in_));
  const std::size_t n = static_cast<std::size_t>(x.rows());
  const Eigen::Map<const Mat<T>> w(this->p_, in_, out_);
  const Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> bias(this->p_ + static_cast<std::size_t>(in_) * out_, out_);
  z_.resize(x.rows(), out_);
  a_.resize(x.rows(), out_);
  y.resize(x.rows(), out_);
  const bool drop = training && dropout_ > 0.0 && rng != nullptr;
  if (drop) {
    // Drawn serially from the trial's stream: the mask does not depend on the thread count.
    mask_.resize(n * out_);
    const T keep = static_cast<T>(1.0 / (1.0 - dropout_));
    for (auto& m : mask_) m = rng->uniform() < dropout_ ? T(0) : keep;
  } else {
    mask_.clear();
  }
  const std::size_t nb = num_blocks(n, kSampleBlock);
  for_blocks(nb, threads, [&](std::size_t blk) {
    const BlockRange br = block_range(blk, n, kSampleBlock);
    const auto rows = static_cast<Eigen::Index>(br.end - br.begin);
    const auto r0 = static_cast<Eigen::Index>(br.begin);
    z_.middleRows(r0, rows).noalias() = x.middleRows(r0, rows) * w;
    z_.middleRows(r0, rows).rowwise() += bias;
    for (std::size_t b = br.begin; b < br.end; ++b)
      for (int j = 0; j < out_; ++j) {
        const T a = activate(act_, z_(static_cast<Eigen::Index>(b), j), slope_);
        a_(static_cast<Eigen::Index>(b), j) = a;
        y(static_cast<Eigen::Index>(b), j) = drop ? a * mask_[b * out_ + j] : a;
      }
  });
}

// Per fixed sample block: local dW, db (block-sized GEMM), summed in block order afterwards.
template <typename T>
void DenseLayer<T>::backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) {
  const std::size_t n = static_cast<std::size_t>(x.rows());
  const Eigen::Map<const Mat<T>> w(this->p_, in_, out_);
  const std::size_t nb = num_blocks(n, kSampleBlock);
  if (partial_.size() < nb) partial_.resize(nb);
  if (dx) dx->resize(x.rows(), in_);
  const std::size_t np = n_params();
  for_blocks(nb, threads, [&](std::size_t blk) {
    const BlockRange br = block_range(blk, n, kSampleBlock);
    const auto rows = static_cast<Eigen::Index>(br.end - br.begin);
    const auto r0 = static_cast<Eigen::Index>(br.begin);
    Mat<T> dz(rows, out_);
    for (Eigen::Index b = 0; b < rows; ++b)
      for (int j = 0; j < out_; ++j) {
        const Eigen::Index bb = r0 + b;
        T g = dy(bb, j);
        if (!mask_.empty()) g *= mask_[static_cast<std::size_t>(bb) * out_ + j];
        dz(b, j) = g * activate_grad(act_, z_(bb, j), a_(bb, j), slope_);
      }
    Vec<T>& part = partial_[blk];
    part.resize(static_cast<Eigen::Index>(np));
    Eigen::Map<Mat<T>> gw(part.data(), in_, out_);
    gw.noalias() = x.middleRows(r0, rows).transpose() * dz;
    Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>> gb(part.data() + static_cast<std::size_t>(in_) * out_, out_);
    gb = dz.colwise().sum();
    if (dx) dx->middleRows(r0, rows).noalias() = dz * w.transpose();
  });
  Eigen::Map<Vec<T>> g(this->g_, static_cast<Eigen::Index>(np));
  g.setZero();
  for (std::size_t blk = 0; blk < nb; ++blk) g += partial_[blk];
}

template <typename T>
LayerState DenseLayer<T>::export_state() const {
  LayerState st;
  st.kind = "linear";
  st.attrs["activation"] = activation_name(act_);
  if (act_ == Activation::leaky_relu) st.attrs["leaky_slope"] = static_cast<double>(slope_);
  const std::size_t in = in_, out = out_;
  Tensor w{{out, in}, std::vector<double>(out * in)};
  Tensor b{{out}, std::vector<double>(out)};
  for (std::size_t j = 0; j < out; ++j) {
    for (std::size_t i = 0; i < in; ++i) w.data[j * in + i] = static_cast<double>(this->p_[i * out + j]);
    b.data[j] = static_cast<double>(this->p_[in * out + j]);
  }
  st.tensors["weight"] = std::move(w);
  st.tensors["bias"] = std::move(b);
  return st;
}

template <typename T>
void DenseLayer<T>::import_params(const LayerState& st) {
  const std::size_t in = in_, out = out_;
  const auto& w = st.tensors.at("weight").data;
  const auto& b = st.tensors.at("bias").data;
  for (std::size_t j = 0; j < out; ++j) {
    for (std::size_t i = 0; i < in; ++i) this->p_[i * out + j] = static_cast<T>(w[j * in + i]);
    this->p_[in * out + j] = static_cast<T>(b[j]);
  }
}

template class DenseLayer<float>;
template class DenseLayer<double>;

}  // namespace kanscan::models
