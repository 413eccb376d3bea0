#include "models/kan_layer.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>

#include "framework/error.hpp"
#include "framework/parallel.hpp"
#include "models/dense_kernels.hpp"
#include "models/kan_kernels.hpp"

namespace kanscan::models {
namespace {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;

// Minimum-norm least squares (rank-deficient systems happen when no sample falls under a basis).
MatD lstsq(const MatD& a, const MatD& b) {
  Eigen::CompleteOrthogonalDecomposition<MatD> cod(a);
  cod.setThreshold(1e-12);
  return cod.solve(b);
}

// Kaiming-uniform as torch.nn.init.kaiming_uniform_(w, a): bound = sqrt(6 / ((1 + a^2) fan_in)).
double kaiming_bound(double a, int fan_in) { return std::sqrt(6.0 / ((1.0 + a * a) * fan_in)); }

}  // namespace

template <typename T>
KanLayer<T>::KanLayer(int n_in, int n_out, SplineKnots<T> knots, KanInit init)
    : in_(n_in), out_(n_out), knots_(std::move(knots)), init_(init) {
  if (n_in < 1 || n_out < 1) throw InputError("KAN layer: in and out must be >= 1");
  if (knots_.n_in() != n_in) throw InputError("KAN layer: grid has " + std::to_string(knots_.n_in()) + " inputs, layer " + std::to_string(n_in));
  path_ = kan_kernel_path(shape());
}

template <typename T>
KanShape KanLayer<T>::shape() const {
  return {in_, out_, knots_.grid_size(), knots_.order(), knots_.all_uniform()};
}

template <typename T>
std::size_t KanLayer<T>::n_params() const {
  return static_cast<std::size_t>(in_) * out_ * (knots_.n_basis() + 2);
}

template <typename T>
void KanLayer<T>::do_init(Rng& rng) {
  T* wb = this->p_ + wb_offset();
  T* s = this->p_ + s_offset();
  T* c = this->p_ + c_offset();
  const int G = knots_.grid_size(), k = knots_.order(), nb = knots_.n_basis();
  // efficient-kan order: noise (G+1, in, out) first, then base_weight, then spline_scaler.
  std::vector<double> noise(static_cast<std::size_t>(G + 1) * in_ * out_);
  for (auto& v : noise) v = (rng.uniform() - 0.5) * init_.scale_noise / G;
  for (int i = 0; i < in_; ++i) {
    const T* t = knots_.knots(i);
    MatD a = MatD::Zero(G + 1, nb);
    for (int p = 0; p <= G; ++p) {
      const auto b = cox_de_boor_reference(std::vector<double>(t, t + knots_.n_knots()).data(), knots_.n_knots(), k,
                                           static_cast<double>(t[k + p]));
      for (int m = 0; m < nb; ++m) a(p, m) = b[m];
    }
    MatD y(G + 1, out_);
    for (int p = 0; p <= G; ++p)
      for (int j = 0; j < out_; ++j) y(p, j) = noise[(static_cast<std::size_t>(p) * in_ + i) * out_ + j];
    const MatD coef = lstsq(a, y);  // [nb, out]
    for (int m = 0; m < nb; ++m)
      for (int j = 0; j < out_; ++j)
        c[(static_cast<std::size_t>(i) * nb + m) * out_ + j] = static_cast<T>(coef(m, j));
  }
  // torch draws base_weight [out, in] row by row; keep that order for the same distribution layout.
  const double bb = kaiming_bound(std::sqrt(5.0) * init_.scale_base, in_);
  for (int j = 0; j < out_; ++j)
    for (int i = 0; i < in_; ++i) wb[static_cast<std::size_t>(i) * out_ + j] = static_cast<T>(rng.uniform(-bb, bb));
  const double bs = kaiming_bound(std::sqrt(5.0) * init_.scale_spline, in_);
  for (int j = 0; j < out_; ++j)
    for (int i = 0; i < in_; ++i) s[static_cast<std::size_t>(i) * out_ + j] = static_cast<T>(rng.uniform(-bs, bs));
}

template <typename T>
void KanLayer<T>::build_effective() {
  const int R = rows(), k = knots_.order(), nb = knots_.n_basis(), op = path_.out_stride;
  const std::size_t esize = static_cast<std::size_t>(in_) * R * op + kKanEffTail;
  // Padding rows, columns and the tail are never written below: zero them only when the shape changes.
  if (eff_.size() != esize) eff_.assign(esize, T(0));
  const T* wb = this->p_ + wb_offset();
  const T* s = this->p_ + s_offset();
  const T* c = this->p_ + c_offset();
  for (int i = 0; i < in_; ++i) {
    T* e = eff_.data() + static_cast<std::size_t>(i) * R * op;
    const T* si = s + static_cast<std::size_t>(i) * out_;
    for (int m = 0; m < nb; ++m) {
      const T* cm = c + (static_cast<std::size_t>(i) * nb + m) * out_;
      T* em = e + static_cast<std::size_t>(m + k) * op;
      for (int j = 0; j < out_; ++j) em[j] = si[j] * cm[j];
    }
    std::copy_n(wb + static_cast<std::size_t>(i) * out_, out_, e + static_cast<std::size_t>(R - 1) * op);
  }
}

// One sample block of the forward cache: r0, bases, SiLU and, when derivs, their derivatives.
template <typename T>
void KanLayer<T>::prepare_block(const Mat<T>& x, std::size_t b0, std::size_t b1, bool derivs) {
  const int k1 = knots_.order() + 1;
  T* dbasis = derivs ? dbasis_.data() : nullptr;
  T* dsilu = derivs ? dsilu_.data() : nullptr;
  if (path_.basis == KanBasis::uniform_cubic) {
    KanKernels<T>::get().prepare_rows_uniform_cubic(
        x.data(), in_, t0_rep_.data(), inv_h_rep_.data(), knots_.n_knots(), r0_.data(), basis_.data(), dbasis,
        silu_.data(), dsilu, b0, b1);
    return;
  }
  KanKernels<T>::get().silu_rows(x.data(), silu_.data(), dsilu, b0 * in_, b1 * in_);
  // Block-major bases (see kan_kernels.hpp): plane q of this block holds basis q of every (b, i).
  const std::size_t plane = (b1 - b0) * in_;
  T* bn = basis_.data() + b0 * in_ * k1;
  T* bd = derivs ? dbasis_.data() + b0 * in_ * k1 : nullptr;
  T nq[kMaxSplineOrder + 1], dq[kMaxSplineOrder + 1];
  for (std::size_t b = b0; b < b1; ++b) {
    const T* xb = x.data() + b * in_;
    const std::size_t e = (b - b0) * in_;
    for (int i = 0; i < in_; ++i) {
      r0_[b * in_ + i] = knots_.eval(i, xb[i], nq, derivs ? dq : nullptr);
      for (int q = 0; q < k1; ++q) {
        bn[q * plane + e + i] = nq[q];
        if (bd) bd[q * plane + e + i] = dq[q];
      }
    }
  }
}

// Sizes the per-(sample, input) caches for n samples; derivatives only for a training forward.
template <typename T>
void KanLayer<T>::resize_caches(std::size_t n, bool training) {
  const int k1 = knots_.order() + 1;
  r0_.resize(n * in_);
  basis_.resize(n * in_ * k1);
  silu_.resize(n * in_);
  if (training) {
    dbasis_.resize(n * in_ * k1);
    dsilu_.resize(n * in_);
  }
  derivs_cached_ = training;
}

// Per-input knot tables repeated for each sample of a block, so the uniform-cubic prepare kernel
// runs over a block's (sample, input) elements in one flat loop. Rebuilt when the knots changed.
template <typename T>
void KanLayer<T>::refresh_knot_tables() {
  const std::size_t rep = kSampleBlock * static_cast<std::size_t>(in_);
  if (t0_rep_.size() == rep && std::equal(knots_.first_knots(), knots_.first_knots() + in_, t0_rep_.begin()) &&
      std::equal(knots_.inv_spacings(), knots_.inv_spacings() + in_, inv_h_rep_.begin()))
    return;
  t0_rep_.resize(rep);
  inv_h_rep_.resize(rep);
  for (std::size_t e = 0; e < rep; ++e) {
    t0_rep_[e] = knots_.first_knots()[e % in_];
    inv_h_rep_[e] = knots_.inv_spacings()[e % in_];
  }
}

// Parallel over fixed sample blocks; each sample's outputs written by one thread: deterministic.
template <typename T>
void KanLayer<T>::do_forward(const Mat<T>& x, Mat<T>& y, bool training, int threads, Rng* /*rng*/) {
  resize_caches(static_cast<std::size_t>(x.rows()), training);
  refresh_knot_tables();
  if (path_.path == KanPath::gemm)
    forward_gemm(x, y, training, threads);
  else
    forward_local(x, y, training, threads);
}

// Narrow and wide paths: the local-support kernels over the effective coefficients.
template <typename T>
void KanLayer<T>::forward_local(const Mat<T>& x, Mat<T>& y, bool training, int threads) {
  build_effective();
  const std::size_t n = static_cast<std::size_t>(x.rows());
  const int k1 = knots_.order() + 1, R = rows();
  const auto& kern = KanKernels<T>::get();
  for_blocks(num_blocks(n, kSampleBlock), threads, [&](std::size_t blk) {
    const BlockRange br = block_range(blk, n, kSampleBlock);
    prepare_block(x, br.begin, br.end, training);
    if (path_.path == KanPath::narrow)
      kern.forward_narrow_rows(eff_.data(), in_, R, out_, k1, r0_.data(), basis_.data(), silu_.data(), y.data(),
                               br.begin, br.end);
    else
      kern.forward_wide_rows(eff_.data(), in_, R, out_, path_.out_stride, k1, r0_.data(), basis_.data(),
                             silu_.data(), y.data(), br.begin, br.end);
  });
}

// Gemm path: y = expansion * Ec per block, on the dense GEMM kernel.
template <typename T>
void KanLayer<T>::forward_gemm(const Mat<T>& x, Mat<T>& y, bool training, int threads) {
  build_compact();
  const std::size_t n = static_cast<std::size_t>(x.rows());
  const std::size_t kd = static_cast<std::size_t>(in_) * path_.dense_width;
  const bool keep = kan_keeps_expansion(path_, in_, n, training, expansion_keep_limit_);
  if (keep) expanded_.resize(n * kd);
  expanded_valid_ = keep;
  const auto& dense = DenseKernels<T>::get();
  for_blocks(num_blocks(n, kSampleBlock), threads, [&](std::size_t blk) {
    const BlockRange br = block_range(blk, n, kSampleBlock);
    const int rows_b = static_cast<int>(br.end - br.begin);
    prepare_block(x, br.begin, br.end, training);
    thread_local std::vector<T> scratch;
    if (!keep) scratch.resize(rows_b * kd);
    T* a = keep ? expanded_.data() + br.begin * kd : scratch.data();
    expand_block(br.begin, br.end, a);
    T* yb = y.data() + br.begin * out_;
    std::fill_n(yb, static_cast<std::size_t>(rows_b) * out_, T(0));
    dense.gemm_acc(rows_b, out_, static_cast<int>(kd), a, static_cast<std::ptrdiff_t>(kd), 1, ec_.data(), out_, yb,
                   out_);
  });
}

// Per fixed sample block: local gradient of the coefficients, blocks summed in block order
// afterwards; input gradients written per sample. Bitwise identical for any thread count.
template <typename T>
void KanLayer<T>::do_backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>* dx, int threads) {
  const std::size_t n = static_cast<std::size_t>(x.rows());
  const std::size_t nb = num_blocks(n, kSampleBlock);
  if (partial_.size() < std::max<std::size_t>(nb, 1)) partial_.resize(std::max<std::size_t>(nb, 1));
  if (dx && !derivs_cached_) {
    // The last forward was an inference one: the derivative caches are rebuilt from x.
    const int k1 = knots_.order() + 1;
    dbasis_.resize(n * in_ * k1);
    dsilu_.resize(n * in_);
    for_blocks(nb, threads, [&](std::size_t blk) {
      const BlockRange br = block_range(blk, n, kSampleBlock);
      prepare_block(x, br.begin, br.end, true);
    });
    derivs_cached_ = true;
  }
  if (path_.path == KanPath::gemm)
    backward_gemm(dy, dx, threads);
  else
    backward_local(dy, dx, threads);
}

