#pragma once
// Dense layer with fused activation and (training-only, inverted) dropout:
// y = dropout(act(x W^T + b)). Stored like torch.nn.Linear in checkpoints.
#include <vector>

#include "models/activation.hpp"
#include "models/layer.hpp"

namespace kanscan::models {

template <typename T>
class DenseLayer final : public Layer<T> {
 public:
  DenseLayer(int n_in, int n_out, Activation act, double leaky_slope = 0.01, double dropout = 0.0);
  int n_in() const override { return in_; }
  int n_out() const override { return out_; }
  std::size_t n_params() const override { return static_cast<std::size_t>(in_) * out_ + out_; }
  const char* kind_name() const override { return "dense layer"; }
  LayerState export_state() const override;

 private:
  void do_init(Rng& rng) override;
  void do_forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* rng) override;
  void do_backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) override;
  void do_import_params(const LayerState& s) override;
  // Parameter slice: W^T as [in, out] row-major (so x W^T is a plain row-major GEMM), then b [out].
  int in_, out_;
  Activation act_;
  T slope_;
  double dropout_;
  void pack_transposed_weights();

  Mat<T> z_, a_;          // pre-activation (unless identity without dropout) and, for tanh/sigmoid, activation
  std::vector<T> mask_;   // dropout scale per element (0 or 1/(1-p)); empty = no dropout
  std::vector<T> wt_;     // W as [out, in] rows
  std::vector<T> dz_;     // dL/dz of the last backward, [batch, out]
  std::vector<std::vector<T>> partial_;  // per sample block: dW, db (+ scratch)
};

}  // namespace kanscan::models
