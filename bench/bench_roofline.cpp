// Roofline-style table of the training step (issue #18): the single-core peak of this CPU measured
// first, in the same run, by independent vector multiply and add chains (the kernels' arithmetic:
// no FMA) and by FMA chains; then each model's training step (forward + BCE + backward + Adam,
// batch 1024, 1 thread) with its FLOPs per sample counted from the shapes, its GFLOP/s and the
// fraction of the measured no-FMA peak, all per CPU second of the benchmark's thread (other jobs on a
// shared machine then distort them less than wall time). Run: build/bench/bench_roofline
//
// FLOPs per sample, counting a multiply and an add as one FLOP each, useful work only:
//   KAN layer [in -> out], order k (local support, k+1 bases and the SiLU term per edge):
//     forward 2(k+2) in*out, parameter gradient 2(k+2) in*out, input gradient 2(k+2) in*out
//     (not for the first layer, whose input gradient is never computed);
//   dense layer: forward 2 in*out, weight gradient 2 in*out, input gradient 2 in*out (not first).
// Basis evaluation, activations, the loss and Adam are O(in + out + params / batch) per sample and
// left out, so the fraction is a lower bound of the machine's use.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <ctime>
#include <string>
#include <vector>

#include "framework/rng.hpp"
#include "bench/train_step.hpp"
#include "models/loss.hpp"
#include "models/model.hpp"
#include "models/optimizer.hpp"
#include "types/trial.hpp"

