#include "models/trial_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <new>
#include <numeric>
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

// Raw outputs of the model on x, in chunks.
MatF infer(Model<float>& model, const MatF& x, int threads) {
  MatF out(x.rows(), model.n_out());
  MatF chunk;
  for (Eigen::Index r = 0; r < x.rows(); r += kEvalChunk) {
    const Eigen::Index n = std::min(kEvalChunk, x.rows() - r);
    chunk = x.middleRows(r, n);
    out.middleRows(r, n) = model.forward(chunk, false, threads);
  }
  return out;
}

struct Prepared {
  MatF x, y;              // standardised features; targets (0/1, one-hot or standardised)
  std::vector<float> w;   // normalised event weights (empty = unit)
  std::vector<int> labels;
  std::vector<float> raw_w;  // original weights for metrics (empty = unit)
};

class TrialRun {
 public:
  TrialRun(const TrialConfig& cfg, const DataSplit& data, const std::atomic<bool>* cancel)
      : cfg_(cfg), data_(data), cancel_(cancel) {}

  void run(TrialOutcome& out);

 private:
  bool cancelled() const { return cancel_ && cancel_->load(); }
  Prepared prepare(const Dataset& d) const;
  double evaluate_loss(const MatF& z, const Prepared& p) const {
    return loss_and_grad<float>(loss_, z, p.y, p.w.empty() ? nullptr : p.w.data(), nullptr);
  }
  // Validation metric of raw outputs z on p (val_auc / val_accuracy / val_mae).
  double metric(const MatF& z, const Prepared& p) const;
  void fill_test_metrics(const MatF& z, const Prepared& p, TrialOutcome& out) const;

  const TrialConfig& cfg_;
  const DataSplit& data_;
  const std::atomic<bool>* cancel_;
  LossSpec loss_;
  int n_out_ = 1;
  int n_classes_ = 0;
  Standardizer xs_, ys_;
  double weight_scale_ = 1.0;
  OutputKind output_ = OutputKind::sigmoid;
  std::string metric_name_;
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
  MatF pr = z;
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

void TrialRun::fill_test_metrics(const MatF& z, const Prepared& p, TrialOutcome& out) const {
  out.metrics["test_loss"] = evaluate_loss(z, p);
  MatF pred = z;
  if (cfg_.task == Task::regression) {
    const std::size_t t = static_cast<std::size_t>(n_out_);
    const std::size_t n = static_cast<std::size_t>(z.rows());
    std::span<const float> zs(z.data(), n * t), ys(p.y.data(), n * t);
    const auto mae = metrics::mae_per_column(zs, ys, t);
    double mean_mae = 0, se = 0;
    for (std::size_t i = 0; i < n * t; ++i) se += std::pow(static_cast<double>(zs[i] - ys[i]), 2);
    for (std::size_t j = 0; j < t; ++j) {
      std::string name = std::to_string(j);
      if (j < data_.train.target_names.size() && !data_.train.target_names[j].empty())
        name = data_.train.target_names[j];
      else
        name.insert(0, 1, 't');
      out.metrics["test_mae_" + name] = mae[j];
      out.metrics["test_mae_gev_" + name] = mae[j] * ys_.std[j];
      mean_mae += mae[j] / static_cast<double>(t);
    }
    out.metrics["test_mae"] = mean_mae;
    out.metrics["test_rmse"] = n ? std::sqrt(se / static_cast<double>(n * t)) : std::numeric_limits<double>::quiet_NaN();
    transform_outputs(pred, OutputKind::identity, ys_.mean, ys_.std);
  } else {
    transform_outputs(pred, output_, {}, {});
    const std::size_t n = static_cast<std::size_t>(pred.rows());
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
      // Macro-averaged one-vs-rest AUC over the classes present with both outcomes.
      double sum = 0;
      int used = 0;
      std::vector<float> col(n);
      std::vector<int> lab(n);
      for (int c = 0; c < n_out_; ++c) {
        for (std::size_t i = 0; i < n; ++i) {
          col[i] = pred(static_cast<Eigen::Index>(i), c);
          lab[i] = p.labels[i] == c;
        }
        try {
          sum += metrics::auc(col, lab, p.raw_w);
          ++used;
        } catch (const InputError&) {
        }
      }
      out.metrics["test_auc"] = used ? sum / used : std::numeric_limits<double>::quiet_NaN();
    }
  }
  out.test_predictions = pred;
}

