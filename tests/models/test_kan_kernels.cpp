// KAN kernels: every instruction-set copy (baseline, AVX2, AVX-512) agrees bit for bit, the
// batched cubic basis kernel equals SplineKnots::eval bit for bit, and forward/backward/SiLU
// match serial references.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "framework/rng.hpp"
#include "models/bspline.hpp"
#include "models/kan_kernels.hpp"
#include "models/kan_layer.hpp"
#include "models/kan_path.hpp"
#include "models/layer.hpp"

using namespace kanscan;
using namespace kanscan::models;

namespace {

// Index of basis q of (b, i) in the block-major layout for blocks of kSampleBlock samples.
std::size_t bidx(std::size_t n, int in, int k1, std::size_t b, int q, int i) {
  const std::size_t b0 = b / kSampleBlock * kSampleBlock, b1 = std::min(n, b0 + kSampleBlock);
  return b0 * in * k1 + static_cast<std::size_t>(q) * (b1 - b0) * in + (b - b0) * in + i;
}

// The inputs of one kernel check (a layer of `out` outputs) and what each copy computed.
template <typename T>
struct KernelCase {
  static constexpr int k = 3, k1 = k + 1;
  static constexpr std::size_t n = 300;
  int in, G, rows;
  int out, op;
  SplineKnots<T> knots = SplineKnots<T>::uniform(in, G, k, -1.0, 1.0);
  std::vector<T> x, eff, dy, t0_rep, ih_rep;
  // Per copy (at most three).
  std::vector<int> r0[3];
  std::vector<T> bs[3], dbs[3], silu[3], dsilu[3], y[3], de[3], dx[3], de_nodx[3];

  explicit KernelCase(int out_, int in_ = 7, int G_ = 5)
      : in(in_), G(G_), rows(G_ + 3 * k + 1), out(out_), op(kan_out_stride(out_)) {
    Rng rng(1);
    x.resize(n * in);
    eff.assign(static_cast<std::size_t>(in) * rows * op + kKanEffTail, T(0));
    dy.assign(n * op, T(0));
    for (auto& v : x) v = static_cast<T>(rng.uniform(-2.5, 2.5));
    // Padding columns of eff and dy are zero, as the layer keeps them.
    for (std::size_t e = 0; e + kKanEffTail < eff.size(); ++e)
      if (static_cast<int>(e % op) < out) eff[e] = static_cast<T>(rng.normal());
    for (std::size_t e = 0; e < dy.size(); ++e)
      if (static_cast<int>(e % op) < out) dy[e] = static_cast<T>(rng.normal());
    t0_rep.resize(kSampleBlock * in);
    ih_rep.resize(kSampleBlock * in);
    for (std::size_t e = 0; e < t0_rep.size(); ++e) {
      t0_rep[e] = knots.first_knots()[e % in];
      ih_rep[e] = knots.inv_spacings()[e % in];
    }
  }

  // Copy c's kernels over two sample blocks (the second one short), as the layer calls them.
  void run(int c, Isa isa) {
    r0[c].resize(n * in);
    bs[c].resize(n * in * k1);
    dbs[c].resize(n * in * k1);
    silu[c].resize(n * in);
    dsilu[c].resize(n * in);
    y[c].resize(n * out);
    de[c].assign(eff.size(), T(0));
    de_nodx[c].assign(eff.size(), T(0));
    dx[c].resize(n * in);
    const auto& kern = KanKernels<T>::of(isa);
    // The local-support kernels a layer of this width runs (narrow, or wide as for G >= 12).
    const bool narrow = kan_kernel_path({in, out, G, k, true}).path == KanPath::narrow;
    auto fwd = [&](std::size_t b0, std::size_t b1) {
      if (narrow)
        kern.forward_narrow_rows(eff.data(), in, rows, out, k1, r0[c].data(), bs[c].data(), silu[c].data(),
                                 y[c].data(), b0, b1);
      else
        kern.forward_wide_rows(eff.data(), in, rows, out, op, k1, r0[c].data(), bs[c].data(), silu[c].data(),
                               y[c].data(), b0, b1);
    };
    auto bwd = [&](const T* dbasis, const T* dsil, T* de_out, T* dx_out, std::size_t b0, std::size_t b1) {
      if (narrow)
        kern.backward_narrow_rows(eff.data(), in, rows, out, k1, r0[c].data(), bs[c].data(), dbasis, silu[c].data(),
                                  dsil, dy.data(), de_out, dx_out, b0, b1);
      else
        kern.backward_wide_rows(eff.data(), in, rows, op, k1, r0[c].data(), bs[c].data(), dbasis, silu[c].data(),
                                dsil, dy.data(), de_out, dx_out, b0, b1);
    };
    for (std::size_t b0 = 0; b0 < n; b0 += kSampleBlock) {
      const std::size_t b1 = std::min(n, b0 + kSampleBlock);
      kern.prepare_rows_uniform_cubic(x.data(), in, t0_rep.data(), ih_rep.data(), knots.n_knots(), r0[c].data(),
                                      bs[c].data(), dbs[c].data(), silu[c].data(), dsilu[c].data(), b0, b1);
      fwd(b0, b1);
      bwd(dbs[c].data(), dsilu[c].data(), de[c].data(), dx[c].data(), b0, b1);
      // Without input gradients (first layer): no derivative caches, the same parameter gradients.
      bwd(nullptr, nullptr, de_nodx[c].data(), nullptr, b0, b1);
    }
  }

