#pragma once
// KAN layer kernels over a range of samples [b0, b1), one copy per instruction set; the layer
// picks the AVX2 copy when the CPU has it. Results are bitwise identical between the copies.
#include <cstddef>

namespace kanscan::models {

#define KANSCAN_KAN_KERNEL_DECLS                                                                                   \
  template <typename T>                                                                                           \
  void kan_forward_rows(const T* eff, int in, int rows, int out, int k1, const int* r0, const T* basis,           \
                        const T* silu, T* y, std::size_t b0, std::size_t b1);                                     \
  template <typename T>                                                                                           \
  void kan_backward_rows(const T* eff, int in, int rows, int out, int k1, const int* r0, const T* basis,          \
                         const T* dbasis, const T* silu, const T* dsilu, const T* dy, T* de, T* dx, std::size_t b0, \
                         std::size_t b1);                                                                  \
  template <typename T>                                                                                           \
  void kan_basis_rows_uniform_cubic(const T* x, int in, const T* t0, const T* inv_h, int n_knots, int* r0,        \
                                    T* basis, T* dbasis, std::size_t b0, std::size_t b1);

namespace generic {
KANSCAN_KAN_KERNEL_DECLS
}
namespace avx2 {
KANSCAN_KAN_KERNEL_DECLS
}
#undef KANSCAN_KAN_KERNEL_DECLS

// True when the AVX2 copy was built and the CPU supports it.
bool use_avx2_kernels();

}  // namespace kanscan::models
