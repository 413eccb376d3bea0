#include "models/optimizer.hpp"

#include <cmath>
#include <deque>
#include <stdexcept>
#include <string>

#include "framework/error.hpp"

namespace kanscan::models {
namespace {

using VecD = Eigen::VectorXd;

template <typename T>
class Sgd final : public Optimizer<T> {
 public:
  Sgd(const OptimizerConfig& c, std::size_t n) : c_(c), v_(Vec<T>::Zero(static_cast<Eigen::Index>(n))) {}
  double step(const typename Optimizer<T>::Closure& f, Vec<T>& p, Vec<T>& g, double lr) override {
    const double loss = f();
    const T mu = static_cast<T>(c_.momentum), wd = static_cast<T>(c_.weight_decay), a = static_cast<T>(lr);
    for (Eigen::Index i = 0; i < p.size(); ++i) {
      const T gi = g[i] + wd * p[i];
      v_[i] = first_ ? gi : mu * v_[i] + gi;
      const T d = c_.nesterov ? gi + mu * v_[i] : v_[i];
      p[i] -= a * d;
    }
    first_ = false;
    return loss;
  }

 private:
  OptimizerConfig c_;
  Vec<T> v_;
  bool first_ = true;
};

template <typename T>
class Adam final : public Optimizer<T> {
 public:
  Adam(const OptimizerConfig& c, std::size_t n, bool decoupled)
      : c_(c), decoupled_(decoupled), m_(Vec<T>::Zero(static_cast<Eigen::Index>(n))), v_(m_) {}
  double step(const typename Optimizer<T>::Closure& f, Vec<T>& p, Vec<T>& g, double lr) override {
    const double loss = f();
    ++t_;
    const double bc1 = 1.0 - std::pow(c_.beta1, static_cast<double>(t_));
    const double bc2 = 1.0 - std::pow(c_.beta2, static_cast<double>(t_));
    const T b1 = static_cast<T>(c_.beta1), b2 = static_cast<T>(c_.beta2);
    const T step_size = static_cast<T>(lr / bc1), inv_sqrt_bc2 = static_cast<T>(1.0 / std::sqrt(bc2));
    const T eps = static_cast<T>(c_.eps), wd = static_cast<T>(c_.weight_decay);
    const T decay = static_cast<T>(1.0 - lr * c_.weight_decay);
    for (Eigen::Index i = 0; i < p.size(); ++i) {
      T gi = g[i];
      if (decoupled_) p[i] *= decay;
      else gi += wd * p[i];
      m_[i] = b1 * m_[i] + (T(1) - b1) * gi;
      v_[i] = b2 * v_[i] + (T(1) - b2) * gi * gi;
      p[i] -= step_size * m_[i] / (std::sqrt(v_[i]) * inv_sqrt_bc2 + eps);
    }
    return loss;
  }

 private:
  OptimizerConfig c_;
  bool decoupled_;
  Vec<T> m_, v_;
  long t_ = 0;
};

// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed.: two-loop recursion
// Alg. 7.4, strong-Wolfe line search Alg. 3.5 with zoom Alg. 3.6 and cubic interpolation).
// Vectors are kept in double whatever the model's scalar.
template <typename T>
class Lbfgs final : public Optimizer<T> {
 public:
  Lbfgs(const OptimizerConfig& c, const std::atomic<bool>* cancel) : c_(c), cancel_(cancel) {}