namespace {

using kanscan::ModelConfig;
using kanscan::ModelType;
using kanscan::models::Mat;
using kanscan::models::Model;

double g_peak_gflops = 0.0;  // the no-FMA peak, measured by measure_peak() before any benchmark

// This thread's CPU time: on a shared machine wall time also counts the other jobs' time slices.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

#if defined(__x86_64__)
// 16 independent chains of 16-float vectors: x = x * a + b as a separate multiply and add.
__attribute__((target("avx512f"), noipa)) double peak_mul_add(std::int64_t reps) {
  __m512 x[16];
  for (int k = 0; k < 16; ++k) x[k] = _mm512_set1_ps(1.0f + 0.01f * k);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (std::int64_t r = 0; r < reps; ++r)
    for (int k = 0; k < 16; ++k) {
      x[k] = _mm512_mul_ps(x[k], a);
      x[k] = _mm512_add_ps(x[k], b);
      __asm__("" : "+v"(x[k]));  // keep the two operations separate
    }
  __m512 s = x[0];
  for (int k = 1; k < 16; ++k) s = _mm512_add_ps(s, x[k]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0];
}
__attribute__((target("avx512f,fma"), noipa)) double peak_fma(std::int64_t reps) {
  __m512 x[16];
  for (int k = 0; k < 16; ++k) x[k] = _mm512_set1_ps(1.0f + 0.01f * k);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (std::int64_t r = 0; r < reps; ++r)
    for (int k = 0; k < 16; ++k) {
      x[k] = _mm512_fmadd_ps(x[k], a, b);
      __asm__("" : "+v"(x[k]));
    }
  __m512 s = x[0];
  for (int k = 1; k < 16; ++k) s = _mm512_add_ps(s, x[k]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0];
}
#endif

// Google Benchmark's view of the same chains (items = FLOPs, so items_per_second is GFLOP/s in wall time).
void BM_Peak(benchmark::State& state, bool fma) {
#if defined(__x86_64__)
  if (!__builtin_cpu_supports("avx512f")) {
    state.SkipWithError("no AVX-512");
    return;
  }
  constexpr std::int64_t kReps = 1 << 16;
  for (auto _ : state) benchmark::DoNotOptimize(fma ? peak_fma(kReps) : peak_mul_add(kReps));
  state.SetItemsProcessed(state.iterations() * kReps * 16 * 16 * 2);
#else
  state.SkipWithError("x86-64 only");
#endif
}

struct Shape {
  ModelType type;
  std::vector<int> widths;
  int grid;
};

double flops_per_sample(const Shape& s) {
  double f = 0;
  for (std::size_t l = 0; l + 1 < s.widths.size(); ++l) {
    const double edges = static_cast<double>(s.widths[l]) * s.widths[l + 1];
    const double per = s.type == ModelType::kan ? 2.0 * (3 + 2) : 2.0;  // k = 3
    f += edges * per * (l == 0 ? 2 : 3);
  }
  return f;
}

void BM_TrainStep(benchmark::State& state, Shape s) {
  ModelConfig c;
  c.type = s.type;
  c.depth = static_cast<int>(s.widths.size()) - 2;
  c.width = c.depth > 0 ? s.widths[1] : 1;
  c.grid_size = s.grid > 0 ? s.grid : 5;
  c.spline_order = 3;
  c.activation = kanscan::Activation::relu;
  auto model = Model<float>::build(c, s.widths.front(), s.widths.back());
  kanscan::Rng rng(1);
  model->init(rng);
  constexpr int kBatch = 1024;
  Mat<float> x(kBatch, s.widths.front()), y(kBatch, 1);
  for (int b = 0; b < kBatch; ++b) {
    for (int i = 0; i < s.widths.front(); ++i) x(b, i) = static_cast<float>(rng.uniform(-0.99, 0.99));
    y(b, 0) = rng.uniform() < 0.5 ? 1.0f : 0.0f;
  }
  kanscan::bench::TrainStep step(*model, x, y, 1);
  const double t0 = cpu_seconds();
  for (auto _ : state) benchmark::DoNotOptimize(step());
  const double sec = cpu_seconds() - t0;
  const double fps = flops_per_sample(s);
  if (g_peak_gflops > 0)
    state.counters["peak_fraction"] = static_cast<double>(state.iterations()) * kBatch * fps / sec * 1e-9 / g_peak_gflops;
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["flops_per_sample"] = fps;
  state.counters["params"] = static_cast<double>(model->n_params());
  state.counters["GFLOPs_cpu"] = static_cast<double>(state.iterations()) * kBatch * fps * 1e-9 / sec;
  state.counters["samples_per_cpu_s"] = static_cast<double>(state.iterations()) * kBatch / sec;
}

// The peak for the fractions: measured here once, before the models, by a plain timing loop of
// the same chains (Google Benchmark's rate counters are not visible to later benchmarks).
double g_peak_fma_gflops = 0.0;

// Best of 5 timings per CPU second of each kind of chain.
void measure_peak() {
#if defined(__x86_64__)
  if (!__builtin_cpu_supports("avx512f")) return;
  constexpr std::int64_t kReps = 1 << 20;
  for (const bool fma : {false, true}) {
    double best = 0;
    for (int t = 0; t < 5; ++t) {
      const double t0 = cpu_seconds();
      benchmark::DoNotOptimize(fma ? peak_fma(kReps) : peak_mul_add(kReps));
      best = std::max(best, kReps * 16.0 * 16 * 2 / (cpu_seconds() - t0) * 1e-9);
    }
    (fma ? g_peak_fma_gflops : g_peak_gflops) = best;
  }
#endif
}

const bool registered = [] {
  benchmark::RegisterBenchmark("peak/mul_add", BM_Peak, false)->UseRealTime();
  benchmark::RegisterBenchmark("peak/fma", BM_Peak, true)->UseRealTime();
  const std::vector<Shape> shapes = {
      {ModelType::kan, {22, 1}, 5},          {ModelType::kan, {22, 3, 1}, 5},   {ModelType::kan, {22, 45, 1}, 5},
      {ModelType::kan, {22, 64, 1}, 5},      {ModelType::kan, {22, 40, 40, 1}, 5}, {ModelType::kan, {22, 64, 1}, 20},
      {ModelType::mlp, {22, 64, 1}, 0},      {ModelType::mlp, {22, 100, 100, 1}, 0},
      {ModelType::mlp, {22, 9, 1}, 0},       {ModelType::mlp, {22, 28, 1}, 0},  {ModelType::mlp, {22, 470, 1}, 0},
      {ModelType::mlp, {22, 600, 1}, 0},     {ModelType::mlp, {22, 150, 150, 1}, 0},
  };
  for (const auto& s : shapes) {
    std::string n = fmt::format("train/{}/{}", s.type == ModelType::kan ? "kan" : "mlp", fmt::join(s.widths, "-"));
    if (s.type == ModelType::kan) n += fmt::format("/G{}", s.grid);
    benchmark::RegisterBenchmark(n.c_str(), BM_TrainStep, s)->UseRealTime();
  }
  return true;
}();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  measure_peak();
  benchmark::AddCustomContext("peak_mul_add_gflops", fmt::format("{:.1f}", g_peak_gflops));
  benchmark::AddCustomContext("peak_fma_gflops", fmt::format("{:.1f}", g_peak_fma_gflops));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
