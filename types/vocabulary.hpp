#pragma once
// The vocabulary of a trial, declared once: every enumerated setting with the name users write
// in YAML and read in results files. The key table (io/config_keys.cpp) takes its choices from
// these lists, io/ turns names into enums when it reads YAML or a model file and back when it
// writes one, and models/ only ever sees the enums.
//
// Adding a value: one line in its list below, plus its properties in the switch functions at
// the end (the compiler names every switch that misses it), plus its implementation (e.g. the
// loss in models/loss.cpp). docs/building.md lists the files a new loss touches.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kanscan {

// X(enumerator, "name") lists; the first name of an enumerator is its canonical name.
#define KANSCAN_TASKS(X) X(classification, "classification") X(regression, "regression")
#define KANSCAN_MODEL_TYPES(X) X(kan, "kan") X(mlp, "mlp")
#define KANSCAN_LOSSES(X) X(bce, "bce") X(cross_entropy, "cross_entropy") X(mse, "mse") X(mae, "mae") X(huber, "huber")
#define KANSCAN_ACTIVATIONS(X)                                                                          \
  X(relu, "relu") X(leaky_relu, "leaky_relu") X(silu, "silu") X(tanh, "tanh") X(sigmoid, "sigmoid") \
      X(identity, "identity")
#define KANSCAN_OPTIMIZERS(X) X(adam, "adam") X(adamw, "adamw") X(sgd, "sgd") X(lbfgs, "lbfgs")
#define KANSCAN_SCHEDULES(X) X(constant, "constant") X(cosine, "cosine") X(step, "step")
#define KANSCAN_MONITORS(X) X(val_loss, "val_loss") X(val_auc, "val_auc") X(val_accuracy, "val_accuracy") X(val_mae, "val_mae")
// KAN edge-function bases (docs/models.md, "KAN bases"): efficient-kan's B-splines, FastKAN's
// Gaussian radial basis functions, ChebyKAN's Chebyshev polynomials, FourierKAN's sines and
// cosines, KAT's group-rational functions.
#define KANSCAN_BASES(X) \
  X(bspline, "bspline") X(rbf, "rbf") X(chebyshev, "chebyshev") X(fourier, "fourier") X(rational, "rational")
// How a Chebyshev layer maps its inputs into [-1, 1]: tanh (ChebyKAN) or clamping.
#define KANSCAN_SQUASHES(X) X(tanh, "tanh") X(clamp, "clamp")
// The SiLU base branch of a KAN layer other than a B-spline one: as the basis's reference
// implementation has it (auto: FastKAN yes, ChebyKAN, FourierKAN and KAT no), or set.
#define KANSCAN_BASE_BRANCHES(X) X(auto_, "auto") X(silu, "silu") X(none, "none")
#define KANSCAN_INITS(X) X(efficient_kan, "efficient_kan")
// How a model's raw outputs become predictions (model/ attribute `output`).
#define KANSCAN_OUTPUTS(X) X(sigmoid, "sigmoid") X(softmax, "softmax") X(clip, "clip") X(identity, "identity")
// model/layer_<l> attribute `kind`.
#define KANSCAN_LAYER_KINDS(X) X(kan, "kan") X(linear, "linear")

#define KANSCAN_ENUMERATOR(e, name) e,
enum class Task { KANSCAN_TASKS(KANSCAN_ENUMERATOR) };
enum class ModelType { KANSCAN_MODEL_TYPES(KANSCAN_ENUMERATOR) };
enum class Loss { KANSCAN_LOSSES(KANSCAN_ENUMERATOR) };
enum class Activation { KANSCAN_ACTIVATIONS(KANSCAN_ENUMERATOR) };
enum class OptimizerKind { KANSCAN_OPTIMIZERS(KANSCAN_ENUMERATOR) };
enum class Schedule { KANSCAN_SCHEDULES(KANSCAN_ENUMERATOR) };
enum class Monitor { KANSCAN_MONITORS(KANSCAN_ENUMERATOR) };
enum class Basis { KANSCAN_BASES(KANSCAN_ENUMERATOR) };
enum class Squash { KANSCAN_SQUASHES(KANSCAN_ENUMERATOR) };
enum class BaseBranch { KANSCAN_BASE_BRANCHES(KANSCAN_ENUMERATOR) };
enum class InitScheme { KANSCAN_INITS(KANSCAN_ENUMERATOR) };
enum class OutputKind { KANSCAN_OUTPUTS(KANSCAN_ENUMERATOR) };
enum class LayerKind { KANSCAN_LAYER_KINDS(KANSCAN_ENUMERATOR) };
#undef KANSCAN_ENUMERATOR

template <typename E>
struct NamedValue {
  E value;
  std::string_view name;
};

// Vocabulary<E>::entries: every value with its name, canonical names first, in declaration
// order; Vocabulary<E>::what names the setting in messages.
template <typename E>
struct Vocabulary;

#define KANSCAN_ENTRY(e, name) NamedValue<Enum>{Enum::e, name},
#define KANSCAN_VOCABULARY(E, LIST, WHAT)                          \
  template <>                                                      \
  struct Vocabulary<E> {                                           \
    using Enum = E;                                                \
    static constexpr std::string_view what = WHAT;                 \
    static constexpr std::array entries{LIST(KANSCAN_ENTRY)};      \
  };
