#pragma once
// Dense-layer kernels (GEMM with register tiles, activations), one copy per instruction set like
// the KAN kernels: dense_kernels_generic.cpp (baseline), dense_kernels_avx2.cpp (-mavx2) and
// dense_kernels_avx512.cpp (-mavx512f), picked at run time by DenseKernels<T>::get(). The three
// copies give bitwise identical results: every output element is summed in an order fixed by the
// shapes alone, with separate multiply and add (no FMA contraction).
#include <cstddef>

#include "models/activation.hpp"
#include "types/vocabulary.hpp"
#include "models/isa.hpp"

namespace kanscan::models {

#define KANSCAN_DENSE_KERNEL_DECLS                                                                                   \
  /* C[m x n] += A[m x k] B[k x n]; A(r, p) = A[r*ars + p*acs]; B, C row-major (leading dims ldb, ldc).          \
     Each C element is its initial value plus the products in order p = 0, 1, ..., k-1. */                          \
  template <typename T>                                                                                             \
  void gemm_acc(int m, int n, int k, const T* a, std::ptrdiff_t ars, std::ptrdiff_t acs, const T* b,              \
                std::ptrdiff_t ldb, T* c, std::ptrdiff_t ldc);                                                      \
  /* C[m x n] += A[m x k] Bt[n x k]^T with contiguous rows of A and Bt (for narrow n): each element is its        \
     initial value plus a dot product of fixed lane partial sums. */                                                \
  template <typename T>                                                                                             \
  void gemm_dot(int m, int n, int k, const T* a, std::ptrdiff_t lda, const T* bt, std::ptrdiff_t ldbt, T* c,       \
                std::ptrdiff_t ldc);                                                                                \
  /* y[i] = act(z[i]) * mask[i] (mask may be null), and act_out[i] = act(z[i]) when act_out is not null. */          \
  template <typename T>                                                                                             \
  void activation_rows(Activation act, T slope, const T* z, const T* mask, T* y, T* act_out, std::size_t n);        \
  /* dz[i] = dy[i] * mask[i] * act'(z[i]) given a[i] = act(z[i]) (a is read only for tanh and sigmoid). */          \
  template <typename T>                                                                                             \
  void activation_grad_rows(Activation act, T slope, const T* z, const T* a, const T* mask, const T* dy, T* dz,    \
                            std::size_t n);                                                                         \
  /* colsum[j] += sum over rows r (in order) of x[r*ld + j]. */                                                      \
  template <typename T>                                                                                             \
  void column_sums(int rows, int n, const T* x, std::ptrdiff_t ld, T* colsum);

namespace dense_generic {
KANSCAN_DENSE_KERNEL_DECLS
}
namespace dense_avx2 {
KANSCAN_DENSE_KERNEL_DECLS
}
namespace dense_avx512 {
KANSCAN_DENSE_KERNEL_DECLS
}
#undef KANSCAN_DENSE_KERNEL_DECLS

// The kernels of one instruction set (get(): best_isa()).
template <typename T>
struct DenseKernels {
  decltype(&dense_generic::gemm_acc<T>) gemm_acc;
  decltype(&dense_generic::gemm_dot<T>) gemm_dot;
  decltype(&dense_generic::activation_rows<T>) activation_rows;
  decltype(&dense_generic::activation_grad_rows<T>) activation_grad_rows;
  decltype(&dense_generic::column_sums<T>) column_sums;
  static const DenseKernels& get();
  static const DenseKernels& of(Isa isa);
};

}  // namespace kanscan::models
