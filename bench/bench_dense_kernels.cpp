// The dense-layer GEMM kernels alone, every instruction-set copy side by side, on the shapes of a
// training step of MLP [22,100,100,1] over one sample block of 256 (models/dense_kernels.inl):
//   fwd:  Z[256 x out] += X[256 x in] W[in x out]
//   gw:   dW[in x out] += X^T dZ          (A read transposed)
//   dx:   dX[256 x in] += dZ W^T
//   dot:  the narrow output layer, Z[256 x 1] as row dot products.
// Reports multiply-adds per second (items_per_second).
#include <benchmark/benchmark.h>

#include <vector>

#include "framework/rng.hpp"
#include "models/dense_kernels.hpp"

namespace {

using namespace kanscan::models;

enum Op { fwd, gw, dx, dot };

std::vector<float> random_vec(std::size_t n, kanscan::Rng& rng) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform(-1.0, 1.0));
  return v;
}

template <Isa Isa>
void BM_DenseGemm(benchmark::State& state) {
  if (static_cast<int>(Isa) > static_cast<int>(best_isa())) {
    state.SkipWithError("the CPU cannot run this copy");
    return;
  }
  const Op op = static_cast<Op>(state.range(0));
  const int in = static_cast<int>(state.range(1)), out = static_cast<int>(state.range(2)), rows = 256;
  kanscan::Rng rng(1);
  const auto x = random_vec(static_cast<std::size_t>(rows) * in, rng);
  const auto w = random_vec(static_cast<std::size_t>(in) * out, rng);
  const auto dz = random_vec(static_cast<std::size_t>(rows) * out, rng);
  std::vector<float> c(static_cast<std::size_t>(rows) * (in > out ? in : out) + static_cast<std::size_t>(in) * out);
  const auto gemm = DenseKernels<float>::of(Isa).gemm_acc;
  const auto gdot = DenseKernels<float>::of(Isa).gemm_dot;
  for (auto _ : state) {
    switch (op) {
      case fwd: gemm(rows, out, in, x.data(), in, 1, w.data(), out, c.data(), out); break;
      case gw: gemm(in, out, rows, x.data(), 1, in, dz.data(), out, c.data(), out); break;
      case dx: gemm(rows, in, out, dz.data(), out, 1, w.data(), in, c.data(), in); break;
      case dot: gdot(rows, out, in, x.data(), in, w.data(), in, c.data(), out); break;
    }
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(rows) * in * out);
}

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"op", "in", "out"});
  for (int op : {fwd, gw, dx}) {
    b->Args({op, 22, 100});
    b->Args({op, 100, 100});
    b->Args({op, 22, 64});
  }
  b->Args({dot, 100, 1});
  b->Args({dot, 64, 1});
}

}  // namespace

BENCHMARK_TEMPLATE(BM_DenseGemm, Isa::generic)->Name("BM_DenseGemm/generic")->Apply(shapes);
BENCHMARK_TEMPLATE(BM_DenseGemm, Isa::avx2)->Name("BM_DenseGemm/avx2")->Apply(shapes);
BENCHMARK_TEMPLATE(BM_DenseGemm, Isa::avx512)->Name("BM_DenseGemm/avx512")->Apply(shapes);

BENCHMARK_MAIN();