void TrialRun::run(TrialOutcome& out) {
  const ModelConfig& mc = cfg_.model;
  const TrainConfig& tc = cfg_.train;
  loss_ = LossSpec{tc.loss, tc.huber_delta};
  if (tc.epochs < 0) throw InputError("train.epochs must be >= 0");
  if (tc.batch_size < 1) throw InputError("train.batch_size must be >= 1");
  const Dataset& tr = data_.train;
  if (tr.size() == 0) throw InputError("training set is empty");
  const int n_in = static_cast<int>(tr.n_features());
  if (cfg_.task == Task::classification) {
    int max_label = 0;
    for (auto l : tr.labels) max_label = std::max(max_label, static_cast<int>(l));
    n_classes_ = std::max({tr.n_classes, max_label + 1, 2});
    if (loss_.kind == Loss::bce && n_classes_ > 2)
      throw InputError("loss bce needs two classes; the data has " + std::to_string(n_classes_) + " (use cross_entropy)");
    n_out_ = (loss_.kind == Loss::cross_entropy || n_classes_ > 2) ? n_classes_ : 1;
    metric_name_ = n_out_ == 1 ? "val_auc" : "val_accuracy";
  } else {
    if (loss_.kind == Loss::bce || loss_.kind == Loss::cross_entropy)
      throw InputError("regression needs loss mse, mae or huber, not " + to_string(tc.loss));
    n_out_ = static_cast<int>(tr.n_targets());
    if (n_out_ < 1) throw InputError("regression data has no targets");
    ys_ = fit_standardizer(tr.targets);
    metric_name_ = "val_mae";
  }
  output_ = output_for(cfg_.task, loss_.kind);
  out.history.val_metric_name = metric_name_;
  bool maximize = false;
  bool monitor_metric = false;
  if (tc.monitor == Monitor::val_loss) {
  } else if (to_string(tc.monitor) == metric_name_) {
    monitor_metric = true;
    maximize = metric_name_ != "val_mae";
  } else {
    throw InputError("train.early_stopping.monitor: expected val_loss or " + metric_name_ + " for this task, got '" +
                     to_string(tc.monitor) + "'");
  }

  xs_ = fit_standardizer(tr.features);
  if (cfg_.train.use_weights && !tr.weights.empty()) {
    double s = 0, sa = 0;
    for (float w : tr.weights) s += w, sa += std::abs(w);
    weight_scale_ = s > 0 ? s / tr.size() : (sa > 0 ? sa / tr.size() : 1.0);
  }
  const Prepared train = prepare(tr);
  const Prepared val = prepare(data_.val);

  auto model = Model<float>::build(mc, n_in, n_out_);
  {
    Rng init_rng(stream_seed(cfg_.seed, kInit));
    model->init(init_rng);
  }
  Rng shuffle_rng(stream_seed(cfg_.seed, kShuffle));
  Rng dropout_rng(stream_seed(cfg_.seed, kDropout));
  const int threads = resolve_threads(cfg_.threads);  // 0 = all; results do not depend on it
  auto opt = make_optimizer<float>(mc.optimizer, model->n_params(), cancel_);

  // Grid-update sample: a fixed random subset of the training inputs.
  MatF grid_sample;
  if (model->has_kan() && (mc.grid_update_every > 0)) {
    std::vector<std::size_t> idx(tr.size());
    std::iota(idx.begin(), idx.end(), 0);
    Rng g(stream_seed(cfg_.seed, kGridSample));
    shuffle(idx.begin(), idx.end(), g);
    const std::size_t m = std::min<std::size_t>(tr.size(), 4096);
    grid_sample.resize(static_cast<Eigen::Index>(m), n_in);
    for (std::size_t i = 0; i < m; ++i) grid_sample.row(static_cast<Eigen::Index>(i)) = train.x.row(static_cast<Eigen::Index>(idx[i]));
  }

  const auto t_start = std::chrono::steady_clock::now();
  const std::size_t n = tr.size();
  const std::size_t bs = std::min<std::size_t>(static_cast<std::size_t>(tc.batch_size), n);
  std::vector<std::size_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  MatF xb, yb;
  std::vector<float> wb;
  double batch_data_loss = 0.0;
  bool first_eval = true;
  const float l2 = static_cast<float>(mc.weight_decay);

  Vec<float> best_params;
  double best_value = std::numeric_limits<double>::quiet_NaN();
  int best_epoch = -1, since_best = 0;
  int epochs_run = 0;
  bool extend_pending = model->has_kan() && mc.grid_extend_to > 0 && mc.grid_extend_to != mc.grid_size;
  for (int epoch = 0; epoch < tc.epochs; ++epoch) {
    if (cancelled()) {
      out.cancelled = true;
      out.error = "cancelled";
      return;
    }
    if (extend_pending && epoch >= mc.grid_extend_epoch) {
      model->extend_grids(mc.grid_extend_to);
      extend_pending = false;
      opt = make_optimizer<float>(mc.optimizer, model->n_params(), cancel_);
      // The parameter vector changed shape: earlier best weights cannot be restored.
      best_params.resize(0);
      best_epoch = -1;
      best_value = std::numeric_limits<double>::quiet_NaN();
      since_best = 0;
    }
    if (grid_sample.rows() > 0 && epoch % mc.grid_update_every == 0) model->update_grids(grid_sample, mc.grid_eps, threads);

    const double lr = scheduled_lr(mc.optimizer, epoch, tc.epochs);
    shuffle(perm.begin(), perm.end(), shuffle_rng);
    double epoch_loss = 0.0;
    std::size_t seen = 0;
    for (std::size_t start = 0, batch = 0; start < n; start += bs, ++batch) {
      if (cancelled()) {
        out.cancelled = true;
        out.error = "cancelled";
        return;
      }
      const std::size_t m = std::min(bs, n - start);
      xb.resize(static_cast<Eigen::Index>(m), n_in);
      yb.resize(static_cast<Eigen::Index>(m), n_out_);
      wb.resize(train.w.empty() ? 0 : m);
      for (std::size_t i = 0; i < m; ++i) {
        const auto src = static_cast<Eigen::Index>(perm[start + i]);
        xb.row(static_cast<Eigen::Index>(i)) = train.x.row(src);
        yb.row(static_cast<Eigen::Index>(i)) = train.y.row(src);
        if (!wb.empty()) wb[i] = train.w[static_cast<std::size_t>(src)];
      }
      MatF dz;
      first_eval = true;
      // One dropout mask per batch: every evaluation of an LBFGS step sees the same objective.
      const std::uint64_t mask_seed = dropout_rng.next();
      auto closure = [&]() -> double {
        Rng mask_rng(mask_seed);
        const MatF& z = model->forward(xb, true, threads, &mask_rng);
        const double data_loss = loss_and_grad<float>(loss_, z, yb, wb.empty() ? nullptr : wb.data(), &dz, threads);
        if (first_eval) {
          batch_data_loss = data_loss;
          first_eval = false;
        }
        model->backward(dz, threads);
        double obj = data_loss;
        if (l2 > 0.0f) {
          obj += 0.5 * static_cast<double>(l2) * static_cast<double>(model->params().squaredNorm());
          model->grads() += l2 * model->params();
        }
        return obj;
      };
      opt->step(closure, model->params(), model->grads(), lr);
      if (!std::isfinite(batch_data_loss))
        throw NumericalError("training loss is not finite at epoch " + std::to_string(epoch + 1) + ", batch " +
                             std::to_string(batch + 1));
      if (!model->params().allFinite())
        throw NumericalError("parameters diverged (NaN or inf) at epoch " + std::to_string(epoch + 1) + ", batch " +
                             std::to_string(batch + 1));
      epoch_loss += batch_data_loss * static_cast<double>(m);
      seen += m;
    }
    epochs_run = epoch + 1;
    const MatF zv = infer(*model, val.x, threads);
    const double val_loss = val.x.rows() ? evaluate_loss(zv, val) : std::numeric_limits<double>::quiet_NaN();
    const double val_metric = val.x.rows() ? metric(zv, val) : std::numeric_limits<double>::quiet_NaN();
    const double train_loss = epoch_loss / static_cast<double>(std::max<std::size_t>(seen, 1));
    out.history.epoch.push_back(epoch + 1);
    out.history.train_loss.push_back(train_loss);
    out.history.val_loss.push_back(val_loss);
    out.history.val_metric.push_back(val_metric);
    if (!std::isfinite(train_loss) || (val.x.rows() && !std::isfinite(val_loss)))
      throw NumericalError("loss is not finite after epoch " + std::to_string(epoch + 1));

    const double v = monitor_metric ? val_metric : val_loss;
    bool improved = false;
    if (std::isfinite(v)) {
      if (best_epoch < 0 || !std::isfinite(best_value)) improved = true;
      else improved = maximize ? v > best_value + tc.min_delta : v < best_value - tc.min_delta;
    }
    if (improved) {
      best_value = v;
      best_epoch = epoch;
      best_params = model->params();
      since_best = 0;
    } else {
      ++since_best;
    }
    if (tc.patience > 0 && val.x.rows() > 0 && since_best >= tc.patience) break;
  }
  if (tc.patience > 0 && best_params.size() == model->params().size()) model->params() = best_params;
  // Training ended before the configured extension: refine now, so that the trained model always
  // has the configured final grid (and count_parameters' size); the refit preserves the function.
  if (extend_pending) model->extend_grids(mc.grid_extend_to);
  out.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  out.epochs_run = epochs_run;
  out.n_params = static_cast<std::int64_t>(model->n_params());

  const Prepared test = prepare(data_.test);
  const MatF zt = infer(*model, test.x, threads);
  fill_test_metrics(zt, test, out);
  out.test_index = data_.test.index;

  ModelState& ms = out.model;
  ms.task = cfg_.task == Task::classification ? "classification" : "regression";
  ms.output = to_string(output_);
  ms.input_mean = xs_.mean;
  ms.input_std = xs_.std;
  if (cfg_.task == Task::regression) {
    ms.target_mean = ys_.mean;
    ms.target_std = ys_.std;
  }
  ms.layers = model->export_layers();
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
  OutputKind output = state.task == "regression" ? OutputKind::identity
                      : model->n_out() == 1        ? OutputKind::sigmoid
                                                   : OutputKind::softmax;
  if (!state.output.empty()) {
    const auto named = parse_name<OutputKind>(state.output);
    if (!named) throw InputError("model output: expected sigmoid, softmax, clip or identity; got '" + state.output + "'");
    output = *named;
  }
  transform_outputs(z, output, state.target_mean, state.target_std);
  return z;
}

}  // namespace kanscan::models