  // The batched cubic kernel equals the per-point evaluation; SiLU and its derivative are accurate.
  void check_bases() const {
    T nq[4], dq[4];
    for (std::size_t b = 0; b < n; ++b)
      for (int i = 0; i < in; ++i) {
        const int r = knots.eval(i, x[b * in + i], nq, dq);
        ASSERT_EQ(r, r0[0][b * in + i]);
        for (int q = 0; q < 4; ++q) {
          ASSERT_EQ(nq[q], bs[0][bidx(n, in, k1, b, q, i)]);
          ASSERT_EQ(dq[q], dbs[0][bidx(n, in, k1, b, q, i)]);
        }
        const double v = static_cast<double>(x[b * in + i]), sg = 1.0 / (1.0 + std::exp(-v));
        const double eps = std::is_same_v<T, float> ? 1e-6 : 1e-14;
        ASSERT_NEAR(silu[0][b * in + i], v * sg, eps * (1.0 + std::abs(v)));
        ASSERT_NEAR(dsilu[0][b * in + i], sg * (1.0 + v * (1.0 - sg)), eps * (1.0 + std::abs(v)));
      }
  }

  // Forward and backward against a plain serial evaluation of the same sums (tolerance: the
  // kernels' summation order differs from this one).
  void check_against_serial() const {
    const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-11;
    std::vector<double> de_ref(eff.size(), 0.0);
    for (std::size_t b = 0; b < n; ++b) {
      for (int j = 0; j < out; ++j) {
        double yr = 0.0;
        for (int i = 0; i < in; ++i) {
          const std::size_t ei = static_cast<std::size_t>(i) * rows * op;
          yr += static_cast<double>(silu[0][b * in + i]) * eff[ei + static_cast<std::size_t>(rows - 1) * op + j];
          const int r = r0[0][b * in + i];
          if (r >= 0)
            for (int q = 0; q < k1; ++q)
              yr += static_cast<double>(bs[0][bidx(n, in, k1, b, q, i)]) * eff[ei + static_cast<std::size_t>(r + q) * op + j];
        }
        ASSERT_NEAR(y[0][b * out + j], yr, tol * (1.0 + std::abs(yr))) << "b=" << b << " j=" << j;
      }
      for (int i = 0; i < in; ++i) {
        const std::size_t ei = static_cast<std::size_t>(i) * rows * op;
        const int r = r0[0][b * in + i];
        double d = 0.0;
        for (int j = 0; j < out; ++j) {
          const double g = dy[b * op + j];
          const std::size_t w = ei + static_cast<std::size_t>(rows - 1) * op + j;
          d += static_cast<double>(dsilu[0][b * in + i]) * g * eff[w];
          de_ref[w] += static_cast<double>(silu[0][b * in + i]) * g;
          if (r >= 0)
            for (int q = 0; q < k1; ++q) {
              const std::size_t e = ei + static_cast<std::size_t>(r + q) * op + j;
              d += static_cast<double>(dbs[0][bidx(n, in, k1, b, q, i)]) * g * eff[e];
              de_ref[e] += static_cast<double>(bs[0][bidx(n, in, k1, b, q, i)]) * g;
            }
        }
        ASSERT_NEAR(dx[0][b * in + i], d, tol * 10 * (1.0 + std::abs(d))) << "b=" << b << " i=" << i;
      }
    }
    for (std::size_t e = 0; e < eff.size(); ++e) ASSERT_NEAR(de[0][e], de_ref[e], tol * 10 * (1.0 + std::abs(de_ref[e])));
  }

