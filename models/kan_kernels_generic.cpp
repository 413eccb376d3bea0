// Baseline instruction set copy of the KAN kernels (see kan_kernels.inl).
#include <cstddef>

#include "models/kan_kernels.hpp"

// Vector width of the explicitly vectorised kernels: SSE2 registers.
#define KANSCAN_KAN_VEC_BYTES 16
namespace kanscan::models::generic {
#include "models/kan_kernels.inl"
#include "models/kan_basis_kernels.inl"
}  // namespace kanscan::models::generic
#undef KANSCAN_KAN_VEC_BYTES

namespace kanscan::models {
#define KANSCAN_KAN_COPY(ns)                                                                                    \
  KanKernels<T> {                                                                                               \
    ns::kan_forward_narrow_rows<T>, ns::kan_forward_wide_rows<T>, ns::kan_backward_narrow_rows<T>,              \
        ns::kan_backward_wide_rows<T>, ns::kan_prepare_rows_uniform_cubic<T>, ns::kan_silu_rows<T>,             \
        ns::kan_rbf_rows<T>, ns::kan_chebyshev_rows<T>, ns::kan_fourier_rows<T>, ns::kan_rational_rows<T>,      \
        ns::kan_basis_contract_rows<T>, ns::kan_rational_grad_rows<T>                                           \
  }

template <typename T>
const KanKernels<T>& KanKernels<T>::of(Isa isa) {
  static const KanKernels<T> copies[3] = {KANSCAN_KAN_COPY(generic), KANSCAN_KAN_COPY(avx2), KANSCAN_KAN_COPY(avx512)};
  return copies[static_cast<int>(isa)];
}
#undef KANSCAN_KAN_COPY

template <typename T>
const KanKernels<T>& KanKernels<T>::get() {
  static const KanKernels<T>& chosen = of(best_isa());
  return chosen;
}

template struct KanKernels<float>;
template struct KanKernels<double>;
}  // namespace kanscan::models