  double step(const typename Optimizer<T>::Closure& f, Vec<T>& p, Vec<T>& g, double lr) override {
    f_ = &f;
    p_ = &p;
    g_ = &g;
    VecD x = p.template cast<double>();
    double fx = f();
    VecD gx = g.template cast<double>();
    const double loss0 = fx;
    if (!std::isfinite(fx) || gx.cwiseAbs().maxCoeff() <= kTolGrad) return loss0;
    for (int it = 0; it < c_.max_iter; ++it) {
      if (cancel_ && cancel_->load()) break;
      VecD d = direction(gx);
      double gtd = gx.dot(d);
      if (!(gtd < 0)) {  // not a descent direction: forget the curvature pairs
        s_.clear();
        y_.clear();
        d = -gx;
        gtd = gx.dot(d);
      }
      const double t0 = first_ ? std::min(1.0, 1.0 / gx.cwiseAbs().sum()) * lr : lr;
      first_ = false;
      double fn;
      VecD gn;
      const double t = line_search(x, fx, gx, d, gtd, t0, fn, gn);
      if (t <= 0.0) break;  // no decrease found; parameters are back at x
      const VecD s = t * d;
      const VecD y = gn - gx;
      const double ys = y.dot(s);
      if (ys > 1e-10) {
        if (static_cast<int>(s_.size()) == c_.history) {
          s_.pop_front();
          y_.pop_front();
        }
        s_.push_back(s);
        y_.push_back(y);
      }
      x += s;
      const double df = fx - fn;
      fx = fn;
      gx = gn;
      if (!std::isfinite(fx)) break;
      if (gx.cwiseAbs().maxCoeff() <= kTolGrad) break;
      if (s.cwiseAbs().maxCoeff() <= kTolChange || std::abs(df) < kTolChange) break;
    }
    return loss0;
  }

 private:
  static constexpr double kTolGrad = 1e-10, kTolChange = 1e-12, kC1 = 1e-4, kC2 = 0.9;
  static constexpr int kMaxLineEvals = 25;

  VecD direction(const VecD& g) const {
    VecD q = -g;
    const std::size_t m = s_.size();
    std::vector<double> alpha(m), rho(m);
    for (std::size_t i = m; i-- > 0;) {
      rho[i] = 1.0 / y_[i].dot(s_[i]);
      alpha[i] = rho[i] * s_[i].dot(q);
      q -= alpha[i] * y_[i];
    }
    if (m > 0) q *= s_.back().dot(y_.back()) / y_.back().squaredNorm();
    for (std::size_t i = 0; i < m; ++i) {
      const double beta = rho[i] * y_[i].dot(q);
      q += (alpha[i] - beta) * s_[i];
    }
    return q;
  }

  // phi(a) = f(x + a d); sets the model's parameters and returns value and gradient.
  double eval(const VecD& x, const VecD& d, double a, VecD& g) {
    *p_ = (x + a * d).template cast<T>();
    const double v = (*f_)();
    g = g_->template cast<double>();
    return v;
  }

  static double cubic_min(double a, double fa, double ga, double b, double fb, double gb, double lo, double hi) {
    const double d1 = ga + gb - 3.0 * (fa - fb) / (a - b);
    const double disc = d1 * d1 - ga * gb;
    if (disc >= 0.0) {
      const double d2 = std::sqrt(disc) * (b > a ? 1.0 : -1.0);
      const double m = b - (b - a) * (gb + d2 - d1) / (gb - ga + 2.0 * d2);
      if (std::isfinite(m)) return std::clamp(m, lo, hi);
    }
    return 0.5 * (lo + hi);
  }

