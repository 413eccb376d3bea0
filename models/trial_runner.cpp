#include "models/trial_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <new>
#include <numeric>
#include <optional>
#include <string>

#include "framework/error.hpp"
#include "framework/metrics.hpp"
#include "framework/parallel.hpp"
#include "framework/rng.hpp"
#include "models/activation.hpp"
#include "models/loss.hpp"
#include "models/model.hpp"
#include "models/optimizer.hpp"
#include "models/parameter_count.hpp"

namespace kanscan::models {
namespace {

using MatF = Mat<float>;
constexpr Eigen::Index kEvalChunk = 8192;  // rows per inference pass (bounds the layer caches)

// Independent random streams of one trial, all derived from cfg.seed.
enum Stream : std::uint64_t { kInit = 1, kShuffle = 2, kDropout = 3, kGridSample = 4 };

struct Standardizer {
  std::vector<double> mean, std;
};

// Mean and standard deviation per column, in double; constant columns get std 1.
Standardizer fit_standardizer(const RowMatrixXf& m) {
  Standardizer s;
  const auto n = m.rows(), c = m.cols();
  s.mean.assign(c, 0.0);
  s.std.assign(c, 1.0);
  if (n == 0) return s;
  for (Eigen::Index j = 0; j < c; ++j) {
    double sum = 0;
    for (Eigen::Index i = 0; i < n; ++i) sum += m(i, j);
    const double mu = sum / n;
    double ss = 0;
    for (Eigen::Index i = 0; i < n; ++i) ss += (m(i, j) - mu) * (m(i, j) - mu);
    const double sd = std::sqrt(ss / n);
    s.mean[j] = mu;
    s.std[j] = sd > 1e-12 && std::isfinite(sd) ? sd : 1.0;
  }
  return s;
}

MatF apply_standardizer(const RowMatrixXf& m, const std::vector<double>& mean, const std::vector<double>& sd) {
  MatF out(m.rows(), m.cols());
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      out(i, j) = static_cast<float>((static_cast<double>(m(i, j)) - mean[j]) / sd[j]);
  return out;
}

// Converts raw outputs to predictions in place: probabilities or physical units.
void transform_outputs(MatF& z, OutputKind output, const std::vector<double>& tmean,
                       const std::vector<double>& tstd) {
  switch (output) {
    case OutputKind::sigmoid:
      for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = sigmoid(z.data()[i]);
      return;
    case OutputKind::softmax:
    for (Eigen::Index i = 0; i < z.rows(); ++i) {
      const float mx = z.row(i).maxCoeff();
      double s = 0;
      for (Eigen::Index j = 0; j < z.cols(); ++j) s += std::exp(static_cast<double>(z(i, j) - mx));
      for (Eigen::Index j = 0; j < z.cols(); ++j)
        z(i, j) = static_cast<float>(std::exp(static_cast<double>(z(i, j) - mx)) / s);
    }
      return;
    case OutputKind::clip:
      z = z.cwiseMax(0.0f).cwiseMin(1.0f);
      return;
    case OutputKind::identity:
      if (!tmean.empty())
        for (Eigen::Index i = 0; i < z.rows(); ++i)
          for (Eigen::Index j = 0; j < z.cols(); ++j)
            z(i, j) = static_cast<float>(static_cast<double>(z(i, j)) * tstd[j] + tmean[j]);
      return;
  }
}

// Raw outputs of the model on x into out, in chunks (chunk: a reusable buffer; a set of one
// chunk is passed to the model as it is).
void infer_into(Model<float>& model, const MatF& x, int threads, MatF& out, MatF& chunk) {
  out.resize(x.rows(), model.n_out());
  if (x.rows() <= kEvalChunk) {
    if (x.rows() > 0) out = model.forward(x, false, threads);
    return;
  }
  for (Eigen::Index r = 0; r < x.rows(); r += kEvalChunk) {
    const Eigen::Index n = std::min(kEvalChunk, x.rows() - r);
    chunk = x.middleRows(r, n);
    out.middleRows(r, n) = model.forward(chunk, false, threads);
  }
}

MatF infer(Model<float>& model, const MatF& x, int threads) {
  MatF out, chunk;
  infer_into(model, x, threads, out, chunk);
  return out;
}

struct Prepared {
  MatF x, y;              // standardised features; targets (0/1, one-hot or standardised)
  std::vector<float> w;   // normalised event weights (empty = unit)
  std::vector<int> labels;
  std::vector<float> raw_w;  // original weights for metrics (empty = unit)
};

// Early stopping on the monitored validation quantity: remembers the best epoch's parameters.
struct BestEpoch {
  bool maximize = false;
  double min_delta = 0.0;
  Vec<float> params;
  double value = std::numeric_limits<double>::quiet_NaN();
  int epoch = -1, since = 0;

