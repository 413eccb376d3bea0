// Checkpoint: ModelState -> HDF5 (the model/ layout of docs/scan-format.md) -> ModelState round trip, and the PyTorch snippet of
// docs/models.md (python/kanscan/torch_model.py, via examples/python/load_checkpoint.py) reproducing kanscan's predictions.
#include <gtest/gtest.h>

#include <iostream>

#include "io/h5.hpp"
#include "io/model_file.hpp"
#include "models/trial_runner.hpp"
#include "tests/models/synthetic.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;

namespace {

struct Case {
  std::string name;
  TrialConfig cfg;
  DataSplit data;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  TrialConfig kan;
  kan.model.type = ModelType::kan;
  kan.model.depth = 1;
  kan.model.width = 5;
  kan.model.grid_size = 4;
  kan.model.grid_update_every = 1;  // non-uniform, data-adapted grids in the checkpoint
  kan.model.optimizer.lr = 1e-2;
  kan.train.epochs = 3;
  kan.train.batch_size = 128;
  out.push_back({"kan_bce", kan, test::split(test::make_classification(1500, 4, 1), Task::classification)});
  TrialConfig kan3 = kan;
  kan3.model.depth = 2;
  kan3.model.spline_order = 2;
  kan3.train.loss = Loss::cross_entropy;
  out.push_back({"kan_softmax", kan3, test::split(test::make_classification(1500, 3, 2, 3), Task::classification)});
  TrialConfig mlp;
  mlp.model.type = ModelType::mlp;
  mlp.model.depth = 2;
  mlp.model.width = 8;
  mlp.model.activation = Activation::leaky_relu;
  mlp.model.leaky_slope = 0.2;
  mlp.task = Task::regression;
  mlp.train.loss = Loss::huber;
  mlp.train.epochs = 3;
  out.push_back({"mlp_regression", mlp, test::split(test::make_regression(1500, 3, 3), Task::regression)});
  TrialConfig mse = mlp;
  mse.task = Task::classification;
  mse.train.loss = Loss::mse;
  mse.model.activation = Activation::tanh;
  out.push_back({"mlp_mse_clip", mse, test::split(test::make_classification(1500, 4, 4), Task::classification)});
  // Every other KAN basis, with and without its options, into the PyTorch modules of
  // python/kanscan/torch_model.py (each written from the formula of docs/models.md).
  TrialConfig b = kan;
  b.model.grid_update_every = 0;
  b.model.grid_lo = -2;
  b.model.grid_hi = 2;
  b.model.basis = Basis::rbf;
  out.push_back({"rbf_bce", b, test::split(test::make_classification(1500, 4, 5), Task::classification)});
  TrialConfig r = b;
  r.model.rbf_layernorm = true;
  r.model.rbf_width = 0.8;
  r.task = Task::regression;
  r.train.loss = Loss::mse;
  out.push_back({"rbf_layernorm_regression", r, test::split(test::make_regression(1500, 3, 6), Task::regression)});
  TrialConfig c = b;
  c.model.basis = Basis::chebyshev;
  c.model.cheby_degree = 4;
  out.push_back({"chebyshev_bce", c, test::split(test::make_classification(1500, 4, 7), Task::classification)});
  c.model.cheby_squash = Squash::clamp;
  c.model.base_branch = BaseBranch::silu;
  c.model.depth = 2;
  c.train.loss = Loss::cross_entropy;
  out.push_back({"chebyshev_clamp_base_softmax", c, test::split(test::make_classification(1500, 3, 8, 3), Task::classification)});
  TrialConfig f = b;
  f.model.basis = Basis::fourier;
  f.model.fourier_frequencies = 3;
  out.push_back({"fourier_bce", f, test::split(test::make_classification(1500, 4, 9), Task::classification)});
  f.model.base_branch = BaseBranch::silu;
  f.task = Task::regression;
  f.train.loss = Loss::huber;
  out.push_back({"fourier_base_regression", f, test::split(test::make_regression(1500, 3, 10), Task::regression)});
  TrialConfig q = b;
  q.model.basis = Basis::rational;
  q.model.rational_groups = 3;
  out.push_back({"rational_bce", q, test::split(test::make_classification(1500, 4, 11), Task::classification)});
  q.model.base_branch = BaseBranch::silu;
  q.model.rational_numerator = 3;
  q.model.rational_denominator = 2;
  q.train.loss = Loss::mse;
  out.push_back({"rational_base_mse_clip", q, test::split(test::make_classification(1500, 4, 12), Task::classification)});
  return out;
}

std::vector<float> flat(const RowMatrixXf& m) { return std::vector<float>(m.data(), m.data() + m.size()); }

}  // namespace

TEST(Checkpoint, RoundTripAndPyTorchReproducesPredictions) {
  test::TempDir dir;
  const std::string path = (dir / "models.h5").string();
  std::string py_args;
  {
    h5::File f(path, h5::File::Mode::create_truncate);
  }
  const bool have_torch =
      test::run_command("/usr/bin/python3 -c 'import torch, h5py' 2>&1").exit_code == 0;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const TrialOutcome o = models::run_trial(c.cfg, c.data);
    ASSERT_TRUE(o.ok) << o.error;
    {
      h5::File f(path, h5::File::Mode::read_write);
      h5::Group root = f.root();
      h5::Group group = root.create_group("model_" + c.name);
      io::write_model(group, o.model);
      const auto& x = c.data.test.features;
      root.write("features_" + c.name, flat(x), {static_cast<std::size_t>(x.rows()), static_cast<std::size_t>(x.cols())});
      root.write("predictions_" + c.name, flat(o.test_predictions),
                 {static_cast<std::size_t>(o.test_predictions.rows()), static_cast<std::size_t>(o.test_predictions.cols())});
    }
    h5::File f(path, h5::File::Mode::read_only);
    const ModelState back = io::read_model(f.root().open_group("model_" + c.name));
    ASSERT_EQ(back.layers.size(), o.model.layers.size());
    EXPECT_EQ(back.output, o.model.output);
    EXPECT_EQ(back.input_mean, o.model.input_mean);
    for (std::size_t l = 0; l < back.layers.size(); ++l) {
      EXPECT_EQ(back.layers[l].kind, o.model.layers[l].kind);
      for (const auto& [name, t] : o.model.layers[l].tensors) {
        EXPECT_EQ(back.layers[l].tensors.at(name).shape, t.shape) << name;
        EXPECT_EQ(back.layers[l].tensors.at(name).data, t.data) << name;
      }
    }
    // The reloaded model gives the same predictions bit for bit.
    const RowMatrixXf p = models::predict(back, c.data.test.features, 1);
    ASSERT_EQ(p.rows(), o.test_predictions.rows());
    for (Eigen::Index i = 0; i < p.size(); ++i) ASSERT_EQ(p.data()[i], o.test_predictions.data()[i]);

    py_args += " --group model_" + c.name + " --features features_" + c.name + " --expected predictions_" + c.name;
  }
  if (have_torch) {
    // One Python process for all models (importing torch takes seconds).
    const auto r = test::run_command("/usr/bin/python3 " + test::source_dir() + "/examples/python/load_checkpoint.py " +
                                     path + py_args + " --tol 1e-4 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::cout << r.output;
    std::size_t compared = 0;
    for (std::size_t pos = 0; (pos = r.output.find("max relative difference", pos)) != std::string::npos; ++pos) ++compared;
    EXPECT_EQ(compared, cases().size()) << r.output;
  }
  if (!have_torch) GTEST_SKIP() << "PyTorch/h5py not importable by /usr/bin/python3: PyTorch part skipped";
}
