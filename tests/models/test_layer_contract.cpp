// The layers' public interface checks its contract before the kernels run: wrong shapes throw
// std::invalid_argument, calls out of order std::logic_error, each message naming the layer and
// the expected and actual shapes; the legal sequences (backward after an inference forward,
// several backwards for one forward, backward without dx) keep working.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "framework/rng.hpp"
#include "models/dense_layer.hpp"
#include "models/kan_layer.hpp"
#include "models/model.hpp"

using namespace kanscan;
using namespace kanscan::models;
using MatD = Mat<double>;

namespace {

MatD random_mat(Eigen::Index r, Eigen::Index c, std::uint64_t seed) {
  Rng rng(seed);
  MatD m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-1.5, 1.5);
  return m;
}

// A layer with its own parameter and gradient buffers, bound and initialised.
struct Bound {
  std::unique_ptr<Layer<double>> layer;
  std::vector<double> p, g;
  explicit Bound(std::unique_ptr<Layer<double>> l) : layer(std::move(l)) {
    p.resize(layer->n_params());
    g.resize(layer->n_params());
    layer->bind(p.data(), g.data());
    Rng rng(3);
    layer->init(rng);
  }
};

// Every kind of layer and KAN kernel path: narrow (out < 8), wide, small-grid GEMM, generic bases.
std::vector<std::function<std::unique_ptr<Layer<double>>()>> layer_makers() {
  return {
      [] { return std::make_unique<KanLayer<double>>(5, 3, SplineKnots<double>::uniform(5, 5, 3, -1, 1)); },
      [] { return std::make_unique<KanLayer<double>>(5, 9, SplineKnots<double>::uniform(5, 20, 3, -1, 1)); },
      [] { return std::make_unique<KanLayer<double>>(5, 9, SplineKnots<double>::uniform(5, 5, 3, -1, 1)); },
      [] { return std::make_unique<KanLayer<double>>(5, 9, SplineKnots<double>::uniform(5, 4, 2, -1, 1)); },
      [] { return std::make_unique<DenseLayer<double>>(5, 3, Activation::tanh); },
      [] { return std::make_unique<DenseLayer<double>>(5, 9, Activation::relu, 0.01, 0.2); },
  };
}

// Runs f, which must throw E with a message containing every one of parts.
template <typename E>
void expect_violation(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

std::string name_of(const Layer<double>& l) {
  return std::string(l.kind_name()) + " [" + std::to_string(l.n_in()) + " -> " + std::to_string(l.n_out()) + "]";
}

}  // namespace

TEST(LayerContract, ForwardNeedsNInColumnsAndABoundLayer) {
  for (const auto& make : layer_makers()) {
    Bound b(make());
    Layer<double>& l = *b.layer;
    SCOPED_TRACE(name_of(l));
    MatD y;
    expect_violation<std::invalid_argument>([&] { l.forward(random_mat(10, 4, 1), y, true, 1, nullptr); },
                                            {name_of(l), "forward", "[10 x 4]", "expected [10 x 5]"});
    MatD x = random_mat(10, 5, 1);
    expect_violation<std::invalid_argument>([&] { l.forward(x, x, true, 1, nullptr); }, {name_of(l), "forward"});
    auto unbound = make();
    expect_violation<std::logic_error>([&] { unbound->forward(x, y, true, 1, nullptr); },
                                       {name_of(*unbound), "not bound"});
    Rng rng(1);
    expect_violation<std::logic_error>([&] { unbound->init(rng); }, {name_of(*unbound), "init"});
  }
}

