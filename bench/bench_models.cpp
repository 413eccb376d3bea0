// Model kernels: B-spline basis evaluation, KAN and dense layers forward/backward, and the full
// training step (forward + BCE + backward + Adam) for KAN [22,64,1] and MLP [22,64,1].
// Items are samples (basis: (sample, input) evaluations). Benchmarks measure, never assert. The
// PyTorch side of these numbers is in docs/performance.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "framework/rng.hpp"
#include "models/basis_layer.hpp"
#include "models/kan_kernels.hpp"
#include "models/kan_layer.hpp"
#include "models/loss.hpp"
#include "models/model.hpp"
#include "models/optimizer.hpp"

using namespace kanscan;
using namespace kanscan::models;
using MatF = Mat<float>;

namespace {

MatF random_inputs(Eigen::Index n, Eigen::Index f, std::uint64_t seed) {
  Rng rng(seed);
  MatF x(n, f);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
  return x;
}

ModelConfig config(ModelType type, int grid) {
  ModelConfig c;
  c.type = type;
  c.depth = 1;
  c.width = 64;
  c.grid_size = grid;
  c.activation = Activation::relu;
  return c;
}

// Arguments: batch, threads, grid size. One thread: CPU time of the thread (robust when other
// jobs share the machine). Two threads: wall-clock time (UseRealTime), the only fair measure there.
void args_one_thread(benchmark::internal::Benchmark* b) {
  for (int batch : {1024, 4096}) b->Args({batch, 1, 5});
  b->Args({1024, 1, 20});
}
void args_two_threads(benchmark::internal::Benchmark* b) {
  for (int batch : {1024, 4096}) b->Args({batch, 2, 5});
  b->Args({1024, 2, 20});
  b->UseRealTime();
}

}  // namespace

static void BM_BasisEval(benchmark::State& state) {
  const int G = static_cast<int>(state.range(0));
  const auto knots = SplineKnots<float>::uniform(22, G, 3, -1.0, 1.0);
  const MatF x = random_inputs(1024, 22, 1);
  float n[4], dn[4];
  for (auto _ : state) {
    for (Eigen::Index b = 0; b < x.rows(); ++b)
      for (int i = 0; i < 22; ++i) benchmark::DoNotOptimize(knots.eval(i, x(b, i), n, dn));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * x.size());
}
BENCHMARK(BM_BasisEval)->Arg(5)->Arg(20);

// The fused SiLU + cubic basis kernel over a batch in sample blocks, as the layer calls it.
// Arguments: inputs, training (1: with derivatives), batch. Items: (sample, input) elements.
static void BM_KanPrepare(benchmark::State& state) {
  const int in = static_cast<int>(state.range(0));
  const bool training = state.range(1) != 0;
  const auto n = static_cast<std::size_t>(state.range(2));
  const auto knots = SplineKnots<float>::uniform(in, 5, 3, -1.0, 1.0);
  const MatF x = random_inputs(static_cast<Eigen::Index>(n), in, 1);
  std::vector<float> t0(kSampleBlock * in), ih(kSampleBlock * in);
  for (std::size_t e = 0; e < t0.size(); ++e) {
    t0[e] = knots.first_knots()[e % in];
    ih[e] = knots.inv_spacings()[e % in];
  }
  std::vector<int> r0(n * in);
  std::vector<float> basis(n * in * 4), dbasis(n * in * 4), silu(n * in), dsilu(n * in);
  auto prep = KanKernels<float>::get().prepare_rows_uniform_cubic;
  for (auto _ : state) {
    for (std::size_t b0 = 0; b0 < n; b0 += kSampleBlock)
      prep(x.data(), in, t0.data(), ih.data(), knots.n_knots(), r0.data(), basis.data(),
           training ? dbasis.data() : nullptr, silu.data(), training ? dsilu.data() : nullptr, b0,
           std::min(n, b0 + kSampleBlock));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n) * in);
}
BENCHMARK(BM_KanPrepare)
    ->Args({22, 0, 1024})->Args({22, 1, 1024})->Args({64, 0, 1024})->Args({64, 1, 1024})->Args({64, 1, 256});

