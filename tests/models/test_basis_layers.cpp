// The KAN layers with bases other than B-splines (models/basis_layer.hpp): the basis kernels agree
// with a serial double reference and bitwise between the instruction-set copies; the layer agrees
// with the serial reference forward (tests/models/reference_bases.hpp); forward and backward are
// bitwise identical for any thread count, with and without the kept expansion, after an inference
// forward and without input gradients; export / import round-trips every tensor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "framework/rng.hpp"
#include "models/basis_layer.hpp"
#include "models/kan_kernels.hpp"
#include "models/model.hpp"
#include "models/parameter_count.hpp"
#include "tests/models/reference_bases.hpp"

using namespace kanscan;
using namespace kanscan::models;

namespace {

// One setting per basis and variant the kernels distinguish.
struct Variant {
  std::string name;
  KanBasisState s;
};

std::vector<Variant> variants() {
  std::vector<Variant> v;
  KanBasisState r;
  r.basis = Basis::rbf;
  r.num_grids = 8;
  r.grid_min = -2;
  r.grid_max = 2;
  r.base_branch = true;
  v.push_back({"rbf", r});
  r.layernorm = true;
  r.num_grids = 5;
  r.denominator = 0.7;
  v.push_back({"rbf_layernorm", r});
  r.layernorm = false;
  r.base_branch = false;
  v.push_back({"rbf_nobase", r});
  KanBasisState c;
  c.basis = Basis::chebyshev;
  c.degree = 4;
  c.base_branch = false;
  v.push_back({"chebyshev", c});
  c.squash = Squash::clamp;
  c.base_branch = true;
  c.degree = 2;
  v.push_back({"chebyshev_clamp_base", c});
  c.degree = 0;
  c.squash = Squash::tanh;
  v.push_back({"chebyshev_degree0", c});
  KanBasisState f;
  f.basis = Basis::fourier;
  f.gridsize = 3;
  f.base_branch = false;
  v.push_back({"fourier", f});
  f.base_branch = true;
  f.gridsize = 1;
  v.push_back({"fourier_base", f});
  KanBasisState q;
  q.basis = Basis::rational;
  q.numerator_degree = 5;
  q.denominator_degree = 4;
  q.num_groups = 2;
  q.base_branch = false;
  v.push_back({"rational", q});
  q.numerator_degree = 3;
  q.denominator_degree = 2;
  q.num_groups = 8;
  q.base_branch = true;
  v.push_back({"rational_base", q});
  return v;
}

template <typename T>
void randomize(BasisKanLayer<T>& layer, std::vector<T>& p, std::vector<T>& g, Rng& rng, bool first = true) {
  p.assign(layer.n_params(), T(0));
  g.assign(layer.n_params(), T(0));
  layer.bind(p.data(), g.data());
  (void)first;
  layer.init(rng);
  for (auto& v : p) v += static_cast<T>(rng.uniform(-0.3, 0.3));
}

template <typename T>
Mat<T> inputs(Eigen::Index rows, int in, Rng& rng, double lo = -2.5, double hi = 2.5) {
  Mat<T> x(rows, in);
  for (Eigen::Index e = 0; e < x.size(); ++e) x.data()[e] = static_cast<T>(rng.uniform(lo, hi));
  return x;
}

template <typename T>
struct Run {
  Mat<T> y, dx;
  std::vector<T> grad;
};

template <typename T>
Run<T> run(const KanBasisState& s, int in, int out, int threads, bool training_forward, bool want_dx,
           std::size_t keep_limit = kKanExpansionKeepLimit) {
  BasisKanLayer<T> layer(in, out, s, BasisInit{1.0, false, false});
  layer.set_expansion_keep_limit(keep_limit);
  std::vector<T> p, g;
  Rng rng(21);
  randomize(layer, p, g, rng);
  const Mat<T> x = inputs<T>(1000, in, rng);  // four sample blocks, the last one short
  Mat<T> dy(1000, out);
  for (Eigen::Index e = 0; e < dy.size(); ++e) dy.data()[e] = static_cast<T>(rng.normal());
  Run<T> r;
  layer.forward(x, r.y, training_forward, threads, nullptr);
  layer.backward(x, dy, want_dx ? &r.dx : nullptr, threads);
  r.grad = g;
  return r;
}

template <typename T>
void check_threads_and_caches() {
  for (const auto& v : variants())
    for (int out : {1, 3, 9, 16}) {
      SCOPED_TRACE(v.name + " out = " + std::to_string(out));
      const Run<T> ref = run<T>(v.s, 5, out, 1, true, true);
      for (int threads : {2, 3}) {
        const Run<T> t = run<T>(v.s, 5, out, threads, true, true);
        EXPECT_TRUE(t.y == ref.y);
        EXPECT_TRUE(t.dx == ref.dx);
        EXPECT_EQ(t.grad, ref.grad);
      }
      const Run<T> inf = run<T>(v.s, 5, out, 2, false, true);  // backward after an inference forward
      EXPECT_TRUE(inf.y == ref.y);
      EXPECT_TRUE(inf.dx == ref.dx);
      EXPECT_EQ(inf.grad, ref.grad);
      const Run<T> nokeep = run<T>(v.s, 5, out, 2, true, true, 0);  // expansion not kept
      EXPECT_TRUE(nokeep.y == ref.y);
      EXPECT_TRUE(nokeep.dx == ref.dx);
      EXPECT_EQ(nokeep.grad, ref.grad);
      const Run<T> nodx = run<T>(v.s, 5, out, 2, true, false);
      EXPECT_EQ(nodx.grad, ref.grad);
    }
}

// The basis kernels called directly on padded rows: every copy the CPU runs gives the baseline's bits.
template <typename T>
void check_copies(const KanBasisState& s, int in) {
  const int D = basis_functions(s), ip = kan_basis_stride(in);
  Rng rng(5);
  const int rows = 7;
  std::vector<T> zv(static_cast<std::size_t>(rows) * ip, T(0));
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < in; ++i) zv[static_cast<std::size_t>(r) * ip + i] = static_cast<T>(rng.uniform(-4, 4));
  zv[0] = T(0);
  if (in > 1) zv[1] = T(1);
  auto z = [&](int r, int i) { return zv[static_cast<std::size_t>(r) * ip + i]; };
  std::vector<T> centers(static_cast<std::size_t>(std::max(1, s.num_grids)));
  for (std::size_t m = 0; m < centers.size(); ++m) centers[m] = static_cast<T>(-2.0 + 0.5 * static_cast<double>(m));
  std::vector<T> num = {T(0.1), T(0.9), T(0.3), T(-0.05), T(0.02), T(0.004)};
  std::vector<T> den(static_cast<std::size_t>(4 * ip), T(0));
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < in; ++i) den[static_cast<std::size_t>(k) * ip + i] = static_cast<T>(rng.uniform(0, 0.5));
  KanBasisArgs<T> a;
  a.in = in;
  a.in_pad = ip;
  a.functions = D;
  a.centers = centers.data();
  a.inv_h = T(1.7);
  a.clamp = s.squash == Squash::clamp;
  a.m = 5;
  a.n = 4;
  a.numerator = num.data();
  a.den_abs = den.data();
  auto eval = [&](Isa isa, std::vector<T>& out, std::vector<T>& dout, std::vector<T>& q) {
    const auto& k = KanKernels<T>::of(isa);
    out.assign(static_cast<std::size_t>(rows) * D * ip, T(-7));
    dout.assign(static_cast<std::size_t>(rows) * D * ip, T(-7));
    q.assign(static_cast<std::size_t>(rows) * ip, T(-7));
    auto fn = s.basis == Basis::rbf ? k.rbf_rows : s.basis == Basis::chebyshev ? k.chebyshev_rows
              : s.basis == Basis::fourier ? k.fourier_rows : k.rational_rows;
    fn(a, zv.data(), rows, out.data(), dout.data(), q.data());
  };
  std::vector<T> base, dbase, qbase;
  eval(Isa::generic, base, dbase, qbase);
  auto same = [](const std::vector<T>& u, const std::vector<T>& v) {
    return u.size() == v.size() && std::memcmp(u.data(), v.data(), u.size() * sizeof(T)) == 0;
  };
  for (Isa isa : runnable_isas()) {
    SCOPED_TRACE(isa_name(isa));
    std::vector<T> o, d, q;
    eval(isa, o, d, q);
    EXPECT_TRUE(same(o, base));
    EXPECT_TRUE(same(d, dbase));
    if (s.basis == Basis::rational) {
      EXPECT_TRUE(same(q, qbase));  // 1 / Q
    }
  }
  // Accuracy against the C library, in the units of each function.
  const double tol = sizeof(T) == 4 ? 2e-6 : 1e-13;
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < in; ++i) {
      const double x = static_cast<double>(z(r, i));
      const std::size_t at = (static_cast<std::size_t>(r) * D) * ip + i;
      for (int m = 0; m < D; ++m) {
        double want = 0, dwant = 0;
        switch (s.basis) {
          case Basis::rbf: {
            const double u = (x - static_cast<double>(centers[m])) * static_cast<double>(a.inv_h);
            want = std::exp(-u * u);
            dwant = -2 * u * static_cast<double>(a.inv_h) * want;
            break;
          }
          case Basis::chebyshev: {
            const double t = a.clamp ? std::clamp(x, -1.0, 1.0) : std::tanh(x);
            const double dt = a.clamp ? (x > -1 && x < 1 ? 1.0 : 0.0) : 1 - t * t;
            want = std::cos(m * std::acos(t));
            const double th = std::acos(t);
            dwant = m == 0 ? 0.0 : (std::abs(std::sin(th)) < 1e-6 ? m * m * (t > 0 ? 1.0 : (m % 2 ? 1.0 : -1.0))
                                                                   : m * std::sin(m * th) / std::sin(th)) * dt;
            break;
          }
          case Basis::fourier: {
            const int F = D / 2, k = m % F + 1;
            want = m < F ? std::cos(k * x) : std::sin(k * x);
            dwant = m < F ? -k * std::sin(k * x) : k * std::cos(k * x);
            break;
          }
          case Basis::rational: {
            double p = 0, dp = 0, q = 1, dq = 0;
            for (int k = 0; k <= 5; ++k) p += static_cast<double>(num[k]) * std::pow(x, k);
            for (int k = 1; k <= 5; ++k) dp += k * static_cast<double>(num[k]) * std::pow(x, k - 1);
            for (int k = 1; k <= 4; ++k) {
              const double b = static_cast<double>(den[static_cast<std::size_t>(k - 1) * ip + i]);
              q += b * std::pow(std::abs(x), k);
              dq += std::copysign(1.0, x) * k * b * std::pow(std::abs(x), k - 1);
            }
            want = p / q;
            dwant = (dp - want * dq) / q;
            break;
          }
          case Basis::bspline: break;
        }
        const double got = static_cast<double>(base[at + static_cast<std::size_t>(m) * ip]);
        const double dgot = static_cast<double>(dbase[at + static_cast<std::size_t>(m) * ip]);
        EXPECT_NEAR(got, want, tol * (1 + std::abs(want))) << "x = " << x << " m = " << m;
        EXPECT_NEAR(dgot, dwant, 20 * tol * (1 + std::abs(dwant) + m * m)) << "x = " << x << " m = " << m;
      }
    }
}

