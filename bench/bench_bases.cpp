// Whole training step (forward + BCE + backward + Adam) and inference of a [22,64,1] KAN of every
// basis, with the settings bench/compare_bases.py gives their PyTorch reference implementations,
// and of an MLP [22,w,1] of about the same parameter count: train/<model>/b<batch>/t<threads>.
// Each benchmark reports samples/s (items_per_second) and the parameter count (counter "params").
// Benchmarks measure, never assert; the table is in docs/performance.md.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "framework/rng.hpp"
#include "models/loss.hpp"
#include "models/model.hpp"
#include "models/optimizer.hpp"
#include "bench/train_step.hpp"
#include "models/parameter_count.hpp"

namespace {

using kanscan::Basis;
using kanscan::ModelConfig;
using kanscan::ModelType;
using kanscan::models::Mat;
using kanscan::models::Model;

// The compared configurations: the reference implementations' defaults where they have one
// (FastKAN: 8 centres on [-2, 2], LayerNorm, SiLU branch with a bias; KAT: degrees 5/4), ChebyKAN
// degree 4 (its MNIST example), FourierKAN 4 frequencies (8 coefficients per edge, as the RBF's 8
// centres), KAT 2 groups (KAT needs the group count to divide the inputs: 22 = 2 x 11).
ModelConfig basis_config(Basis b) {
  ModelConfig c;
  c.type = ModelType::kan;
  c.depth = 1;
  c.width = 64;
  c.basis = b;
  c.grid_lo = -2;
  c.grid_hi = 2;
  c.rbf_centers = 8;
  c.rbf_layernorm = true;
  c.cheby_degree = 4;
  c.fourier_frequencies = 4;
  c.rational_numerator = 5;
  c.rational_denominator = 4;
  c.rational_groups = 2;
  if (b == Basis::bspline) {
    c.grid_lo = -1;
    c.grid_hi = 1;
  }
  return c;
}

// MLP [22, w, 1] with 24 w + 1 parameters closest to n.
ModelConfig mlp_like(std::int64_t n) {
  ModelConfig c;
  c.type = ModelType::mlp;
  c.depth = 1;
  c.width = std::max(1, static_cast<int>(std::lround(static_cast<double>(n - 1) / 24.0)));
  c.activation = kanscan::Activation::relu;
  return c;
}

void make_batch(int batch, int n_in, Mat<float>& x, Mat<float>& y) {
  kanscan::Rng rng(7);
  x.resize(batch, n_in);
  y.resize(batch, 1);
  for (int b = 0; b < batch; ++b) {
    for (int i = 0; i < n_in; ++i) x(b, i) = static_cast<float>(rng.normal());  // standardised features
    y(b, 0) = rng.uniform() < 0.5 ? 1.0f : 0.0f;
  }
}

void run_train(benchmark::State& state, ModelConfig cfg, int batch, int threads) {
  auto model = Model<float>::build(cfg, 22, 1);
  kanscan::Rng rng(1);
  model->init(rng);
  Mat<float> x, y;
  make_batch(batch, 22, x, y);
  kanscan::bench::TrainStep step(*model, x, y, threads);
  for (auto _ : state) benchmark::DoNotOptimize(step());
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["params"] = static_cast<double>(model->n_params());
}

void run_infer(benchmark::State& state, ModelConfig cfg, int batch, int threads) {
  auto model = Model<float>::build(cfg, 22, 1);
  kanscan::Rng rng(1);
  model->init(rng);
  Mat<float> x, y;
  make_batch(batch, 22, x, y);
  for (auto _ : state) benchmark::DoNotOptimize(model->forward(x, false, threads).data());
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["params"] = static_cast<double>(model->n_params());
}

const bool registered = [] {
  std::vector<std::pair<std::string, ModelConfig>> models;
  for (Basis b : {Basis::bspline, Basis::rbf, Basis::chebyshev, Basis::fourier, Basis::rational}) {
    const ModelConfig c = basis_config(b);
    models.emplace_back(kanscan::to_string(b) + "/22-64-1", c);
    const ModelConfig m = mlp_like(kanscan::models::count_parameters(c, 22, 1));
    models.emplace_back(fmt::format("mlp-like-{}/22-{}-1", kanscan::to_string(b), m.width), m);
  }
  for (const auto& [name, cfg] : models)
    for (int batch : {1024})
      for (int threads : {1, 2}) {
        const std::string suffix = fmt::format("{}/b{}/t{}", name, batch, threads);
        benchmark::RegisterBenchmark(("train/" + suffix).c_str(), run_train, cfg, batch, threads)->UseRealTime();
        benchmark::RegisterBenchmark(("infer/" + suffix).c_str(), run_infer, cfg, batch, threads)->UseRealTime();
      }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
