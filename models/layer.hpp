#pragma once
// Layers with views into one flat parameter vector and one flat gradient vector owned by the
// Model (mlpack style). Activations are row-major [batch, features]. Every kernel splits the
// batch into fixed blocks of kSampleBlock samples: outputs are written per sample, parameter
// gradients are accumulated per block and the blocks are summed in block order, so results are
// bitwise identical for any thread count.
#include <Eigen/Core>
#include <cstddef>
#include <string>
#include <vector>

#include "types/model_state.hpp"
#include "framework/parallel.hpp"
#include "framework/rng.hpp"

namespace kanscan::models {

template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// Samples per block of every batched kernel; depends on nothing but this constant.
inline constexpr std::size_t kSampleBlock = 256;

// Calls that break the layers' contract (shapes, order of calls) are programming errors, not bad
// input: they throw std::invalid_argument (shapes) or std::logic_error (order), naming the layer,
// the expected and the actual shapes. Out of line so that the checks stay a few compares.
[[noreturn]] void throw_layer_contract(bool shape, const char* layer, int n_in, int n_out, const char* call,
                                       const std::string& detail);
// "[rows x cols]" for contract messages.
std::string shape_text(Eigen::Index rows, Eigen::Index cols);

// A layer's public calls check the contract and run the private virtual kernels (do_*), so every
// implementation may rely on it. Sequence: bind, then init or import_params, then any number of
// forward calls; backward refers to the last forward and may be called again for it, until the
// next structural change (bind, init, import_params, a KAN grid update) needs a new forward.
template <typename T>
class Layer {
 public:
  virtual ~Layer() = default;
  virtual int n_in() const = 0;
  virtual int n_out() const = 0;
  virtual std::size_t n_params() const = 0;
  // Names the layer in contract violations ("KAN layer", "dense layer").
  virtual const char* kind_name() const = 0;

  // Views into the model's flat buffers (n_params() entries each).
  void bind(T* params, T* grads) {
    p_ = params;
    g_ = grads;
    forget_forward();
  }
  // Fills the parameters (the layer's slice of the flat vector).
  void init(Rng& rng) {
    require_bound("init");
    forget_forward();
    do_init(rng);
  }
  // y = layer(x) with x [rows, n_in()]; y becomes [rows, n_out()]. Caches what backward needs
  // (also an inference forward: backward after it is allowed). rng draws dropout masks when
  // training.
  void forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* rng) {
    require_bound("forward");
    if (x.cols() != n_in()) [[unlikely]]
      violation(true, "forward", "x is " + shape_text(x.rows(), x.cols()) + ", expected " + shape_text(x.rows(), n_in()));
    if (&y == &x) [[unlikely]]
      violation(true, "forward", "y must not be the input matrix x");
    forward_rows_ = -1;  // stays so if the kernels throw
    y.resize(x.rows(), n_out());
    do_forward(x, y, training, threads, rng);
    forward_rows_ = x.rows();
  }
  // Given dL/dy [rows, n_out()] for the last forward(x) (x [rows, n_in()], the same matrix),
  // writes dL/dparams into the gradient slice (overwrite) and dL/dx into *dx, resized to
  // [rows, n_in()], when dx is not null.
  void backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) {
    if (forward_rows_ < 0) [[unlikely]]
      violation(false, "backward",
                "no forward since the layer was last bound, initialised, imported or its grid updated");
    if (x.rows() != forward_rows_ || x.cols() != n_in()) [[unlikely]]
      violation(true, "backward",
                "x is " + shape_text(x.rows(), x.cols()) + ", expected the last forward's " +
                    shape_text(forward_rows_, n_in()));
    if (dy.rows() != forward_rows_ || dy.cols() != n_out()) [[unlikely]]
      violation(true, "backward",
                "dy is " + shape_text(dy.rows(), dy.cols()) + ", expected " + shape_text(forward_rows_, n_out()));
    if (dx == &x || dx == &dy) [[unlikely]]
      violation(true, "backward", "dx must not be x or dy");
    if (dx) dx->resize(forward_rows_, n_in());
    do_backward(x, dy, dx, threads);
  }
  virtual LayerState export_state() const = 0;
  // Loads tensors into the parameter slice (shapes were checked when the layer was built).
  void import_params(const LayerState& s) {
    require_bound("import_params");
    forget_forward();
    do_import_params(s);
  }

 protected:
  // A structural change of the layer (e.g. a grid update): backward needs a new forward.
  void forget_forward() { forward_rows_ = -1; }

  T* p_ = nullptr;
  T* g_ = nullptr;

 private:
  virtual void do_init(Rng& rng) = 0;
  // y is already [x.rows(), n_out()] and x has n_in() columns.
  virtual void do_forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* rng) = 0;
  // x and dy match the last forward; *dx (when not null) is already [x.rows(), n_in()].
  virtual void do_backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) = 0;
  virtual void do_import_params(const LayerState& s) = 0;

  void require_bound(const char* call) const {
    if (p_ == nullptr || g_ == nullptr) [[unlikely]]
      violation(false, call, "the layer is not bound to parameter and gradient buffers");
  }
  [[noreturn]] void violation(bool shape, const char* call, const std::string& detail) const {
    throw_layer_contract(shape, kind_name(), n_in(), n_out(), call, detail);
  }

  Eigen::Index forward_rows_ = -1;  // rows of the last forward; -1: none since the last structural change
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