template <typename T>
void check_all_copies() {
  for (const auto& v : variants())
    for (int in : {1, 5, 17, 22}) {
      SCOPED_TRACE(v.name + " in = " + std::to_string(in));
      check_copies<T>(v.s, in);
    }
}

}  // namespace

TEST(BasisKernels, CopiesAgreeBitwiseAndMatchTheCLibraryFloat) { check_all_copies<float>(); }
TEST(BasisKernels, CopiesAgreeBitwiseAndMatchTheCLibraryDouble) { check_all_copies<double>(); }

TEST(BasisKernels, SinCosStayAccurateForLargeArguments) {
  // Fourier frequencies times standardised inputs reach a few hundred; the reduction keeps them exact.
  KanBasisArgs<float> a;
  a.in = 1;
  a.in_pad = kan_basis_stride(1);
  a.functions = 2;
  for (double x : {-1000.0, -313.7, -3.14159, 1e-7, 2.5, 99.9, 12345.6, 9.9e4}) {
    std::vector<float> z(16, 0.0f), out(32), d(32);
    z[0] = static_cast<float>(x);
    KanKernels<float>::get().fourier_rows(a, z.data(), 1, out.data(), d.data(), nullptr);
    const double zz = static_cast<double>(z[0]), tol = 2e-6 * (1 + std::abs(zz) * 1e-3);
    EXPECT_NEAR(out[0], std::cos(zz), tol) << x;
    EXPECT_NEAR(out[16], std::sin(zz), tol) << x;
  }
}