KANSCAN_VOCABULARY(Task, KANSCAN_TASKS, "task")
KANSCAN_VOCABULARY(ModelType, KANSCAN_MODEL_TYPES, "model type")
KANSCAN_VOCABULARY(Loss, KANSCAN_LOSSES, "loss")
KANSCAN_VOCABULARY(Activation, KANSCAN_ACTIVATIONS, "activation")
KANSCAN_VOCABULARY(OptimizerKind, KANSCAN_OPTIMIZERS, "optimizer")
KANSCAN_VOCABULARY(Schedule, KANSCAN_SCHEDULES, "learning-rate schedule")
KANSCAN_VOCABULARY(Monitor, KANSCAN_MONITORS, "early-stopping monitor")
KANSCAN_VOCABULARY(Basis, KANSCAN_BASES, "KAN basis")
KANSCAN_VOCABULARY(Squash, KANSCAN_SQUASHES, "Chebyshev input squashing")
KANSCAN_VOCABULARY(BaseBranch, KANSCAN_BASE_BRANCHES, "KAN base branch")
KANSCAN_VOCABULARY(InitScheme, KANSCAN_INITS, "KAN initialisation")
KANSCAN_VOCABULARY(OutputKind, KANSCAN_OUTPUTS, "model output")
KANSCAN_VOCABULARY(LayerKind, KANSCAN_LAYER_KINDS, "layer kind")
#undef KANSCAN_VOCABULARY
#undef KANSCAN_ENTRY

template <typename E>
constexpr std::string_view name_of(E value) {
  for (const auto& e : Vocabulary<E>::entries)
    if (e.value == value) return e.name;
  return "?";
}

template <typename E>
std::string to_string(E value) {
  return std::string(name_of(value));
}

// The value of a name, or nullopt. Exact match: names are case-sensitive as in YAML.
template <typename E>
constexpr std::optional<E> parse_name(std::string_view name) {
  for (const auto& e : Vocabulary<E>::entries)
    if (e.name == name) return e.value;
  return std::nullopt;
}

// Every name of E, in declaration order (the choices of its key).
template <typename E>
std::vector<std::string> names_of() {
  std::vector<std::string> out;
  for (const auto& e : Vocabulary<E>::entries) out.emplace_back(e.name);
  return out;
}

// ---- properties, one switch per question (a new value without an answer does not compile
// with -Werror=switch) ----

// Tasks a loss can train: bce and cross_entropy need labels; the regression losses also train
// classifiers on probabilities, as pyKAN studies do.
constexpr bool loss_serves(Loss loss, Task task) {
  switch (loss) {
    case Loss::bce:
    case Loss::cross_entropy: return task == Task::classification;
    case Loss::mse:
    case Loss::mae:
    case Loss::huber: return true;
  }
  return false;
}

// How a classifier trained with `loss` turns its raw outputs into probabilities. A regression
// loss on a classification task gives outputs that are clipped to [0, 1].
constexpr OutputKind classification_output(Loss loss) {
  switch (loss) {
    case Loss::bce: return OutputKind::sigmoid;
    case Loss::cross_entropy: return OutputKind::softmax;
    case Loss::mse:
    case Loss::mae:
    case Loss::huber: return OutputKind::clip;
  }
  return OutputKind::clip;
}

constexpr OutputKind output_for(Task task, Loss loss) {
  return task == Task::regression ? OutputKind::identity : classification_output(loss);
}

// Whether an activation's derivative is written in terms of its output (tanh: 1 - y^2,
// sigmoid: y (1 - y)): a dense layer then keeps its outputs for the backward pass.
constexpr bool activation_grad_from_output(Activation a) {
  switch (a) {
    case Activation::tanh:
    case Activation::sigmoid: return true;
    case Activation::relu:
    case Activation::leaky_relu:
    case Activation::silu:
    case Activation::identity: return false;
  }
  return false;
}

// Whether a KAN basis has knots that a grid update (grid_update_every) or extension
// (grid_extend_to) can move: only the B-splines. RBF centres could follow the data too, but
// FastKAN keeps them fixed and so does kanscan; Chebyshev, Fourier and rational bases have no grid.
constexpr bool basis_has_grid(Basis b) {
  switch (b) {
    case Basis::bspline: return true;
    case Basis::rbf:
    case Basis::chebyshev:
    case Basis::fourier:
    case Basis::rational: return false;
  }
  return false;
}

// Whether a layer of this basis has the SiLU base branch when base_branch is auto: as in its
// reference implementation (efficient-kan and FastKAN have one; ChebyKAN, FourierKAN and KAT's
// GR-KAN do not).
constexpr bool reference_base_branch(Basis b) {
  switch (b) {
    case Basis::bspline:
    case Basis::rbf: return true;
    case Basis::chebyshev:
    case Basis::fourier:
    case Basis::rational: return false;
  }
  return false;
}

// Tasks whose validation set has the monitored quantity.
constexpr bool monitor_serves(Monitor monitor, Task task) {
  switch (monitor) {
    case Monitor::val_loss: return true;
    case Monitor::val_auc:
    case Monitor::val_accuracy: return task == Task::classification;
    case Monitor::val_mae: return task == Task::regression;
  }
  return false;
}

}  // namespace kanscan
