#pragma once
// KAN layer kernels over a range of samples [b0, b1), one copy per instruction set (baseline,
// AVX2, AVX-512); the layer uses the widest the CPU has. Results are bitwise identical between
// the copies. Which of them runs for a layer is decided by kan_kernel_path (models/kan_path.hpp).
// Every kernel is serial over its sample range and its summation order depends only on that
// range; the layer calls them per fixed sample block (bitwise identical for any thread count).
// eff and de are [in, rows, op] with op = kan_out_stride(out): narrow layers (out < kKanNarrowOut)
// are stored unpadded and handled by kernels specialised on out; wide layers are padded to a
// multiple of 8 with zero columns so that every output chunk is a full vector (no scalar tail
// passes). dy for the wide backward kernel has stride op too (the caller pads it with zero
// columns). eff has kKanEffTail readable values past its end.
// Per (sample b, input i): r0, silu and dsilu at b*in + i. basis and dbasis are block-major: for
// the block [b0, b1) (at most kSampleBlock samples), basis q of (b, i) is at
// b0*in*(k+1) + q*(b1-b0)*in + (b-b0)*in + i, so producer and consumers must use the same blocks.
// dbasis/dsilu may be null in the prepare kernels (inference: no derivatives) and in backward
// when dx is null (no input gradient wanted: they are not read).
#include <cstddef>

#include "models/isa.hpp"

namespace kanscan::models {

// The basis kernels of the non-B-spline layers work on arrays whose rows hold `in` values padded to
// a multiple of this (the widest copy's float lanes), so that every load and store is a full
// vector; padding lanes are computed from zeros and never used.
constexpr int kKanBasisPad = 16;
constexpr int kan_basis_stride(int in) { return (in + kKanBasisPad - 1) / kKanBasisPad * kKanBasisPad; }
// Highest rational degree the kernels keep accumulators for (the key table's bound).
constexpr int kKanRationalMaxDegree = 8;

// What the basis kernels need besides the inputs (BasisKanLayer fills it once per forward from
// its parameters).
template <typename T>
struct KanBasisArgs {
  int in = 0;         // inputs of the layer
  int in_pad = 0;     // kan_basis_stride(in): the row stride of the padded arrays
  int functions = 0;  // per input: M centres, d + 1 polynomials, 2F sines and cosines, 1 rational
  const T* centers = nullptr;  // rbf: [functions]
  T inv_h = T(1);              // rbf: 1 / width
  bool clamp = false;          // chebyshev: clamp(x, -1, 1) instead of tanh(x)
  int m = 0, n = 0;            // rational: numerator and denominator degrees
  const T* numerator = nullptr;  // rational: a_0 .. a_m
  const T* den_abs = nullptr;    // rational: [n][in_pad], |b_k| of input i's group in row k - 1
};

#define KANSCAN_KAN_KERNEL_DECLS                                                                                   \
  /* Narrow layers, 1 <= out < kKanNarrowOut (op = out): y rows [b0, b1) written per sample; serial, fixed       \
     order per output, bitwise identical in every copy. */                                                        \
  template <typename T>                                                                                           \
  void kan_forward_narrow_rows(const T* eff, int in, int rows, int out, int k1, const int* r0, const T* basis,     \
                               const T* silu, T* y, std::size_t b0, std::size_t b1);                              \
  /* Wide layers, out >= kKanNarrowOut, op a multiple of 8: as above, outputs in vector chunks. */                \
  template <typename T>                                                                                           \
  void kan_forward_wide_rows(const T* eff, int in, int rows, int out, int op, int k1, const int* r0,              \
                             const T* basis, const T* silu, T* y, std::size_t b0, std::size_t b1);                \
  /* Narrow layers: de += this range's gradient of eff (sample order), dx rows written per sample when dx is     \
     not null; serial, bitwise identical in every copy. */                                                        \
  template <typename T>                                                                                           \
  void kan_backward_narrow_rows(const T* eff, int in, int rows, int out, int k1, const int* r0, const T* basis,   \
                                const T* dbasis, const T* silu, const T* dsilu, const T* dy, T* de, T* dx,        \
                                std::size_t b0, std::size_t b1);                                                  \
  /* Wide layers (dy with stride op): as above, inputs outer and samples inner. */                                \
  template <typename T>                                                                                           \
  void kan_backward_wide_rows(const T* eff, int in, int rows, int op, int k1, const int* r0, const T* basis,      \
                              const T* dbasis, const T* silu, const T* dsilu, const T* dy, T* de, T* dx,          \
                              std::size_t b0, std::size_t b1);                                                    \
  /* k = 3 on uniform knots: r0, bases, SiLU (and derivatives) of the block [b0, b1), elementwise; bitwise       \
     equal to SplineKnots::eval and in every copy. */                                                             \
  template <typename T>                                                                                           \
  void kan_prepare_rows_uniform_cubic(const T* x, int in, const T* t0_rep, const T* inv_h_rep, int n_knots,       \
                                      int* r0, T* basis, T* dbasis, T* silu, T* dsilu, std::size_t b0,            \
                                      std::size_t b1);                                                            \
  /* SiLU (and derivative when dsilu is not null) of elements [e0, e1), elementwise, IEEE operations only. */     \
  template <typename T>                                                                                           \
  void kan_silu_rows(const T* x, T* silu, T* dsilu, std::size_t e0, std::size_t e1);                               \
  /* Bases other than B-splines (kan_basis_kernels.inl), rows [0, rows) of padded arrays (row stride          \
     p.in_pad, see kKanBasisPad): z [rows][in_pad] the inputs; function m of input i of row r to                  \
     phi[(r*functions + m)*in_pad + i], its derivative to dphi at the same place (dphi may be null). Elementwise  \
     IEEE operations only: bitwise identical in every copy. */                                                    \
  template <typename T>                                                                                           \
  void kan_rbf_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* phi, T* dphi, T* q);                        \
  template <typename T>                                                                                           \
  void kan_chebyshev_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* phi, T* dphi, T* q);                  \
  template <typename T>                                                                                           \
  void kan_fourier_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* phi, T* dphi, T* q);                    \
  /* rational: also q[r*in_pad + i] = 1 / Q(x) when q is not null. */                                                 \
  template <typename T>                                                                                           \
  void kan_rational_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* phi, T* dphi, T* q);                   \
  /* Backward: dz[r*in_pad + i] = sum_m g[r*ldg + m*in + i] dphi[(r*functions + m)*in_pad + i], m in order; g    \
     is the packed expansion gradient, read a vector past each row's last function (its end must be padded). */  \
  template <typename T>                                                                                           \
  void kan_basis_contract_rows(const KanBasisArgs<T>& p, const T* g, std::ptrdiff_t ldg, const T* dphi, int rows,  \
                               T* dz);                                                                            \
  /* Rational coefficients, per input over the rows in order: num[k*in_pad + i] += w x^k and                      \
     den[(k-1)*in_pad + i] += -w F |x|^k, w = g q (q = 1/Q); x and q padded, g and f packed (row strides ldg, ldf,        \
     read a vector past the row's inputs). The caller sums the inputs of each group. */                           \
  template <typename T>                                                                                           \
  void kan_rational_grad_rows(const KanBasisArgs<T>& p, const T* g, std::ptrdiff_t ldg, const T* x, const T* f,    \
                              std::ptrdiff_t ldf, const T* q, int rows, T* num, T* den);