  // Returns the accepted step (0 if none decreased f) and leaves the parameters at x + t d with
  // value fn and gradient gn.
  double line_search(const VecD& x, double f0, const VecD& g0, const VecD& d, double gtd0, double t, double& fn,
                     VecD& gn) {
    double best_t = 0.0, best_f = f0;
    VecD best_g = g0;
    auto remember = [&](double a, double fa, const VecD& ga) {
      if (fa < best_f) {
        best_t = a;
        best_f = fa;
        best_g = ga;
      }
    };
    double a_prev = 0.0, f_prev = f0, gtd_prev = gtd0;
    int evals = 0;
    double lo = 0, f_lo = 0, gtd_lo = 0, hi = 0, f_hi = 0, gtd_hi = 0;
    bool bracket = false, done = false;
    VecD ga;
    while (evals < kMaxLineEvals) {
      const double fa = eval(x, d, t, ga);
      ++evals;
      const double gtd = ga.dot(d);
      if (!std::isfinite(fa)) {  // step too long: shrink
        t = 0.5 * (a_prev + t);
        continue;
      }
      remember(t, fa, ga);
      if (fa > f0 + kC1 * t * gtd0 || (evals > 1 && fa >= f_prev)) {
        lo = a_prev, f_lo = f_prev, gtd_lo = gtd_prev, hi = t, f_hi = fa, gtd_hi = gtd;
        bracket = true;
        break;
      }
      if (std::abs(gtd) <= -kC2 * gtd0) {
        done = true;
        break;
      }
      if (gtd >= 0) {
        lo = t, f_lo = fa, gtd_lo = gtd, hi = a_prev, f_hi = f_prev, gtd_hi = gtd_prev;
        bracket = true;
        break;
      }
      const double next = cubic_min(a_prev, f_prev, gtd_prev, t, fa, gtd, t + 0.01 * (t - a_prev), 10.0 * t);
      a_prev = t, f_prev = fa, gtd_prev = gtd;
      t = next;
    }
    // Zoom: keep lo as the point with the lowest value satisfying sufficient decrease.
    while (bracket && !done && evals < kMaxLineEvals) {
      const double width = std::abs(hi - lo);
      if (width * d.cwiseAbs().maxCoeff() < kTolChange) break;
      const double a_min = std::min(lo, hi) + 0.1 * width, a_max = std::max(lo, hi) - 0.1 * width;
      t = cubic_min(lo, f_lo, gtd_lo, hi, f_hi, gtd_hi, a_min, a_max);
      const double fa = eval(x, d, t, ga);
      ++evals;
      const double gtd = ga.dot(d);
      if (!std::isfinite(fa)) {
        hi = t, f_hi = INFINITY, gtd_hi = 0;
        continue;
      }
      remember(t, fa, ga);
      if (fa > f0 + kC1 * t * gtd0 || fa >= f_lo) {
        hi = t, f_hi = fa, gtd_hi = gtd;
      } else {
        if (std::abs(gtd) <= -kC2 * gtd0) {
          done = true;
          break;
        }
        if (gtd * (hi - lo) >= 0) hi = lo, f_hi = f_lo, gtd_hi = gtd_lo;
        lo = t, f_lo = fa, gtd_lo = gtd;
      }
    }
    if (done && best_t == t) {
      fn = best_f;
      gn = best_g;
      return t;  // parameters already at x + t d
    }
    fn = best_f;
    gn = best_g;
    if (best_t > 0.0) {
      *p_ = (x + best_t * d).template cast<T>();
      // Re-evaluate so that the model's buffers correspond to the accepted point.
      fn = (*f_)();
      gn = g_->template cast<double>();
    } else {
      *p_ = x.template cast<T>();
    }
    return best_t;
  }

  OptimizerConfig c_;
  const std::atomic<bool>* cancel_;
  std::deque<VecD> s_, y_;
  bool first_ = true;
  const typename Optimizer<T>::Closure* f_ = nullptr;
  Vec<T>* p_ = nullptr;
  Vec<T>* g_ = nullptr;
};

}  // namespace

template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerConfig& c, std::size_t n, const std::atomic<bool>* cancel) {
  if (!(c.lr > 0) || !std::isfinite(c.lr)) throw InputError("optimizer.lr must be > 0, got " + std::to_string(c.lr));
  switch (c.name) {
    case OptimizerKind::sgd: return std::make_unique<Sgd<T>>(c, n);
    case OptimizerKind::adam: return std::make_unique<Adam<T>>(c, n, false);
    case OptimizerKind::adamw: return std::make_unique<Adam<T>>(c, n, true);
    case OptimizerKind::lbfgs:
      if (c.history < 1 || c.max_iter < 1) throw InputError("optimizer lbfgs: history and max_iter must be >= 1");
      return std::make_unique<Lbfgs<T>>(c, cancel);
  }
  throw std::logic_error("make_optimizer: unhandled optimizer");
}

double scheduled_lr(const OptimizerConfig& c, int epoch, int epochs) {
  switch (c.schedule) {
    case Schedule::constant: return c.lr;
    case Schedule::cosine: {
      const double frac = epochs > 1 ? static_cast<double>(epoch) / epochs : 0.0;
      return c.min_lr + 0.5 * (c.lr - c.min_lr) * (1.0 + std::cos(M_PI * frac));
    }
    case Schedule::step: {
      const int every = std::max(1, c.step_size);
      return c.lr * std::pow(c.gamma, epoch / every);
    }
  }
  throw std::logic_error("scheduled_lr: unhandled schedule");
}

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const OptimizerConfig&, std::size_t,
                                                                 const std::atomic<bool>*);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const OptimizerConfig&, std::size_t,
                                                                   const std::atomic<bool>*);

}  // namespace kanscan::models
