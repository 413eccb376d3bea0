#include "models/basis_layer.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "framework/error.hpp"
#include "models/dense_kernels.hpp"
#include "models/kan_kernels.hpp"
#include "models/rational_fit.hpp"

namespace kanscan::models {
namespace {

constexpr double kLayerNormEps = 1e-5;  // torch.nn.LayerNorm's default

double kaiming_bound(double a, int fan_in) { return std::sqrt(6.0 / ((1.0 + a * a) * fan_in)); }

// FastKAN's base branch is an nn.Linear (with a bias); FourierKAN adds a bias, KAT's linear layer
// has one; ChebyKAN has none.
bool has_bias_of(const KanBasisState& s) {
  switch (s.basis) {
    case Basis::rbf: return s.base_branch;
    case Basis::fourier:
    case Basis::rational: return true;
    case Basis::chebyshev:
    case Basis::bspline: return false;
  }
  return false;
}

std::string layer_name(const KanBasisState& s, int in, int out) {
  return "KAN layer [" + std::to_string(in) + " -> " + std::to_string(out) + "], basis " + to_string(s.basis);
}

// d|b|/db as KAT's CUDA kernel takes it, copysign(1, b): +1 at b = +0, so a denominator that
// starts at zero (the identity) learns. (torch's abs, in KAT's CPU fallback, gives 0 there.)
template <typename T>
T sign_of(T v) {
  return std::signbit(v) ? T(-1) : T(1);
}

}  // namespace

int basis_functions(const KanBasisState& s) {
  switch (s.basis) {
    case Basis::rbf: return s.num_grids;
    case Basis::chebyshev: return s.degree + 1;
    case Basis::fourier: return 2 * s.gridsize;
    case Basis::rational: return 1;
    case Basis::bspline: break;
  }
  return 0;
}

int rational_groups(int num_groups, int in) { return std::max(1, std::min(num_groups, in)); }

std::size_t basis_layer_params(const KanBasisState& s, int in, int out) {
  const std::size_t i = static_cast<std::size_t>(in), o = static_cast<std::size_t>(out);
  const std::size_t k = static_cast<std::size_t>(basis_functions(s)) * i + (s.base_branch ? i : 0);
  std::size_t n = k * o + (has_bias_of(s) ? o : 0);
  if (s.basis == Basis::rbf && s.layernorm) n += 2 * i;
  if (s.basis == Basis::rational)
    n += static_cast<std::size_t>(s.numerator_degree) + 1 +
         static_cast<std::size_t>(rational_groups(s.num_groups, in)) * static_cast<std::size_t>(s.denominator_degree);
  return n;
}

template <typename T>
BasisKanLayer<T>::BasisKanLayer(int n_in, int n_out, const KanBasisState& opts, BasisInit init)
    : in_(n_in), out_(n_out), opts_(opts), init_(init) {
  const std::string name = layer_name(opts, n_in, n_out);
  if (n_in < 1 || n_out < 1) throw InputError(name + ": in and out must be >= 1");
  switch (opts_.basis) {
    case Basis::bspline: throw InputError(name + ": B-spline layers are KanLayer");
    case Basis::rbf:
      if (opts_.num_grids < 1 || !(opts_.grid_max > opts_.grid_min))
        throw InputError(name + ": needs num_grids >= 1 and grid_min < grid_max");
      if (!(opts_.denominator > 0)) {
        if (opts_.num_grids < 2) throw InputError(name + ": one centre needs an explicit width");
        opts_.denominator = (opts_.grid_max - opts_.grid_min) / (opts_.num_grids - 1);
      }
      for (int m = 0; m < opts_.num_grids; ++m)
        centers_.push_back(static_cast<T>(
            opts_.num_grids == 1 ? opts_.grid_min
                                 : opts_.grid_min + m * (opts_.grid_max - opts_.grid_min) / (opts_.num_grids - 1)));
      break;
    case Basis::chebyshev:
      if (opts_.degree < 0) throw InputError(name + ": degree must be >= 0");
      break;
    case Basis::fourier:
      if (opts_.gridsize < 1) throw InputError(name + ": gridsize must be >= 1");
      break;
    case Basis::rational:
      if (opts_.numerator_degree < 1 || opts_.denominator_degree < 1 || opts_.num_groups < 1)
        throw InputError(name + ": needs numerator and denominator degrees >= 1 and num_groups >= 1");
      opts_.num_groups = groups_ = rational_groups(opts_.num_groups, in_);
      break;
  }
  if (opts_.basis != Basis::rbf) opts_.layernorm = false;
  D_ = basis_functions(opts_);
  K_ = D_ * in_ + (opts_.base_branch ? in_ : 0);
  ip_ = kan_basis_stride(in_);
  std::size_t off = static_cast<std::size_t>(K_) * out_;
  if (has_bias_of(opts_)) {
    bias_off_ = off;
    off += static_cast<std::size_t>(out_);
  }
  if (opts_.layernorm) {
    ln_off_ = off;
    off += 2 * static_cast<std::size_t>(in_);
  }
  if (opts_.basis == Basis::rational) {
    num_off_ = off;
    den_off_ = off + static_cast<std::size_t>(opts_.numerator_degree) + 1;
  }
  path_ = kan_kernel_path(shape());
}

template <typename T>
KanShape BasisKanLayer<T>::shape() const {
  KanShape s;
  s.in = in_;
  s.out = out_;
  s.grid_size = 0;
  s.order = 0;
  s.basis = opts_.basis;
  s.functions = D_;
  s.base_branch = opts_.base_branch;
  return s;
}

// Initialisation of the reference implementations, drawn from the trial's init stream in the
// order their modules create their parameters.
template <typename T>
void BasisKanLayer<T>::do_init(Rng& rng) {
  T* e = this->p_;
  std::fill_n(this->p_, n_params(), T(0));
  const std::size_t in = in_, out = out_;
  auto at = [&](std::size_t m, std::size_t i, std::size_t j) -> T& { return e[(m * in + i) * out + j]; };
  switch (opts_.basis) {
    case Basis::rbf:
      // FastKAN's SplineLinear: trunc_normal_(std = 0.1) over [out, in * M] (cut at +-2).
      for (std::size_t j = 0; j < out; ++j)
        for (std::size_t i = 0; i < in; ++i)
          for (int m = 0; m < D_; ++m) {
            double v;
            do v = 0.1 * rng.normal();
            while (std::abs(v) > 2.0);
            at(static_cast<std::size_t>(m), i, j) = static_cast<T>(v);
          }
      break;
    case Basis::chebyshev: {
      // ChebyKAN: cheby_coeffs [in, out, d+1] ~ N(0, 1 / (in (d+1))).
      const double sd = 1.0 / (static_cast<double>(in) * D_);
      for (std::size_t i = 0; i < in; ++i)
        for (std::size_t j = 0; j < out; ++j)
          for (int m = 0; m < D_; ++m) at(static_cast<std::size_t>(m), i, j) = static_cast<T>(sd * rng.normal());
      break;
    }
    case Basis::fourier: {
      // FourierKAN: fouriercoeffs [2, out, in, F] ~ N(0, 1) / (sqrt(in) * sqrt(F)), or / (sqrt(in) k^2).
      const int F = opts_.gridsize;
      for (int c = 0; c < 2; ++c)
        for (std::size_t j = 0; j < out; ++j)
          for (std::size_t i = 0; i < in; ++i)
            for (int k = 0; k < F; ++k) {
              const double norm = std::sqrt(static_cast<double>(in)) *
                                  (init_.fourier_smooth ? static_cast<double>((k + 1) * (k + 1)) : std::sqrt(double(F)));
              at(static_cast<std::size_t>(c * F + k), i, j) = static_cast<T>(rng.normal() / norm);
            }
      break;  // the bias starts at zero
    }
    case Basis::rational: init_rational(rng); break;
    case Basis::bspline: break;
  }
  if (opts_.base_branch) {
    // torch.nn.Linear's Kaiming-uniform (a = sqrt(5) scale_base) over [out, in], then its bias.
    const double b = kaiming_bound(std::sqrt(5.0) * init_.scale_base, in_);
    for (std::size_t j = 0; j < out; ++j)
      for (std::size_t i = 0; i < in; ++i) at(static_cast<std::size_t>(D_), i, j) = static_cast<T>(rng.uniform(-b, b));
    if (opts_.basis == Basis::rbf) {
      const double bb = 1.0 / std::sqrt(static_cast<double>(in_));
      for (std::size_t j = 0; j < out; ++j) this->p_[bias_off_ + j] = static_cast<T>(rng.uniform(-bb, bb));
    }
  }
  if (opts_.layernorm) std::fill_n(this->p_ + ln_off_, in_, T(1));  // weight 1, bias 0
}

// KAT: the rational before the first linear layer starts as the identity, the later ones as a fit
// of GELU (act1 / act2 of its KAN block); the linear layer as torch.nn.Linear.
template <typename T>
void BasisKanLayer<T>::init_rational(Rng& rng) {
  const int m = opts_.numerator_degree, n = opts_.denominator_degree;
  const RationalCoefficients c = init_.first_layer ? rational_identity(m, n) : rational_gelu_fit(m, n);
  for (int k = 0; k <= m; ++k) this->p_[num_off_ + static_cast<std::size_t>(k)] = static_cast<T>(c.numerator[k]);
  for (int g = 0; g < groups_; ++g)
    for (int k = 0; k < n; ++k)
      this->p_[den_off_ + static_cast<std::size_t>(g * n + k)] = static_cast<T>(c.denominator[static_cast<std::size_t>(k)]);
  const double b = 1.0 / std::sqrt(static_cast<double>(in_));
  for (int j = 0; j < out_; ++j)
    for (int i = 0; i < in_; ++i) this->p_[static_cast<std::size_t>(i) * out_ + j] = static_cast<T>(rng.uniform(-b, b));
  for (int j = 0; j < out_; ++j) this->p_[bias_off_ + static_cast<std::size_t>(j)] = static_cast<T>(rng.uniform(-b, b));
}

// The kernels' arguments from the current parameters (once per forward).
template <typename T>
void BasisKanLayer<T>::prepare_args() {
  args_ = KanBasisArgs<T>{};
  args_.in = in_;
  args_.in_pad = ip_;
  args_.functions = D_;
  args_.centers = centers_.data();
  args_.inv_h = static_cast<T>(1.0 / opts_.denominator);
  args_.clamp = opts_.squash == Squash::clamp;
  if (opts_.basis != Basis::rational) return;
  const int n = opts_.denominator_degree;
  args_.m = opts_.numerator_degree;
  args_.n = n;
  args_.numerator = this->p_ + num_off_;
  den_abs_.assign(static_cast<std::size_t>(n) * ip_, T(0));
  for (int i = 0; i < in_; ++i) {
    const int g = static_cast<int>(static_cast<long long>(i) * groups_ / in_);
    for (int k = 0; k < n; ++k)
      den_abs_[static_cast<std::size_t>(k) * ip_ + i] = std::abs(this->p_[den_off_ + static_cast<std::size_t>(g * n + k)]);
  }
  args_.den_abs = den_abs_.data();
}

// E^T [out, K]: the rows gemm_dot reads in the narrow forward, and B of dy E^T.
template <typename T>
void BasisKanLayer<T>::pack_transposed() {
  et_.resize(static_cast<std::size_t>(K_) * out_);
  for (int p = 0; p < K_; ++p)
    for (int j = 0; j < out_; ++j)
      et_[static_cast<std::size_t>(j) * K_ + p] = this->p_[static_cast<std::size_t>(p) * out_ + j];
}

// Kept caches for n samples. The expansion carries kKanBasisPad values past its end: the backward
// kernels read a vector past a row's last entries.
template <typename T>
void BasisKanLayer<T>::size_kept(std::size_t n) {
  const std::size_t ni = n * static_cast<std::size_t>(in_), np = n * static_cast<std::size_t>(ip_);
  a_.resize(n * static_cast<std::size_t>(K_) + kKanBasisPad);
  da_.resize(np * static_cast<std::size_t>(D_));
  if (opts_.basis == Basis::rational) {
    q_.resize(np);
    zp_.resize(np);
  }
  if (opts_.base_branch) dsilu_.resize(ni);
  if (opts_.layernorm) {
    xhat_.resize(ni);
    rstd_.resize(n);
  }
}

template <typename T>
typename BasisKanLayer<T>::Block BasisKanLayer<T>::kept_block(std::size_t b0) const {
  auto ptr = [](const std::vector<T>& v, std::size_t off) { return v.empty() ? nullptr : const_cast<T*>(v.data()) + off; };
  const std::size_t ni = b0 * static_cast<std::size_t>(in_), np = b0 * static_cast<std::size_t>(ip_);
  return Block{ptr(a_, b0 * static_cast<std::size_t>(K_)), ptr(da_, np * static_cast<std::size_t>(D_)), ptr(q_, np),
               ptr(zp_, np), ptr(dsilu_, ni), ptr(xhat_, ni), ptr(rstd_, b0)};
}

// A block's buffers in per-thread scratch: forwards that keep nothing, and backward after them.
template <typename T>
typename BasisKanLayer<T>::Block BasisKanLayer<T>::scratch_block(std::size_t rows, bool derivs) const {
  thread_local std::vector<T> buf;
  const std::size_t ni = rows * static_cast<std::size_t>(in_), np = rows * static_cast<std::size_t>(ip_);
  const std::size_t na = rows * static_cast<std::size_t>(K_) + kKanBasisPad;
  const std::size_t nd = derivs ? np * static_cast<std::size_t>(D_) : 0;
  const bool rat = opts_.basis == Basis::rational && derivs, base = opts_.base_branch && derivs, ln = opts_.layernorm;
  buf.resize(na + nd + (rat ? 2 * np : 0) + (base ? ni : 0) + (ln ? ni + rows : 0));
  T* p = buf.data();
  Block b;
  b.a = p;
  p += na;
  if (derivs) {
    b.da = p;
    p += nd;
  }
  if (rat) {
    b.q = p;
    b.zp = p + np;
    p += 2 * np;
  }
  if (base) {
    b.dsilu = p;
    p += ni;
  }
  if (ln) {
    b.xhat = p;
    b.rstd = p + ni;
  }
  return b;
}

// The expansion of rows samples x [rows, in]: LayerNorm (rbf), the basis functions of every
// input (computed on padded rows, then packed into A), the SiLU of every input; derivatives when
// blk.da is set. Serial, fixed order.
template <typename T>
void BasisKanLayer<T>::expand(const T* x, int rows, const Block& blk) const {
  const auto& kern = KanKernels<T>::get();
  const std::size_t in = static_cast<std::size_t>(in_), ip = static_cast<std::size_t>(ip_);
  thread_local std::vector<T> zbuf, phi;
  T* z = blk.zp;
  if (!z) {
    zbuf.resize(static_cast<std::size_t>(rows) * ip);
    z = zbuf.data();
  }
  // Plain loops for these short rows (a library memmove per row cost more than the copy).
  for (int r = 0; r < rows; ++r) {
    T* zr = z + r * ip;
    const T* xr = x + r * in;
    for (std::size_t i = 0; i < in; ++i) zr[i] = xr[i];
    for (std::size_t i = in; i < ip; ++i) zr[i] = T(0);
  }
  if (opts_.layernorm) layernorm_rows(z, rows, blk);
  phi.resize(static_cast<std::size_t>(rows) * D_ * ip);
  T* q = blk.da ? blk.q : nullptr;
  switch (path_.basis) {
    case KanBasis::rbf: kern.rbf_rows(args_, z, rows, phi.data(), blk.da, nullptr); break;
    case KanBasis::chebyshev: kern.chebyshev_rows(args_, z, rows, phi.data(), blk.da, nullptr); break;
    case KanBasis::fourier: kern.fourier_rows(args_, z, rows, phi.data(), blk.da, nullptr); break;
    case KanBasis::rational: kern.rational_rows(args_, z, rows, phi.data(), blk.da, q); break;
    case KanBasis::uniform_cubic:
    case KanBasis::generic: __builtin_trap();  // B-spline bases belong to KanLayer
  }
  for (int r = 0; r < rows; ++r)
    for (int m = 0; m < D_; ++m) {
      const T* src = phi.data() + (static_cast<std::size_t>(r) * D_ + m) * ip;
      T* dst = blk.a + static_cast<std::size_t>(r) * K_ + m * in;
      for (std::size_t i = 0; i < in; ++i) dst[i] = src[i];
    }
  if (!opts_.base_branch) return;
  const std::size_t base_col = static_cast<std::size_t>(D_) * in;
  for (int r = 0; r < rows; ++r)
    kern.silu_rows(x + r * in, blk.a + static_cast<std::size_t>(r) * K_ + base_col,
                   blk.da ? blk.dsilu + r * in : nullptr, 0, in);
}

// torch.nn.LayerNorm over each padded row of z (in place): mean and biased variance of the
// inputs, xhat = (x - mean) / sqrt(var + eps), z = weight xhat + bias. Serial, in input order.
template <typename T>
void BasisKanLayer<T>::layernorm_rows(T* z, int rows, const Block& blk) const {
  const std::size_t in = static_cast<std::size_t>(in_), ip = static_cast<std::size_t>(ip_);
  const T* w = this->p_ + ln_off_;
  const T* bias = w + in;
  for (int r = 0; r < rows; ++r) {
    T* zr = z + r * ip;
    T mean = T(0), var = T(0);
    for (std::size_t i = 0; i < in; ++i) mean += zr[i];
    mean /= static_cast<T>(in_);
    for (std::size_t i = 0; i < in; ++i) var += (zr[i] - mean) * (zr[i] - mean);
    var /= static_cast<T>(in_);
    const T rs = T(1) / std::sqrt(var + static_cast<T>(kLayerNormEps));
    blk.rstd[r] = rs;
    for (std::size_t i = 0; i < in; ++i) {
      const T xh = (zr[i] - mean) * rs;
      blk.xhat[r * in + i] = xh;
      zr[i] = w[i] * xh + bias[i];
    }
  }
}

// Parallel over fixed sample blocks; each output row written by one thread with the same
// operations in the same order for any thread count and instruction set.
template <typename T>
void BasisKanLayer<T>::do_forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* /*rng*/) {
  const std::size_t n = static_cast<std::size_t>(x.rows());
  prepare_args();
  const bool dot = path_.path == KanPath::expand_dot;
  if (dot) pack_transposed();
  kept_ = kan_keeps_expansion(path_, in_, n, training, keep_limit_);
  if (kept_) size_kept(n);
  const auto& dense = DenseKernels<T>::get();
  const T* bias = has_bias() ? this->p_ + bias_off_ : nullptr;
  for_blocks(num_blocks(n, kSampleBlock), threads, [&](std::size_t b) {
    const BlockRange br = block_range(b, n, kSampleBlock);
    const int rows = static_cast<int>(br.end - br.begin);
    const Block blk = kept_ ? kept_block(br.begin) : scratch_block(static_cast<std::size_t>(rows), false);
    expand(x.data() + br.begin * in_, rows, blk);
    T* yb = y.data() + br.begin * out_;
    for (int r = 0; r < rows; ++r) {
      T* yr = yb + static_cast<std::size_t>(r) * out_;
      if (bias) std::copy_n(bias, out_, yr);
      else std::fill_n(yr, out_, T(0));
    }
    if (dot)
      dense.gemm_dot(rows, out_, K_, blk.a, K_, et_.data(), K_, yb, out_);
    else
      dense.gemm_acc(rows, out_, K_, blk.a, K_, 1, this->p_, out_, yb, out_);
  });
}

