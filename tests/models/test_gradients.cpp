// Central-difference gradient checks in double precision for every layer, activation and loss,
// w.r.t. parameters and inputs, including inputs on and next to knots and outside the grid.
#include <gtest/gtest.h>

#include "framework/rng.hpp"
#include "models/basis_layer.hpp"
#include "models/dense_layer.hpp"
#include "models/kan_layer.hpp"
#include "models/loss.hpp"
#include "models/model.hpp"
#include "tests/models/gradcheck.hpp"

using namespace kanscan;
using namespace kanscan::models;
using kanscan::test::check_gradient;
using MatD = Mat<double>;

namespace {

MatD random_mat(Eigen::Index r, Eigen::Index c, Rng& rng, double lo = -1, double hi = 1) {
  MatD m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(lo, hi);
  return m;
}

// Inputs for a layer on the uniform grid [-1,1] with G intervals and order k: on knots, next to
// knots, inside, in the extension region and far outside.
MatD kan_inputs(int n_in, int G, int k, Rng& rng, bool on_knots) {
  std::vector<double> v;
  const double h = 2.0 / G;
  for (int j = -k; j <= G + k; ++j) {
    const double t = -1.0 + j * h;
    if (on_knots) v.push_back(t);
    v.push_back(t + 1e-4);
    v.push_back(t - 1e-4);
  }
  v.push_back(1.0 + (k + 2) * h);  // beyond the extended grid: only SiLU
  v.push_back(-1.0 - (k + 3) * h);
  v.push_back(1.0 + 0.5 * h);      // extension region
  for (int j = 0; j < 10; ++j) v.push_back(rng.uniform(-1.2, 1.2));
  const Eigen::Index rows = static_cast<Eigen::Index>((v.size() + n_in - 1) / n_in) + 1;
  MatD x(rows, n_in);
  for (Eigen::Index i = 0; i < x.size(); ++i)
    x.data()[i] = i < static_cast<Eigen::Index>(v.size()) ? v[i] : rng.uniform(-1, 1);
  return x;
}

// Checks parameter and input gradients of a layer for the objective sum(r .* layer(x)).
void check_layer(Layer<double>& layer, const MatD& x, Rng& rng, bool training, bool check_inputs = true) {
  const std::size_t np = layer.n_params();
  Vec<double> p(static_cast<Eigen::Index>(np)), g(static_cast<Eigen::Index>(np));
  layer.bind(p.data(), g.data());
  layer.init(rng);
  // Make the parameters generic (init may leave structure such as tiny spline coefficients).
  for (Eigen::Index i = 0; i < p.size(); ++i) p[i] += rng.uniform(-0.3, 0.3);
  const MatD r = random_mat(x.rows(), layer.n_out(), rng);
  MatD y;
  auto value = [&](const MatD& xin) {
    Rng drop(99);
    layer.forward(xin, y, training, 1, &drop);
    return (y.array() * r.array()).sum();
  };
  value(x);
  MatD dx;
  layer.backward(x, r, &dx, 2);
  const Vec<double> analytic = g;
  const Vec<double> p0 = p;
  auto fp = [&](const Eigen::VectorXd& theta) {
    p = theta;
    const double v = value(x);
    p = p0;
    return v;
  };
  const auto rp = check_gradient(fp, p0, analytic);
  EXPECT_TRUE(rp.ok()) << "param " << rp.where << " analytic " << rp.analytic << " numeric " << rp.numeric;
  if (!check_inputs) return;
  auto fx = [&](const Eigen::VectorXd& xv) {
    const MatD xm = Eigen::Map<const MatD>(xv.data(), x.rows(), x.cols());
    return value(xm);
  };
  const Eigen::VectorXd x0 = Eigen::Map<const Eigen::VectorXd>(x.data(), x.size());
  const Eigen::VectorXd dx0 = Eigen::Map<const Eigen::VectorXd>(dx.data(), dx.size());
  const auto rx = check_gradient(fx, x0, dx0);
  EXPECT_TRUE(rx.ok()) << "input " << rx.where << " (x=" << x0[rx.where] << ") analytic " << rx.analytic
                       << " numeric " << rx.numeric;
}

}  // namespace

