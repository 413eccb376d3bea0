// The three built-in generators end to end: determinism across thread counts, class balance,
// selections, knobs, and the file they write.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "framework/error.hpp"
#include "io/generators/registry.hpp"
#include "io/h5.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
using namespace kanscan::io::gen;

namespace {

Generated run(const std::string& name, std::int64_t n, std::uint64_t seed, int threads,
              const std::map<std::string, double>& knobs = {}) {
  const auto g = make_generator(name, knobs);
  GenerateOptions o;
  o.events = n;
  o.seed = seed;
  o.threads = threads;
  return run_generator(*g, o);
}

int col(const Dataset& d, const std::string& name) {
  for (std::size_t i = 0; i < d.feature_names.size(); ++i)
    if (d.feature_names[i] == name) return static_cast<int>(i);
  ADD_FAILURE() << "no feature " << name;
  return 0;
}

}  // namespace

class EveryGenerator : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryGenerator, BitwiseIdenticalForAnyThreadCount) {
  const auto a = run(GetParam(), 1500, 42, 1);
  const auto b = run(GetParam(), 1500, 42, 2);
  const auto c = run(GetParam(), 1500, 42, 3);
  for (const Generated* x : {&b, &c}) {
    EXPECT_EQ(x->data.features, a.data.features);
    EXPECT_EQ(x->data.targets, a.data.targets);
    EXPECT_EQ(x->data.labels, a.data.labels);
    EXPECT_EQ(x->event_index, a.event_index);
    EXPECT_EQ(x->tried, a.tried);
  }
  const auto d = run(GetParam(), 1500, 43, 2);
  EXPECT_NE(d.data.features, a.data.features);
}

TEST_P(EveryGenerator, ShapesNamesFiniteValuesAndBalance) {
  const auto g = make_generator(GetParam(), {});
  const auto r = run(GetParam(), 1001, 5, 2);
  const Dataset& d = r.data;
  ASSERT_EQ(d.size(), 1001u);
  EXPECT_EQ(d.n_features(), g->feature_names().size());
  EXPECT_TRUE(d.features.allFinite());
  EXPECT_TRUE(d.targets.allFinite());
  if (g->task() == Task::classification) {
    int ones = 0;
    for (auto l : d.labels) ones += l;
    EXPECT_EQ(ones, 500);  // N/C per class, the first class takes the remainder
    EXPECT_EQ(d.n_classes, 2);
    // Rows are a shuffle of the global event-index order: each index once, not sorted, and the
    // class mix does not drift along the file (halves within 5 binomial sigma of each other).
    std::vector<std::int64_t> sorted = r.event_index;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 1; i < sorted.size(); ++i) EXPECT_LT(sorted[i - 1], sorted[i]);
    EXPECT_FALSE(std::is_sorted(r.event_index.begin(), r.event_index.end()));
    int first = 0;
    for (std::size_t i = 0; i < d.size() / 2; ++i) first += d.labels[i];
    const double half = double(d.size() / 2), f1 = first / half, f2 = (ones - first) / (double(d.size()) - half);
    EXPECT_LT(std::abs(f1 - f2), 5 * std::sqrt(0.25 / half * 2)) << f1 << " vs " << f2;
  } else {
    EXPECT_EQ(d.n_targets(), 6u);
  }
  for (double e : class_efficiency(*g, r)) {
    EXPECT_GT(e, 0.0);
    EXPECT_LT(e, 1.0);
  }
}

