// KAN kernels: the AVX2 and baseline copies agree bit for bit, and the batched cubic basis
// kernel equals SplineKnots::eval bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <type_traits>

#include "framework/rng.hpp"
#include "models/bspline.hpp"
#include "models/kan_kernels.hpp"

using namespace kanscan;
using namespace kanscan::models;

namespace {

// Every kernel path: narrow (out < 8, specialised per out), wide with and without padding columns.
template <typename T>
void check_copies_agree(int out) {
  SCOPED_TRACE("out = " + std::to_string(out));
  Rng rng(1);
  const int in = 7, G = 5, k = 3, rows = G + 3 * k + 1, k1 = k + 1, op = kan_out_stride(out);
  const std::size_t n = 300;
  const auto knots = SplineKnots<T>::uniform(in, G, k, -1.0, 1.0);
  std::vector<T> x(n * in), eff(static_cast<std::size_t>(in) * rows * op, T(0)), dy(n * op, T(0)), silu(n * in),
      dsilu(n * in);
  for (auto& v : x) v = static_cast<T>(rng.uniform(-2.5, 2.5));
  // Padding columns of eff and dy are zero, as the layer keeps them.
  for (std::size_t e = 0; e < eff.size(); ++e)
    if (static_cast<int>(e % op) < out) eff[e] = static_cast<T>(rng.normal());
  for (std::size_t e = 0; e < dy.size(); ++e)
    if (static_cast<int>(e % op) < out) dy[e] = static_cast<T>(rng.normal());
  for (std::size_t i = 0; i < silu.size(); ++i) silu[i] = x[i] * T(0.5), dsilu[i] = T(0.25) + x[i];
  std::vector<int> r0[2];
  std::vector<T> bs[2], dbs[2], y[2], de[2], dx[2];
  for (int c = 0; c < 2; ++c) {
    r0[c].resize(n * in);
    bs[c].resize(n * in * k1);
    dbs[c].resize(n * in * k1);
    y[c].resize(n * out);
    de[c].assign(eff.size(), T(0));
    dx[c].resize(n * in);
    auto basis = c ? avx2::kan_basis_rows_uniform_cubic<T> : generic::kan_basis_rows_uniform_cubic<T>;
    auto fwd = c ? avx2::kan_forward_rows<T> : generic::kan_forward_rows<T>;
    auto bwd = c ? avx2::kan_backward_rows<T> : generic::kan_backward_rows<T>;
    basis(x.data(), in, knots.first_knots(), knots.inv_spacings(), knots.n_knots(), r0[c].data(), bs[c].data(),
          dbs[c].data(), 0, n);
    fwd(eff.data(), in, rows, out, op, k1, r0[c].data(), bs[c].data(), silu.data(), y[c].data(), 0, n);
    bwd(eff.data(), in, rows, out, op, k1, r0[c].data(), bs[c].data(), dbs[c].data(), silu.data(), dsilu.data(), dy.data(),
        de[c].data(), dx[c].data(), 0, n);
  }
  // The batched cubic kernel equals the per-point evaluation.
  T nq[4], dq[4];
  for (std::size_t b = 0; b < n; ++b)
    for (int i = 0; i < in; ++i) {
      const int r = knots.eval(i, x[b * in + i], nq, dq);
      ASSERT_EQ(r, r0[0][b * in + i]);
      for (int q = 0; q < 4; ++q) {
        ASSERT_EQ(nq[q], bs[0][(b * k1 + q) * in + i]);
        ASSERT_EQ(dq[q], dbs[0][(b * k1 + q) * in + i]);
      }
    }
  // Forward and backward against a plain serial evaluation of the same sums (tolerance: the
  // kernels' summation order differs from this one).
  const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-11;
  std::vector<double> de_ref(eff.size(), 0.0);
  for (std::size_t b = 0; b < n; ++b) {
    for (int j = 0; j < out; ++j) {
      double yr = 0.0;
      for (int i = 0; i < in; ++i) {
        const std::size_t ei = static_cast<std::size_t>(i) * rows * op;
        yr += static_cast<double>(silu[b * in + i]) * eff[ei + static_cast<std::size_t>(rows - 1) * op + j];
        const int r = r0[0][b * in + i];
        if (r >= 0)
          for (int q = 0; q < k1; ++q)
            yr += static_cast<double>(bs[0][(b * k1 + q) * in + i]) * eff[ei + static_cast<std::size_t>(r + q) * op + j];
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
        d += static_cast<double>(dsilu[b * in + i]) * g * eff[w];
        de_ref[w] += static_cast<double>(silu[b * in + i]) * g;
        if (r >= 0)
          for (int q = 0; q < k1; ++q) {
            const std::size_t e = ei + static_cast<std::size_t>(r + q) * op + j;
            d += static_cast<double>(dbs[0][(b * k1 + q) * in + i]) * g * eff[e];
            de_ref[e] += static_cast<double>(bs[0][(b * k1 + q) * in + i]) * g;
          }
      }
      ASSERT_NEAR(dx[0][b * in + i], d, tol * 10 * (1.0 + std::abs(d))) << "b=" << b << " i=" << i;
    }
  }
  for (std::size_t e = 0; e < eff.size(); ++e) ASSERT_NEAR(de[0][e], de_ref[e], tol * 10 * (1.0 + std::abs(de_ref[e])));
  if (!use_avx2_kernels()) GTEST_SKIP() << "CPU without AVX2 (or AVX2 copy not built): copies not compared";
  EXPECT_EQ(r0[0], r0[1]);
  EXPECT_EQ(bs[0], bs[1]);
  EXPECT_EQ(dbs[0], dbs[1]);
  EXPECT_EQ(y[0], y[1]);
  EXPECT_EQ(de[0], de[1]);
  EXPECT_EQ(dx[0], dx[1]);
}

}  // namespace

TEST(KanKernels, Avx2AndBaselineCopiesAgreeBitwiseFloat) {
  for (int out : {1, 2, 3, 5, 7, 8, 37, 45, 64}) check_copies_agree<float>(out);
}
TEST(KanKernels, Avx2AndBaselineCopiesAgreeBitwiseDouble) {
  for (int out : {1, 2, 3, 5, 7, 8, 37, 45, 64}) check_copies_agree<double>(out);
}