  void update(double v, int e, const Vec<float>& p) {
    bool improved = false;
    if (std::isfinite(v)) {
      if (epoch < 0 || !std::isfinite(value)) improved = true;
      else improved = maximize ? v > value + min_delta : v < value - min_delta;
    }
    if (improved) {
      value = v;
      epoch = e;
      params = p;
      since = 0;
    } else {
      ++since;
    }
  }
  // The parameter vector changed shape (grid extension): earlier bests cannot be restored.
  void forget() {
    params.resize(0);
    epoch = -1;
    value = std::numeric_limits<double>::quiet_NaN();
    since = 0;
  }
};

// One trial: the task set-up, the trainer (epochs with early stopping and grid changes) and the
// evaluator (test metrics and the exported model), each over the same standardisation.
class TrialRun {
 public:
  TrialRun(const TrialConfig& cfg, const DataSplit& data, const std::atomic<bool>* cancel)
      : cfg_(cfg), data_(data), cancel_(cancel) {}

  void run(TrialOutcome& out);

 private:
  bool cancelled() const { return cancel_ && cancel_->load(); }
  // Outputs, loss, metric and monitor for the task; standardisation fitted on the training set.
  void configure(TrialOutcome& out);
  Prepared prepare(const Dataset& d) const;
  double evaluate_loss(const MatF& z, const Prepared& p) const {
    return loss_and_grad<float>(loss_, z, p.y, p.w.empty() ? nullptr : p.w.data(), nullptr);
  }
  // Validation metric of raw outputs z on p (val_auc / val_accuracy / val_mae).
  double metric(const MatF& z, const Prepared& p) const;
  // Trains with early stopping; false when cancelled (out says so).
  bool train(Model<float>& model, const Prepared& train, const Prepared& val, TrialOutcome& out);
  // One pass over the training set; nullopt when cancelled. Returns the mean data loss.
  std::optional<double> train_epoch(Model<float>& model, Optimizer<float>& opt, const Prepared& train, double lr,
                                    int epoch, int threads);
  // Validation loss and metric of the epoch, into the history; throws NumericalError when not finite.
  double validate_epoch(Model<float>& model, const Prepared& val, int epoch, double train_loss, int threads,
                        TrialOutcome& out) const;
  MatF grid_sample(const Prepared& train) const;
  void evaluate(Model<float>& model, TrialOutcome& out) const;
  void fill_test_metrics(const MatF& z, const Prepared& p, TrialOutcome& out) const;
  // Validation metrics of the trained (restored) model: what "best" is chosen by.
  void fill_val_metrics(const MatF& z, const Prepared& p, TrialOutcome& out) const;
  // AUC and accuracy of probabilities pr with their test-sample influences.
  struct ClassScores {
    metrics::Influence auc, accuracy;
  };
  ClassScores class_scores(const MatF& pr, const Prepared& p) const;
  // Per-target MAE (standardised) with influences; the mean over targets last.
  std::vector<metrics::Influence> target_mae(const MatF& z, const Prepared& p) const;
  std::string target_name(std::size_t j) const;

