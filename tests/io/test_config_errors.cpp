// Bad scan definitions: each must be an InputError whose message names the file, line:col where
// there is one, the key path, what was expected and what was given (and a suggestion for typos).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framework/error.hpp"
#include "io/config.hpp"
#include "tests/support/support.hpp"

using kanscan::InputError;
using kanscan::io::parse_scan_config;

namespace {

const std::string kHead =
    "name: t\n"
    "task: classification\n"
    "data:\n"
    "  generator: tth_thq\n"
    "  events: 1000\n";
const std::string kModels =
    "models:\n"
    "  - type: kan\n"
    "    depth: [0, 1]\n";

std::string error_of(const std::string& yaml, const std::string& file = "scan.yaml") {
  try {
    parse_scan_config(yaml, file);
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no error>";
}

void expect_error(const std::string& yaml, const std::vector<std::string>& parts) {
  const std::string msg = error_of(yaml);
  for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "missing '" << p << "' in: " << msg;
}

}  // namespace

TEST(ConfigOk, MinimalScanParses) {
  const auto scan = parse_scan_config(kHead + kModels, "scan.yaml");
  EXPECT_EQ(scan.name, "t");
  ASSERT_EQ(scan.models.size(), 1u);
  ASSERT_EQ(scan.models[0].axes.size(), 1u);
  EXPECT_EQ(scan.models[0].axes[0].key->path, "depth");
  EXPECT_EQ(scan.seeds, std::vector<std::uint64_t>{1});
}

TEST(ConfigErrors, UnknownTopLevelKeySuggests) {
  expect_error("nmae: t\n" + kHead.substr(8) + kModels, {"scan.yaml:1:1:", "nmae", "unknown key", "did you mean 'name'?"});
}
TEST(ConfigErrors, UnknownModelKeySuggests) {
  expect_error(kHead + kModels + "    gird_size: 5\n", {"scan.yaml:9:5:", "models[0].gird_size", "did you mean 'grid_size'?"});
}
TEST(ConfigErrors, UnknownTrainKeySuggests) {
  expect_error(kHead + "train:\n  epochz: 3\n" + kModels, {"scan.yaml:7:3:", "train.epochz", "did you mean 'epochs'?"});
}
TEST(ConfigErrors, UnknownDataKeySuggests) {
  expect_error(kHead + "  generater: x\n" + kModels, {"scan.yaml:6:3:", "data.generater", "did you mean 'generator'?"});
}
TEST(ConfigErrors, UnknownNestedOptimizerKeySuggests) {
  expect_error(kHead + kModels + "    optimizer: {nmae: adam}\n",
               {"scan.yaml:9:17:", "models[0].optimizer.nmae", "did you mean 'name'?"});
}
TEST(ConfigErrors, UnknownEarlyStoppingKeySuggests) {
  expect_error(kHead + "train:\n  early_stopping: {patiense: 3}\n" + kModels,
               {"train.early_stopping.patiense", "did you mean 'patience'?"});
}
TEST(ConfigErrors, MisplacedKeySaysWhereItBelongs) {
  expect_error(kHead + "epochs: 3\n" + kModels, {"scan.yaml:6:1:", "epochs", "'epochs' belongs at train.epochs"});
}
TEST(ConfigErrors, LearningRateOutsideOptimizerSuggestsPath) {
  expect_error(kHead + kModels + "    lr: 0.1\n", {"models[0].lr", "did you mean 'optimizer.lr'?"});
}
TEST(ConfigErrors, UnknownKeyListsValidKeys) {
  expect_error(kHead + "  zzzzzz: 1\n" + kModels, {"data.zzzzzz", "valid keys here: generator, path, events"});
}
TEST(ConfigErrors, YamlSyntaxErrorHasPosition) {
  expect_error("name: t\ntask: classification\ndata: {generator: tth_thq, events: 10\nmodels: []\n",
               {"scan.yaml:4:", "YAML syntax error"});
}
TEST(ConfigErrors, YamlBadIndentationHasPosition) {
  expect_error("name: t\n  task: classification\n", {"scan.yaml:2:", "YAML syntax error"});
}
TEST(ConfigErrors, EmptyFile) { expect_error("", {"scan.yaml", "empty scan definition"}); }
TEST(ConfigErrors, TopLevelMustBeMapping) {
  expect_error("- a\n- b\n", {"scan.yaml:1:1:", "expected a mapping", "got a list"});
}
TEST(ConfigErrors, MissingName) {
  expect_error("task: classification\ndata: {generator: tth_thq, events: 10}\n" + kModels,
               {"scan.yaml:1:1:", "missing required key 'name'"});
}
TEST(ConfigErrors, MissingTask) {
  expect_error("name: t\ndata: {generator: tth_thq, events: 10}\n" + kModels, {"missing required key 'task'", "classification | regression"});
}
TEST(ConfigErrors, BadTaskValueSuggests) {
  expect_error("name: t\ntask: classifcation\ndata: {generator: tth_thq, events: 10}\n" + kModels,
               {"scan.yaml:2:7:", "task", "expected one of classification | regression", "got 'classifcation'",
                "did you mean 'classification'?"});
}
TEST(ConfigErrors, MissingData) {
  expect_error("name: t\ntask: classification\n" + kModels, {"missing required section 'data'"});
}
TEST(ConfigErrors, GeneratorAndPathBoth) {
  expect_error(kHead + "  path: x.h5\n" + kModels, {"scan.yaml:3:1:", "data", "either 'generator' or 'path', not both"});
}
TEST(ConfigErrors, NeitherGeneratorNorPath) {
  expect_error("name: t\ntask: classification\ndata:\n  events: 5\n" + kModels, {"data", "missing 'generator'"});
}
TEST(ConfigErrors, UnknownGeneratorSuggests) {
  expect_error("name: t\ntask: classification\ndata:\n  generator: tth_thg\n  events: 5\n" + kModels,
               {"scan.yaml:4:14:", "data.generator", "got 'tth_thg'", "did you mean 'tth_thq'?"});
}
TEST(ConfigErrors, GeneratorNeedsEvents) {
  expect_error("name: t\ntask: classification\ndata:\n  generator: tth_thq\n" + kModels,
               {"data.events", "expected an integer > 0", "got nothing"});
}
TEST(ConfigErrors, NegativeEvents) {
  expect_error("name: t\ntask: classification\ndata:\n  generator: tth_thq\n  events: -5\n" + kModels,
               {"scan.yaml:5:11:", "data.events", "expected an integer in [0, 1e+12]", "got '-5'"});
}
TEST(ConfigErrors, EventsNotANumber) {
  expect_error("name: t\ntask: classification\ndata:\n  generator: tth_thq\n  events: lots\n" + kModels,
               {"data.events", "expected an integer", "got 'lots'"});
}
TEST(ConfigErrors, SplitMustSumToOne) {
  expect_error(kHead + "  split: {train: 0.6, val: 0.2, test: 0.1}\n" + kModels,
               {"data.split", "fractions must sum to 1", "got 0.9"});
}
TEST(ConfigErrors, SplitFractionOutOfRange) {
  expect_error(kHead + "  split: {train: 1.5}\n" + kModels, {"data.split.train", "in (0, 1)", "got '1.5'"});
}
TEST(ConfigErrors, GeneratorTaskMismatch) {
  expect_error("name: t\ntask: classification\ndata: {generator: dm_met, events: 10}\n" + kModels,
               {"scan.yaml:2:1:", "task", "generator 'dm_met' produces a regression task"});
}
TEST(ConfigErrors, DataPathNotFound) {
  expect_error("name: t\ntask: classification\ndata:\n  path: nowhere.h5\n" + kModels,
               {"scan.yaml:4:3:", "data.path", "'nowhere.h5' not found"});
}
TEST(ConfigErrors, DataPathBadExtension) {
  expect_error("name: t\ntask: classification\ndata:\n  path: events.txt\n" + kModels,
               {"data.path", "expected a .h5, .hdf5 or .csv file", "got 'events.txt'"});
}
TEST(ConfigErrors, CsvClassificationNeedsLabel) {
  kanscan::test::TempDir dir;
  kanscan::test::write_file(dir / "ev.csv", "a,b,y\n1,2,0\n");
  const std::string file = (dir / "scan.yaml").string();
  const std::string msg = error_of("name: t\ntask: classification\ndata:\n  path: ev.csv\n" + kModels, file);
  EXPECT_NE(msg.find("needs 'label'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(file + ":3:1: data"), std::string::npos) << msg;
}
TEST(ConfigErrors, LabelWithGenerator) {
  expect_error(kHead + "  label: y\n" + kModels, {"scan.yaml:6:3:", "data.label", "only for CSV files"});
}
TEST(ConfigErrors, KnobsWithPath) {
  kanscan::test::TempDir dir;
  kanscan::test::write_file(dir / "ev.h5", "x");
  const std::string msg =
      error_of("name: t\ntask: classification\ndata:\n  path: ev.h5\n  knobs: {m: 1}\n" + kModels, (dir / "s.yaml").string());
  EXPECT_NE(msg.find("data.knobs: knobs apply to a generator only"), std::string::npos) << msg;
}
TEST(ConfigErrors, KnobValueNotANumber) {
  expect_error(kHead + "  knobs: {m_phi: heavy}\n", {"data.knobs.m_phi", "expected a number", "got 'heavy'"});
}
TEST(ConfigErrors, MissingModels) { expect_error(kHead, {"missing required key 'models'"}); }
TEST(ConfigErrors, EmptyModels) {
  expect_error(kHead + "models: []\n", {"scan.yaml:6:9:", "models", "expected a non-empty list of model blocks"});
}
TEST(ConfigErrors, ModelBlockNotAMapping) {
  expect_error(kHead + "models:\n  - kan\n", {"scan.yaml:7:5:", "models[0]", "expected a mapping with 'type'", "got 'kan'"});
}
TEST(ConfigErrors, ModelBlockWithoutType) {
  expect_error(kHead + "models:\n  - depth: 1\n", {"models[0].type", "missing required key 'type' (kan | mlp)"});
}
TEST(ConfigErrors, ModelTypeList) {
  expect_error(kHead + "models:\n  - type: [kan, mlp]\n", {"models[0].type", "use one block per model type"});
}
TEST(ConfigErrors, DepthOutOfBounds) {
  expect_error(kHead + "models:\n  - type: kan\n    depth: -1\n",
               {"scan.yaml:8:12:", "models[0].depth", "expected an integer in [0, 64]", "got '-1'"});
}
TEST(ConfigErrors, AxisElementNotInteger) {
  expect_error(kHead + "models:\n  - type: kan\n    width: [3, 3.5]\n",
               {"scan.yaml:8:16:", "models[0].width[1]", "expected an integer", "got '3.5'"});
}
TEST(ConfigErrors, KanKeyInMlpBlock) {
  expect_error(kHead + "models:\n  - type: mlp\n    grid_size: 5\n",
               {"scan.yaml:8:5:", "models[0].grid_size", "applies to type kan only (this block is type mlp)"});
}
TEST(ConfigErrors, MlpKeyInKanBlock) {
  expect_error(kHead + "models:\n  - type: kan\n    dropout: 0.3\n", {"models[0].dropout", "applies to type mlp only"});
}
TEST(ConfigErrors, DropoutOne) {
  expect_error(kHead + "models:\n  - type: mlp\n    dropout: 1.0\n", {"models[0].dropout", "in [0, 1)", "got '1.0'"});
}
TEST(ConfigErrors, LearningRateZero) {
  expect_error(kHead + "models:\n  - type: mlp\n    optimizer: {lr: 0}\n",
               {"models[0].optimizer.lr", "expected a number > 0", "got '0'"});
}
TEST(ConfigErrors, OptimizerTypoSuggests) {
  expect_error(kHead + "models:\n  - type: mlp\n    optimizer: adma\n",
               {"scan.yaml:8:16:", "models[0].optimizer", "got 'adma'", "did you mean 'adam'?"});
}
TEST(ConfigErrors, ActivationTypoSuggests) {
  expect_error(kHead + "models:\n  - type: mlp\n    activation: [relu, leaky_rel]\n",
               {"models[0].activation[1]", "did you mean 'leaky_relu'?"});
}
TEST(ConfigErrors, GridRangeReversed) {
  expect_error(kHead + "models:\n  - type: kan\n    grid_range: [1, -1]\n", {"models[0].grid_range", "expected lo < hi, got [1, -1]"});
}
TEST(ConfigErrors, GridRangeWrongLength) {
  expect_error(kHead + "models:\n  - type: kan\n    grid_range: [1]\n",
               {"models[0].grid_range", "expected a list of two numbers [lo, hi]"});
}
TEST(ConfigErrors, ClassificationLossWithRegression) {
  expect_error("name: t\ntask: regression\ndata: {generator: dm_met, events: 10}\ntrain: {loss: bce}\n" + kModels,
               {"scan.yaml:4:15:", "train.loss", "loss 'bce' needs task classification"});
}
TEST(ConfigErrors, ClassificationLossInBlockAxisWithRegression) {
  expect_error("name: t\ntask: regression\ndata: {generator: dm_met, events: 10}\nmodels:\n  - type: mlp\n    loss: [mae, bce]\n",
               {"models[0].loss[1]", "loss 'bce' needs task classification"});
}
TEST(ConfigErrors, ListUnderTrain) {
  expect_error(kHead + "train:\n  loss: [bce, mse]\n" + kModels,
               {"train.loss", "lists expand only inside a model block"});
}
TEST(ConfigErrors, MonitorNeedsClassification) {
  expect_error("name: t\ntask: regression\ndata: {generator: dm_met, events: 10}\ntrain:\n  early_stopping: {monitor: val_auc}\n" +
                   kModels,
               {"train.early_stopping.monitor", "monitor 'val_auc' needs task classification"});
}
TEST(ConfigErrors, DuplicateSeed) {
  expect_error(kHead + "seeds: [1, 2, 1]\n" + kModels, {"scan.yaml:6:15:", "seeds[2]", "1 is listed twice"});
}
TEST(ConfigErrors, SeedNotInteger) {
  expect_error(kHead + "seeds: [one]\n" + kModels, {"seeds[0]", "expected an integer", "got 'one'"});
}
TEST(ConfigErrors, EmptyAxis) {
  expect_error(kHead + "models:\n  - type: kan\n    width: []\n", {"models[0].width", "empty list"});
}
TEST(ConfigErrors, DuplicateKey) {
  expect_error(kHead + "models:\n  - type: kan\n    depth: 1\n    depth: 2\n",
               {"scan.yaml:9:5:", "models[0].depth", "duplicate key (first given at line 8)"});
}
TEST(ConfigErrors, BadBoolean) {
  expect_error(kHead + "train: {use_weights: maybe}\n" + kModels, {"train.use_weights", "expected true or false", "got 'maybe'"});
}
TEST(ConfigErrors, TooManyTrials) {
  expect_error(kHead + "max_trials: 3\n" + kModels + "    width: [1, 2]\n",
               {"models", "expands to 4 trials, more than max_trials = 3"});
}
TEST(ConfigErrors, BlockNameTooLong) {
  expect_error(kHead + "models:\n  - type: kan\n    name: " + std::string(65, 'x') + "\n",
               {"models[0].name", "expected at most 64 characters, got 65"});
}
TEST(ConfigErrors, TrainNotAMapping) {
  expect_error(kHead + "train: 5\n" + kModels, {"scan.yaml:6:8:", "train", "expected a mapping, got '5'"});
}
TEST(ConfigErrors, DuplicateFeature) {
  expect_error(kHead + "  features: [a, b, a]\n" + kModels, {"data.features[2]", "'a' is listed twice"});
}
TEST(ConfigErrors, ThreadsOutOfRange) {
  expect_error(kHead + "threads_per_trial: -2\n" + kModels, {"threads_per_trial", "expected an integer in [0, 1024]", "got '-2'"});
}

// KAN bases: each basis's options only with that basis, degrees in range, no grid update without
// a grid; the message names the key path and what the block's bases are.
const std::string kBasisHead = kHead + "models:\n  - type: kan\n";
TEST(ConfigErrors, BasisOptionForAnotherBasis) {
  expect_error(kBasisHead + "    basis: rbf\n    cheby_degree: 4\n",
               {"scan.yaml:9:5:", "models[0].cheby_degree", "applies to basis chebyshev only", "this block's basis is rbf"});
  // Key order does not matter: the block's basis is known when the block has been read.
  expect_error(kBasisHead + "    rational_groups: 4\n    basis: [rbf, fourier]\n",
               {"scan.yaml:8:5:", "models[0].rational_groups", "applies to basis rational only", "rbf, fourier"});
  expect_error(kBasisHead + "    rbf_centers: 8\n", {"models[0].rbf_centers", "applies to basis rbf only", "is bspline"});
  expect_error(kBasisHead + "    basis: chebyshev\n    grid_size: 5\n", {"models[0].grid_size", "applies to basis bspline only"});
  expect_error(kBasisHead + "    basis: fourier\n    grid_range: [-2, 2]\n",
               {"models[0].grid_range", "applies to basis bspline | rbf only"});
  expect_error(kBasisHead + "    basis: bspline\n    base_branch: none\n", {"models[0].base_branch", "applies to basis rbf"});
}
TEST(ConfigErrors, GridUpdateForABasisWithoutGrid) {
  for (const char* b : {"rbf", "chebyshev", "fourier", "rational"}) {
    expect_error(kBasisHead + "    basis: " + b + "\n    grid_update_every: 2\n",
                 {"models[0].grid_update_every", "applies to basis bspline only", "only B-splines have knots"});
    expect_error(kBasisHead + "    basis: " + b + "\n    grid_extend_to: 10\n",
                 {"models[0].grid_extend_to", "applies to basis bspline only"});
  }
}
TEST(ConfigErrors, BasisDegreesOutOfRange) {
  expect_error(kBasisHead + "    basis: chebyshev\n    cheby_degree: 65\n", {"models[0].cheby_degree", "expected an integer in [0, 64]"});
  expect_error(kBasisHead + "    basis: rational\n    rational_denominator: [2, 0]\n",
               {"models[0].rational_denominator[1]", "expected an integer in [1, 8]"});
  expect_error(kBasisHead + "    basis: rational\n    rational_numerator: 9\n", {"models[0].rational_numerator", "[1, 8]"});
  expect_error(kBasisHead + "    basis: rbf\n    rbf_centers: 1\n", {"models[0].rbf_centers", "[2, 1000]"});
  expect_error(kBasisHead + "    basis: fourier\n    fourier_frequencies: 0\n", {"models[0].fourier_frequencies"});
  expect_error(kBasisHead + "    basis: rbf\n    rbf_width: -1\n", {"models[0].rbf_width", "expected a number >= 0"});
  expect_error(kBasisHead + "    basis: chebyshev\n    cheby_squash: sigmoid\n", {"models[0].cheby_squash", "one of tanh | clamp"});
  expect_error(kBasisHead + "    basis: splines\n", {"models[0].basis", "one of bspline | rbf", "did you mean"});
}
TEST(ConfigOk, BasisAxisTakesTheOptionsOfAnyOfItsBases) {
  const auto scan = parse_scan_config(kBasisHead + "    basis: [bspline, chebyshev]\n    grid_size: 5\n    cheby_degree: [3, 5]\n"
                                                   "    grid_update_every: 2\n", "scan.yaml");
  ASSERT_EQ(scan.models.size(), 1u);
  EXPECT_EQ(scan.models[0].base.model.grid_update_every, 2);
  // A chebyshev trial does not carry the B-spline settings: they are irrelevant there.
  kanscan::TrialConfig t = scan.models[0].base;
  t.model.basis = kanscan::Basis::chebyshev;
  kanscan::io::normalize(t);
  EXPECT_EQ(t.model.grid_update_every, 0);
  EXPECT_EQ(t.model.cheby_degree, 3);
}

// The key table takes the choices of every enumerated key from the vocabulary.
TEST(KeyTable, ChoicesComeFromTheVocabulary) {
  const std::pair<const char*, std::vector<std::string>> expected[] = {
      {"loss", kanscan::names_of<kanscan::Loss>()},
      {"early_stopping.monitor", kanscan::names_of<kanscan::Monitor>()},
      {"activation", kanscan::names_of<kanscan::Activation>()},
      {"optimizer.name", kanscan::names_of<kanscan::OptimizerKind>()},
      {"optimizer.schedule", kanscan::names_of<kanscan::Schedule>()},
      {"init", kanscan::names_of<kanscan::InitScheme>()},
      {"basis", kanscan::names_of<kanscan::Basis>()},
      {"cheby_squash", kanscan::names_of<kanscan::Squash>()},
      {"base_branch", kanscan::names_of<kanscan::BaseBranch>()},
      {"type", kanscan::names_of<kanscan::ModelType>()},
  };
  for (const auto& [path, names] : expected) {
    const kanscan::io::KeyDecl* k = kanscan::io::find_key(kanscan::io::Section::train, path);
    if (!k) k = kanscan::io::find_key(kanscan::io::Section::model, path);
    ASSERT_NE(k, nullptr) << path;
    EXPECT_EQ(k->choices, names) << path;
  }
  EXPECT_EQ(kanscan::io::find_key(kanscan::io::Section::top, "task")->choices, kanscan::names_of<kanscan::Task>());
}

// ---------- --set overrides and the data keys added for user files (issue 16) ----------

namespace {
kanscan::TrialConfig first_trial(const kanscan::io::ScanConfig& s) {
  kanscan::TrialConfig t = s.models[0].base;
  for (const auto& ax : s.models[0].axes) kanscan::io::apply_value(t, *ax.key, ax.values[0]);
  return t;
}
}  // namespace

TEST(ConfigOverrides, ActLikeTheSameKeyInTheFile) {
  const std::string yaml = kHead + "train:\n  epochs: 7\n" + kModels;
  const auto over = parse_scan_config(kHead + kModels, "scan.yaml", {"train.epochs=7"});
  const auto file = parse_scan_config(yaml, "scan.yaml");
  EXPECT_EQ(over.train.epochs, 7);
  EXPECT_EQ(over.overrides, std::vector<std::string>{"train.epochs=7"});
  // The trial id changes only through the override's effect.
  EXPECT_EQ(kanscan::io::canonical_json(first_trial(over), over.data),
            kanscan::io::canonical_json(first_trial(file), file.data));
  const auto axis = parse_scan_config(kHead + kModels, "scan.yaml", {"models[0].grid_size=[3,5]", "data.events=500"});
  EXPECT_EQ(axis.models[0].axes.size(), 2u);
  EXPECT_EQ(axis.data.events, 500);
  const auto removed = parse_scan_config(yaml, "scan.yaml", {"train.epochs=null"});
  EXPECT_EQ(removed.train.epochs, kanscan::TrialConfig{}.train.epochs);
}

TEST(ConfigOverrides, ErrorsNameTheOverride) {
  auto err = [](const std::vector<std::string>& o) {
    try {
      parse_scan_config(kHead + kModels, "scan.yaml", o);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(err({"train.epoch=5"}).find("--set train.epoch=5: train.epoch: unknown key; did you mean 'epochs'?"),
            std::string::npos)
      << err({"train.epoch=5"});
  EXPECT_NE(err({"models[0].depth=-3"}).find("--set models[0].depth=-3"), std::string::npos);
  EXPECT_NE(err({"models[2].depth=1"}).find("has 1 element(s)"), std::string::npos);
  EXPECT_NE(err({"train.epochs"}).find("expected KEY=VALUE"), std::string::npos);
  EXPECT_NE(err({"train.epochs=[1,"}).find("not valid YAML"), std::string::npos);
  EXPECT_NE(err({"models[0].grid_size=[3,5]"}).find("<no error>"), std::string::npos);
}

TEST(ConfigDataKeys, DefaultsStayOutOfTheTrialId) {
  kanscan::test::TempDir dir;
  kanscan::test::write_file(dir / "ev.csv", "a,y\n1,0\n2,1\n");
  const std::string head = "name: t\ntask: classification\ndata:\n  path: ev.csv\n  label: y\n";
  const std::string yaml_file = (dir / "scan.yaml").string();
  const auto plain = parse_scan_config(head + kModels, yaml_file);
  const std::string id_json = kanscan::io::canonical_json(first_trial(plain), plain.data);
  EXPECT_EQ(id_json.find("delimiter"), std::string::npos) << id_json;
  EXPECT_EQ(id_json.find("classes"), std::string::npos) << id_json;
  const auto set = parse_scan_config(head + "  delimiter: \";\"\n  classes: [bkg, sig]\n" + kModels, yaml_file);
  EXPECT_EQ(set.data.delimiter, ";");
  const std::string set_json = kanscan::io::canonical_json(first_trial(set), set.data);
  EXPECT_NE(set_json.find("\"delimiter\":\";\""), std::string::npos) << set_json;
  EXPECT_NE(set_json.find("\"classes\":[\"bkg\",\"sig\"]"), std::string::npos) << set_json;
  EXPECT_EQ(parse_scan_config(head + "  delimiter: tab\n" + kModels, yaml_file).data.delimiter, "\t");
  auto err = [&](const std::string& extra) {
    try {
      parse_scan_config(head + extra + kModels, yaml_file);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(err("  delimiter: ';;'\n").find("data.delimiter: expected one character"), std::string::npos);
  EXPECT_NE(err("  classes: [sig]\n").find("at least two class names"), std::string::npos);
  EXPECT_NE(kanscan::io::describe_keys_markdown().find("| `delimiter` |"), std::string::npos);
}