TEST(Gradients, KanLayerParamsAndInputs) {
  Rng rng(11);
  for (int k : {1, 2, 3}) {
    for (int G : {1, 3, 5}) {
      SCOPED_TRACE("k=" + std::to_string(k) + " G=" + std::to_string(G));
      KanLayer<double> layer(3, 4, SplineKnots<double>::uniform(3, G, k, -1.0, 1.0));
      // B' jumps at knots for k = 1, so exact-knot inputs are only checked for k >= 2.
      const MatD x = kan_inputs(3, G, k, rng, k >= 2);
      check_layer(layer, x, rng, true);
    }
  }
}

TEST(Gradients, KanLayerWideOutputUsesVectorChunks) {
  Rng rng(12);
  // 45 outputs (padded to 48): G = 4 runs on the gemm path, G = 12 on the wide kernels.
  for (int G : {4, 12}) {
    KanLayer<double> layer(2, 45, SplineKnots<double>::uniform(2, G, 3, -1.0, 1.0));
    EXPECT_EQ(layer.kernel_path().path, G == 4 ? KanPath::gemm : KanPath::wide);
    check_layer(layer, kan_inputs(2, G, 3, rng, true), rng, true);
  }
}

TEST(Gradients, KanLayerCubicFusedBackward) {
  // out a multiple of 8 with k = 3: G <= 11 runs as a GEMM over the dense expansion, G = 12 on
  // the fused local-support kernels (inputs outside the grid fall back to the generic one).
  Rng rng(14);
  for (int G : {1, 5, 12}) {
    KanLayer<double> layer(3, 16, SplineKnots<double>::uniform(3, G, 3, -1.0, 1.0));
    check_layer(layer, kan_inputs(3, G, 3, rng, true), rng, true);
  }
}

TEST(Gradients, KanLayerNonUniformGrid) {
  Rng rng(13);
  std::vector<double> kn;
  for (int i = 0; i < 2; ++i) {
    double v = -2.5;
    for (int j = 0; j < 5 + 2 * 3 + 1; ++j) kn.push_back(v += rng.uniform(0.1, 0.7));
  }
  KanLayer<double> layer(2, 3, SplineKnots<double>::from_knots(2, 5, 3, kn));
  check_layer(layer, random_mat(40, 2, rng, -3, 3), rng, true);
}

namespace {

// Every setting the non-B-spline kernels distinguish, by basis.
std::vector<std::pair<std::string, KanBasisState>> basis_variants() {
  std::vector<std::pair<std::string, KanBasisState>> v;
  KanBasisState r;
  r.basis = Basis::rbf;
  r.num_grids = 6;
  r.grid_min = -2;
  r.grid_max = 2;
  r.base_branch = true;
  v.emplace_back("rbf", r);
  r.layernorm = true;
  v.emplace_back("rbf+layernorm", r);
  r.base_branch = false;
  r.denominator = 0.4;
  v.emplace_back("rbf+layernorm-base", r);
  KanBasisState c;
  c.basis = Basis::chebyshev;
  c.degree = 5;
  c.base_branch = false;
  v.emplace_back("chebyshev", c);
  c.squash = Squash::clamp;
  c.base_branch = true;
  v.emplace_back("chebyshev+clamp+base", c);
  KanBasisState f;
  f.basis = Basis::fourier;
  f.gridsize = 4;
  f.base_branch = false;
  v.emplace_back("fourier", f);
  f.base_branch = true;
  v.emplace_back("fourier+base", f);
  KanBasisState q;
  q.basis = Basis::rational;
  q.numerator_degree = 5;
  q.denominator_degree = 4;
  q.num_groups = 2;
  q.base_branch = false;
  v.emplace_back("rational", q);
  q.numerator_degree = 2;
  q.denominator_degree = 3;
  q.num_groups = 3;
  q.base_branch = true;
  v.emplace_back("rational+base", q);
  return v;
}

// Inputs away from the points where a derivative jumps (0 for |x| in the rational, +-1 for the
// clamp), inside and far outside the usual range.
MatD basis_inputs(Eigen::Index rows, int in, Rng& rng) {
  MatD x = random_mat(rows, in, rng, -3, 3);
  for (Eigen::Index e = 0; e < x.size(); ++e) {
    double& v = x.data()[e];
    if (std::abs(v) < 0.05 || std::abs(std::abs(v) - 1) < 0.05) v += 0.1;
  }
  x(0, 0) = 4.5;
  x(1, 0) = -6.0;
  return x;
}

}  // namespace