TEST(LayerContract, BackwardNeedsAForwardSinceTheLastStructuralChange) {
  for (const auto& make : layer_makers()) {
    Bound b(make());
    Layer<double>& l = *b.layer;
    SCOPED_TRACE(name_of(l));
    const MatD x = random_mat(20, 5, 1), dy = random_mat(20, l.n_out(), 2);
    MatD y, dx;
    // Freshly initialised: no forward yet.
    expect_violation<std::logic_error>([&] { l.backward(x, dy, &dx, 1); }, {name_of(l), "backward", "no forward"});
    l.forward(x, y, true, 1, nullptr);
    l.backward(x, dy, &dx, 1);
    // init, import_params and bind each need a new forward.
    Rng rng(4);
    l.init(rng);
    expect_violation<std::logic_error>([&] { l.backward(x, dy, &dx, 1); }, {"no forward"});
    l.forward(x, y, true, 1, nullptr);
    l.import_params(l.export_state());
    expect_violation<std::logic_error>([&] { l.backward(x, dy, &dx, 1); }, {"no forward"});
    l.forward(x, y, true, 1, nullptr);
    l.bind(b.p.data(), b.g.data());
    expect_violation<std::logic_error>([&] { l.backward(x, dy, &dx, 1); }, {"no forward"});
    l.forward(x, y, true, 1, nullptr);
    l.backward(x, dy, &dx, 1);
  }
}

TEST(LayerContract, GridUpdateNeedsANewForward) {
  KanLayer<double> l(5, 9, SplineKnots<double>::uniform(5, 5, 3, -1, 1));
  std::vector<double> p(l.n_params()), g(l.n_params());
  l.bind(p.data(), g.data());
  Rng rng(3);
  l.init(rng);
  const MatD x = random_mat(20, 5, 1), dy = random_mat(20, 9, 2);
  MatD y, dx;
  l.forward(x, y, true, 1, nullptr);
  l.update_grid(x, 0.02);
  expect_violation<std::logic_error>([&] { l.backward(x, dy, &dx, 1); }, {"KAN layer [5 -> 9]", "no forward"});
  expect_violation<std::invalid_argument>([&] { l.update_grid(random_mat(20, 4, 1), 0.02); },
                                          {"KAN layer [5 -> 9]", "update_grid", "[20 x 4]", "expected [20 x 5]"});
  l.forward(x, y, true, 1, nullptr);
  l.backward(x, dy, &dx, 1);
}

TEST(LayerContract, BackwardShapesMustMatchTheLastForward) {
  for (const auto& make : layer_makers()) {
    Bound b(make());
    Layer<double>& l = *b.layer;
    SCOPED_TRACE(name_of(l));
    const int out = l.n_out();
    const MatD x = random_mat(20, 5, 1), dy = random_mat(20, out, 2);
    MatD y, dx;
    l.forward(x, y, true, 1, nullptr);
    const std::string o = std::to_string(out);
    expect_violation<std::invalid_argument>([&] { l.backward(random_mat(19, 5, 1), random_mat(19, out, 2), &dx, 1); },
                                            {name_of(l), "backward", "x is [19 x 5]", "[20 x 5]"});
    expect_violation<std::invalid_argument>([&] { l.backward(x, random_mat(21, out, 2), &dx, 1); },
                                            {name_of(l), "dy is [21 x " + o + "]", "expected [20 x " + o + "]"});
    expect_violation<std::invalid_argument>([&] { l.backward(x, random_mat(20, out + 1, 2), nullptr, 1); },
                                            {name_of(l), "dy is [20 x " + std::to_string(out + 1) + "]"});
    MatD dy_copy = dy;
    expect_violation<std::invalid_argument>([&] { l.backward(x, dy_copy, &dy_copy, 1); }, {name_of(l), "dx"});
    // A rejected call changes nothing: the forward still stands.
    l.backward(x, dy, &dx, 1);
  }
}

