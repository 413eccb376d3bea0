// AVX-512 copy of the KAN kernels (compiled with -mavx512f, see models/CMakeLists.txt). Without the
// flag (non-x86 builds) it is another baseline copy and never selected.
#include <cstddef>

#include "models/kan_kernels.hpp"

// Vector width of the explicitly vectorised kernels: ZMM registers when built with -mavx512f.
#if defined(__AVX512F__)
#define KANSCAN_KAN_VEC_BYTES 64
#else
#define KANSCAN_KAN_VEC_BYTES 16
#endif
namespace kanscan::models::avx512 {
#include "models/kan_kernels.inl"
#include "models/kan_basis_kernels.inl"
}  // namespace kanscan::models::avx512
#undef KANSCAN_KAN_VEC_BYTES