// Narrow and wide paths. Wide layers read dy with the padded stride; the padding columns stay zero.
template <typename T>
void KanLayer<T>::backward_local(const Mat<T>& dy, Mat<T>* dx, int threads) {
  const std::size_t n = static_cast<std::size_t>(dy.rows());
  const int k1 = knots_.order() + 1, R = rows(), op = path_.out_stride;
  const std::size_t esize = static_cast<std::size_t>(in_) * R * op;
  const std::size_t nb = num_blocks(n, kSampleBlock);
  const bool pad = path_.pad_dy;
  if (pad && dy_pad_.size() != n * op) dy_pad_.assign(n * op, T(0));
  const auto& kern = KanKernels<T>::get();
  for_blocks(nb, threads, [&](std::size_t blk) {
    const BlockRange br = block_range(blk, n, kSampleBlock);
    if (pad)
      for (std::size_t b = br.begin; b < br.end; ++b)
        std::copy_n(dy.data() + b * out_, out_, dy_pad_.data() + b * op);
    std::vector<T>& de = partial_[blk];
    de.assign(esize, T(0));
    T* dxp = dx ? dx->data() : nullptr;
    if (path_.path == KanPath::narrow)
      kern.backward_narrow_rows(eff_.data(), in_, R, out_, k1, r0_.data(), basis_.data(), dbasis_.data(),
                                silu_.data(), dsilu_.data(), dy.data(), de.data(), dxp, br.begin, br.end);
    else
      kern.backward_wide_rows(eff_.data(), in_, R, op, k1, r0_.data(), basis_.data(), dbasis_.data(), silu_.data(),
                              dsilu_.data(), pad ? dy_pad_.data() : dy.data(), de.data(), dxp, br.begin, br.end);
  });
  // Rows k .. G+2k-1 of each input's [R, op] block hold the spline bases, row R-1 the SiLU one.
  param_grads_from_partials(esize, nb, static_cast<std::size_t>(R) * op, knots_.order(), R - 1, op);
}

