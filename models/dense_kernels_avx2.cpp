// AVX2 copy of the dense-layer kernels (compiled with -mavx2, see models/CMakeLists.txt). Without
// the flag (non-x86 builds) it is another baseline copy and never selected.
#include <cstddef>

#include "models/dense_kernels.hpp"

namespace kanscan::models::dense_avx2 {
#define KANSCAN_VEC_BYTES 32
#include "models/dense_kernels.inl"
#undef KANSCAN_VEC_BYTES
}  // namespace kanscan::models::dense_avx2