TEST(BasisLayers, ForwardMatchesTheSerialReference) {
  for (const auto& v : variants())
    for (int out : {1, 3, 9}) {
      SCOPED_TRACE(v.name + " out = " + std::to_string(out));
      for (int in : {1, 3, 22}) {
        BasisKanLayer<double> ld(in, out, v.s, BasisInit{1.0, false, false});
        std::vector<double> p, g;
        Rng rng(31);
        randomize(ld, p, g, rng);
        const Mat<double> x = inputs<double>(300, in, rng, -3, 3);
        Mat<double> y;
        ld.forward(x, y, false, 2, nullptr);
        const LayerState st = ld.export_state();
        const auto want = test::reference_forward(st, x, out);
        EXPECT_LT((y - want).cwiseAbs().maxCoeff(), 1e-11 * (1 + want.cwiseAbs().maxCoeff()));
        // The float layer loaded from the same state, against the same reference.
        auto mf = Model<float>::from_layers({st});
        Mat<float> xf(x.rows(), x.cols());
        for (Eigen::Index e = 0; e < x.size(); ++e) xf.data()[e] = static_cast<float>(x.data()[e]);
        const Mat<float> yf = mf->forward(xf, false, 1);
        double worst = 0;
        for (Eigen::Index e = 0; e < yf.size(); ++e)
          worst = std::max(worst, std::abs(static_cast<double>(yf.data()[e]) - want.data()[e]));
        EXPECT_LT(worst, 2e-5 * (1 + want.cwiseAbs().maxCoeff()));
      }
    }
}