// FasterKAN shipped a backward pass that disagreed with its forward: every basis, every option,
// the narrow and GEMM output paths, parameters and inputs, in double.
TEST(Gradients, EveryBasisParamsAndInputs) {
  Rng rng(61);
  for (const auto& [name, s] : basis_variants())
    for (int out : {2, 9})
      for (bool first : {true, false}) {
        SCOPED_TRACE(name + " out=" + std::to_string(out) + (first ? " first layer" : " deeper layer"));
        BasisKanLayer<double> layer(3, out, s, BasisInit{1.0, false, first});
        check_layer(layer, basis_inputs(30, 3, rng), rng, true);
      }
}

// A single input (expansion narrower than 8 columns: dy E^T as row dot products).
TEST(Gradients, EveryBasisOnOneInput) {
  Rng rng(62);
  for (const auto& [name, s] : basis_variants()) {
    SCOPED_TRACE(name);
    BasisKanLayer<double> layer(1, 3, s);
    check_layer(layer, basis_inputs(25, 1, rng), rng, true);
  }
}

TEST(Gradients, EveryBasisCorruptedGradientFailsTheCheck) {
  Rng rng(63);
  for (const auto& [name, s] : basis_variants()) {
    SCOPED_TRACE(name);
    BasisKanLayer<double> layer(3, 2, s);
    Vec<double> p(static_cast<Eigen::Index>(layer.n_params())), g(p.size());
    layer.bind(p.data(), g.data());
    layer.init(rng);
    for (Eigen::Index i = 0; i < p.size(); ++i) p[i] += rng.uniform(-0.3, 0.3);
    const MatD x = basis_inputs(20, 3, rng), r = random_mat(20, 2, rng);
    MatD y;
    layer.forward(x, y, true, 1, nullptr);
    layer.backward(x, r, nullptr, 1);
    const Vec<double> p0 = p, good = g;
    auto f = [&](const Eigen::VectorXd& theta) {
      p = theta;
      layer.forward(x, y, true, 1, nullptr);
      p = p0;
      return (y.array() * r.array()).sum();
    };
    EXPECT_TRUE(check_gradient(f, p0, good).ok());
    // The first and last entries of the slice: the coefficients and the basis's own parameters
    // (bias, LayerNorm, rational denominators).
    for (Eigen::Index i : {Eigen::Index{0}, p.size() / 2, p.size() - 1}) {
      Vec<double> bad = good;
      bad[i] += 1e-3 * (1.0 + std::abs(bad[i]));
      EXPECT_FALSE(check_gradient(f, p0, bad).ok()) << "corruption at " << i << " went unnoticed";
    }
  }
}

TEST(Gradients, DenseLayerEveryActivation) {
  Rng rng(21);
  for (auto act : {Activation::identity, Activation::relu, Activation::leaky_relu, Activation::silu, Activation::tanh,
                   Activation::sigmoid}) {
    SCOPED_TRACE(to_string(act));
    DenseLayer<double> layer(5, 7, act, 0.05);
    check_layer(layer, random_mat(9, 5, rng, -2, 2), rng, true);
  }
}

TEST(Gradients, DenseLayerWideShapesUseRegisterTiles) {
  // Narrow (< 8) and wide inputs/outputs take different GEMM paths: row dot products vs register
  // tiles of 2 and 1 vectors plus a padded ragged tail; rows not a multiple of 4 and more than one
  // sample block exercise the panel remainders and the block reduction.
  Rng rng(23);
  const int shapes[][2] = {{5, 21}, {19, 3}, {12, 33}, {9, 8}};
  for (const auto& s : shapes) {
    for (auto act : {Activation::identity, Activation::relu, Activation::tanh}) {
      SCOPED_TRACE(std::to_string(s[0]) + "x" + std::to_string(s[1]) + " " + to_string(act));
      DenseLayer<double> layer(s[0], s[1], act, 0.05);
      check_layer(layer, random_mat(263, s[0], rng, -2, 2), rng, true);
    }
  }
}