// One KAN layer of the models of issue #4 on its own (G=5, k=3, one thread, batch 1024).
// Arguments: in, out, input gradient wanted (backward only). Narrow layers (out < 8) and widths
// that are not a multiple of 8 take different kernel paths.
template <bool Backward>
static void BM_KanLayerShape(benchmark::State& state) {
  const int in = static_cast<int>(state.range(0)), out = static_cast<int>(state.range(1));
  const bool want_dx = state.range(2) != 0;
  const Eigen::Index batch = 1024;
  KanLayer<float> layer(in, out, SplineKnots<float>::uniform(in, 5, 3, -1.0, 1.0));
  std::vector<float> p(layer.n_params()), g(layer.n_params());
  layer.bind(p.data(), g.data());
  Rng rng(2);
  layer.init(rng);
  const MatF x = random_inputs(batch, in, 3);
  const MatF dy = random_inputs(batch, out, 4);
  MatF y, dx;
  layer.forward(x, y, true, 1, nullptr);
  for (auto _ : state) {
    if (Backward) layer.backward(x, dy, want_dx ? &dx : nullptr, 1);
    else layer.forward(x, y, true, 1, nullptr);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK_TEMPLATE(BM_KanLayerShape, false)
    ->Name("BM_KanForward_shape")
    ->Args({22, 1, 0})->Args({22, 3, 0})->Args({3, 1, 0})->Args({22, 45, 0})->Args({45, 1, 0})->Args({22, 64, 0})
    ->Args({64, 1, 0});
BENCHMARK_TEMPLATE(BM_KanLayerShape, true)
    ->Name("BM_KanBackward_shape")
    ->Args({22, 1, 0})->Args({22, 3, 0})->Args({3, 1, 1})->Args({22, 45, 0})->Args({22, 45, 1})->Args({45, 1, 1})
    ->Args({22, 64, 0})->Args({22, 64, 1})->Args({64, 1, 1});

// The generic basis evaluation (SplineKnots::eval per (sample, input)) instead of the uniform-cubic
// prepare kernel: non-uniform cubic knots (as after a grid update) or another spline order. G=5,
// one thread, batch 1024. Arguments: in, out, spline order, uniform knots (1) or jittered ones (0).
template <bool Backward>
static void BM_KanLayerGeneric(benchmark::State& state) {
  const int in = static_cast<int>(state.range(0)), out = static_cast<int>(state.range(1));
  const int k = static_cast<int>(state.range(2)), G = 5;
  const Eigen::Index batch = 1024;
  auto knots = SplineKnots<float>::uniform(in, G, k, -1.0, 1.0);
  if (state.range(3) == 0) {
    std::vector<float> t = knots.all_knots();
    const int nk = knots.n_knots();
    for (int i = 0; i < in; ++i)
      for (int j = 0; j < nk; ++j) t[static_cast<std::size_t>(i) * nk + j] += 0.2f * (2.0f / G) * std::sin(float(i + j));
    knots = SplineKnots<float>::from_knots(in, G, k, std::move(t));
  }
  KanLayer<float> layer(in, out, knots);
  std::vector<float> p(layer.n_params()), g(layer.n_params());
  layer.bind(p.data(), g.data());
  Rng rng(2);
  layer.init(rng);
  const MatF x = random_inputs(batch, in, 3);
  const MatF dy = random_inputs(batch, out, 4);
  MatF y, dx;
  layer.forward(x, y, true, 1, nullptr);
  for (auto _ : state) {
    if (Backward) layer.backward(x, dy, &dx, 1);
    else layer.forward(x, y, true, 1, nullptr);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK_TEMPLATE(BM_KanLayerGeneric, false)
    ->Name("BM_KanForward_generic")
    ->Args({22, 64, 3, 0})->Args({22, 1, 3, 0})->Args({22, 64, 2, 1})->Args({22, 1, 2, 1});
BENCHMARK_TEMPLATE(BM_KanLayerGeneric, true)
    ->Name("BM_KanBackward_generic")
    ->Args({22, 64, 3, 0})->Args({22, 1, 3, 0})->Args({22, 64, 2, 1})->Args({22, 1, 2, 1});

template <bool Kan, bool Backward>
static void BM_Layer(benchmark::State& state) {
  const auto batch = state.range(0);
  const int threads = static_cast<int>(state.range(1)), G = static_cast<int>(state.range(2));
  auto model = Model<float>::build(config(Kan ? ModelType::kan : ModelType::mlp, G), 22, 64);
  Rng rng(2);
  model->init(rng);
  const MatF x = random_inputs(batch, 22, 3);
  const MatF dy = random_inputs(batch, 64, 4);
  Layer<float>& layer = model->layer(0);
  MatF y, dx;
  layer.forward(x, y, true, threads, nullptr);
  for (auto _ : state) {
    if (Backward) layer.backward(x, dy, &dx, threads);
    else layer.forward(x, y, true, threads, nullptr);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK_TEMPLATE(BM_Layer, true, false)->Name("BM_KanForward_22x64")->Apply(args_one_thread);
BENCHMARK_TEMPLATE(BM_Layer, true, false)->Name("BM_KanForward_22x64")->Apply(args_two_threads);
BENCHMARK_TEMPLATE(BM_Layer, true, true)->Name("BM_KanBackward_22x64")->Apply(args_one_thread);
BENCHMARK_TEMPLATE(BM_Layer, true, true)->Name("BM_KanBackward_22x64")->Apply(args_two_threads);
BENCHMARK_TEMPLATE(BM_Layer, false, false)->Name("BM_DenseForward_22x64")->Apply(args_one_thread);
BENCHMARK_TEMPLATE(BM_Layer, false, false)->Name("BM_DenseForward_22x64")->Apply(args_two_threads);
BENCHMARK_TEMPLATE(BM_Layer, false, true)->Name("BM_DenseBackward_22x64")->Apply(args_one_thread);
BENCHMARK_TEMPLATE(BM_Layer, false, true)->Name("BM_DenseBackward_22x64")->Apply(args_two_threads);

template <bool Kan>
static void BM_TrainStep(benchmark::State& state) {
  const auto batch = state.range(0);
  const int threads = static_cast<int>(state.range(1)), G = static_cast<int>(state.range(2));
  auto model = Model<float>::build(config(Kan ? ModelType::kan : ModelType::mlp, G), 22, 1);
  Rng rng(5);
  model->init(rng);
  const MatF x = random_inputs(batch, 22, 6);
  MatF y(batch, 1);
  for (Eigen::Index i = 0; i < batch; ++i) y(i, 0) = static_cast<float>(i % 2);
  OptimizerConfig oc;
  auto opt = make_optimizer<float>(oc, model->n_params());
  const LossSpec bce{Loss::bce, 1.0};
  MatF dz;
  auto closure = [&] {
    const double l = loss_and_grad<float>(bce, model->forward(x, true, threads), y, nullptr, &dz, threads);
    model->backward(dz, threads);
    return l;
  };
  for (auto _ : state) benchmark::DoNotOptimize(opt->step(closure, model->params(), model->grads(), 1e-3));
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["params"] = static_cast<double>(model->n_params());
}
BENCHMARK_TEMPLATE(BM_TrainStep, true)->Name("BM_TrainStep_KAN_22_64_1")->Apply(args_one_thread);
BENCHMARK_TEMPLATE(BM_TrainStep, true)->Name("BM_TrainStep_KAN_22_64_1")->Apply(args_two_threads);
BENCHMARK_TEMPLATE(BM_TrainStep, false)->Name("BM_TrainStep_MLP_22_64_1")->Apply(args_one_thread);
BENCHMARK_TEMPLATE(BM_TrainStep, false)->Name("BM_TrainStep_MLP_22_64_1")->Apply(args_two_threads);

// ---- Bases other than B-splines (models/basis_layer.hpp, kan_basis_kernels.inl) ----

// The settings of the basis with index b (0 rbf, 1 chebyshev, 2 fourier, 3 rational), as
// bench/bench_bases.cpp and bench/compare_bases.py use them.
KanBasisState basis_state(int b) {
  KanBasisState s;
  s.basis = b == 0 ? Basis::rbf : b == 1 ? Basis::chebyshev : b == 2 ? Basis::fourier : Basis::rational;
  s.base_branch = reference_base_branch(s.basis);
  s.num_grids = 8;
  s.grid_min = -2;
  s.grid_max = 2;
  s.degree = 4;
  s.gridsize = 4;
  s.numerator_degree = 5;
  s.denominator_degree = 4;
  s.num_groups = 2;
  return s;
}

void basis_args(benchmark::internal::Benchmark* b) {
  for (int basis = 0; basis < 4; ++basis) b->Arg(basis);
}

// The basis kernel alone over one block of 256 samples x 22 inputs (with derivatives); items are
// (sample, input) elements. Arguments: basis index.
static void BM_BasisKernel(benchmark::State& state) {
  const KanBasisState s = basis_state(static_cast<int>(state.range(0)));
  const int in = 22, ip = kan_basis_stride(in), rows = 256;
  const int D = basis_functions(s);
  std::vector<float> z(static_cast<std::size_t>(rows) * ip, 0.0f), phi(static_cast<std::size_t>(rows) * D * ip),
      dphi(phi.size()), q(z.size()), den(static_cast<std::size_t>(4) * ip, 0.1f), centers(8);
  Rng rng(8);
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < in; ++i) z[static_cast<std::size_t>(r) * ip + i] = static_cast<float>(rng.normal());
  for (int m = 0; m < 8; ++m) centers[m] = -2.0f + 4.0f * m / 7.0f;
  const std::vector<float> num{0.0f, 0.5f, 0.4f, 0.1f, 0.01f, 0.0f};
  KanBasisArgs<float> a;
  a.in = in;
  a.in_pad = ip;
  a.functions = D;
  a.centers = centers.data();
  a.inv_h = 7.0f / 4.0f;
  a.m = 5;
  a.n = 4;
  a.numerator = num.data();
  a.den_abs = den.data();
  const auto& k = KanKernels<float>::get();
  auto fn = s.basis == Basis::rbf ? k.rbf_rows : s.basis == Basis::chebyshev ? k.chebyshev_rows
            : s.basis == Basis::fourier ? k.fourier_rows : k.rational_rows;
  for (auto _ : state) {
    fn(a, z.data(), rows, phi.data(), dphi.data(), q.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * rows * in);
  state.SetLabel(to_string(s.basis));
}
BENCHMARK(BM_BasisKernel)->Apply(basis_args);

// One layer [22 -> 64] (wide: register-tiled GEMMs) or [64 -> 1] (narrow: row dot products) of
// each basis, forward or backward, batch 1024, one thread. Arguments: basis index, out.
template <bool Backward>
static void BM_BasisLayer(benchmark::State& state) {
  const KanBasisState s = basis_state(static_cast<int>(state.range(0)));
  const int out = static_cast<int>(state.range(1)), in = out == 1 ? 64 : 22;
  BasisKanLayer<float> layer(in, out, s, BasisInit{1.0, false, out == 1});
  std::vector<float> p(layer.n_params()), g(layer.n_params());
  layer.bind(p.data(), g.data());
  Rng rng(9);
  layer.init(rng);
  const MatF x = random_inputs(1024, in, 10);
  const MatF dy = random_inputs(1024, out, 11);
  MatF y, dx;
  layer.forward(x, y, true, 1, nullptr);
  for (auto _ : state) {
    if (Backward) layer.backward(x, dy, &dx, 1);
    else layer.forward(x, y, true, 1, nullptr);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * 1024);
  state.SetLabel(to_string(s.basis));
}
void basis_layer_args(benchmark::internal::Benchmark* b) {
  for (int basis = 0; basis < 4; ++basis)
    for (int out : {64, 1}) b->Args({basis, out});
}
BENCHMARK_TEMPLATE(BM_BasisLayer, false)->Name("BM_BasisForward")->Apply(basis_layer_args);
BENCHMARK_TEMPLATE(BM_BasisLayer, true)->Name("BM_BasisBackward")->Apply(basis_layer_args);

BENCHMARK_MAIN();