// Sums the per-block gradients of the (effective or compact) coefficients in block order, then
// applies the chain rule to Wb, S and C: rows first_row + m (m < G+k) of each input's block of
// per_input values are the spline bases, row wb_row the SiLU branch; ld is the row stride.
template <typename T>
void KanLayer<T>::param_grads_from_partials(std::size_t esize, std::size_t n_blocks, std::size_t per_input,
                                            int first_row, int wb_row, int ld) {
  std::vector<T>& total = total_;
  total.assign(esize, T(0));
  for (std::size_t blk = 0; blk < n_blocks; ++blk) {
    const T* p = partial_[blk].data();
    for (std::size_t e = 0; e < esize; ++e) total[e] += p[e];
  }
  const int nbas = knots_.n_basis();
  const T* s = this->p_ + s_offset();
  const T* c = this->p_ + c_offset();
  T* gwb = this->g_ + wb_offset();
  T* gs = this->g_ + s_offset();
  T* gc = this->g_ + c_offset();
  for (int i = 0; i < in_; ++i) {
    const T* ti = total.data() + static_cast<std::size_t>(i) * per_input;
    const T* si = s + static_cast<std::size_t>(i) * out_;
    T* gsi = gs + static_cast<std::size_t>(i) * out_;
    std::copy_n(ti + static_cast<std::size_t>(wb_row) * ld, out_, gwb + static_cast<std::size_t>(i) * out_);
    std::fill_n(gsi, out_, T(0));
    for (int m = 0; m < nbas; ++m) {
      const T* tm = ti + static_cast<std::size_t>(m + first_row) * ld;
      const T* cm = c + (static_cast<std::size_t>(i) * nbas + m) * out_;
      T* gcm = gc + (static_cast<std::size_t>(i) * nbas + m) * out_;
      for (int j = 0; j < out_; ++j) {
        gcm[j] = si[j] * tm[j];
        gsi[j] += cm[j] * tm[j];
      }
    }
  }
}