// Per fixed sample block: the block's parameter gradient in its own buffer, the blocks summed in
// block order afterwards; dx rows per block. Bitwise identical for any thread count.
template <typename T>
void BasisKanLayer<T>::do_backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) {
  const std::size_t n = static_cast<std::size_t>(x.rows());
  const std::size_t nb = num_blocks(n, kSampleBlock), np = n_params();
  const bool need_g = dx || opts_.layernorm || opts_.basis == Basis::rational;
  if (need_g && !path_.narrow_expansion) pack_transposed();
  if (partial_.size() < nb) partial_.resize(nb);
  for_blocks(nb, threads, [&](std::size_t b) {
    const BlockRange br = block_range(b, n, kSampleBlock);
    const int rows = static_cast<int>(br.end - br.begin);
    Block blk;
    if (kept_) {
      blk = kept_block(br.begin);
    } else {
      // The forward kept nothing (inference, or more than the keep limit): the same expansion again.
      blk = scratch_block(static_cast<std::size_t>(rows), true);
      expand(x.data() + br.begin * in_, rows, blk);
    }
    std::vector<T>& part = partial_[b];
    part.assign(np, T(0));
    backward_block(x.data() + br.begin * in_, dy.data() + br.begin * out_, dx ? dx->data() + br.begin * in_ : nullptr,
                   rows, blk, part.data());
  });
  T* g = this->g_;
  std::fill_n(g, np, T(0));
  for (std::size_t b = 0; b < nb; ++b) {
    const T* pb = partial_[b].data();
    for (std::size_t q = 0; q < np; ++q) g[q] += pb[q];
  }
  if (opts_.basis == Basis::rational) {
    // d|b|/db = copysign(1, b), constant over the sums (and exact: a factor of +-1).
    const std::size_t nd = static_cast<std::size_t>(groups_) * opts_.denominator_degree;
    for (std::size_t q = 0; q < nd; ++q) g[den_off_ + q] *= sign_of(this->p_[den_off_ + q]);
  }
}

