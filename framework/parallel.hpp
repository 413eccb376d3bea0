#pragma once
// OpenMP through one wrapper (XGBoost threading_utils style): an explicit thread count,
// exceptions thrown inside the team are caught and re-thrown on the calling thread.
#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <vector>

namespace kanscan {

// The most threads a command or a scan may ask for (`--threads`, `threads_per_trial`): far
// above any node's cores, far below what makes libgomp fail to create its team.
inline constexpr int kMaxThreads = 1024;

// Threads to use when the caller says 0 ("all"): omp_get_max_threads().
int default_threads();
// 0 (or a negative count) means default_threads(); any positive count is used as given, also
// above the number of cores (oversubscription is the caller's choice, and tests rely on it).
int resolve_threads(int requested);

// Fixed-size blocks: the partition depends only on n and block, never on the thread count,
// which is what makes blocked reductions bitwise reproducible.
struct BlockRange {
  std::size_t begin;
  std::size_t end;
};
inline std::size_t num_blocks(std::size_t n, std::size_t block) {
  return block == 0 ? 0 : (n + block - 1) / block;
}
inline BlockRange block_range(std::size_t b, std::size_t n, std::size_t block) {
  return {b * block, std::min(n, (b + 1) * block)};
}

// Collects the first exception thrown by any thread of a team.
class ExceptionCatcher {
 public:
  template <typename F>
  void run(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!first_) first_ = std::current_exception();
    }
  }
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr first_;
};

// fn(i) for i in [0, n), statically scheduled over `threads` threads.
// Determinism: fn must write only to slots owned by i.
template <typename F>
void parallel_for(std::size_t n, int threads, F&& fn) {
  ExceptionCatcher catcher;
  const long long nn = static_cast<long long>(n);
#pragma omp parallel for num_threads(resolve_threads(threads)) schedule(static)
  for (long long i = 0; i < nn; ++i) {
    catcher.run([&] { fn(static_cast<std::size_t>(i)); });
  }
  catcher.rethrow();
}

// Deterministic blocked reduction (Ginkgo style). Each block b covering [begin,end) of n items
// is reduced by block_fn(begin, end, partial_b) into its own partial (initialised by
// init(partial)); then partials are combined in block order by combine(total, partial_b).
// The result is bitwise identical for any thread count because blocks depend only on n.
template <typename Partial, typename Init, typename BlockFn, typename Combine>
void blocked_reduce(std::size_t n, std::size_t block, int threads, Partial& total, Init&& init,
                    BlockFn&& block_fn, Combine&& combine) {
  const std::size_t nb = num_blocks(n, block);
  std::vector<Partial> partials(nb);
  parallel_for(nb, threads, [&](std::size_t b) {
    init(partials[b]);
    const BlockRange r = block_range(b, n, block);
    block_fn(r.begin, r.end, partials[b]);
  });
  for (std::size_t b = 0; b < nb; ++b) combine(total, partials[b]);
}

}  // namespace kanscan