  void check_copy_equals_baseline(int c) const {
    EXPECT_EQ(r0[0], r0[c]);
    EXPECT_EQ(bs[0], bs[c]);
    EXPECT_EQ(dbs[0], dbs[c]);
    EXPECT_EQ(silu[0], silu[c]);
    EXPECT_EQ(dsilu[0], dsilu[c]);
    EXPECT_EQ(y[0], y[c]);
    EXPECT_EQ(de[0], de[c]);
    EXPECT_EQ(dx[0], dx[c]);
  }
};

// Every kernel path: narrow (out < 8, specialised per out), wide with and without padding columns;
// two sample blocks (the second one short), as the layer calls them.
template <typename T>
void check_copies_agree(int out, int in = 7, int G = 5) {
  SCOPED_TRACE("out = " + std::to_string(out) + ", in = " + std::to_string(in) + ", G = " + std::to_string(G));
  KernelCase<T> kc(out, in, G);
  const auto isas = runnable_isas();
  const int nc = static_cast<int>(isas.size());
  for (int c = 0; c < nc; ++c) kc.run(c, isas[c]);
  for (int c = 0; c < nc; ++c) EXPECT_EQ(kc.de[c], kc.de_nodx[c]) << isa_name(isas[c]);
  kc.check_bases();
  kc.check_against_serial();
  if (nc == 1) GTEST_SKIP() << "CPU without AVX2 (or copies not built): copies not compared";
  for (int c = 1; c < nc; ++c) {
    SCOPED_TRACE(isa_name(isas[c]));
    kc.check_copy_equals_baseline(c);
  }
}

// SiLU kernel on extreme and special inputs: accurate against std::exp, saturates without
// overflow, propagates NaN, and every copy agrees bit for bit.
template <typename T>
void check_silu() {
  std::vector<T> x = {T(0), T(-0.0), T(1e-30), T(-1e-30), T(0.5), T(-0.5), T(3), T(-3), T(20), T(-20), T(80),
                      T(-80), T(87.5), T(-87.5), T(88.5), T(-88.5), T(100), T(-100), T(700), T(-700), T(1e4), T(-1e4)};
  Rng rng(3);
  for (int e = 0; e < 1000; ++e) x.push_back(static_cast<T>(rng.uniform(-30, 30)));
  const std::size_t n = x.size();
  const auto isas = runnable_isas();
  const int nc = static_cast<int>(isas.size());
  std::vector<T> s[3], ds[3];
  for (int c = 0; c < nc; ++c) {
    s[c].resize(n + 1);
    ds[c].resize(n + 1);
    KanKernels<T>::of(isas[c]).silu_rows(x.data(), s[c].data(), ds[c].data(), 0, n);
  }
  const double eps = std::is_same_v<T, float> ? 1e-6 : 1e-14;
  for (std::size_t e = 0; e < n; ++e) {
    const double v = static_cast<double>(x[e]), sg = 1.0 / (1.0 + std::exp(-v));
    // Below the clamp of exp the sigmoid is not resolved; SiLU is then ~0 either way.
    const double floor = std::abs(v) * (std::is_same_v<T, float> ? 1e-37 : 1e-300);
    EXPECT_NEAR(s[0][e], v * sg, eps * std::abs(v * sg) + floor) << "x=" << v;
    EXPECT_NEAR(ds[0][e], sg * (1.0 + v * (1.0 - sg)), eps * (1.0 + std::abs(v)) + floor) << "x=" << v;
  }
  T nan = std::numeric_limits<T>::quiet_NaN(), sn, dsn;
  generic::kan_silu_rows<T>(&nan, &sn, &dsn, 0, 1);
  EXPECT_TRUE(std::isnan(sn));
  EXPECT_TRUE(std::isnan(dsn));
  if (nc == 1) GTEST_SKIP() << "CPU without AVX2 (or copies not built): copies not compared";
  for (int c = 1; c < nc; ++c) {
    EXPECT_EQ(s[0], s[c]) << isa_name(isas[c]);
    EXPECT_EQ(ds[0], ds[c]) << isa_name(isas[c]);
  }
}

}  // namespace

TEST(KanKernels, SiluAccurateAndIdenticalCopiesFloat) { check_silu<float>(); }
TEST(KanKernels, SiluAccurateAndIdenticalCopiesDouble) { check_silu<double>(); }

