#pragma once
// One trial's complete configuration and outcome, as plain typed structs. io/ fills TrialConfig
// from YAML (through the key table), scans/ expands and schedules them, models/ runs them
// (models/trial_runner.hpp), io/ writes TrialOutcome to the results file.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "types/dataset.hpp"
#include "types/model_state.hpp"
#include "types/vocabulary.hpp"

namespace kanscan {

// Where a scan's events come from (YAML `data:`), filled by io/, consumed by io::load_data.
struct DataConfig {
  std::string generator;            // tth_thq | qcd_singletop | dm_met, or empty when `path` is set
  std::string path;                 // user file: .h5/.hdf5 or .csv
  std::int64_t events = 0;          // generator: events written (after selection); path: 0 = all rows
  std::uint64_t seed = 1;           // generator seed; also seeds the split
  std::map<std::string, double> knobs;  // generator knobs by name (docs/data.md)
  double train = 0.6, val = 0.2, test = 0.2;  // split fractions
  // Repeated splits (a scan axis like seeds; docs/scan-format.md, `data.split`): k-fold
  // (folds > 1: one fold tests, the next one validates, the rest train) or one split per seed of
  // split_seeds (the fractions above, shuffled by that seed instead of `seed`). `split` picks one:
  // the fold index, or the split seed; -1 = the one split of `seed` and the fractions.
  int folds = 0;
  std::vector<std::uint64_t> split_seeds;
  std::int64_t split = -1;
  std::vector<std::string> features;        // select by name; empty = all
  std::string label_column;                 // CSV classification
  std::vector<std::string> target_columns;  // CSV regression
  std::string weight_column;                // CSV, optional
  std::string delimiter = ",";              // CSV field separator (one character; "\t" for tab)
  std::vector<std::string> classes;         // CSV: label strings, class index = position
  std::string source_file;          // the YAML file the block came from (for messages)
};

struct OptimizerConfig {
  OptimizerKind name = OptimizerKind::adam;
  double lr = 1e-3;
  double momentum = 0.9;       // sgd
  bool nesterov = false;       // sgd
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam, adamw
  double weight_decay = 0.0;   // adamw decoupled decay (mlp L2 lives in ModelConfig)
  int history = 10;            // lbfgs memory m
  int max_iter = 20;           // lbfgs iterations per step (per batch)
  Schedule schedule = Schedule::constant;
  int step_size = 10;          // step schedule: epochs between decays
  double gamma = 0.1;          // step schedule factor
  double min_lr = 0.0;         // cosine floor
};

struct ModelConfig {
  ModelType type = ModelType::kan;
  int depth = 1;               // hidden layers; 0 = a single layer [in, out]
  int width = 16;              // nodes per hidden layer
  // KAN
  Basis basis = Basis::bspline;  // edge-function basis (docs/models.md, "KAN bases")
  BaseBranch base_branch = BaseBranch::auto_;  // SiLU branch of the non-B-spline bases
  int grid_size = 5;
  int spline_order = 3;
  double grid_lo = -1.0, grid_hi = 1.0;
  double grid_eps = 0.02;      // grid update: uniform/percentile mix
  int grid_update_every = 0;   // epochs between grid updates from data; 0 = never
  int grid_extend_to = 0;      // refine G -> this after grid_extend_epoch; 0 = never
  int grid_extend_epoch = 0;
  InitScheme init = InitScheme::efficient_kan;
  double scale_noise = 0.1, scale_base = 1.0, scale_spline = 1.0;
  // rbf (FastKAN): centres spread over [grid_lo, grid_hi]
  int rbf_centers = 8;
  double rbf_width = 0.0;      // 0 = the centre spacing (grid_hi - grid_lo) / (rbf_centers - 1)
  bool rbf_layernorm = false;  // LayerNorm of the layer's inputs before the basis, as FastKAN's default
  // chebyshev (ChebyKAN)
  int cheby_degree = 3;
  Squash cheby_squash = Squash::tanh;
  // fourier (FourierKAN's naive layer): frequencies 1 .. fourier_frequencies
  int fourier_frequencies = 5;
  bool fourier_smooth_init = false;
  // rational (KAT's GR-KAN): P of degree m over Q of degree n, Q shared by a group of inputs
  int rational_numerator = 5, rational_denominator = 4, rational_groups = 8;
  // MLP
  Activation activation = Activation::relu;
  double leaky_slope = 0.01;
  double dropout = 0.0;
  double weight_decay = 0.0;   // L2 penalty added to the loss (both model types)
  OptimizerConfig optimizer;
};

struct TrainConfig {
  Loss loss = Loss::bce;
  double huber_delta = 1.0;
  int epochs = 30;
  int batch_size = 1024;
  Monitor monitor = Monitor::val_loss;
  int patience = 5;            // 0 = no early stopping
  double min_delta = 0.0;
  bool use_weights = true;     // use event weights in the loss when the data has them
};

struct TrialConfig {
  std::string trial_id;        // stable hash of the canonical config and seed (scans/)
  std::string model_name;      // block label, e.g. "kan" / "mlp" / user-given name
  Task task = Task::classification;
  ModelConfig model;
  TrainConfig train;
  std::uint64_t seed = 1;
  std::int64_t split = -1;     // repeated splits: the fold index or split seed (DataConfig::split); -1 = none
  int threads = 1;             // OpenMP threads for this trial
};

struct History {
  std::vector<int> epoch;
  std::vector<double> train_loss, val_loss, val_metric;
  std::string val_metric_name;
};

struct TrialOutcome {
  bool ok = false;
  bool cancelled = false;      // stopped by a signal: not a result; resume reruns it
  std::string error;           // reason when !ok
  int epochs_run = 0;
  double train_seconds = 0.0;
  std::int64_t n_params = 0;
  History history;
  // test_auc, test_accuracy, test_loss (classification); test_loss, test_mae, test_rmse,
  // test_mae_<target>, test_mae_gev_<target>... (regression).
  std::map<std::string, double> metrics;
  std::vector<double> roc_fpr, roc_tpr;  // classification
  RowMatrixXf test_predictions;          // [N_test, 1 | C | T]: probabilities / physical units
  std::vector<std::int64_t> test_index;  // [N_test] rows in the data file
  ModelState model;
};

}  // namespace kanscan
