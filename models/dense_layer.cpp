#include "models/dense_layer.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "framework/error.hpp"
#include "framework/parallel.hpp"
#include "models/dense_kernels.hpp"

namespace kanscan::models {

template <typename T>
DenseLayer<T>::DenseLayer(int n_in, int n_out, Activation act, double leaky_slope, double dropout)
    : in_(n_in), out_(n_out), act_(act), slope_(static_cast<T>(leaky_slope)), dropout_(dropout) {
  if (n_in < 1 || n_out < 1) throw InputError("dense layer: in and out must be >= 1");
  if (!(dropout >= 0.0 && dropout < 1.0)) throw InputError("dropout must be in [0, 1), got " + std::to_string(dropout));
}

template <typename T>
void DenseLayer<T>::do_init(Rng& rng) {
  // torch.nn.Linear's default: Kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in)),
  // for the weight and the bias.
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_));
  T* w = this->p_;
  for (int j = 0; j < out_; ++j)
    for (int i = 0; i < in_; ++i) w[static_cast<std::size_t>(i) * out_ + j] = static_cast<T>(rng.uniform(-bound, bound));
  T* b = this->p_ + static_cast<std::size_t>(in_) * out_;
  for (int j = 0; j < out_; ++j) b[j] = static_cast<T>(rng.uniform(-bound, bound));
}

// Narrow layers (fewer outputs, or inputs, than this) run the GEMMs as row dot products; wide ones
// as register-tiled outer products (models/dense_kernels.inl). Chosen by shape only.
constexpr int kNarrow = 8;

template <typename T>
void DenseLayer<T>::pack_transposed_weights() {
  // wt_ = W as [out, in] rows (torch's own layout), for the narrow forward and for dx = dz W.
  wt_.resize(static_cast<std::size_t>(in_) * out_);
  for (int i = 0; i < in_; ++i)
    for (int j = 0; j < out_; ++j) wt_[static_cast<std::size_t>(j) * in_ + i] = this->p_[static_cast<std::size_t>(i) * out_ + j];
}

// Parallel over fixed sample blocks; each output row is written by one thread from the same
// operations in the same order whatever the thread count or instruction set.
template <typename T>
void DenseLayer<T>::do_forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* rng) {
  const std::size_t n = static_cast<std::size_t>(x.rows());
  const auto& kern = DenseKernels<T>::get();
  const bool drop = training && dropout_ > 0.0 && rng != nullptr;
  if (drop) {
    // Drawn serially from the trial's stream: the mask does not depend on the thread count.
    mask_.resize(n * out_);
    const T keep = static_cast<T>(1.0 / (1.0 - dropout_));
    for (auto& m : mask_) m = rng->uniform() < dropout_ ? T(0) : keep;
  } else {
    mask_.clear();
  }
  // The pre-activation goes straight into y for a plain linear layer; tanh and sigmoid keep their
  // values for the backward pass (with dropout y holds the masked ones).
  const bool direct = act_ == Activation::identity && !drop;
  const bool keep_act = activation_grad_from_output(act_);
  if (!direct) z_.resize(x.rows(), out_);
  if (keep_act) a_.resize(x.rows(), out_);
  const bool narrow = out_ < kNarrow;
  if (narrow) pack_transposed_weights();
  const T* w = this->p_;
  const T* bias = this->p_ + static_cast<std::size_t>(in_) * out_;
  const std::size_t nb = num_blocks(n, kSampleBlock);
  for_blocks(nb, threads, [&](std::size_t blk) {
    const BlockRange br = block_range(blk, n, kSampleBlock);
    const int rows = static_cast<int>(br.end - br.begin);
    const std::size_t off = br.begin * out_;
    T* z = (direct ? y.data() : z_.data()) + off;
    for (int r = 0; r < rows; ++r) std::copy(bias, bias + out_, z + static_cast<std::size_t>(r) * out_);
    const T* xb = x.data() + br.begin * in_;
    if (narrow)
      kern.gemm_dot(rows, out_, in_, xb, in_, wt_.data(), in_, z, out_);
    else
      kern.gemm_acc(rows, out_, in_, xb, in_, 1, w, out_, z, out_);
    if (!direct)
      kern.activation_rows(act_, slope_, z, drop ? mask_.data() + off : nullptr, y.data() + off,
                           keep_act ? a_.data() + off : nullptr, static_cast<std::size_t>(rows) * out_);
  });
}