TEST(Gradients, DenseLayerWithDropoutMask) {
  Rng rng(22);
  DenseLayer<double> layer(4, 6, Activation::tanh, 0.01, 0.3);
  check_layer(layer, random_mat(200, 4, rng, -2, 2), rng, true);  // > one sample block
}

TEST(Gradients, EveryLoss) {
  Rng rng(31);
  for (auto kind : {Loss::bce, Loss::cross_entropy, Loss::mse, Loss::mae, Loss::huber}) {
    SCOPED_TRACE(static_cast<int>(kind));
    const int c = kind == Loss::bce ? 1 : 3;
    const MatD z = random_mat(17, c, rng, -3, 3);
    MatD y = random_mat(17, c, rng, -2, 2);
    if (kind == Loss::bce)
      for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = y.data()[i] > 0 ? 1.0 : 0.0;
    if (kind == Loss::cross_entropy) {
      y.setZero();
      for (Eigen::Index i = 0; i < y.rows(); ++i) y(i, rng.below(3)) = 1.0;
    }
    std::vector<double> w(17);
    for (auto& v : w) v = rng.uniform(0.2, 2.0);
    const LossSpec spec{kind, 0.7};
    for (const double* wp : {static_cast<const double*>(nullptr), static_cast<const double*>(w.data())}) {
      MatD dz;
      loss_and_grad<double>(spec, z, y, wp, &dz);
      auto f = [&](const Eigen::VectorXd& v) {
        const MatD zz = Eigen::Map<const MatD>(v.data(), z.rows(), z.cols());
        return loss_and_grad<double>(spec, zz, y, wp, nullptr);
      };
      const auto r = check_gradient(f, Eigen::Map<const Eigen::VectorXd>(z.data(), z.size()),
                                    Eigen::Map<const Eigen::VectorXd>(dz.data(), dz.size()));
      EXPECT_TRUE(r.ok()) << "entry " << r.where << " analytic " << r.analytic << " numeric " << r.numeric;
    }
  }
}

TEST(Gradients, LossBitwiseIdenticalForAnyThreadCount) {
  // Per-sample terms are computed per sample block in parallel and summed in sample order.
  Rng rng(32);
  const Eigen::Index n = 3 * 256 + 17;
  for (auto kind : {Loss::bce, Loss::cross_entropy, Loss::mse, Loss::mae, Loss::huber}) {
    SCOPED_TRACE(static_cast<int>(kind));
    const int c = kind == Loss::bce ? 1 : 3;
    const Mat<float> z = random_mat(n, c, rng, -4, 4).cast<float>();
    Mat<float> y = random_mat(n, c, rng, -2, 2).cast<float>();
    if (kind == Loss::bce || kind == Loss::cross_entropy)
      for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = y.data()[i] > 0 ? 1.0f : 0.0f;
    std::vector<float> w(static_cast<std::size_t>(n));
    for (auto& v : w) v = static_cast<float>(rng.uniform(0.2, 2.0));
    Mat<float> dz1, dz3;
    const double l1 = loss_and_grad<float>(LossSpec{kind, 0.7}, z, y, w.data(), &dz1, 1);
    const double l3 = loss_and_grad<float>(LossSpec{kind, 0.7}, z, y, w.data(), &dz3, 3);
    EXPECT_EQ(l1, l3);
    EXPECT_TRUE(dz1 == dz3);
  }
}

TEST(Gradients, BceStableForHugeLogits) {
  MatD z(4, 1), y(4, 1);
  z << 1e4, -1e4, 1e4, -1e4;
  y << 1, 0, 0, 1;
  MatD dz;
  const double l = loss_and_grad<double>(LossSpec{Loss::bce, 1.0}, z, y, nullptr, &dz);
  EXPECT_NEAR(l, (1e4 + 1e4) / 4.0, 1e-9);
  EXPECT_NEAR(dz(0, 0), 0.0, 1e-12);
  EXPECT_NEAR(dz(1, 0), 0.0, 1e-12);
  EXPECT_NEAR(dz(2, 0), 0.25, 1e-12);
  EXPECT_NEAR(dz(3, 0), -0.25, 1e-12);
  Mat<float> zf = z.cast<float>(), yf = y.cast<float>(), dzf;
  EXPECT_TRUE(std::isfinite(loss_and_grad<float>(LossSpec{Loss::bce, 1.0}, zf, yf, nullptr, &dzf)));
  EXPECT_TRUE(dzf.allFinite());
}

