#include "models/isa.hpp"

namespace kanscan::models {

Isa best_isa() {
#if defined(KANSCAN_HAVE_ISA_COPIES) && (defined(__x86_64__) || defined(__i386__))
  static const Isa isa = __builtin_cpu_supports("avx512f") ? Isa::avx512
                         : __builtin_cpu_supports("avx2")  ? Isa::avx2
                                                           : Isa::generic;
  return isa;
#else
  return Isa::generic;
#endif
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    case Isa::generic: break;
  }
  return "generic";
}

std::vector<Isa> runnable_isas() {
  std::vector<Isa> v;
  for (int i = 0; i <= static_cast<int>(best_isa()); ++i) v.push_back(static_cast<Isa>(i));
  return v;
}

}  // namespace kanscan::models
