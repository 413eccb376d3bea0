// Baseline instruction set copy of the dense-layer kernels (see dense_kernels.inl), and the
// run-time choice between the copies.
#include <cstddef>

#include "models/dense_kernels.hpp"
#include "models/kan_kernels.hpp"

namespace kanscan::models::dense_generic {
#define KANSCAN_VEC_BYTES 16
#include "models/dense_kernels.inl"
#undef KANSCAN_VEC_BYTES
}  // namespace kanscan::models::dense_generic

namespace kanscan::models {

template <typename T>
const DenseKernels<T>& DenseKernels<T>::get() {
  static const DenseKernels<T> generic{dense_generic::gemm_acc<T>, dense_generic::gemm_dot<T>,
                                       dense_generic::activation_rows<T>, dense_generic::activation_grad_rows<T>,
                                       dense_generic::column_sums<T>};
  static const DenseKernels<T> avx2{dense_avx2::gemm_acc<T>, dense_avx2::gemm_dot<T>, dense_avx2::activation_rows<T>,
                                    dense_avx2::activation_grad_rows<T>, dense_avx2::column_sums<T>};
  return use_avx2_kernels() ? avx2 : generic;
}

template struct DenseKernels<float>;
template struct DenseKernels<double>;

}  // namespace kanscan::models
