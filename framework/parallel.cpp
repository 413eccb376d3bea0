#include "framework/parallel.hpp"

#include <omp.h>

namespace kanscan {

int default_threads() { return std::max(1, omp_get_max_threads()); }

int resolve_threads(int requested) {
  if (requested <= 0) return default_threads();
  return requested;
}

}  // namespace kanscan