  const TrialConfig& cfg_;
  const DataSplit& data_;
  const std::atomic<bool>* cancel_;
  LossSpec loss_;
  int n_out_ = 1;
  int n_classes_ = 0;
  Standardizer xs_, ys_;
  double weight_scale_ = 1.0;
  OutputKind output_ = OutputKind::sigmoid;
  Monitor metric_ = Monitor::val_auc;  // the validation metric the data allows
  BestEpoch best_;
  bool monitor_metric_ = false;
  // Per-trial random streams and the batch buffers, reused across epochs.
  Rng shuffle_rng_{0}, dropout_rng_{0};
  std::vector<std::size_t> perm_;
  std::int64_t evaluated_rows_ = 0;  // training rows through forward + backward (LBFGS: every evaluation)
  double best_epoch_ = 0;            // 1-based epoch of the best monitored value (restored with early stopping)
  MatF xb_, yb_, dz_;
  std::vector<float> wb_;
  // Validation buffers, reused every epoch (no allocation, hence no fresh pages, per epoch).
  mutable MatF zv_, chunk_, metric_buf_;
};

Prepared TrialRun::prepare(const Dataset& d) const {
  Prepared p;
  if (d.n_features() != xs_.mean.size())
    throw InputError("dataset has " + std::to_string(d.n_features()) + " features, training set " +
                     std::to_string(xs_.mean.size()));
  p.x = apply_standardizer(d.features, xs_.mean, xs_.std);
  const auto n = static_cast<Eigen::Index>(d.size());
  if (cfg_.task == Task::classification) {
    if (d.labels.size() != d.size()) throw InputError("classification data needs one label per event");
    p.labels.assign(d.labels.begin(), d.labels.end());
    p.y = MatF::Zero(n, n_out_);
    for (Eigen::Index i = 0; i < n; ++i) {
      const int c = d.labels[i];
      if (c < 0 || c >= std::max(n_classes_, 2))
        throw InputError("label " + std::to_string(c) + " of event " + std::to_string(i) + " outside [0, " +
                         std::to_string(std::max(n_classes_, 2)) + ")");
      if (n_out_ == 1) p.y(i, 0) = static_cast<float>(c != 0);
      else p.y(i, c) = 1.0f;
    }
  } else {
    if (static_cast<int>(d.n_targets()) != n_out_ || d.targets.rows() != n)
      throw InputError("regression data needs " + std::to_string(n_out_) + " targets per event");
    p.y = apply_standardizer(d.targets, ys_.mean, ys_.std);
  }
  if (cfg_.train.use_weights && !d.weights.empty()) {
    if (d.weights.size() != d.size()) throw InputError("event weights: one per event expected");
    p.raw_w = d.weights;
    p.w.resize(d.size());
    for (std::size_t i = 0; i < d.size(); ++i) p.w[i] = static_cast<float>(d.weights[i] / weight_scale_);
  }
  return p;
}

double TrialRun::metric(const MatF& z, const Prepared& p) const {
  if (cfg_.task == Task::regression) {
    double s = 0;
    for (Eigen::Index i = 0; i < z.size(); ++i) s += std::abs(static_cast<double>(z.data()[i] - p.y.data()[i]));
    return z.size() ? s / static_cast<double>(z.size()) : std::numeric_limits<double>::quiet_NaN();
  }
  MatF& pr = metric_buf_;
  pr = z;
  transform_outputs(pr, output_, {}, {});
  if (n_out_ == 1) {
    try {
      return metrics::auc(std::span<const float>(pr.data(), static_cast<std::size_t>(pr.rows())), p.labels, p.raw_w);
    } catch (const InputError&) {
      return std::numeric_limits<double>::quiet_NaN();  // a validation set with one class has no AUC
    }
  }
  double good = 0, tot = 0;
  for (Eigen::Index i = 0; i < pr.rows(); ++i) {
    Eigen::Index am;
    pr.row(i).maxCoeff(&am);
    const double w = p.raw_w.empty() ? 1.0 : p.raw_w[i];
    good += (am == p.labels[i]) ? w : 0.0;
    tot += w;
  }
  return tot != 0 ? good / tot : std::numeric_limits<double>::quiet_NaN();
}

std::string TrialRun::target_name(std::size_t j) const {
  if (j < data_.train.target_names.size() && !data_.train.target_names[j].empty()) return data_.train.target_names[j];
  std::string name = std::to_string(j);
  name.insert(0, 1, 't');  // not "t" + ...: GCC 12 warns falsely (-Wrestrict) on that
  return name;
}

TrialRun::ClassScores TrialRun::class_scores(const MatF& pr, const Prepared& p) const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::size_t n = static_cast<std::size_t>(pr.rows());
  ClassScores cs;
  cs.auc.value = nan;
  std::vector<double> correct(n);
  if (n_out_ == 1) {
    std::span<const float> s(pr.data(), n);
    for (std::size_t i = 0; i < n; ++i) correct[i] = (s[i] >= 0.5f) == (p.labels[i] != 0) ? 1.0 : 0.0;
    try {
      cs.auc = metrics::auc_influence(s, p.labels, p.raw_w);
    } catch (const InputError&) {
      cs.auc.value = nan;  // one class only: no AUC
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      Eigen::Index am;
      pr.row(static_cast<Eigen::Index>(i)).maxCoeff(&am);
      correct[i] = am == p.labels[i] ? 1.0 : 0.0;
    }
    // Macro-averaged one-vs-rest AUC over the classes present with both outcomes; its influence
    // is the mean of the classes' influences (they share the events, so correlations count).
    std::vector<float> col(n);
    std::vector<int> lab(n);
    double sum = 0;
    int used = 0;
    std::vector<double> infl(n, 0.0);
    for (int c = 0; c < n_out_; ++c) {
      for (std::size_t i = 0; i < n; ++i) {
        col[i] = pr(static_cast<Eigen::Index>(i), c);
        lab[i] = p.labels[i] == c;
      }
      try {
        const metrics::Influence a = metrics::auc_influence(col, lab, p.raw_w);
        sum += a.value;
        for (std::size_t i = 0; i < n; ++i) infl[i] += a.influence[i];
        ++used;
      } catch (const InputError&) {
      }
    }
    if (used) {
      cs.auc.value = sum / used;
      for (auto& v : infl) v /= used;
      cs.auc.influence = std::move(infl);
    }
  }
  cs.accuracy = metrics::mean_influence(correct, p.raw_w);
  return cs;
}

std::vector<metrics::Influence> TrialRun::target_mae(const MatF& z, const Prepared& p) const {
  const std::size_t t = static_cast<std::size_t>(n_out_);
  const std::size_t n = static_cast<std::size_t>(z.rows());
  std::vector<metrics::Influence> out;
  std::vector<double> abs_res(n), mean_res(n, 0.0);
  for (std::size_t j = 0; j < t; ++j) {
    for (std::size_t i = 0; i < n; ++i) {
      abs_res[i] = std::abs(static_cast<double>(z.data()[i * t + j] - p.y.data()[i * t + j]));
      mean_res[i] += abs_res[i] / static_cast<double>(t);
    }
    out.push_back(metrics::mean_influence(abs_res));
  }
  out.push_back(metrics::mean_influence(mean_res));
  return out;
}

void TrialRun::fill_test_metrics(const MatF& z, const Prepared& p, TrialOutcome& out) const {
  out.metrics["test_loss"] = evaluate_loss(z, p);
  MatF pred = z;
  if (cfg_.task == Task::regression) {
    const std::size_t t = static_cast<std::size_t>(n_out_);
    const std::size_t n = static_cast<std::size_t>(z.rows());
    std::span<const float> zs(z.data(), n * t), ys(p.y.data(), n * t);
    const auto mae = metrics::mae_per_column(zs, ys, t);
    const auto errs = target_mae(z, p);
    double mean_mae = 0, se = 0;
    for (std::size_t i = 0; i < n * t; ++i) se += std::pow(static_cast<double>(zs[i] - ys[i]), 2);
    for (std::size_t j = 0; j < t; ++j) {
      const std::string name = target_name(j);
      out.metrics["test_mae_" + name] = mae[j];
      out.metrics["test_mae_gev_" + name] = mae[j] * ys_.std[j];
      out.metrics["test_mae_err_" + name] = errs[j].std_error();
      mean_mae += mae[j] / static_cast<double>(t);
    }
    out.metrics["test_mae"] = mean_mae;
    out.metrics["test_mae_err"] = errs.back().std_error();
    out.metrics["test_rmse"] = n ? std::sqrt(se / static_cast<double>(n * t)) : std::numeric_limits<double>::quiet_NaN();
    transform_outputs(pred, OutputKind::identity, ys_.mean, ys_.std);
  } else {
    transform_outputs(pred, output_, {}, {});
    const std::size_t n = static_cast<std::size_t>(pred.rows());
    const ClassScores cs = class_scores(pred, p);
    if (n_out_ == 1) {
      std::span<const float> s(pred.data(), n);
      out.metrics["test_accuracy"] = metrics::accuracy(s, p.labels, 0.5, p.raw_w);
      try {
        const auto roc = metrics::roc_curve(s, p.labels, p.raw_w);
        out.roc_fpr = roc.fpr;
        out.roc_tpr = roc.tpr;
        out.metrics["test_auc"] = metrics::auc(s, p.labels, p.raw_w);
      } catch (const InputError&) {
        out.metrics["test_auc"] = std::numeric_limits<double>::quiet_NaN();
      }
    } else {
      out.metrics["test_accuracy"] = metric(z, p);
      out.metrics["test_auc"] = cs.auc.value;
    }
    out.metrics["test_auc_err"] =
        cs.auc.influence.empty() ? std::numeric_limits<double>::quiet_NaN() : cs.auc.std_error();
    out.metrics["test_accuracy_err"] = cs.accuracy.std_error();
  }
  out.test_predictions = pred;
}

void TrialRun::fill_val_metrics(const MatF& z, const Prepared& p, TrialOutcome& out) const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const bool have = z.rows() > 0;
  out.metrics["val_loss"] = have ? evaluate_loss(z, p) : nan;
  if (cfg_.task == Task::regression) {
    const auto mae = have ? target_mae(z, p) : std::vector<metrics::Influence>{};
    for (std::size_t j = 0; j < static_cast<std::size_t>(n_out_); ++j)
      out.metrics["val_mae_" + target_name(j)] = have ? mae[j].value : nan;
    out.metrics["val_mae"] = have ? mae.back().value : nan;
    return;
  }
  MatF pr = z;
  transform_outputs(pr, output_, {}, {});
  const ClassScores cs = have ? class_scores(pr, p) : ClassScores{};
  out.metrics["val_auc"] = have ? cs.auc.value : nan;
  out.metrics["val_accuracy"] = have ? cs.accuracy.value : nan;
}