template <typename T>
void KanLayer<T>::build_compact() {
  const int D = path_.dense_width, nb = knots_.n_basis();
  ec_.resize(static_cast<std::size_t>(in_) * D * out_);
  const T* wb = this->p_ + wb_offset();
  const T* s = this->p_ + s_offset();
  const T* c = this->p_ + c_offset();
  for (int i = 0; i < in_; ++i) {
    const T* si = s + static_cast<std::size_t>(i) * out_;
    T* e = ec_.data() + static_cast<std::size_t>(i) * D * out_;
    for (int m = 0; m < nb; ++m) {
      const T* cm = c + (static_cast<std::size_t>(i) * nb + m) * out_;
      for (int j = 0; j < out_; ++j) e[static_cast<std::size_t>(m) * out_ + j] = si[j] * cm[j];
    }
    std::copy_n(wb + static_cast<std::size_t>(i) * out_, out_, e + static_cast<std::size_t>(nb) * out_);
  }
}

// Row b of the expansion: entry i*D + m holds basis m of x_bi (zero unless m is one of the k+1
// active ones), entry i*D + G+k holds SiLU(x_bi).
template <typename T>
void KanLayer<T>::expand_block(std::size_t b0, std::size_t b1, T* a) {
  const int D = path_.dense_width, k = knots_.order(), k1 = k + 1, nb = knots_.n_basis();
  const std::size_t kd = static_cast<std::size_t>(in_) * D, plane = (b1 - b0) * in_;
  std::fill_n(a, (b1 - b0) * kd, T(0));
  const T* bn = basis_.data() + b0 * in_ * k1;
  for (std::size_t b = b0; b < b1; ++b) {
    T* ab = a + (b - b0) * kd;
    const std::size_t e = (b - b0) * in_;
    for (int i = 0; i < in_; ++i) {
      T* ai = ab + static_cast<std::size_t>(i) * D;
      ai[nb] = silu_[b * in_ + i];
      const int r = r0_[b * in_ + i];
      if (r < 0) continue;
      for (int q = 0; q < k1; ++q) {
        const int m = r + q - k;
        if (m >= 0 && m < nb) ai[m] = bn[q * plane + e + i];
      }
    }
  }
}

