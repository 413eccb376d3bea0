// The vocabulary: every name maps to one value and back, and unknown names are refused.
#include <gtest/gtest.h>

#include <set>

#include "types/vocabulary.hpp"

namespace kanscan {
namespace {

template <typename E>
void expect_round_trip() {
  std::set<std::string_view> names;
  for (const auto& e : Vocabulary<E>::entries) {
    EXPECT_TRUE(names.insert(e.name).second) << Vocabulary<E>::what << " lists '" << e.name << "' twice";
    ASSERT_TRUE(parse_name<E>(e.name).has_value()) << e.name;
    EXPECT_EQ(*parse_name<E>(e.name), e.value);
    EXPECT_EQ(name_of(e.value), e.name);
  }
  EXPECT_EQ(names_of<E>().size(), Vocabulary<E>::entries.size());
  EXPECT_FALSE(parse_name<E>("no_such_name").has_value());
  EXPECT_FALSE(parse_name<E>("").has_value());
}

TEST(Vocabulary, EveryListRoundTrips) {
  expect_round_trip<Task>();
  expect_round_trip<ModelType>();
  expect_round_trip<Loss>();
  expect_round_trip<Activation>();
  expect_round_trip<OptimizerKind>();
  expect_round_trip<Schedule>();
  expect_round_trip<Monitor>();
  expect_round_trip<Basis>();
  expect_round_trip<Squash>();
  expect_round_trip<BaseBranch>();
  expect_round_trip<InitScheme>();
  expect_round_trip<OutputKind>();
  expect_round_trip<LayerKind>();
}

TEST(Vocabulary, NamesAreCaseSensitiveAsInYaml) {
  EXPECT_FALSE(parse_name<Loss>("BCE").has_value());
  EXPECT_EQ(parse_name<Loss>("bce"), Loss::bce);
}

TEST(Vocabulary, LossesAndMonitorsKnowTheirTasks) {
  EXPECT_TRUE(loss_serves(Loss::bce, Task::classification));
  EXPECT_FALSE(loss_serves(Loss::bce, Task::regression));
  EXPECT_FALSE(loss_serves(Loss::cross_entropy, Task::regression));
  for (Loss l : {Loss::mse, Loss::mae, Loss::huber}) {
    EXPECT_TRUE(loss_serves(l, Task::regression));
    EXPECT_TRUE(loss_serves(l, Task::classification));
    EXPECT_EQ(classification_output(l), OutputKind::clip);
  }
  EXPECT_EQ(output_for(Task::classification, Loss::bce), OutputKind::sigmoid);
  EXPECT_EQ(output_for(Task::classification, Loss::cross_entropy), OutputKind::softmax);
  EXPECT_EQ(output_for(Task::regression, Loss::mae), OutputKind::identity);
  EXPECT_TRUE(monitor_serves(Monitor::val_loss, Task::regression));
  EXPECT_FALSE(monitor_serves(Monitor::val_auc, Task::regression));
  EXPECT_FALSE(monitor_serves(Monitor::val_mae, Task::classification));
}

}  // namespace
}  // namespace kanscan