namespace generic {
KANSCAN_KAN_KERNEL_DECLS
}
namespace avx2 {
KANSCAN_KAN_KERNEL_DECLS
}
namespace avx512 {
KANSCAN_KAN_KERNEL_DECLS
}
#undef KANSCAN_KAN_KERNEL_DECLS

// Layers with fewer outputs take the narrow kernels, which are instantiated for out = 1 .. 7.
constexpr int kKanNarrowOut = 8;

// eff must be followed by this many readable values (zeros): narrow kernels read rows as vectors.
constexpr int kKanEffTail = 8;

// Row stride of eff/de (and of dy in the wide backward) for a layer with out outputs.
constexpr int kan_out_stride(int out) { return out < kKanNarrowOut ? out : (out + 7) / 8 * 8; }

// The kernels of one instruction set (get(): best_isa()).
template <typename T>
struct KanKernels {
  decltype(&generic::kan_forward_narrow_rows<T>) forward_narrow_rows;
  decltype(&generic::kan_forward_wide_rows<T>) forward_wide_rows;
  decltype(&generic::kan_backward_narrow_rows<T>) backward_narrow_rows;
  decltype(&generic::kan_backward_wide_rows<T>) backward_wide_rows;
  decltype(&generic::kan_prepare_rows_uniform_cubic<T>) prepare_rows_uniform_cubic;
  decltype(&generic::kan_silu_rows<T>) silu_rows;
  decltype(&generic::kan_rbf_rows<T>) rbf_rows;
  decltype(&generic::kan_chebyshev_rows<T>) chebyshev_rows;
  decltype(&generic::kan_fourier_rows<T>) fourier_rows;
  decltype(&generic::kan_rational_rows<T>) rational_rows;
  decltype(&generic::kan_basis_contract_rows<T>) basis_contract_rows;
  decltype(&generic::kan_rational_grad_rows<T>) rational_grad_rows;
  static const KanKernels& get();
  static const KanKernels& of(Isa isa);
};

}  // namespace kanscan::models