// dEc = expansion^T dy per block (summed in block order); dx from G = dy Ec^T, contracted with the
// basis and SiLU derivatives at the same entries.
template <typename T>
void KanLayer<T>::backward_gemm(const Mat<T>& dy, Mat<T>* dx, int threads) {
  const std::size_t n = static_cast<std::size_t>(dy.rows());
  const int D = path_.dense_width, k = knots_.order(), k1 = k + 1, nbas = knots_.n_basis();
  const int kd = in_ * D;
  const std::size_t esize = static_cast<std::size_t>(kd) * out_;
  const std::size_t nb = num_blocks(n, kSampleBlock);
  const auto& dense = DenseKernels<T>::get();
  if (dx) {
    // Ec transposed, [out, in*D], for G = dy Ec^T.
    ect_.resize(esize);
    for (int p = 0; p < kd; ++p)
      for (int j = 0; j < out_; ++j)
        ect_[static_cast<std::size_t>(j) * kd + p] = ec_[static_cast<std::size_t>(p) * out_ + j];
  }
  // After an inference forward the expansion was not kept: rebuilt from the caches.
  const bool rebuild = !expanded_valid_;
  for_blocks(nb, threads, [&](std::size_t blk) {
    const BlockRange br = block_range(blk, n, kSampleBlock);
    const int rows_b = static_cast<int>(br.end - br.begin);
    thread_local std::vector<T> scratch;
    if (rebuild) {
      scratch.resize(static_cast<std::size_t>(rows_b) * kd);
      expand_block(br.begin, br.end, scratch.data());
    }
    const T* ab = rebuild ? scratch.data() : expanded_.data() + br.begin * kd;
    const T* dyb = dy.data() + br.begin * out_;
    std::vector<T>& de = partial_[blk];
    de.assign(esize, T(0));
    dense.gemm_acc(kd, out_, rows_b, ab, 1, kd, dyb, out_, de.data(), out_);
    if (!dx) return;
    thread_local std::vector<T> gexp;  // G = dy Ec^T of this block
    gexp.assign(static_cast<std::size_t>(rows_b) * kd, T(0));
    T* g = gexp.data();
    dense.gemm_acc(rows_b, kd, out_, dyb, out_, 1, ect_.data(), kd, g, kd);
    const std::size_t plane = static_cast<std::size_t>(rows_b) * in_;
    const T* dbn = dbasis_.data() + br.begin * in_ * k1;
    for (std::size_t b = br.begin; b < br.end; ++b) {
      const T* gb = g + (b - br.begin) * kd;
      const std::size_t e = (b - br.begin) * in_;
      T* dxb = dx->data() + b * in_;
      for (int i = 0; i < in_; ++i) {
        const T* gi = gb + static_cast<std::size_t>(i) * D;
        T v = dsilu_[b * in_ + i] * gi[nbas];
        const int r = r0_[b * in_ + i];
        if (r >= 0)
          for (int q = 0; q < k1; ++q) {
            const int m = r + q - k;
            if (m >= 0 && m < nbas) v += dbn[q * plane + e + i] * gi[m];
          }
        dxb[i] = v;
      }
    }
  });
  // Rows 0 .. G+k-1 of each input's [D, out] block are the spline bases, row G+k the SiLU one.
  param_grads_from_partials(esize, nb, static_cast<std::size_t>(D) * out_, 0, nbas, out_);
}