void TrialRun::configure(TrialOutcome& out) {
  const TrainConfig& tc = cfg_.train;
  loss_ = LossSpec{tc.loss, tc.huber_delta};
  if (tc.epochs < 0) throw InputError("train.epochs must be >= 0");
  if (tc.batch_size < 1) throw InputError("train.batch_size must be >= 1");
  const Dataset& tr = data_.train;
  if (tr.size() == 0) throw InputError("training set is empty");
  if (cfg_.task == Task::classification) {
    int max_label = 0;
    for (auto l : tr.labels) max_label = std::max(max_label, static_cast<int>(l));
    n_classes_ = std::max({tr.n_classes, max_label + 1, 2});
    if (loss_.kind == Loss::bce && n_classes_ > 2)
      throw InputError("loss bce needs two classes; the data has " + std::to_string(n_classes_) + " (use cross_entropy)");
    n_out_ = (loss_.kind == Loss::cross_entropy || n_classes_ > 2) ? n_classes_ : 1;
    metric_ = n_out_ == 1 ? Monitor::val_auc : Monitor::val_accuracy;
  } else {
    if (!loss_serves(loss_.kind, Task::regression))
      throw InputError("regression needs loss mse, mae or huber, not " + to_string(tc.loss));
    n_out_ = static_cast<int>(tr.n_targets());
    if (n_out_ < 1) throw InputError("regression data has no targets");
    ys_ = fit_standardizer(tr.targets);
    metric_ = Monitor::val_mae;
  }
  output_ = output_for(cfg_.task, loss_.kind);
  out.history.val_metric_name = to_string(metric_);
  // The metric the data allows (binary: AUC, several classes: accuracy) is known only now.
  if (tc.monitor != Monitor::val_loss && tc.monitor != metric_)
    throw InputError("train.early_stopping.monitor: expected val_loss or " + to_string(metric_) + " for this task, got '" +
                     to_string(tc.monitor) + "'");
  monitor_metric_ = tc.monitor != Monitor::val_loss;
  best_.maximize = monitor_metric_ && metric_ != Monitor::val_mae;
  best_.min_delta = tc.min_delta;

  xs_ = fit_standardizer(tr.features);
  if (cfg_.train.use_weights && !tr.weights.empty()) {
    double s = 0, sa = 0;
    for (float w : tr.weights) s += w, sa += std::abs(w);
    weight_scale_ = s > 0 ? s / tr.size() : (sa > 0 ? sa / tr.size() : 1.0);
  }
}

