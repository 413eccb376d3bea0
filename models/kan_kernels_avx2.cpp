// AVX2 copy of the KAN kernels (compiled with -mavx2, see models/CMakeLists.txt). Without the
// flag (non-x86 builds) it is a second baseline copy and never selected.
#include <cstddef>

#include "models/kan_kernels.hpp"

namespace kanscan::models::avx2 {
#include "models/kan_kernels.inl"
}  // namespace kanscan::models::avx2