template <typename T>
LayerState KanLayer<T>::export_state() const {
  LayerState st;
  st.kind = LayerKind::kan;
  const int G = knots_.grid_size(), k = knots_.order(), nb = knots_.n_basis(), nk = knots_.n_knots();
  st.grid_size = G;
  st.spline_order = k;
  const std::size_t in = in_, out = out_;
  Tensor grid{{in, static_cast<std::size_t>(nk)}, {}};
  for (const T v : knots_.all_knots()) grid.data.push_back(static_cast<double>(v));
  Tensor wb{{out, in}, std::vector<double>(out * in)};
  Tensor sc{{out, in}, std::vector<double>(out * in)};
  Tensor sw{{out, in, static_cast<std::size_t>(nb)}, std::vector<double>(out * in * nb)};
  const T* pwb = this->p_ + wb_offset();
  const T* ps = this->p_ + s_offset();
  const T* pc = this->p_ + c_offset();
  for (std::size_t j = 0; j < out; ++j)
    for (std::size_t i = 0; i < in; ++i) {
      wb.data[j * in + i] = static_cast<double>(pwb[i * out + j]);
      sc.data[j * in + i] = static_cast<double>(ps[i * out + j]);
      for (int m = 0; m < nb; ++m)
        sw.data[(j * in + i) * nb + m] = static_cast<double>(pc[(i * nb + m) * out + j]);
    }
  st.tensors["grid"] = std::move(grid);
  st.tensors["base_weight"] = std::move(wb);
  st.tensors["spline_scaler"] = std::move(sc);
  st.tensors["spline_weight"] = std::move(sw);
  return st;
}

template <typename T>
void KanLayer<T>::do_import_params(const LayerState& st) {
  const int nb = knots_.n_basis();
  const std::size_t in = in_, out = out_;
  const auto& wb = st.tensors.at("base_weight").data;
  const auto& sc = st.tensors.at("spline_scaler").data;
  const auto& sw = st.tensors.at("spline_weight").data;
  T* pwb = this->p_ + wb_offset();
  T* ps = this->p_ + s_offset();
  T* pc = this->p_ + c_offset();
  for (std::size_t j = 0; j < out; ++j)
    for (std::size_t i = 0; i < in; ++i) {
      pwb[i * out + j] = static_cast<T>(wb[j * in + i]);
      ps[i * out + j] = static_cast<T>(sc[j * in + i]);
      for (int m = 0; m < nb; ++m) pc[(i * nb + m) * out + j] = static_cast<T>(sw[(j * in + i) * nb + m]);
    }
}

template <typename T>
Mat<double> KanLayer<T>::spline_values(const Mat<T>& x, int i) const {
  const int k1 = knots_.order() + 1, k = knots_.order(), nb = knots_.n_basis();
  const T* s = this->p_ + s_offset() + static_cast<std::size_t>(i) * out_;
  const T* c = this->p_ + c_offset();
  Mat<double> f = Mat<double>::Zero(x.rows(), out_);
  T bq[kMaxSplineOrder + 1];
  for (Eigen::Index b = 0; b < x.rows(); ++b) {
    const int r = knots_.eval(i, x(b, i), bq, nullptr);
    if (r < 0) continue;
    for (int q = 0; q < k1; ++q) {
      const int m = r - k + q;
      if (m < 0 || m >= nb) continue;
      const T* cm = c + (static_cast<std::size_t>(i) * nb + m) * out_;
      for (int j = 0; j < out_; ++j) f(b, j) += static_cast<double>(bq[q]) * s[j] * cm[j];
    }
  }
  return f;
}

