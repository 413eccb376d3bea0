#pragma once
// KAN layers whose edge functions use a basis other than B-splines, each with the semantics and
// the state-dict names of its reference implementation (docs/models.md, "KAN bases"):
//   rbf        FastKAN (Li, arXiv:2405.06721): Gaussian radial basis functions on a fixed grid of
//              centres, optional LayerNorm of the inputs, SiLU base branch with a bias;
//   chebyshev  ChebyKAN (SynodicMonth): Chebyshev polynomials T_0 .. T_d of tanh(x);
//   fourier    FourierKAN's naive layer (GistNoesis): cos(kx), sin(kx) for k = 1 .. F, a bias;
//   rational   KAT's GR-KAN (Yang & Wang, arXiv:2409.10594): a safe Pade ratio P/Q per group of
//              inputs followed by a linear layer with a bias.
// Every function of such a basis is non-zero at (almost) every x, so the layer is, per block of
// samples, a dense expansion A [rows, K] (function m of input i in column m*in + i, the SiLU of
// input i in column functions*in + i) times the coefficients E [K, out] on the dense GEMM kernels,
// plus a bias. The basis kernels (kan_basis_kernels.inl) and the GEMMs keep the KAN contract:
// fixed sample blocks, parameter gradients per block summed in block order, no FMA, bitwise
// identical for any thread count and in every instruction-set copy.
#include <string>
#include <utility>
#include <vector>

#include "models/kan_kernels.hpp"
#include "models/kan_path.hpp"
#include "models/layer.hpp"

namespace kanscan::models {

struct BasisInit {
  double scale_base = 1.0;      // SiLU branch: Kaiming-uniform with a = sqrt(5) * scale_base
  bool fourier_smooth = false;  // FourierKAN's smooth_initialization
  bool first_layer = true;      // rational: identity at the input layer, a fit of GELU deeper (as KAT)
};

// Functions per input of a basis with these settings (rbf M, chebyshev d + 1, fourier 2F, rational 1).
int basis_functions(const KanBasisState& s);
// Groups a rational layer with `in` inputs uses: min(num_groups, in); input i is in group
// floor(i * groups / in) (KAT's contiguous groups when groups divides in).
int rational_groups(int num_groups, int in);
// Parameters of a layer [in, out] with these settings (models/parameter_count.cpp uses it).
std::size_t basis_layer_params(const KanBasisState& s, int in, int out);

// The checkpoint tensors of a layer [in, out] with these settings, by name, with their shapes (the
// reference implementation's state dict; docs/models.md "Checkpoint layout").
std::vector<std::pair<std::string, std::vector<std::size_t>>> basis_tensor_shapes(const KanBasisState& s, int in,
                                                                                 int out);
// (in, out) of a stored layer, from its main tensor; InputError naming `where` when it is missing
// or malformed.
std::pair<int, int> basis_layer_dims(const LayerState& s, const std::string& where);

template <typename T>
class BasisKanLayer final : public Layer<T> {
 public:
  // opts.basis must not be bspline; num_groups is the configured count (see rational_groups).
  BasisKanLayer(int n_in, int n_out, const KanBasisState& opts, BasisInit init = {});
  int n_in() const override { return in_; }
  int n_out() const override { return out_; }
  std::size_t n_params() const override { return basis_layer_params(opts_, in_, out_); }
  const char* kind_name() const override { return "KAN layer"; }
  const KanBasisState& options() const { return opts_; }
  KanShape shape() const;
  const KanKernelPath& kernel_path() const { return path_; }
  LayerState export_state() const override;
  // As KanLayer's: training forwards keep the expansion for backward up to this many values.
  void set_expansion_keep_limit(std::size_t values) { keep_limit_ = values; }

  // Layout of the parameter slice: [E: K x out][bias: out, when present][LayerNorm weight, bias:
  // in each][rational numerator: m + 1][rational denominators: groups x n].
  int expansion_width() const { return K_; }
  bool has_bias() const { return bias_off_ != npos; }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  // Per-block buffers of one forward (kept for backward, or a block's scratch).
  // ip = kan_basis_stride(in): the padded row length of the basis kernels' arrays.
  struct Block {
    T* a = nullptr;      // [rows, K] expansion (kKanBasisPad values of slack after it)
    T* da = nullptr;     // [rows, functions, ip] derivatives (null: inference)
    T* q = nullptr;      // rational: [rows, ip] denominators
    T* zp = nullptr;     // rational: [rows, ip] inputs (null elsewhere: a scratch of expand)
    T* dsilu = nullptr;  // base branch: [rows, in]
    T* xhat = nullptr;   // layernorm: [rows, in] normalised inputs
    T* rstd = nullptr;   // layernorm: [rows] 1 / sqrt(var + eps)
  };
  void do_init(Rng& rng) override;
  void do_forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* rng) override;
  void do_backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) override;
  void do_import_params(const LayerState& s) override;
  void init_rational(Rng& rng);
  void prepare_args();
  void pack_transposed();
  void size_kept(std::size_t n);
  Block kept_block(std::size_t b0) const;
  Block scratch_block(std::size_t rows, bool derivs) const;
  void expand(const T* x, int rows, const Block& blk) const;
  void layernorm_rows(T* z, int rows, const Block& blk) const;
  void backward_block(const T* x, const T* dy, T* dx, int rows, const Block& blk, T* part) const;
  void input_side(const T* x, const T* g, T* dx, int rows, const Block& blk, T* part) const;
  void layernorm_backward(const T* dz, T* dxr, const T* xhat, T rstd, T* part) const;

  int in_, out_;
  KanBasisState opts_;
  BasisInit init_;
  KanKernelPath path_;
  int D_ = 0, K_ = 0, ip_ = 0, groups_ = 0;
  std::size_t bias_off_ = npos, ln_off_ = npos, num_off_ = npos, den_off_ = npos;
  std::vector<T> centers_;  // rbf: padded with zeros
  std::vector<T> den_abs_;  // rational: [n][ip]
  KanBasisArgs<T> args_;
  std::vector<T> et_;  // E^T [out, K] for the narrow forward and the input-side product
  // Kept forward caches (training forwards up to the keep limit).
  std::vector<T> a_, da_, q_, zp_, dsilu_, xhat_, rstd_;
  bool kept_ = false, kept_derivs_ = false;
  std::size_t keep_limit_ = kKanExpansionKeepLimit;
  std::vector<std::vector<T>> partial_;
};

}  // namespace kanscan::models