TEST(BasisLayers, BitwiseForAnyThreadCountAndCachePathFloat) { check_threads_and_caches<float>(); }
TEST(BasisLayers, BitwiseForAnyThreadCountAndCachePathDouble) { check_threads_and_caches<double>(); }

TEST(BasisLayers, ExportImportRoundTripsAndCountsParameters) {
  for (const auto& v : variants()) {
    SCOPED_TRACE(v.name);
    BasisKanLayer<float> layer(6, 4, v.s);
    std::vector<float> p, g;
    Rng rng(41);
    randomize(layer, p, g, rng);
    const LayerState st = layer.export_state();
    std::size_t stored = 0;
    for (const auto& [name, t] : st.tensors)
      if (name != "rbf.grid" && name != "arange") stored += t.numel();
    EXPECT_EQ(stored, layer.n_params());
    auto m = Model<float>::from_layers({st});
    EXPECT_EQ(m->n_params(), layer.n_params());
    for (std::size_t q = 0; q < p.size(); ++q) EXPECT_EQ(m->params()[static_cast<Eigen::Index>(q)], p[q]) << q;
    const LayerState back = m->export_layers()[0];
    for (const auto& [name, t] : st.tensors) EXPECT_EQ(back.tensors.at(name).data, t.data) << name;
  }
}

TEST(BasisLayers, ParameterCountsOfTheConfiguration) {
  ModelConfig c;
  c.type = ModelType::kan;
  c.depth = 1;
  c.width = 8;
  c.basis = Basis::rbf;  // FastKAN default: base branch with bias; no layer norm unless asked
  EXPECT_EQ(models::count_parameters(c, 22, 1), 22 * 8 * 9 + 8 + 8 * 1 * 9 + 1);
  c.rbf_layernorm = true;
  EXPECT_EQ(models::count_parameters(c, 22, 1), 22 * 8 * 9 + 8 + 44 + 8 * 9 + 1 + 16);
  c.basis = Basis::chebyshev;  // no base branch, no bias
  EXPECT_EQ(models::count_parameters(c, 22, 1), 22 * 8 * 4 + 8 * 4);
  c.base_branch = BaseBranch::silu;
  EXPECT_EQ(models::count_parameters(c, 22, 1), 22 * 8 * 5 + 8 * 5);
  c.base_branch = BaseBranch::auto_;
  c.basis = Basis::fourier;  // 2F coefficients per edge and a bias
  EXPECT_EQ(models::count_parameters(c, 22, 1), 22 * 8 * 10 + 8 + 8 * 10 + 1);
  c.basis = Basis::rational;  // linear layers, a shared numerator, one denominator per group
  EXPECT_EQ(models::count_parameters(c, 22, 1), (22 * 8 + 8 + 6 + 8 * 4) + (8 + 1 + 6 + 8 * 4));
  for (Basis b : {Basis::rbf, Basis::chebyshev, Basis::fourier, Basis::rational}) {
    c.basis = b;
    EXPECT_EQ(static_cast<std::int64_t>(Model<float>::build(c, 22, 1)->n_params()), models::count_parameters(c, 22, 1));
  }
}