// One block: dE = A^T dy, the bias gradient, and (when needed) dy E^T contracted with the
// derivatives of the expansion.
template <typename T>
void BasisKanLayer<T>::backward_block(const T* x, const T* dy, T* dx, int rows, const Block& blk, T* part) const {
  const auto& dense = DenseKernels<T>::get();
  if (out_ >= kKanNarrowOut) {
    dense.gemm_acc(K_, out_, rows, blk.a, 1, K_, dy, out_, part, out_);
  } else {
    // dE^T = dy^T A (vectors over K), transposed into place, as DenseLayer does for few outputs.
    thread_local std::vector<T> gwt;
    gwt.assign(static_cast<std::size_t>(K_) * out_, T(0));
    dense.gemm_acc(out_, K_, rows, dy, 1, out_, blk.a, K_, gwt.data(), K_);
    for (int j = 0; j < out_; ++j)
      for (int p = 0; p < K_; ++p)
        part[static_cast<std::size_t>(p) * out_ + j] = gwt[static_cast<std::size_t>(j) * K_ + p];
  }
  if (has_bias()) dense.column_sums(rows, out_, dy, out_, part + bias_off_);
  if (!(dx || opts_.layernorm || opts_.basis == Basis::rational)) return;
  thread_local std::vector<T> gexp;  // dL/dA = dy E^T of this block (padded: the kernels read past a row)
  gexp.assign(static_cast<std::size_t>(rows) * K_ + kKanBasisPad, T(0));
  if (path_.narrow_expansion)
    dense.gemm_dot(rows, K_, out_, dy, out_, this->p_, out_, gexp.data(), K_);
  else
    dense.gemm_acc(rows, K_, out_, dy, out_, 1, et_.data(), K_, gexp.data(), K_);
  input_side(x, gexp.data(), dx, rows, blk, part);
}

