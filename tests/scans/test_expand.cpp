// Expansion: Cartesian products per block x seeds, stable ids from the canonical config,
// identical configurations once, canonical JSON round trip, cost ordering.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "io/config.hpp"
#include "scans/expand.hpp"
#include "scans/trial_codec.hpp"

using namespace kanscan;

namespace {
const std::string kHead = "name: e\ntask: classification\ndata: {generator: tth_thq, events: 100}\n";
scans::Expansion ex(const std::string& yaml) { return scans::expand(io::parse_scan_config(yaml, "e.yaml"), 1); }
}  // namespace

TEST(Expand, CartesianProductPerBlockTimesSeeds) {
  const auto e = ex(kHead + "seeds: [1, 2, 3]\nmodels:\n  - type: kan\n    depth: [1, 2]\n    grid_size: [3, 5, 10]\n"
                            "  - type: mlp\n    width: [4, 8]\n    loss: [bce, mse]\n");
  EXPECT_EQ(e.trials.size(), (2u * 3 + 2 * 2) * 3);
  EXPECT_EQ(e.blocks[0].configurations, 6u);
  EXPECT_EQ(e.blocks[1].trials, 12u);
  std::set<std::string> losses;
  for (const auto& t : e.trials)
    if (t.block == 1) losses.insert(to_string(t.config.train.loss));
  EXPECT_EQ(losses, (std::set<std::string>{"bce", "mse"}));
}

TEST(Expand, IdsAreStableAndIndependentOfKeyOrderAndLabel) {
  const auto a = ex(kHead + "models:\n  - type: kan\n    depth: [1, 2]\n    grid_size: [3, 5]\n");
  const auto b = ex(kHead + "models:\n  - grid_size: [3, 5]\n    name: other\n    depth: [1, 2]\n    type: kan\n");
  ASSERT_EQ(a.trials.size(), b.trials.size());
  for (std::size_t i = 0; i < a.trials.size(); ++i) {
    EXPECT_EQ(a.trials[i].config.trial_id, b.trials[i].config.trial_id);
    EXPECT_EQ(a.trials[i].config.trial_id.size(), 16u);
  }
  EXPECT_EQ(b.trials[0].config.model_name, "other");
  // The id is the hash of the canonical JSON, so it is fixed across builds and machines.
  EXPECT_EQ(a.trials[0].config.trial_id, scans::trial_id(a.trials[0].canonical));
}

TEST(Expand, IdenticalConfigurationsRunOnce) {
  // width is irrelevant at depth 0, repeated values and overlapping blocks are duplicates.
  const auto e = ex(kHead + "models:\n  - type: kan\n    depth: [0, 1]\n    width: [4, 8, 8]\n"
                            "  - type: kan\n    depth: 1\n    width: 4\n"
                            "  - type: mlp\n    optimizer: {name: adam, momentum: [0.5, 0.9]}\n");
  // block 0: depth 0 -> 1 unique, depth 1 -> widths 4, 8 -> 2; block 1 repeats (1, 4); mlp: momentum ignored by adam.
  EXPECT_EQ(e.trials.size(), 4u);
  EXPECT_EQ(e.blocks[0].duplicates, 3u);
  EXPECT_EQ(e.blocks[1].duplicates, 1u);
  EXPECT_EQ(e.blocks[2].duplicates, 1u);
  EXPECT_EQ(e.duplicates, 5u);
}

TEST(Expand, SeedsAndDataChangeTheId) {
  const auto a = ex(kHead + "seeds: [1, 2]\nmodels:\n  - type: mlp\n");
  ASSERT_EQ(a.trials.size(), 2u);
  EXPECT_NE(a.trials[0].config.trial_id, a.trials[1].config.trial_id);
  const auto b = ex("name: e\ntask: classification\ndata: {generator: tth_thq, events: 200}\nmodels:\n  - type: mlp\n");
  EXPECT_NE(a.trials[0].config.trial_id, b.trials[0].config.trial_id);
}

// The wire form carries every trial key bit for bit: the decoded trial has the same canonical
// form, id, name, seed and threads.
TEST(TrialCodec, RoundTripsEveryTrialExactly) {
  const auto e = ex(kHead + "models:\n  - type: kan\n    grid_range: [[-1.5, 1.5], [-2, 3.25]]\n    optimizer: "
                            "{name: [sgd, lbfgs], lr: 3.0e-4, momentum: 0.95}\n  - type: mlp\n    activation: "
                            "leaky_relu\n    leaky_slope: 0.2\n    dropout: 0.3\n    loss: huber\n    huber_delta: 0.7\n");
  ASSERT_EQ(e.trials.size(), 5u);
  for (const auto& t : e.trials) {
    const TrialConfig back = scans::decode_trial(scans::encode_trial(t.config));
    EXPECT_EQ(io::canonical_json(back, io::parse_scan_config(kHead + "models:\n  - type: mlp\n", "e.yaml").data),
              t.canonical);
    EXPECT_EQ(back.trial_id, t.config.trial_id);
    EXPECT_EQ(back.model_name, t.config.model_name);
    EXPECT_EQ(back.seed, t.config.seed);
    EXPECT_EQ(back.threads, t.config.threads);
    EXPECT_EQ(back.task, t.config.task);
    EXPECT_EQ(back.model.optimizer.name, t.config.model.optimizer.name);
    EXPECT_EQ(back.train.loss, t.config.train.loss);
    EXPECT_EQ(back.model.optimizer.lr, t.config.model.optimizer.lr);
    EXPECT_EQ(back.model.grid_lo, t.config.model.grid_lo);
  }
  const std::string bytes = scans::encode_trial(e.trials[0].config);
  EXPECT_THROW(scans::decode_trial(bytes.substr(0, bytes.size() - 1)), InputError);
  EXPECT_THROW(scans::decode_trial("not a trial"), InputError);
}

TEST(Expand, CostOrdersLargerModelsFirst) {
  const auto e = ex(kHead + "models:\n  - type: kan\n    depth: 1\n    width: [4, 64]\n  - type: mlp\n    depth: 1\n"
                            "    width: 4\n  - type: kan\n    depth: 1\n    width: 4\n    optimizer: lbfgs\n");
  scans::DataShape shape{22, 1, 1000, false};
  const double kan4 = scans::trial_cost(e.trials[0].config, shape), kan64 = scans::trial_cost(e.trials[1].config, shape);
  const double mlp4 = scans::trial_cost(e.trials[2].config, shape), lbfgs = scans::trial_cost(e.trials[3].config, shape);
  EXPECT_GT(kan64, 5 * kan4);
  EXPECT_GT(kan4, mlp4);
  EXPECT_GT(lbfgs, 10 * kan4);
  EXPECT_EQ(scans::parameter_count(e.trials[0].config, shape), 22 * 4 * (5 + 3 + 2) + 4 * 1 * (5 + 3 + 2));
}
