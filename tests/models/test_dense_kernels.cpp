// Dense kernels: gemm_acc sums every element in order p = 0..k-1 (equal, bit for bit, to the plain
// triple loop), gemm_dot matches a long-double reference, activations equal the scalar
// definitions of models/activation.hpp, and every copy the CPU can run (baseline, AVX2, AVX-512)
// agrees bit for bit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framework/rng.hpp"
#include "models/dense_kernels.hpp"
#include "tests/models/reference_activation.hpp"

using namespace kanscan;
using namespace kanscan::models;

namespace {

template <typename T>
std::vector<T> random_vec(std::size_t n, Rng& rng) {
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(rng.normal());
  return v;
}

// The reference loop, kept free of fused multiply-adds even in -march=native builds (C++ modes
// default to -ffp-contract=fast), as the kernels are.
template <typename T>
__attribute__((optimize("fp-contract=off"))) void reference_gemm(int m, int n, int k, const std::vector<T>& a,
                                                                  std::ptrdiff_t ars, std::ptrdiff_t acs,
                                                                  const std::vector<T>& b, std::vector<T>& c) {
  for (int r = 0; r < m; ++r)
    for (int j = 0; j < n; ++j) {
      T s = c[r * (n + 1) + j];
      for (int p = 0; p < k; ++p) s += a[r * ars + p * acs] * b[p * (n + 2) + j];
      c[r * (n + 1) + j] = s;
    }
}

// C += A B with A read through strides (ars, acs) as the kernels do; B, C row-major.
template <typename T>
void check_gemm_acc() {
  Rng rng(3);
  for (int m : {1, 3, 4, 6, 17})
    for (int n : {1, 3, 7, 8, 9, 16, 17, 33, 100})
      for (int k : {1, 2, 22, 255, 257, 600}) {
        SCOPED_TRACE("m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k));
        for (bool transposed_a : {false, true}) {
          const auto a = random_vec<T>(static_cast<std::size_t>(m) * k, rng);
          const auto b = random_vec<T>(static_cast<std::size_t>(k) * (n + 2), rng);  // ldb = n + 2
          const auto c0 = random_vec<T>(static_cast<std::size_t>(m) * (n + 1), rng);  // ldc = n + 1
          const std::ptrdiff_t ars = transposed_a ? 1 : k, acs = transposed_a ? m : 1;
          std::vector<T> want = c0;
          reference_gemm(m, n, k, a, ars, acs, b, want);
          for (Isa isa : runnable_isas()) {
            SCOPED_TRACE(isa_name(isa));
            std::vector<T> got = c0;
            DenseKernels<T>::of(isa).gemm_acc(m, n, k, a.data(), ars, acs, b.data(), n + 2, got.data(), n + 1);
            ASSERT_EQ(got, want);  // includes the untouched padding column
          }
        }
      }
}

template <typename T>
void check_gemm_dot() {
  Rng rng(4);
  for (int m : {1, 4, 5, 33})
    for (int n : {1, 2, 7})
      for (int k : {1, 7, 8, 9, 64, 100}) {
        SCOPED_TRACE("m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k));
        const auto a = random_vec<T>(static_cast<std::size_t>(m) * k, rng);
        const auto bt = random_vec<T>(static_cast<std::size_t>(n) * k, rng);
        const auto c0 = random_vec<T>(static_cast<std::size_t>(m) * n, rng);
        std::vector<T> got[3] = {c0, c0, c0};
        const auto isas = runnable_isas();
        for (std::size_t c = 0; c < isas.size(); ++c)
          DenseKernels<T>::of(isas[c]).gemm_dot(m, n, k, a.data(), k, bt.data(), k, got[c].data(), n);
        for (int r = 0; r < m; ++r)
          for (int j = 0; j < n; ++j) {
            long double s = 0;
            for (int p = 0; p < k; ++p) s += static_cast<long double>(a[r * k + p]) * bt[j * k + p];
            const double tol = (sizeof(T) == 4 ? 1e-5 : 1e-13) * (k + 1) * 4;
            ASSERT_NEAR(static_cast<double>(got[0][r * n + j]), static_cast<double>(c0[r * n + j] + s), tol);
          }
        for (std::size_t c = 1; c < isas.size(); ++c) ASSERT_EQ(got[0], got[c]) << isa_name(isas[c]);
      }
}

template <typename T>
void check_activations() {
  Rng rng(5);
  const std::size_t n = 301;
  auto z = random_vec<T>(n, rng);
  z[0] = T(0);
  z[1] = T(-0.0);
  z[2] = T(90);  // exp(-z) underflows: sigmoid branches
  z[3] = T(-90);
  std::vector<T> mask(n), dy = random_vec<T>(n, rng);
  for (auto& v : mask) v = rng.uniform() < 0.3 ? T(0) : T(1.0 / 0.7);
  const T slope = T(0.05);
  for (auto act : {Activation::identity, Activation::relu, Activation::leaky_relu, Activation::silu, Activation::tanh,
                   Activation::sigmoid}) {
    SCOPED_TRACE(to_string(act));
    const auto isas = runnable_isas();
    std::vector<T> y[3], a[3], dz[3];
    for (std::size_t c = 0; c < isas.size(); ++c) {
      y[c].resize(n), a[c].resize(n), dz[c].resize(n);
      const auto& kern = DenseKernels<T>::of(isas[c]);
      kern.activation_rows(act, slope, z.data(), mask.data(), y[c].data(), a[c].data(), n);
      kern.activation_grad_rows(act, slope, z.data(), a[c].data(), mask.data(), dy.data(), dz[c].data(), n);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const T want = activate(act, z[i], slope);
      ASSERT_EQ(a[0][i], want) << "z=" << z[i];
      ASSERT_EQ(y[0][i], want * mask[i]);
      ASSERT_EQ(dz[0][i], (dy[i] * mask[i]) * activate_grad(act, z[i], want, slope)) << "z=" << z[i];
    }
    for (std::size_t c = 1; c < isas.size(); ++c) {
      EXPECT_EQ(y[0], y[c]) << isa_name(isas[c]);
      EXPECT_EQ(a[0], a[c]) << isa_name(isas[c]);
      EXPECT_EQ(dz[0], dz[c]) << isa_name(isas[c]);
    }
  }
}

}  // namespace

TEST(DenseKernels, GemmAccEqualsOrderedTripleLoopFloat) { check_gemm_acc<float>(); }
TEST(DenseKernels, GemmAccEqualsOrderedTripleLoopDouble) { check_gemm_acc<double>(); }
TEST(DenseKernels, GemmDotMatchesReferenceAndCopiesAgreeFloat) { check_gemm_dot<float>(); }
TEST(DenseKernels, GemmDotMatchesReferenceAndCopiesAgreeDouble) { check_gemm_dot<double>(); }
TEST(DenseKernels, ActivationsEqualScalarDefinitionsFloat) { check_activations<float>(); }
TEST(DenseKernels, ActivationsEqualScalarDefinitionsDouble) { check_activations<double>(); }

TEST(DenseKernels, ColumnSumsInRowOrder) {
  Rng rng(6);
  const int rows = 37, n = 19, ld = 23;
  const auto x = random_vec<float>(static_cast<std::size_t>(rows) * ld, rng);
  std::vector<float> want(n, 1.0f);
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < n; ++j) want[j] += x[r * ld + j];
  for (Isa isa : runnable_isas()) {
    std::vector<float> got(n, 1.0f);
    DenseKernels<float>::of(isa).column_sums(rows, n, x.data(), ld, got.data());
    EXPECT_EQ(got, want) << isa_name(isa);
  }
}