template <typename T>
double KanLayer<T>::update_grid(const Mat<T>& x, double grid_eps, double margin) {
  if (x.cols() != in_)
    throw_layer_contract(true, kind_name(), in_, out_, "update_grid",
                         "x is " + shape_text(x.rows(), x.cols()) + ", expected " + shape_text(x.rows(), in_));
  const Eigen::Index n = x.rows();
  if (n < 1) return 0.0;
  this->forget_forward();  // new knots: the caches of the last forward no longer match
  const int G = knots_.grid_size(), k = knots_.order(), nk = knots_.n_knots(), nb = knots_.n_basis();
  std::vector<Mat<double>> targets;
  for (int i = 0; i < in_; ++i) targets.push_back(spline_values(x, i));
  std::vector<T> knots(static_cast<std::size_t>(in_) * nk);
  for (int i = 0; i < in_; ++i) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (Eigen::Index b = 0; b < n; ++b) v[b] = static_cast<double>(x(b, i));
    std::sort(v.begin(), v.end());
    const double lo = v.front(), hi = v.back();
    const double step = (hi - lo + 2 * margin) / G;
    std::vector<double> g(G + 1);
    for (int p = 0; p <= G; ++p) {
      // efficient-kan takes x_sorted[linspace(0, n-1, G+1).long()] (truncation).
      const auto idx = static_cast<std::size_t>(static_cast<double>(n - 1) * p / G);
      const double adaptive = v[idx];
      const double uniform = lo - margin + p * step;
      g[p] = grid_eps * uniform + (1.0 - grid_eps) * adaptive;
    }
    T* t = knots.data() + static_cast<std::size_t>(i) * nk;
    for (int j = 0; j < k; ++j) t[j] = static_cast<T>(g[0] - (k - j) * step);
    for (int p = 0; p <= G; ++p) t[k + p] = static_cast<T>(g[p]);
    for (int j = 0; j < k; ++j) t[k + G + 1 + j] = static_cast<T>(g[G] + (j + 1) * step);
  }
  knots_ = SplineKnots<T>::from_knots(in_, G, k, std::move(knots));
  path_ = kan_kernel_path(shape());  // adapted knots are no longer uniform
  // Refit C so that S * sum_m C B'_m reproduces the old spline outputs at the samples.
  T* s = this->p_ + s_offset();
  T* c = this->p_ + c_offset();
  double sq = 0.0;
  T bq[kMaxSplineOrder + 1];
  for (int i = 0; i < in_; ++i) {
    MatD a = MatD::Zero(n, nb);
    for (Eigen::Index b = 0; b < n; ++b) {
      const int r = knots_.eval(i, x(b, i), bq, nullptr);
      if (r < 0) continue;
      for (int q = 0; q <= k; ++q) {
        const int m = r - k + q;
        if (m >= 0 && m < nb) a(b, m) = static_cast<double>(bq[q]);
      }
    }
    const MatD y = targets[i];
    const MatD coef = lstsq(a, y);
    sq += (a * coef - y).squaredNorm();
    T* si = s + static_cast<std::size_t>(i) * out_;
    for (int j = 0; j < out_; ++j) {
      // Divide the effective coefficients by S; a (near) zero S cannot carry them, reset it to 1.
      const double sj = static_cast<double>(si[j]);
      const bool keep = std::abs(sj) > 1e-12;
      if (!keep) si[j] = T(1);
      for (int m = 0; m < nb; ++m)
        c[(static_cast<std::size_t>(i) * nb + m) * out_ + j] = static_cast<T>(coef(m, j) / (keep ? sj : 1.0));
    }
  }
  return std::sqrt(sq / (static_cast<double>(n) * out_));
}

