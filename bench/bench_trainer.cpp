// The trainer's per-epoch cost around the training steps (issue #18): one epoch of run_trial on
// 90,000 tth_thq training events (150,000 generated, split 0.6/0.2/0.2, the scans' split) against
// the same number of bare training steps (forward + BCE + backward + Adam on a fixed batch).
// Counters: epoch_ms (time per epoch: (T(3 epochs) - T(1 epoch)) / 2, so set-up, the test
// evaluation and the result export cancel), steps_ms (the epoch's batches as bare steps) and
// overhead = 1 - steps_ms / epoch_ms: batch assembly, loss, validation inference, loss and AUC.
// Times are the process's CPU time (one thread everywhere), so that other jobs on a shared machine
// distort them less than wall time. Run: build/bench/bench_trainer
#include <benchmark/benchmark.h>

#include <ctime>
#include <string>

#include "framework/rng.hpp"
#include "io/generators/registry.hpp"
#include "io/readers.hpp"
#include "models/loss.hpp"
#include "models/model.hpp"
#include "models/optimizer.hpp"
#include "models/trial_runner.hpp"

namespace {

using namespace kanscan;

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

const DataSplit& erdmann_split() {
  static const DataSplit split = [] {
    const auto gen = io::gen::make_generator("tth_thq", {});
    io::gen::GenerateOptions o;
    o.events = 150000;
    o.seed = 1;
    DataConfig dc;
    dc.generator = "tth_thq";
    dc.events = o.events;
    return io::split_dataset(io::gen::run_generator(*gen, o).data, Task::classification, dc);
  }();
  return split;
}

TrialConfig config(ModelType type, int depth, int width) {
  TrialConfig c;
  c.trial_id = "bench";
  c.model.type = type;
  c.model.depth = depth;
  c.model.width = width;
  c.model.grid_size = 5;
  c.model.spline_order = 3;
  c.model.activation = Activation::relu;
  c.model.optimizer.lr = 3e-3;
  c.train.batch_size = 512;
  c.train.patience = 0;
  c.threads = 1;
  c.seed = 1;
  return c;
}

double seconds_of_trial(TrialConfig c, int epochs) {
  c.train.epochs = epochs;
  const double t0 = cpu_seconds();
  const TrialOutcome o = models::run_trial(c, erdmann_split());
  benchmark::DoNotOptimize(o.ok);
  return cpu_seconds() - t0;
}

// The epoch's batches as bare training steps on one fixed batch of standard-normal inputs.
double seconds_of_steps(const TrialConfig& c, std::size_t n_train) {
  const int n_in = static_cast<int>(erdmann_split().train.n_features());
  auto model = models::Model<float>::build(c.model, n_in, 1);
  Rng rng(1);
  model->init(rng);
  const int bs = c.train.batch_size;
  models::Mat<float> x(bs, n_in), y(bs, 1), dz;
  for (int b = 0; b < bs; ++b) {
    for (int i = 0; i < n_in; ++i) x(b, i) = static_cast<float>(rng.normal());
    y(b, 0) = rng.uniform() < 0.5 ? 1.0f : 0.0f;
  }
  auto opt = models::make_optimizer<float>(c.model.optimizer, model->n_params());
  const models::LossSpec loss{Loss::bce, 1.0};
  auto closure = [&] {
    const auto& z = model->forward(x, true, 1);
    const double l = models::loss_and_grad<float>(loss, z, y, nullptr, &dz, 1);
    model->backward(dz, 1);
    return l;
  };
  const std::size_t batches = (n_train + bs - 1) / bs;
  const double t0 = cpu_seconds();
  for (std::size_t k = 0; k < batches; ++k) benchmark::DoNotOptimize(opt->step(closure, model->params(), model->grads(), 1e-3));
  return cpu_seconds() - t0;
}

void BM_TrainEpoch(benchmark::State& state, ModelType type, int depth, int width) {
  const TrialConfig c = config(type, depth, width);
  const std::size_t n_train = erdmann_split().train.size();
  double epoch = 0, steps = 0;
  for (auto _ : state) {
    const double t1 = seconds_of_trial(c, 1), t3 = seconds_of_trial(c, 3);
    const double s = seconds_of_steps(c, n_train);
    epoch += (t3 - t1) / 2;
    steps += s;
    state.SetIterationTime((t3 - t1) / 2);
  }
  const double it = static_cast<double>(state.iterations());
  state.counters["epoch_ms"] = 1e3 * epoch / it;
  state.counters["steps_ms"] = 1e3 * steps / it;
  state.counters["overhead"] = 1.0 - steps / epoch;
  state.counters["train_events"] = static_cast<double>(n_train);
}

BENCHMARK_CAPTURE(BM_TrainEpoch, mlp_22_4_1, ModelType::mlp, 1, 4)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TrainEpoch, mlp_22_64_1, ModelType::mlp, 1, 64)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TrainEpoch, kan_22_1, ModelType::kan, 0, 1)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TrainEpoch, kan_22_64_1, ModelType::kan, 1, 64)->UseManualTime()->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
