#pragma once
// Layers with views into one flat parameter vector and one flat gradient vector owned by the
// Model (mlpack style). Activations are row-major [batch, features]. Every kernel splits the
// batch into fixed blocks of kSampleBlock samples: outputs are written per sample, parameter
// gradients are accumulated per block and the blocks are summed in block order, so results are
// bitwise identical for any thread count.
#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "framework/model_state.hpp"
#include "framework/parallel.hpp"
#include "framework/rng.hpp"

namespace kanscan::models {

template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// Samples per block of every batched kernel; depends on nothing but this constant.
inline constexpr std::size_t kSampleBlock = 256;

template <typename T>
class Layer {
 public:
  virtual ~Layer() = default;
  virtual int n_in() const = 0;
  virtual int n_out() const = 0;
  virtual std::size_t n_params() const = 0;
  // Views into the model's flat buffers (n_params() entries each).
  void bind(T* params, T* grads) {
    p_ = params;
    g_ = grads;
  }
  // Fills the parameters (the layer's slice of the flat vector).
  virtual void init(Rng& rng) = 0;
  // y = layer(x). Caches what backward needs. rng draws dropout masks when training.
  virtual void forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* rng) = 0;
  // Given dL/dy for the last forward(x), writes dL/dparams into the gradient slice (overwrite)
  // and dL/dx into *dx when dx is not null.
  virtual void backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) = 0;
  virtual LayerState export_state() const = 0;
  // Loads tensors into the parameter slice (shapes were checked when the layer was built).
  virtual void import_params(const LayerState& s) = 0;

 protected:
  T* p_ = nullptr;
  T* g_ = nullptr;
};

// fn(block) for every block: serially when one thread or one block (no team start-up cost,
// which matters for small batches on a loaded machine), else through parallel_for. Same
// results either way, since each block's work does not depend on who runs it.
template <typename F>
void for_blocks(std::size_t n_blocks, int threads, F&& fn) {
  if (threads == 1 || n_blocks <= 1) {
    for (std::size_t b = 0; b < n_blocks; ++b) fn(b);
  } else {
    parallel_for(n_blocks, threads, fn);
  }
}

}  // namespace kanscan::models