TEST(KanKernels, EveryCopyAgreesWithTheBaselineBitwiseFloat) {
  for (int out : {1, 2, 3, 5, 7, 8, 37, 45, 64}) check_copies_agree<float>(out);
}
// One output, the AVX-512 copy's own kernels (kan_narrow_avx512.inl): the coefficient column in one
// register (G = 5: 15 rows), two (G = 10, 20: 20, 30 rows) or none (G = 30: 40 rows, the general
// kernels), inputs in one partial chunk of 16 lanes, several chunks, and a ragged last chunk.
TEST(KanKernels, OneOutputCopiesAgreeForEveryColumnSizeFloat) {
  for (int G : {5, 10, 20, 30})
    for (int in : {7, 22, 64}) check_copies_agree<float>(1, in, G);
}
TEST(KanKernels, EveryCopyAgreesWithTheBaselineBitwiseDouble) {
  for (int out : {1, 2, 3, 5, 7, 8, 37, 45, 64}) check_copies_agree<double>(out);
}

namespace {

// One forward + backward of a KAN layer; returns y, dx and the parameter gradient.
template <typename T>
struct LayerRun {
  Mat<T> y, dx;
  std::vector<T> grad;
};

template <typename T>
LayerRun<T> run_layer(int in, int out, int G, int threads, bool training_forward, bool want_dx,
                      std::size_t keep_limit = kKanExpansionKeepLimit) {
  KanLayer<T> layer(in, out, SplineKnots<T>::uniform(in, G, 3, -1.0, 1.0));
  layer.set_expansion_keep_limit(keep_limit);
  std::vector<T> p(layer.n_params()), g(layer.n_params());
  layer.bind(p.data(), g.data());
  Rng rng(11);
  layer.init(rng);
  for (auto& v : p) v += static_cast<T>(rng.uniform(-0.3, 0.3));
  Mat<T> x(1000, in), dy(1000, out);  // four sample blocks, the last one short
  for (Eigen::Index e = 0; e < x.size(); ++e) x.data()[e] = static_cast<T>(rng.uniform(-1.5, 1.5));
  for (Eigen::Index e = 0; e < dy.size(); ++e) dy.data()[e] = static_cast<T>(rng.normal());
  LayerRun<T> r;
  layer.forward(x, r.y, training_forward, threads, nullptr);
  layer.backward(x, dy, want_dx ? &r.dx : nullptr, threads);
  r.grad = g;
  return r;
}

// Every path of kan_kernel_path: narrow (out 1, 3), gemm (out 45, 64 at G = 5), wide (G = 20).
template <typename T>
void check_layer_paths() {
  for (int G : {5, 20})
    for (int out : {1, 3, 45, 64}) {
      SCOPED_TRACE("out = " + std::to_string(out) + ", G = " + std::to_string(G));
      const LayerRun<T> ref = run_layer<T>(6, out, G, 1, true, true);
      // Any thread count: the same bits.
      for (int threads : {2, 3}) {
        const LayerRun<T> t = run_layer<T>(6, out, G, threads, true, true);
        EXPECT_TRUE(t.y == ref.y);
        EXPECT_TRUE(t.dx == ref.dx);
        EXPECT_EQ(t.grad, ref.grad);
      }
      // Backward after an inference forward rebuilds the derivative caches: the same bits.
      const LayerRun<T> inf = run_layer<T>(6, out, G, 2, false, true);
      EXPECT_TRUE(inf.y == ref.y);
      EXPECT_TRUE(inf.dx == ref.dx);
      EXPECT_EQ(inf.grad, ref.grad);
      // Gemm path with the expansion not kept (as for full-batch L-BFGS): the same bits.
      const LayerRun<T> nokeep = run_layer<T>(6, out, G, 2, true, true, 0);
      EXPECT_TRUE(nokeep.y == ref.y);
      EXPECT_TRUE(nokeep.dx == ref.dx);
      EXPECT_EQ(nokeep.grad, ref.grad);
      // Without input gradients: the same parameter gradient.
      const LayerRun<T> nodx = run_layer<T>(6, out, G, 2, true, false);
      EXPECT_EQ(nodx.grad, ref.grad);
    }
}

}  // namespace

TEST(KanKernels, LayerBitwiseAcrossThreadsAndCachePathsFloat) { check_layer_paths<float>(); }
TEST(KanKernels, LayerBitwiseAcrossThreadsAndCachePathsDouble) { check_layer_paths<double>(); }
