// Analysis kernels on large inputs: Pareto fronts over many configurations, ROC/AUC and
// threshold scans over many events. Run: bench_analysis --benchmark_filter=...
#include <benchmark/benchmark.h>

#include <vector>

#include "analysis/pareto.hpp"
#include "framework/metrics.hpp"
#include "framework/rng.hpp"

namespace {

struct Events {
  std::vector<float> scores, weights;
  std::vector<int> labels;
};

// Scores of a classifier with AUC around 0.9, quantised to float like real predictions.
Events make_events(std::size_t n) {
  kanscan::Rng rng(11);
  Events e;
  e.scores.resize(n);
  e.labels.resize(n);
  e.weights.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    e.labels[i] = rng.uniform() < 0.5;
    const double z = rng.normal(e.labels[i] ? 1.8 : 0.0, 1.0);
    e.scores[i] = static_cast<float>(1.0 / (1.0 + std::exp(-z)));
    e.weights[i] = static_cast<float>(rng.uniform(0.5, 1.5));
  }
  return e;
}

void BM_Auc(benchmark::State& state) {
  const Events e = make_events(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(kanscan::metrics::auc(e.scores, e.labels));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Auc)->RangeMultiplier(10)->Range(10'000, 1'000'000)->Unit(benchmark::kMillisecond);

void BM_AucWeighted(benchmark::State& state) {
  const Events e = make_events(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(kanscan::metrics::auc(e.scores, e.labels, e.weights));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AucWeighted)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_BestSignificance(benchmark::State& state) {
  const Events e = make_events(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(kanscan::metrics::best_significance(e.scores, e.labels, e.weights, 100.0, 10000.0));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BestSignificance)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_ParetoFront(benchmark::State& state) {
  kanscan::Rng rng(5);
  std::vector<kanscan::analysis::ParetoPoint> p(static_cast<std::size_t>(state.range(0)));
  for (auto& q : p) {
    q.cost = std::floor(std::exp(rng.uniform(2.0, 12.0)));
    q.value = 0.8 + 0.1 * (1.0 - std::exp(-q.cost / 3000.0)) + rng.normal(0.0, 0.01);
  }
  for (auto _ : state) benchmark::DoNotOptimize(kanscan::analysis::pareto_front(p));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ParetoFront)->RangeMultiplier(10)->Range(1'000, 1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
