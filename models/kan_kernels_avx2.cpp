// AVX2 copy of the KAN kernels (compiled with -mavx2, see models/CMakeLists.txt). Without the
// flag (non-x86 builds) it is another baseline copy and never selected.
#include <cstddef>

#include "models/kan_kernels.hpp"

// Vector width of the explicitly vectorised kernels: AVX registers when built with -mavx2.
#if defined(__AVX2__)
#define KANSCAN_KAN_VEC_BYTES 32
#else
#define KANSCAN_KAN_VEC_BYTES 16
#endif
namespace kanscan::models::avx2 {
#include "models/kan_kernels.inl"
#include "models/kan_basis_kernels.inl"
}  // namespace kanscan::models::avx2
