#pragma once
// B-spline KAN layer with efficient-kan's semantics (Liu et al., arXiv:2404.19756; efficient-kan's
// KANLinear): y_j = sum_i Wb[j,i] SiLU(x_i) + S[j,i] sum_m C[j,i,m] B_m(x_i).
// Kernels use the local support of the B-splines: per (sample, input) the k+1 non-zero bases are
// evaluated once and shared by all outputs; no (batch, in, out) tensor is ever formed.
#include <vector>

#include "models/bspline.hpp"
#include "models/kan_path.hpp"
#include "models/layer.hpp"

namespace kanscan::models {

struct KanInit {
  double scale_noise = 0.1;   // spline coefficients: least-squares fit of uniform noise on the grid
  double scale_base = 1.0;    // Kaiming-uniform gain parameter a = sqrt(5) * scale_base for Wb
  double scale_spline = 1.0;  // same for the spline scaler S
};

template <typename T>
class KanLayer final : public Layer<T> {
 public:
  KanLayer(int n_in, int n_out, SplineKnots<T> knots, KanInit init = {});
  int n_in() const override { return in_; }
  int n_out() const override { return out_; }
  std::size_t n_params() const override;
  const char* kind_name() const override { return "KAN layer"; }
  const SplineKnots<T>& knots() const { return knots_; }
  KanShape shape() const;
  // The kernels this layer runs (kan_kernel_path of its shape; a grid update may change the basis).
  const KanKernelPath& kernel_path() const { return path_; }
  LayerState export_state() const override;

  // Grid update from data x [N, in] (efficient-kan/pykan): per input, knots at the sample
  // percentiles mixed with a uniform grid over the sample range (grid_eps = weight of the uniform
  // one), extended by k knots per side; the spline part is refitted by least squares so that the
  // layer's function is preserved. S is kept (C = fit / S), unlike efficient-kan which applies S
  // twice. Returns the root-mean-square refit residual of the spline outputs over x.
  double update_grid(const Mat<T>& x, double grid_eps, double margin = 0.01);
  // State of the same layer on a finer grid of new_grid intervals (pykan's refine): knots
  // interpolated from the current inner knots, coefficients fitted by least squares to the
  // current spline at k+2 points per new interval. Exact when the new knots contain the old.
  LayerState extended_state(int new_grid) const;

  // Values of the gemm path's expansion a training forward keeps for backward (default
  // kKanExpansionKeepLimit); larger batches expand each block again in backward, with the same
  // bits (kan_keeps_expansion). Settable so that tests can compare both ways.
  void set_expansion_keep_limit(std::size_t values) { expansion_keep_limit_ = values; }

  // Layout of the parameter slice: [Wb: in x out][S: in x out][C: in x (G+k) x out], output
  // index fastest so the inner loops over outputs are contiguous.
  std::size_t wb_offset() const { return 0; }
  std::size_t s_offset() const { return static_cast<std::size_t>(in_) * out_; }
  std::size_t c_offset() const { return 2 * static_cast<std::size_t>(in_) * out_; }

 private:
  void do_init(Rng& rng) override;
  void do_forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* rng) override;
  void do_backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) override;
  void do_import_params(const LayerState& s) override;
  void resize_caches(std::size_t n, bool training);
  void refresh_knot_tables();
  void prepare_block(const Mat<T>& x, std::size_t b0, std::size_t b1, bool derivs);
  // Narrow and wide paths: the local-support kernels over eff_.
  void build_effective();
  void forward_local(const Mat<T>& x, Mat<T>& y, bool training, int threads);
  void backward_local(const Mat<T>& dy, Mat<T>* dx, int threads);
  // Gemm path: the layer as one GEMM over a dense per-sample expansion of D = G+k+1 entries per
  // input (k+2 of them non-zero), on the dense-layer GEMM kernels.
  void build_compact();
  void expand_block(std::size_t b0, std::size_t b1, T* a);
  void forward_gemm(const Mat<T>& x, Mat<T>& y, bool training, int threads);
  void backward_gemm(const Mat<T>& dy, Mat<T>* dx, int threads);
  void param_grads_from_partials(std::size_t esize, std::size_t n_blocks, std::size_t per_input, int first_row,
                                 int wb_row, int ld);
  // Spline outputs (S * sum C B) of input i for samples x[:, i]: [N, out], in double.
  Mat<double> spline_values(const Mat<T>& x, int i) const;
  int rows() const { return knots_.grid_size() + 3 * knots_.order() + 1; }

  int in_, out_;
  SplineKnots<T> knots_;
  KanInit init_;
  KanKernelPath path_;
  // Effective coefficients [in, R, op], R = G+3k+1, op = kan_out_stride(out) (zero padding
  // columns, then a zero tail): rows k..G+2k-1 hold S*C for the G+k bases, the k rows on each
  // side are zero padding (so the k+1 active rows never need a bounds test) and row R-1 holds Wb
  // (the SiLU branch treated as one more basis).
  std::vector<T> eff_;
  // Per (sample, input) cache of the last forward: first active row, bases and derivatives
  // (block-major, see kan_kernels.hpp), SiLU; the derivatives only after a training forward.
  std::vector<int> r0_;
  std::vector<T> basis_, dbasis_, silu_, dsilu_;
  bool derivs_cached_ = false;
  std::vector<T> t0_rep_, inv_h_rep_;  // first knot and 1/h per input, repeated kSampleBlock times
  std::vector<std::vector<T>> partial_;  // per-block gradients of eff_
  std::vector<T> total_;                 // their sum
  std::vector<T> dy_pad_;                // dy with row stride op (wide layers, out not a multiple of 8)
  // GEMM path: compact coefficients [in*D, out] (S*C rows, then Wb) and their transpose; the
  // expansion of the last training forward [N, in*D] (zero but for the active bases and SiLU).
  std::vector<T> ec_, ect_, expanded_;
  bool expanded_valid_ = false;
  std::size_t expansion_keep_limit_ = kKanExpansionKeepLimit;
};

}  // namespace kanscan::models
