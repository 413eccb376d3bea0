#pragma once
// Instruction-set copies of the hot kernels (KAN and dense): each is compiled from one source for
// the baseline, AVX2 and AVX-512, and all copies give bitwise identical results, so the choice
// only changes the speed.
#include <vector>

namespace kanscan::models {

enum class Isa { generic = 0, avx2 = 1, avx512 = 2 };

// The widest copy that was built and that this CPU supports (decided once).
Isa best_isa();
const char* isa_name(Isa isa);
// Every copy this CPU can run, baseline first (for tests and benchmarks).
std::vector<Isa> runnable_isas();

}  // namespace kanscan::models