void TrialRun::run(TrialOutcome& out) {
  configure(out);
  const Prepared train_set = prepare(data_.train);
  const Prepared val_set = prepare(data_.val);
  auto model = Model<float>::build(cfg_.model, static_cast<int>(data_.train.n_features()), n_out_);
  {
    Rng init_rng(stream_seed(cfg_.seed, kInit));
    model->init(init_rng);
  }
  if (!train(*model, train_set, val_set, out)) return;
  evaluate(*model, out);
}

// Grid-update sample: a fixed random subset of the training inputs.
MatF TrialRun::grid_sample(const Prepared& train) const {
  const std::size_t n = data_.train.size();
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  Rng g(stream_seed(cfg_.seed, kGridSample));
  shuffle(idx.begin(), idx.end(), g);
  const std::size_t m = std::min<std::size_t>(n, 4096);
  MatF sample(static_cast<Eigen::Index>(m), train.x.cols());
  for (std::size_t i = 0; i < m; ++i) sample.row(static_cast<Eigen::Index>(i)) = train.x.row(static_cast<Eigen::Index>(idx[i]));
  return sample;
}

bool TrialRun::train(Model<float>& model, const Prepared& train_set, const Prepared& val_set, TrialOutcome& out) {
  const ModelConfig& mc = cfg_.model;
  const TrainConfig& tc = cfg_.train;
  shuffle_rng_ = Rng(stream_seed(cfg_.seed, kShuffle));
  dropout_rng_ = Rng(stream_seed(cfg_.seed, kDropout));
  const int threads = resolve_threads(cfg_.threads);  // 0 = all; results do not depend on it
  auto opt = make_optimizer<float>(mc.optimizer, model.n_params(), cancel_);
  const MatF grid_x = model.has_kan() && mc.grid_update_every > 0 ? grid_sample(train_set) : MatF();
  perm_.resize(data_.train.size());
  std::iota(perm_.begin(), perm_.end(), 0);

  const auto t_start = std::chrono::steady_clock::now();
  int epochs_run = 0;
  bool extend_pending = model.has_kan() && mc.grid_extend_to > 0 && mc.grid_extend_to != mc.grid_size;
  for (int epoch = 0; epoch < tc.epochs; ++epoch) {
    if (extend_pending && epoch >= mc.grid_extend_epoch) {
      model.extend_grids(mc.grid_extend_to);
      extend_pending = false;
      opt = make_optimizer<float>(mc.optimizer, model.n_params(), cancel_);
      best_.forget();
    }
    if (grid_x.rows() > 0 && epoch % mc.grid_update_every == 0) model.update_grids(grid_x, mc.grid_eps, threads);
    const auto train_loss =
        cancelled() ? std::nullopt
                    : train_epoch(model, *opt, train_set, scheduled_lr(mc.optimizer, epoch, tc.epochs), epoch, threads);
    if (!train_loss) {
      out.cancelled = true;
      out.error = "cancelled";
      return false;
    }
    epochs_run = epoch + 1;
    const double v = validate_epoch(model, val_set, epoch, *train_loss, threads, out);
    best_.update(v, epoch, model.params());
    if (tc.patience > 0 && val_set.x.rows() > 0 && best_.since >= tc.patience) break;
  }
  const bool restore = tc.patience > 0 && best_.epoch >= 0 && best_.params.size() == model.params().size();
  if (restore) model.params() = best_.params;
  best_epoch_ = best_.epoch >= 0 ? best_.epoch + 1 : std::numeric_limits<double>::quiet_NaN();
  // Training ended before the configured extension: refine now, so that the trained model always
  // has the configured final grid (and count_parameters' size); the refit preserves the function.
  if (extend_pending) model.extend_grids(mc.grid_extend_to);
  out.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  out.epochs_run = epochs_run;
  out.n_params = static_cast<std::int64_t>(model.n_params());
  return true;
}