// A row's event_index names the tried event it came from: re-simulating that stream gives the
// row's features (and label or targets) again.
TEST_P(EveryGenerator, EventIndexReproducesTheRow) {
  const auto g = make_generator(GetParam(), {});
  const auto r = run(GetParam(), 600, 9, 2);
  const auto S = static_cast<std::int64_t>(g->streams().size());
  const std::size_t F = g->feature_names().size(), T = g->target_names().size();
  Workspace ws;
  std::vector<float> f(F), y(T);
  for (std::size_t row : {std::size_t{0}, std::size_t{1}, std::size_t{299}, std::size_t{599}}) {
    const std::int64_t e = r.event_index[row];
    Rng rng(stream_seed(9, static_cast<std::uint64_t>(e)));
    ASSERT_TRUE(g->generate(rng, static_cast<int>(e % S), ws, f.data(), y.data()));
    for (std::size_t j = 0; j < F; ++j) EXPECT_EQ(f[j], r.data.features(Eigen::Index(row), Eigen::Index(j)));
    for (std::size_t j = 0; j < T; ++j) EXPECT_EQ(y[j], r.data.targets(Eigen::Index(row), Eigen::Index(j)));
    if (g->task() == Task::classification) {
      EXPECT_EQ(r.data.labels[row], g->streams()[std::size_t(e % S)].label);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Gen, EveryGenerator, ::testing::Values("tth_thq", "qcd_singletop", "dm_met"));

TEST(Generators, SelectionsHold) {
  {
    const auto d = run("tth_thq", 800, 1, 2).data;
    for (Eigen::Index i = 0; i < d.features.rows(); ++i) {
      EXPECT_GT(d.features(i, col(d, "pt_l")), 15.0f);
      EXPECT_GE(d.features(i, col(d, "n_jets")), 1.0f);
      EXPECT_GT(d.features(i, col(d, "pt_g1_over_mgg")), 1.0f / 3.0f);
      EXPECT_GT(d.features(i, col(d, "pt_g2_over_mgg")), 1.0f / 4.0f);
      EXPECT_LE(d.features(i, col(d, "abseta_fwd")), 4.7f);
    }
  }
  {
    const auto d = run("qcd_singletop", 800, 1, 2).data;
    for (Eigen::Index i = 0; i < d.features.rows(); ++i) {
      EXPECT_GT(d.features(i, col(d, "pt_mu")), 26.0f);
      EXPECT_LT(std::abs(d.features(i, col(d, "eta_mu"))), 2.4f);
      const float nj = d.features(i, col(d, "n_jets"));
      EXPECT_TRUE(nj == 2.0f || nj == 3.0f);
      EXPECT_GE(d.features(i, col(d, "n_bjets")), 1.0f);
      EXPECT_GT(d.features(i, col(d, "pt_j2")), 40.0f);
    }
  }
  {
    const auto d = run("dm_met", 800, 1, 2).data;
    for (Eigen::Index i = 0; i < d.features.rows(); ++i) {
      EXPECT_GT(d.features(i, col(d, "pt_l")), 25.0f);
      EXPECT_GT(d.features(i, col(d, "pt_b")), 25.0f);
    }
  }
}

TEST(Generators, PhysicsSanity) {
  // T1: tH has more forward jets; ttH more jets and a hadronic top.
  const auto t1 = run("tth_thq", 4000, 2, 2).data;
  double fwd[2] = {0, 0}, nj[2] = {0, 0}, n[2] = {0, 0};
  for (Eigen::Index i = 0; i < t1.features.rows(); ++i) {
    const int l = t1.labels[static_cast<std::size_t>(i)];
    fwd[l] += t1.features(i, col(t1, "abseta_fwd"));
    nj[l] += t1.features(i, col(t1, "n_jets"));
    n[l] += 1;
  }
  EXPECT_GT(fwd[1] / n[1], fwd[0] / n[0]);
  EXPECT_GT(nj[0] / n[0], nj[1] / n[1]);
  // T3: target scales as in docs/generators.md §2 T3 (ν p_T ~ 50 GeV, φ p_z ~ 700 GeV spreads).
  const auto t3 = run("dm_met", 4000, 2, 2).data;
  Eigen::VectorXf sd = ((t3.targets.rowwise() - t3.targets.colwise().mean()).array().square().colwise().sum() /
                        static_cast<float>(t3.targets.rows()))
                           .sqrt();
  EXPECT_NEAR(sd(0), 50.0, 15.0);
  EXPECT_NEAR(sd(2), 144.0, 40.0);
  EXPECT_NEAR(sd(3), 123.0, 30.0);
  EXPECT_NEAR(sd(5), 724.0, 200.0);
  // SM-only: no mediator, p_φ = 0.
  const auto sm = run("dm_met", 300, 2, 2, {{"sm_fraction", 1.0}}).data;
  EXPECT_EQ(sm.targets.rightCols(3).cwiseAbs().maxCoeff(), 0.0f);
  // The truth-MET_z leak is an opt-in extra feature.
  const auto leak = run("dm_met", 300, 2, 2, {{"truth_met_z", 1.0}}).data;
  EXPECT_EQ(leak.n_features(), 30u);
  EXPECT_EQ(leak.feature_names.back(), "met_z_truth");
}

TEST(Generators, KnobsResolveValidateAndChangeTheData) {
  const Knobs k = resolve_knobs("tth_thq", {{"P_FSR", 0.3}});
  EXPECT_EQ(k.at("p_fsr"), 0.3);
  EXPECT_EQ(k.at("pu_jets"), 0.6);
  EXPECT_EQ(k.at("f_thw"), 0.15);
  EXPECT_EQ(resolve_knobs("dm_met", {}).at("m_phi"), 400.0);
  EXPECT_EQ(resolve_knobs("qcd_singletop", {}).at("sigma_u"), 10.0);
  try {
    resolve_knobs("tth_thq", {{"pfsr", 0.3}});
    FAIL();
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("pfsr"), std::string::npos);
    EXPECT_NE(m.find("p_fsr"), std::string::npos) << m;
    EXPECT_NE(m.find("f_thw"), std::string::npos) << m;
  }
  EXPECT_THROW(resolve_knobs("tth_thq", {{"p_fsr", 1.5}}), InputError);
  EXPECT_THROW(resolve_knobs("dm_met", {{"m_phi", std::nan("")}}), InputError);
  EXPECT_THROW(make_generator("qcd_singletop", {{"fnu_min", 0.7}, {"fnu_max", 0.2}}), InputError);
  EXPECT_THROW(make_generator("qcd_singletop", {{"f_wjets", 0.7}, {"f_ttbar", 0.5}}), InputError);
  EXPECT_THROW(make_generator("ttbar", {}), InputError);
  const auto a = run("dm_met", 300, 9, 2);
  const auto b = run("dm_met", 300, 9, 2, {{"m_phi", 800}});
  EXPECT_NE(a.data.targets, b.data.targets);
}

TEST(Generators, WritesTheSpecLayoutWithProvenance) {
  test::TempDir dir;
  const std::string path = (dir / "t2.h5").string();
  const auto g = make_generator("qcd_singletop", {{"sigma_u", 15}});
  GenerateOptions o;
  o.events = 400;
  o.seed = 11;
  const auto r = run_generator(*g, o);
  write_generated(path, *g, r, 11);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp." + std::to_string(::getpid())));
  h5::File f(path, h5::File::Mode::read_only);
  const auto root = f.root();
  EXPECT_EQ(root.shape_of("features"), (std::vector<std::size_t>{400, 18}));
  EXPECT_EQ(root.shape_of("labels"), (std::vector<std::size_t>{400}));
  EXPECT_EQ(root.read_strings("feature_names"), g->feature_names());
  EXPECT_EQ(root.read_strings("class_names"), (std::vector<std::string>{"other", "qcd"}));
  EXPECT_EQ(root.attr_string("generator"), "qcd_singletop");
  EXPECT_EQ(root.attr_string("generator_version"), g->version());
  EXPECT_EQ(root.attr_int("seed"), 11);
  EXPECT_EQ(root.attr_int("events"), 400);
  EXPECT_GT(root.attr_int("tried"), 400);
  EXPECT_EQ(root.attr_double("knob_sigma_u"), 15.0);
  const auto knobs = nlohmann::json::parse(root.attr_string("knobs"));
  EXPECT_EQ(knobs["sigma_u"], 15.0);
  EXPECT_EQ(knobs.size(), g->knobs().size());
  EXPECT_GT(root.attr_double("efficiency_qcd"), 0.0);
  EXPECT_GT(root.attr_double("efficiency_other"), 0.0);
  // The background mixture 40/35/25 holds exactly in the selected sample.
  const auto sub = nlohmann::json::parse(root.attr_string("subsamples"));
  EXPECT_EQ(sub["other_wjets"]["accepted"], 80);
  EXPECT_EQ(sub["other_ttbar"]["accepted"], 70);
  EXPECT_EQ(sub["other_singletop"]["accepted"], 50);
  EXPECT_EQ(sub["qcd"]["accepted"], 200);
  const auto labels = root.read_int64("labels").data;
  EXPECT_EQ(std::count(labels.begin(), labels.end(), 1), 200);
}

TEST(Generators, ZeroEventsIsAnInputError) {
  EXPECT_THROW(run("tth_thq", 0, 1, 1), InputError);
}

// The registry is the one list: every entry's task is its generator's, and the shape follows
// the knobs (dm_met's truth_met_z adds a feature).
TEST(GeneratorRegistry, EntriesAgreeWithTheirGenerators) {
  ASSERT_EQ(generator_names(), (std::vector<std::string>{"tth_thq", "qcd_singletop", "dm_met"}));
  for (const auto& e : generators()) {
    const auto g = make_generator(e.name, {});
    EXPECT_EQ(g->task(), e.task) << e.name;
    EXPECT_EQ(g->name(), e.name);
    EXPECT_FALSE(e.summary.empty());
    const auto shape = generator_shape(e.name, {});
    EXPECT_EQ(shape.features, g->feature_names());
    EXPECT_EQ(shape.targets, g->target_names());
  }
  EXPECT_EQ(generator_shape("tth_thq", {}).features.size(), 22u);
  EXPECT_EQ(generator_shape("qcd_singletop", {}).features.size(), 18u);
  EXPECT_EQ(generator_shape("dm_met", {}).features.size(), 29u);
  EXPECT_EQ(generator_shape("dm_met", {{"truth_met_z", 1}}).features.size(), 30u);
  EXPECT_EQ(generator_shape("dm_met", {}).targets.size(), 6u);
  EXPECT_THROW(generator_entry("ttbar"), InputError);
}
