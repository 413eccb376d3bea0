// Baseline instruction set copy of the dense-layer kernels (see dense_kernels.inl), and the
// run-time choice between the copies.
#include <cstddef>

#include "models/dense_kernels.hpp"

namespace kanscan::models::dense_generic {
#define KANSCAN_VEC_BYTES 16
#include "models/dense_kernels.inl"
#undef KANSCAN_VEC_BYTES
}  // namespace kanscan::models::dense_generic

namespace kanscan::models {

#define KANSCAN_DENSE_COPY(ns)                                                                          \
  DenseKernels<T> {                                                                                     \
    ns::gemm_acc<T>, ns::gemm_dot<T>, ns::activation_rows<T>, ns::activation_grad_rows<T>, ns::column_sums<T> \
  }

template <typename T>
const DenseKernels<T>& DenseKernels<T>::of(Isa isa) {
  static const DenseKernels<T> copies[3] = {KANSCAN_DENSE_COPY(dense_generic), KANSCAN_DENSE_COPY(dense_avx2),
                                            KANSCAN_DENSE_COPY(dense_avx512)};
  return copies[static_cast<int>(isa)];
}
#undef KANSCAN_DENSE_COPY

template <typename T>
const DenseKernels<T>& DenseKernels<T>::get() {
  static const DenseKernels<T>& chosen = of(best_isa());
  return chosen;
}

template struct DenseKernels<float>;
template struct DenseKernels<double>;

}  // namespace kanscan::models