std::optional<double> TrialRun::train_epoch(Model<float>& model, Optimizer<float>& opt, const Prepared& train_set,
                                            double lr, int epoch, int threads) {
  const std::size_t n = data_.train.size();
  const std::size_t bs = std::min<std::size_t>(static_cast<std::size_t>(cfg_.train.batch_size), n);
  const Eigen::Index n_in = train_set.x.cols();
  const float l2 = static_cast<float>(cfg_.model.weight_decay);
  shuffle(perm_.begin(), perm_.end(), shuffle_rng_);
  double epoch_loss = 0.0;
  std::size_t seen = 0;
  for (std::size_t start = 0, batch = 0; start < n; start += bs, ++batch) {
    if (cancelled()) return std::nullopt;
    const std::size_t m = std::min(bs, n - start);
    xb_.resize(static_cast<Eigen::Index>(m), n_in);
    yb_.resize(static_cast<Eigen::Index>(m), n_out_);
    wb_.resize(train_set.w.empty() ? 0 : m);
    // Row-major rows: one copy of n_in (and n_out) floats per sample.
    const std::size_t nx = static_cast<std::size_t>(n_in), ny = static_cast<std::size_t>(n_out_);
    const float* xs = train_set.x.data();
    const float* ys = train_set.y.data();
    float* xd = xb_.data();
    float* yd = yb_.data();
    for (std::size_t i = 0; i < m; ++i) {
      const std::size_t src = perm_[start + i];
      std::copy_n(xs + src * nx, nx, xd + i * nx);
      std::copy_n(ys + src * ny, ny, yd + i * ny);
      if (!wb_.empty()) wb_[i] = train_set.w[src];
    }
    double batch_data_loss = 0.0;
    bool first_eval = true;
    // One dropout mask per batch: every evaluation of an LBFGS step sees the same objective.
    const std::uint64_t mask_seed = dropout_rng_.next();
    auto closure = [&]() -> double {
      evaluated_rows_ += static_cast<std::int64_t>(m);
      Rng mask_rng(mask_seed);
      const MatF& z = model.forward(xb_, true, threads, &mask_rng);
      const double data_loss = loss_and_grad<float>(loss_, z, yb_, wb_.empty() ? nullptr : wb_.data(), &dz_, threads);
      if (first_eval) {
        batch_data_loss = data_loss;
        first_eval = false;
      }
      model.backward(dz_, threads);
      double obj = data_loss;
      if (l2 > 0.0f) {
        obj += 0.5 * static_cast<double>(l2) * static_cast<double>(model.params().squaredNorm());
        model.grads() += l2 * model.params();
      }
      return obj;
    };
    opt.step(closure, model.params(), model.grads(), lr);
    if (!std::isfinite(batch_data_loss))
      throw NumericalError("training loss is not finite at epoch " + std::to_string(epoch + 1) + ", batch " +
                           std::to_string(batch + 1));
    if (!model.params().allFinite())
      throw NumericalError("parameters diverged (NaN or inf) at epoch " + std::to_string(epoch + 1) + ", batch " +
                           std::to_string(batch + 1));
    epoch_loss += batch_data_loss * static_cast<double>(m);
    seen += m;
  }
  return epoch_loss / static_cast<double>(std::max<std::size_t>(seen, 1));
}

