// Whole training step (forward + BCE + backward + Adam) and inference of the models of issue #4,
// registered by name for bench/compare_pytorch.py: train/kan/22-64-1/G5/b1024/t1, ...
// Each benchmark reports samples/s (items_per_second) and the parameter count (counter "params").
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <vector>

#include "framework/rng.hpp"
#include "types/trial.hpp"
#include "models/loss.hpp"
#include "models/model.hpp"
#include "models/optimizer.hpp"
#include "bench/train_step.hpp"

namespace {

using kanscan::ModelConfig;
using kanscan::ModelType;
using kanscan::models::Mat;
using kanscan::models::Model;

struct Shape {
  ModelType type;
  std::vector<int> widths;  // [in, hidden..., out], equal hidden widths
  int grid;
};

ModelConfig config_of(const Shape& s) {
  ModelConfig c;
  c.type = s.type;
  c.depth = static_cast<int>(s.widths.size()) - 2;
  c.width = c.depth > 0 ? s.widths[1] : 1;
  c.grid_size = s.grid > 0 ? s.grid : 5;
  c.spline_order = 3;
  c.activation = kanscan::Activation::relu;
  return c;
}

std::string name_of(const Shape& s) {
  std::string n = fmt::format("{}/{}", s.type == ModelType::kan ? "kan" : "mlp", fmt::join(s.widths, "-"));
  if (s.type == ModelType::kan) n += fmt::format("/G{}", s.grid);
  return n;
}

// Inputs inside the grid range, as after standardisation; random 0/1 labels.
void make_batch(int batch, int n_in, Mat<float>& x, Mat<float>& y) {
  kanscan::Rng rng(7);
  x.resize(batch, n_in);
  y.resize(batch, 1);
  for (int b = 0; b < batch; ++b) {
    for (int i = 0; i < n_in; ++i) x(b, i) = static_cast<float>(rng.uniform(-0.99, 0.99));
    y(b, 0) = rng.uniform() < 0.5 ? 1.0f : 0.0f;
  }
}

void run_train(benchmark::State& state, Shape s, int batch, int threads) {
  auto model = Model<float>::build(config_of(s), s.widths.front(), s.widths.back());
  kanscan::Rng rng(1);
  model->init(rng);
  Mat<float> x, y;
  make_batch(batch, s.widths.front(), x, y);
  kanscan::bench::TrainStep step(*model, x, y, threads);
  for (auto _ : state) benchmark::DoNotOptimize(step());
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["params"] = static_cast<double>(model->n_params());
}

void run_infer(benchmark::State& state, Shape s, int batch, int threads) {
  auto model = Model<float>::build(config_of(s), s.widths.front(), s.widths.back());
  kanscan::Rng rng(1);
  model->init(rng);
  Mat<float> x, y;
  make_batch(batch, s.widths.front(), x, y);
  for (auto _ : state) benchmark::DoNotOptimize(model->forward(x, false, threads).data());
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["params"] = static_cast<double>(model->n_params());
}

const bool registered = [] {
  const std::vector<Shape> shapes = {
      {ModelType::kan, {22, 1}, 5},          {ModelType::kan, {22, 3, 1}, 5},
      {ModelType::kan, {22, 45, 1}, 5},      {ModelType::kan, {22, 64, 1}, 5},
      {ModelType::kan, {22, 40, 40, 1}, 5},  {ModelType::kan, {22, 64, 1}, 20},
      {ModelType::mlp, {22, 64, 1}, 0},      {ModelType::mlp, {22, 100, 100, 1}, 0},
      // An MLP of about the parameter count of each KAN above, for the KAN-vs-MLP cost ratio:
      // [22,9,1] 217 ~ KAN [22,1] 220; [22,28,1] 673 ~ [22,3,1] 690; [22,470,1] 11,281 ~
      // [22,45,1] 10,350; [22,600,1] 14,401 ~ [22,64,1] 14,720; [22,150,150,1] 26,251 ~
      // [22,40,40,1] 25,200; [22,1500,1] 36,001 ~ [22,64,1] at G=20, 36,800.
      {ModelType::mlp, {22, 9, 1}, 0},       {ModelType::mlp, {22, 28, 1}, 0},
      {ModelType::mlp, {22, 470, 1}, 0},     {ModelType::mlp, {22, 600, 1}, 0},
      {ModelType::mlp, {22, 150, 150, 1}, 0}, {ModelType::mlp, {22, 1500, 1}, 0},
  };
  for (const auto& s : shapes)
    for (int batch : {1024, 4096})
      for (int threads : {1, 2}) {
        const std::string suffix = fmt::format("{}/b{}/t{}", name_of(s), batch, threads);
        benchmark::RegisterBenchmark(("train/" + suffix).c_str(), run_train, s, batch, threads)->UseRealTime();
        benchmark::RegisterBenchmark(("infer/" + suffix).c_str(), run_infer, s, batch, threads)->UseRealTime();
      }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