TEST(Gradients, WholeModelsKanAndMlp) {
  Rng rng(41);
  ModelConfig kan;
  kan.type = ModelType::kan;
  kan.depth = 2;
  kan.width = 3;
  kan.grid_size = 4;
  ModelConfig mlp;
  mlp.type = ModelType::mlp;
  mlp.depth = 2;
  mlp.width = 5;
  mlp.activation = Activation::silu;
  ModelConfig rbf = kan, cheb = kan, four = kan, rat = kan;
  rbf.basis = Basis::rbf;
  rbf.rbf_layernorm = true;
  cheb.basis = Basis::chebyshev;
  four.basis = Basis::fourier;
  rat.basis = Basis::rational;
  rat.rational_groups = 2;
  for (const auto* cfg : {&kan, &mlp, &rbf, &cheb, &four, &rat}) {
    SCOPED_TRACE(to_string(cfg->type) + " " + to_string(cfg->basis));
    auto m = Model<double>::build(*cfg, 4, 2);
    Rng init(1);
    m->init(init);
    // The input layer's rational starts as the identity, its denominators at |b| = 0, a kink.
    if (cfg->basis == Basis::rational)
      for (Eigen::Index p = 0; p < m->params().size(); ++p) m->params()[p] += init.uniform(-0.05, 0.05);
    const MatD x = random_mat(150, 4, rng, -1.5, 1.5);
    MatD y = random_mat(150, 2, rng);
    const LossSpec spec{Loss::mse, 1.0};
    MatD dz;
    loss_and_grad<double>(spec, m->forward(x, true, 2), y, nullptr, &dz);
    MatD dx;
    m->backward(dz, 2, &dx);
    const Vec<double> g = m->grads(), p0 = m->params();
    auto f = [&](const Eigen::VectorXd& theta) {
      m->params() = theta;
      const double v = loss_and_grad<double>(spec, m->forward(x, true, 1), y, nullptr, nullptr);
      m->params() = p0;
      return v;
    };
    const auto r = check_gradient(f, p0, g);
    EXPECT_TRUE(r.ok()) << "param " << r.where << " analytic " << r.analytic << " numeric " << r.numeric;
    auto fx = [&](const Eigen::VectorXd& xv) {
      const MatD xm = Eigen::Map<const MatD>(xv.data(), x.rows(), x.cols());
      return loss_and_grad<double>(spec, m->forward(xm, true, 1), y, nullptr, nullptr);
    };
    const auto rx = check_gradient(fx, Eigen::Map<const Eigen::VectorXd>(x.data(), x.size()),
                                   Eigen::Map<const Eigen::VectorXd>(dx.data(), dx.size()));
    EXPECT_TRUE(rx.ok()) << "input " << rx.where << " analytic " << rx.analytic << " numeric " << rx.numeric;
  }
}

TEST(Gradients, CorruptedGradientFailsTheCheck) {
  Rng rng(51);
  KanLayer<double> layer(2, 3, SplineKnots<double>::uniform(2, 5, 3, -1.0, 1.0));
  Vec<double> p(static_cast<Eigen::Index>(layer.n_params())), g(p.size());
  layer.bind(p.data(), g.data());
  layer.init(rng);
  const MatD x = random_mat(20, 2, rng);
  const MatD r = random_mat(20, 3, rng);
  MatD y;
  layer.forward(x, y, true, 1, nullptr);
  layer.backward(x, r, nullptr, 1);
  const Vec<double> p0 = p;
  auto f = [&](const Eigen::VectorXd& theta) {
    p = theta;
    layer.forward(x, y, true, 1, nullptr);
    p = p0;
    return (y.array() * r.array()).sum();
  };
  Vec<double> good = g;
  EXPECT_TRUE(check_gradient(f, p0, good).ok());
  for (Eigen::Index i : {Eigen::Index{0}, p.size() / 2, p.size() - 1}) {
    Vec<double> bad = good;
    bad[i] += 1e-3 * (1.0 + std::abs(bad[i]));
    EXPECT_FALSE(check_gradient(f, p0, bad).ok()) << "corruption at " << i << " went unnoticed";
  }
}
