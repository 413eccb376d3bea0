// Baseline instruction set copy of the KAN kernels (see kan_kernels.inl).
#include <cstddef>

#include "models/kan_kernels.hpp"

// Vector width of the explicitly vectorised kernels: SSE2 registers.
#define KANSCAN_KAN_VEC_BYTES 16
namespace kanscan::models::generic {
#include "models/kan_kernels.inl"
}  // namespace kanscan::models::generic
#undef KANSCAN_KAN_VEC_BYTES

namespace kanscan::models {
bool use_avx2_kernels() {
#if defined(KANSCAN_HAVE_AVX2_KERNELS) && (defined(__x86_64__) || defined(__i386__))
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
#else
  return false;
#endif
}
}  // namespace kanscan::models
