// Built-in generators: tried events per second on one core (the target of docs/generators.md
// is >= 2e5), per sub-sample, and the whole run_generator pipeline (selection, merge) per thread
// count. Run: build/bench/bench_generators --benchmark_filter=Tried
#include <benchmark/benchmark.h>

#include <string>

#include "io/generators/registry.hpp"

namespace {

using namespace kanscan;
using namespace kanscan::io::gen;

const char* kNames[] = {"tth_thq", "qcd_singletop", "dm_met"};

// Tried events of every sub-sample in turn on one thread, each with its own stream, exactly as
// run_generator does (reports items/s = tried events/s and the fraction kept).
void BM_TriedEventsPerCore(benchmark::State& state) {
  const auto gen = make_generator(kNames[state.range(0)], {});
  const auto streams = gen->streams();
  const auto S = static_cast<std::uint64_t>(streams.size());
  Workspace ws;
  std::vector<float> f(gen->feature_names().size()), y(gen->target_names().size());
  std::uint64_t j = 0;
  std::int64_t kept = 0, tried = 0;
  for (auto _ : state) {
    for (std::uint64_t s = 0; s < S; ++s) {
      Rng rng(stream_seed(1, j * S + s));
      kept += gen->generate(rng, static_cast<int>(s), ws, f.data(), y.data());
      ++tried;
    }
    ++j;
  }
  state.SetItemsProcessed(tried);
  state.counters["kept_fraction"] = static_cast<double>(kept) / static_cast<double>(tried);
  state.SetLabel(kNames[state.range(0)]);
}
BENCHMARK(BM_TriedEventsPerCore)->DenseRange(0, 2)->MinTime(2.0);

// The full pipeline for 20000 written events, per thread count (real time).
void BM_RunGenerator(benchmark::State& state) {
  const auto gen = make_generator(kNames[state.range(0)], {});
  GenerateOptions o;
  o.events = 20000;
  o.threads = static_cast<int>(state.range(1));
  std::int64_t simulated = 0;
  for (auto _ : state) {
    const auto r = run_generator(*gen, o);
    simulated += r.simulated;
  }
  state.SetItemsProcessed(simulated);
  state.SetLabel(kNames[state.range(0)]);
}
BENCHMARK(BM_RunGenerator)->ArgsProduct({{0, 1, 2}, {1, 2}})->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
BENCHMARK_MAIN();