double TrialRun::validate_epoch(Model<float>& model, const Prepared& val_set, int epoch, double train_loss,
                                int threads, TrialOutcome& out) const {
  infer_into(model, val_set.x, threads, zv_, chunk_);
  const MatF& zv = zv_;
  const bool have_val = val_set.x.rows() > 0;
  const double val_loss = have_val ? evaluate_loss(zv, val_set) : std::numeric_limits<double>::quiet_NaN();
  const double val_metric = have_val ? metric(zv, val_set) : std::numeric_limits<double>::quiet_NaN();
  out.history.epoch.push_back(epoch + 1);
  out.history.train_loss.push_back(train_loss);
  out.history.val_loss.push_back(val_loss);
  out.history.val_metric.push_back(val_metric);
  if (!std::isfinite(train_loss) || (have_val && !std::isfinite(val_loss)))
    throw NumericalError("loss is not finite after epoch " + std::to_string(epoch + 1));
  return monitor_metric_ ? val_metric : val_loss;
}

void TrialRun::evaluate(Model<float>& model, TrialOutcome& out) const {
  const int threads = resolve_threads(cfg_.threads);
  const Prepared test = prepare(data_.test);
  const MatF zt = infer(model, test.x, threads);
  fill_test_metrics(zt, test, out);
  out.test_index = data_.test.index;
  {
    const Prepared val = prepare(data_.val);
    fill_val_metrics(infer(model, val.x, threads), val, out);
  }
  out.metrics["best_epoch"] = best_epoch_;
  // FLOPs per event (docs/analysis.md, "Cost axes"); training: forward + backward (3x the
  // forward) for every row the optimiser evaluated, per training event.
  const double fwd = static_cast<double>(count_forward_flops(cfg_.model, static_cast<int>(data_.train.n_features()), n_out_));
  out.metrics["infer_flops"] = fwd;
  out.metrics["train_flops"] =
      3.0 * fwd * static_cast<double>(evaluated_rows_) / static_cast<double>(std::max<std::size_t>(data_.train.size(), 1));

  ModelState& ms = out.model;
  ms.task = cfg_.task;
  ms.output = output_;
  ms.input_mean = xs_.mean;
  ms.input_std = xs_.std;
  if (data_.train.feature_names.size() == data_.train.n_features()) ms.feature_names = data_.train.feature_names;
  if (cfg_.task == Task::regression) {
    ms.target_mean = ys_.mean;
    ms.target_std = ys_.std;
    if (data_.train.target_names.size() == data_.train.n_targets()) ms.target_names = data_.train.target_names;
  }
  ms.layers = model.export_layers();
  out.ok = true;
}

}  // namespace