TEST(LayerContract, LegalSequencesKeepWorking) {
  for (const auto& make : layer_makers()) {
    SCOPED_TRACE(name_of(*make()));
    const MatD x = random_mat(300, 5, 1);  // two sample blocks
    // Reference: training forward, backward with dx into a matrix of another shape (resized).
    Bound ref(make());
    const MatD dy = random_mat(300, ref.layer->n_out(), 2);
    MatD y_ref, dx_ref(3, 2);
    ref.layer->forward(x, y_ref, false, 1, nullptr);
    ref.layer->backward(x, dy, &dx_ref, 1);
    EXPECT_EQ(dx_ref.rows(), 300);
    EXPECT_EQ(dx_ref.cols(), 5);
    EXPECT_EQ(y_ref.rows(), 300);
    EXPECT_EQ(y_ref.cols(), ref.layer->n_out());
    // Backward again for the same forward, first without dx: the same bits.
    Bound again(make());
    MatD y, dx;
    again.layer->forward(x, y, false, 2, nullptr);
    again.layer->backward(x, dy, nullptr, 2);
    EXPECT_EQ(again.g, ref.g);
    again.layer->backward(x, dy, &dx, 2);
    EXPECT_EQ(again.g, ref.g);
    EXPECT_TRUE(dx == dx_ref);
    // A forward on other rows, then one on the original rows: backward refers to the last one.
    again.layer->forward(random_mat(7, 5, 9), y, false, 1, nullptr);
    again.layer->forward(x, y, false, 1, nullptr);
    again.layer->backward(x, dy, &dx, 1);
    EXPECT_EQ(again.g, ref.g);
    EXPECT_TRUE(dx == dx_ref);
    // Zero rows are a legal batch, with a zero gradient.
    const MatD x0(0, 5), dy0(0, ref.layer->n_out());
    again.layer->forward(x0, y, true, 1, nullptr);
    again.layer->backward(x0, dy0, &dx, 1);
    EXPECT_EQ(dx.rows(), 0);
    for (const double v : again.g) ASSERT_EQ(v, 0.0);
  }
}

TEST(LayerContract, KanBackwardAfterInferenceForwardEqualsAfterTrainingForward) {
  for (int out : {3, 9}) {
    for (int G : {5, 20}) {
      SCOPED_TRACE("out " + std::to_string(out) + ", G " + std::to_string(G));
      auto make = [&] { return std::make_unique<KanLayer<double>>(5, out, SplineKnots<double>::uniform(5, G, 3, -1, 1)); };
      const MatD x = random_mat(300, 5, 1), dy = random_mat(300, out, 2);
      Bound train(make()), infer(make());
      MatD y1, y2, dx1, dx2;
      train.layer->forward(x, y1, true, 1, nullptr);
      train.layer->backward(x, dy, &dx1, 1);
      infer.layer->forward(x, y2, false, 1, nullptr);
      infer.layer->backward(x, dy, &dx2, 1);
      EXPECT_TRUE(y1 == y2);
      EXPECT_TRUE(dx1 == dx2);
      EXPECT_EQ(train.g, infer.g);
    }
  }
}

TEST(LayerContract, ModelChecksThroughItsLayers) {
  ModelConfig cfg;
  cfg.type = ModelType::kan;
  cfg.depth = 1;
  cfg.width = 4;
  auto m = Model<double>::build(cfg, 3, 2);
  Rng rng(1);
  m->init(rng);
  expect_violation<std::logic_error>([&] { m->backward(random_mat(10, 2, 1), 1); }, {"backward before any forward"});
  const MatD x = random_mat(10, 3, 1);
  m->forward(x, true, 1);
  expect_violation<std::invalid_argument>([&] { m->backward(random_mat(10, 3, 1), 1); },
                                          {"KAN layer [4 -> 2]", "dy is [10 x 3]", "expected [10 x 2]"});
  expect_violation<std::invalid_argument>([&] { m->forward(random_mat(10, 4, 1), true, 1); },
                                          {"KAN layer [3 -> 4]", "x is [10 x 4]", "expected [10 x 3]"});
  // A model's grid update forwards the sample through every layer: backward then refers to it.
  m->forward(x, true, 1);
  m->update_grids(random_mat(30, 3, 5), 0.02, 1);
  expect_violation<std::invalid_argument>([&] { m->backward(random_mat(10, 2, 1), 1); }, {"expected the last forward's [30 x"});
  m->forward(x, true, 1);
  MatD dx;
  m->backward(random_mat(10, 2, 1), 1, &dx);
  EXPECT_EQ(dx.rows(), 10);
  EXPECT_EQ(dx.cols(), 3);
}