// From dL/dA: dL/dz per input (functions in order), the rational coefficients' and LayerNorm's
// gradients, and dx (LayerNorm backward, plus the SiLU branch).
template <typename T>
void BasisKanLayer<T>::input_side(const T* /*x*/, const T* g, T* dx, int rows, const Block& blk, T* part) const {
  const auto& kern = KanKernels<T>::get();
  const std::size_t in = static_cast<std::size_t>(in_), ip = static_cast<std::size_t>(ip_);
  const std::size_t nf = static_cast<std::size_t>(D_) * in;
  thread_local std::vector<T> dz;
  const bool want_dz = dx || opts_.layernorm;  // the first layer of a rational model wants only its coefficients
  if (want_dz) {
    dz.resize(static_cast<std::size_t>(rows) * ip);
    kern.basis_contract_rows(args_, g, K_, blk.da, rows, dz.data());
  }
  if (opts_.basis == Basis::rational) {
    // Per input over the rows, then the inputs of each group in order (sign(b) applied later).
    const std::size_t m1 = static_cast<std::size_t>(opts_.numerator_degree) + 1;
    const std::size_t n = static_cast<std::size_t>(opts_.denominator_degree);
    thread_local std::vector<T> acc;
    acc.assign((m1 + n) * ip, T(0));
    kern.rational_grad_rows(args_, g, K_, blk.zp, blk.a, K_, blk.q, rows, acc.data(), acc.data() + m1 * ip);
    for (std::size_t k = 0; k < m1; ++k)
      for (std::size_t i = 0; i < in; ++i) part[num_off_ + k] += acc[k * ip + i];
    for (std::size_t i = 0; i < in; ++i) {
      const std::size_t grp = static_cast<std::size_t>(static_cast<long long>(i) * groups_ / in_);
      for (std::size_t k = 0; k < n; ++k) part[den_off_ + grp * n + k] += acc[(m1 + k) * ip + i];
    }
  }
  for (int r = 0; r < rows && want_dz; ++r) {
    const T* dzr = dz.data() + r * ip;
    T* dxr = dx ? dx + r * in : nullptr;
    if (opts_.layernorm)
      layernorm_backward(dzr, dxr, blk.xhat + r * in, blk.rstd[r], part);
    else if (dxr)
      for (std::size_t i = 0; i < in; ++i) dxr[i] = dzr[i];
    if (dxr && opts_.base_branch) {
      const T* gb = g + static_cast<std::size_t>(r) * K_ + nf;
      const T* ds = blk.dsilu + r * in;
      for (std::size_t i = 0; i < in; ++i) dxr[i] += gb[i] * ds[i];
    }
  }
}

// torch.nn.LayerNorm's backward for one sample: dweight += dz xhat, dbias += dz,
// dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) with dxhat = dz weight.
template <typename T>
void BasisKanLayer<T>::layernorm_backward(const T* dz, T* dxr, const T* xhat, T rstd, T* part) const {
  const std::size_t in = static_cast<std::size_t>(in_);
  const T* w = this->p_ + ln_off_;
  for (std::size_t i = 0; i < in; ++i) {
    part[ln_off_ + i] += dz[i] * xhat[i];
    part[ln_off_ + in + i] += dz[i];
  }
  if (!dxr) return;
  T s1 = T(0), s2 = T(0);
  for (std::size_t i = 0; i < in; ++i) {
    const T d = dz[i] * w[i];
    s1 += d;
    s2 += d * xhat[i];
  }
  const T inv = T(1) / static_cast<T>(in_);
  for (std::size_t i = 0; i < in; ++i) dxr[i] = rstd * ((dz[i] * w[i] - s1 * inv) - xhat[i] * (s2 * inv));
}

template class BasisKanLayer<float>;
template class BasisKanLayer<double>;

}  // namespace kanscan::models