// Per fixed sample block: local dW, db summed in block order afterwards; dx rows per block.
template <typename T>
void DenseLayer<T>::do_backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) {
  const std::size_t n = static_cast<std::size_t>(x.rows());
  const auto& kern = DenseKernels<T>::get();
  const std::size_t nb = num_blocks(n, kSampleBlock);
  const std::size_t np = n_params();
  const std::size_t nw = static_cast<std::size_t>(in_) * out_;
  const bool narrow_out = out_ < kNarrow, narrow_in = in_ < kNarrow;
  // A plain linear layer without dropout passes dy through as dz.
  const bool pass = act_ == Activation::identity && mask_.empty();
  if (!pass) dz_.resize(n * out_);
  if (dx && !narrow_in) pack_transposed_weights();
  if (partial_.size() < nb) partial_.resize(nb);
  for_blocks(nb, threads, [&](std::size_t blk) {
    const BlockRange br = block_range(blk, n, kSampleBlock);
    const int rows = static_cast<int>(br.end - br.begin);
    const std::size_t off = br.begin * out_;
    const T* dz = dy.data() + off;
    if (!pass) {
      kern.activation_grad_rows(act_, slope_, z_.data() + off, a_.size() ? a_.data() + off : nullptr,
                                mask_.empty() ? nullptr : mask_.data() + off, dy.data() + off, dz_.data() + off,
                                static_cast<std::size_t>(rows) * out_);
      dz = dz_.data() + off;
    }
    const T* xb = x.data() + br.begin * in_;
    std::vector<T>& part = partial_[blk];
    // [dW (in x out), db (out)], then for narrow layers dW^T (out x in) as scratch.
    part.assign(np + (narrow_out ? nw : 0), T(0));
    if (!narrow_out) {
      kern.gemm_acc(in_, out_, rows, xb, 1, in_, dz, out_, part.data(), out_);
    } else {
      T* gwt = part.data() + np;
      kern.gemm_acc(out_, in_, rows, dz, 1, out_, xb, in_, gwt, in_);
      for (int j = 0; j < out_; ++j)
        for (int i = 0; i < in_; ++i)
          part[static_cast<std::size_t>(i) * out_ + j] = gwt[static_cast<std::size_t>(j) * in_ + i];
    }
    kern.column_sums(rows, out_, dz, out_, part.data() + nw);
    if (dx) {
      T* dxb = dx->data() + br.begin * in_;
      std::fill(dxb, dxb + static_cast<std::size_t>(rows) * in_, T(0));
      if (narrow_in)
        kern.gemm_dot(rows, in_, out_, dz, out_, this->p_, out_, dxb, in_);
      else
        kern.gemm_acc(rows, in_, out_, dz, out_, 1, wt_.data(), in_, dxb, in_);
    }
  });
  T* g = this->g_;
  if (nb == 0) {  // an empty batch: no block wrote a partial
    std::fill_n(g, np, T(0));
    return;
  }
  std::copy(partial_[0].begin(), partial_[0].begin() + static_cast<std::ptrdiff_t>(np), g);
  for (std::size_t blk = 1; blk < nb; ++blk) {
    const T* pb = partial_[blk].data();
    for (std::size_t q = 0; q < np; ++q) g[q] += pb[q];
  }
}

template <typename T>
LayerState DenseLayer<T>::export_state() const {
  LayerState st;
  st.kind = LayerKind::linear;
  st.activation = act_;
  st.leaky_slope = static_cast<double>(slope_);
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
void DenseLayer<T>::do_import_params(const LayerState& st) {
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