template <typename T>
LayerState KanLayer<T>::extended_state(int new_grid) const {
  if (new_grid < 1) throw InputError("KAN grid extension: new grid size must be >= 1");
  const int G = knots_.grid_size(), k = knots_.order();
  const int nk2 = new_grid + 2 * k + 1, nb2 = new_grid + k;
  std::vector<T> knots(static_cast<std::size_t>(in_) * nk2);
  for (int i = 0; i < in_; ++i) {
    const T* t = knots_.knots(i);
    std::vector<double> g(new_grid + 1);
    for (int p = 0; p <= new_grid; ++p) {
      // Piecewise-linear interpolation of the old inner knots: uniform stays uniform, an adapted
      // grid keeps its density.
      const double u = static_cast<double>(p) * G / new_grid;
      const int a = std::min(static_cast<int>(u), G - 1);
      const double f = u - a;
      g[p] = (1.0 - f) * static_cast<double>(t[k + a]) + f * static_cast<double>(t[k + a + 1]);
    }
    const double h_lo = g[1] - g[0], h_hi = g[new_grid] - g[new_grid - 1];
    T* tn = knots.data() + static_cast<std::size_t>(i) * nk2;
    for (int j = 0; j < k; ++j) tn[j] = static_cast<T>(g[0] - (k - j) * h_lo);
    for (int p = 0; p <= new_grid; ++p) tn[k + p] = static_cast<T>(g[p]);
    for (int j = 0; j < k; ++j) tn[k + new_grid + 1 + j] = static_cast<T>(g[new_grid] + (j + 1) * h_hi);
  }
  const SplineKnots<T> nk = SplineKnots<T>::from_knots(in_, new_grid, k, knots);
  // Fit points: k+2 per new inner interval, where the spline spaces are compared.
  const int per = k + 2;
  Mat<T> pts(static_cast<Eigen::Index>(new_grid) * per, in_);
  for (int i = 0; i < in_; ++i) {
    const T* tn = nk.knots(i);
    for (int p = 0; p < new_grid; ++p)
      for (int s = 0; s < per; ++s)
        pts(p * per + s, i) = static_cast<T>(static_cast<double>(tn[k + p]) +
                                             (s + 0.5) / per * static_cast<double>(tn[k + p + 1] - tn[k + p]));
  }
  LayerState st = export_state();
  st.grid_size = new_grid;
  Tensor grid{{static_cast<std::size_t>(in_), static_cast<std::size_t>(nk2)}, {}};
  for (const T v : knots) grid.data.push_back(static_cast<double>(v));
  st.tensors["grid"] = std::move(grid);
  Tensor sw{{static_cast<std::size_t>(out_), static_cast<std::size_t>(in_), static_cast<std::size_t>(nb2)},
            std::vector<double>(static_cast<std::size_t>(out_) * in_ * nb2)};
  const T* s = this->p_ + s_offset();
  T bq[kMaxSplineOrder + 1];
  for (int i = 0; i < in_; ++i) {
    const Mat<double> y = spline_values(pts, i);
    MatD a = MatD::Zero(pts.rows(), nb2);
    for (Eigen::Index b = 0; b < pts.rows(); ++b) {
      const int r = nk.eval(i, pts(b, i), bq, nullptr);
      if (r < 0) continue;
      for (int q = 0; q <= k; ++q) {
        const int m = r - k + q;
        if (m >= 0 && m < nb2) a(b, m) = static_cast<double>(bq[q]);
      }
    }
    const MatD coef = lstsq(a, MatD(y));
    for (int j = 0; j < out_; ++j) {
      double sj = static_cast<double>(s[static_cast<std::size_t>(i) * out_ + j]);
      if (!(std::abs(sj) > 1e-12)) {
        sj = 1.0;
        st.tensors["spline_scaler"].data[static_cast<std::size_t>(j) * in_ + i] = 1.0;
      }
      for (int m = 0; m < nb2; ++m)
        sw.data[(static_cast<std::size_t>(j) * in_ + i) * nb2 + m] = coef(m, j) / sj;
    }
  }
  st.tensors["spline_weight"] = std::move(sw);
  return st;
}

template class KanLayer<float>;
template class KanLayer<double>;

}  // namespace kanscan::models