TrialOutcome run_trial(const TrialConfig& cfg, const DataSplit& data, const std::atomic<bool>* cancel) {
  TrialOutcome out;
  out.test_index = data.test.index;
  try {
    TrialRun run(cfg, data, cancel);
    run.run(out);
  } catch (const NumericalError& e) {
    out.ok = false;
    out.error = std::string("diverged: ") + e.what();
  } catch (const std::bad_alloc&) {
    out.ok = false;
    out.error = "out of memory (std::bad_alloc)";
  } catch (const std::exception& e) {
    out.ok = false;
    out.error = e.what();
  } catch (...) {
    out.ok = false;
    out.error = "unknown error";
  }
  if (!out.ok && out.error.empty()) out.error = "failed";
  return out;
}

RowMatrixXf predict(const ModelState& state, const RowMatrixXf& features, int threads) {
  if (state.input_mean.size() != state.input_std.size())
    throw InputError("model: input_mean and input_std differ in length");
  if (static_cast<std::size_t>(features.cols()) != state.input_mean.size())
    throw InputError("predict: data has " + std::to_string(features.cols()) + " features, the model expects " +
                     std::to_string(state.input_mean.size()));
  for (double s : state.input_std)
    if (!(s > 0) || !std::isfinite(s)) throw InputError("model: input_std must be positive and finite");
  auto model = Model<float>::from_layers(state.layers);
  if (model->n_in() != static_cast<int>(state.input_mean.size()))
    throw InputError("model: layer_0 takes " + std::to_string(model->n_in()) + " inputs but input_mean has " +
                     std::to_string(state.input_mean.size()));
  if (!state.target_mean.empty() &&
      (state.target_mean.size() != static_cast<std::size_t>(model->n_out()) || state.target_std.size() != state.target_mean.size()))
    throw InputError("model: target_mean/target_std must have one entry per output");
  const MatF x = apply_standardizer(features, state.input_mean, state.input_std);
  MatF z = infer(*model, x, std::max(1, threads));
  transform_outputs(z, state.output, state.target_mean, state.target_std);
  return z;
}

}  // namespace kanscan::models
