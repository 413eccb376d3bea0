// Framework kernels: exact AUC and the deterministic blocked reduction.
#include <benchmark/benchmark.h>

#include <vector>

#include "framework/metrics.hpp"
#include "framework/parallel.hpp"
#include "framework/rng.hpp"

static void BM_Auc(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  kanscan::Rng rng(1);
  std::vector<float> s(n);
  std::vector<int> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = rng.uniform() < 0.5;
    s[i] = static_cast<float>(rng.normal(y[i] ? 1.0 : 0.0, 1.0));
  }
  for (auto _ : state) benchmark::DoNotOptimize(kanscan::metrics::auc(s, y));
  state.SetItemsProcessed(state.iterations() * static_cast<long>(n));
}
BENCHMARK(BM_Auc)->Arg(10000)->Arg(100000);

static void BM_BlockedReduce(benchmark::State& state) {
  const std::size_t n = 1 << 20;
  std::vector<double> v(n, 1.0);
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    double total = 0;
    kanscan::blocked_reduce(
        n, 4096, threads, total, [](double& p) { p = 0; },
        [&](std::size_t b, std::size_t e, double& p) {
          for (std::size_t i = b; i < e; ++i) p += v[i];
        },
        [](double& t, const double& p) { t += p; });
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(n));
}
BENCHMARK(BM_BlockedReduce)->Arg(1)->Arg(2);

BENCHMARK_MAIN();
