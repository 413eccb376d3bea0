// The one declaration of every scan key: type, default, bounds, doc, and how it lands in the
// config structs. Parser, validation, /trials columns and docs/scan-format.md read this table.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "framework/parallel.hpp"
#include "io/config.hpp"
#include "io/generators/registry.hpp"

namespace kanscan::io {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

template <typename T>
using Ref = T& (*)(TrialConfig&);
using Pred = bool (*)(const TrialConfig&);

bool is_kan(const TrialConfig& c) { return c.model.type == ModelType::kan; }

// Restricts a KAN key to some bases: irrelevant for the others (so their trials do not carry it)
// and refused by the parser in a block none of whose bases uses it.
KeyDecl only_for(KeyDecl k, std::vector<Basis> bases) {
  k.bases = bases;
  auto rel = k.relevant;
  k.relevant = [rel, bases](const TrialConfig& t) {
    return std::find(bases.begin(), bases.end(), t.model.basis) != bases.end() && rel(t);
  };
  return k;
}

// A key added after the first release: left out of the canonical JSON at its default.
KeyDecl added(KeyDecl k) {
  k.omit_default = true;
  return k;
}
bool is_mlp(const TrialConfig& c) { return c.model.type == ModelType::mlp; }

struct Common {
  Section section;
  const char* path;
  Applies applies = Applies::any;
  bool axis = true;
  const char* column = "";
  const char* doc = "";
  Pred relevant = nullptr;
};

KeyDecl base(const Common& c, KeyType type) {
  KeyDecl k;
  k.section = c.section;
  k.path = c.path;
  k.type = type;
  k.applies = c.applies;
  k.axis = c.axis && (c.section == Section::model || c.section == Section::train);
  k.column = c.column;
  k.doc = c.doc;
  const Applies ap = c.applies;
  const Pred extra = c.relevant;
  k.relevant = [ap, extra](const TrialConfig& t) {
    if (ap == Applies::kan && !is_kan(t)) return false;
    if (ap == Applies::mlp && !is_mlp(t)) return false;
    return extra ? extra(t) : true;
  };
  return k;
}

KeyDecl int_key(const Common& c, Ref<int> ref, double lo, double hi) {
  KeyDecl k = base(c, KeyType::integer);
  k.lo = lo;
  k.hi = hi;
  k.set = [ref](TrialConfig& t, const Value& v) { ref(t) = static_cast<int>(std::get<std::int64_t>(v)); };
  k.get = [ref](const TrialConfig& t) { return Value(static_cast<std::int64_t>(ref(const_cast<TrialConfig&>(t)))); };
  return k;
}

KeyDecl real_key(const Common& c, Ref<double> ref, double lo, double hi, bool lo_open = false,
                 bool hi_open = false) {
  KeyDecl k = base(c, KeyType::real);
  k.lo = lo;
  k.hi = hi;
  k.lo_open = lo_open;
  k.hi_open = hi_open;
  k.set = [ref](TrialConfig& t, const Value& v) { ref(t) = std::get<double>(v); };
  k.get = [ref](const TrialConfig& t) { return Value(ref(const_cast<TrialConfig&>(t))); };
  return k;
}

KeyDecl bool_key(const Common& c, Ref<bool> ref) {
  KeyDecl k = base(c, KeyType::boolean);
  k.set = [ref](TrialConfig& t, const Value& v) { ref(t) = std::get<bool>(v); };
  k.get = [ref](const TrialConfig& t) { return Value(ref(const_cast<TrialConfig&>(t))); };
  return k;
}

// A key whose values are the names of an enum of types/vocabulary.hpp.
template <typename E>
KeyDecl choice_key(const Common& c, Ref<E> ref) {
  KeyDecl k = base(c, KeyType::choice);
  k.choices = names_of<E>();
  k.set = [ref](TrialConfig& t, const Value& v) {
    const auto value = parse_name<E>(std::get<std::string>(v));
    if (!value)
      throw InputError(fmt::format("{}: unknown name '{}'", Vocabulary<E>::what, std::get<std::string>(v)));
    ref(t) = *value;
  };
  k.get = [ref](const TrialConfig& t) { return Value(to_string(ref(const_cast<TrialConfig&>(t)))); };
  return k;
}

KeyDecl scan_key(Section s, const char* path, KeyType type, const char* doc,
                 std::function<void(ScanConfig&, const Value&)> set, double lo = -kInf, double hi = kInf) {
  KeyDecl k;
  k.section = s;
  k.path = path;
  k.type = type;
  k.doc = doc;
  k.lo = lo;
  k.hi = hi;
  k.set_scan = std::move(set);
  return k;
}

// Top level: the scan itself.
void add_top_keys(std::vector<KeyDecl>& t) {
  using S = Section;
  {
    auto k = scan_key(S::top, "name", KeyType::string, "Scan name, written to the results file (`scan_name`).",
                      [](ScanConfig& s, const Value& v) { s.name = std::get<std::string>(v); });
    k.required = true;
    t.push_back(k);
    k = scan_key(S::top, "task", KeyType::choice, "What the models learn: labels or regression targets.",
                 [](ScanConfig& s, const Value& v) { s.task = *parse_name<Task>(std::get<std::string>(v)); });
    k.choices = names_of<Task>();
    k.required = true;
    t.push_back(k);
  }
  t.push_back(scan_key(S::top, "description", KeyType::string, "Free text, kept with the scan definition.",
                       [](ScanConfig& s, const Value& v) { s.description = std::get<std::string>(v); }));
  t.push_back(scan_key(S::top, "seeds", KeyType::integer_list,
                       "Training seeds (an integer or a list); each configuration runs once per seed.",
                       [](ScanConfig& s, const Value& v) {
                         s.seeds.clear();
                         for (auto x : std::get<std::vector<std::int64_t>>(v)) s.seeds.push_back(static_cast<std::uint64_t>(x));
                       },
                       0, 9007199254740992.0));
  t.back().default_text = "[1]";
  t.push_back(scan_key(S::top, "threads_per_trial", KeyType::integer,
                       "OpenMP threads of each trial (0 = all cores of the rank). `kanscan run --threads` overrides.",
                       [](ScanConfig& s, const Value& v) { s.threads_per_trial = static_cast<int>(std::get<std::int64_t>(v)); },
                       0, kMaxThreads));
  t.back().default_text = "1";
  t.push_back(scan_key(S::top, "output", KeyType::string,
                       "Results file, relative to the YAML file's folder. `kanscan run --out` overrides. "
                       "Default: `<name>.h5` in the working directory.",
                       [](ScanConfig& s, const Value& v) { s.output = std::get<std::string>(v); }));
  t.push_back(scan_key(S::top, "cache_dir", KeyType::string,
                       "Where generated datasets are cached, relative to the YAML file's folder. "
                       "Default: `kanscan-cache/` next to the results file.",
                       [](ScanConfig& s, const Value& v) { s.cache_dir = std::get<std::string>(v); }));
  t.push_back(scan_key(S::top, "max_trials", KeyType::integer,
                       "Safety limit on the expanded trial count (a typo in a list can explode a scan).",
                       [](ScanConfig& s, const Value& v) { s.max_trials = std::get<std::int64_t>(v); }, 1, 1e9));
  t.back().default_text = "1000000";

}

// `data:`: where the events come from and how they are split.
void add_data_keys(std::vector<KeyDecl>& t) {
  using S = Section;
  {
    auto k = scan_key(S::data, "generator", KeyType::choice, "Built-in event generator (or give `path`).",
                      [](ScanConfig& s, const Value& v) { s.data.generator = std::get<std::string>(v); });
    k.choices = gen::generator_names();
    t.push_back(k);
  }
  t.push_back(scan_key(S::data, "path", KeyType::string,
                       "User data file (.h5/.hdf5 or .csv), relative to the YAML file's folder.",
                       [](ScanConfig& s, const Value& v) { s.data.path = std::get<std::string>(v); }));
  t.push_back(scan_key(S::data, "events", KeyType::integer,
                       "Generator: events to generate (required). File: rows to use (0 = all).",
                       [](ScanConfig& s, const Value& v) { s.data.events = std::get<std::int64_t>(v); }, 0, 1e12));
  t.back().default_text = "0";
  t.push_back(scan_key(S::data, "seed", KeyType::integer, "Seed of the generator and of the train/val/test split.",
                       [](ScanConfig& s, const Value& v) { s.data.seed = static_cast<std::uint64_t>(std::get<std::int64_t>(v)); },
                       0, 9007199254740992.0));
  t.back().default_text = "1";
  for (const char* part : {"train", "val", "test"}) {
    const std::string path = std::string("split.") + part;
    auto k = scan_key(S::data, "", KeyType::real, "", nullptr, 0, 1);
    k.path = path;
    k.lo_open = true;
    k.hi_open = true;
    k.doc = fmt::format("Fraction of events in the {} set; the three fractions sum to 1.", part);
    const std::string which = part;
    k.set_scan = [which](ScanConfig& s, const Value& v) {
      const double x = std::get<double>(v);
      if (which == "train") s.data.train = x;
      else if (which == "val") s.data.val = x;
      else s.data.test = x;
    };
    k.default_text = which == "train" ? "0.6" : "0.2";
    t.push_back(k);
  }
  {
    auto k = scan_key(S::data, "", KeyType::integer,
                      "k-fold splits (k >= 3): one fold tests, the next validates, the other k-2 train; every "
                      "configuration and seed runs on each fold (replaces the fractions). 0 = one split.",
                      [](ScanConfig& s, const Value& v) { s.data.folds = static_cast<int>(std::get<std::int64_t>(v)); },
                      0, 100);
    k.path = "split.folds";
    k.default_text = "0";
    t.push_back(k);
    k = scan_key(S::data, "", KeyType::integer_list,
                 "Repeated random splits: one split of the fractions per seed listed (instead of `seed`); every "
                 "configuration and seed runs on each.",
                 [](ScanConfig& s, const Value& v) {
                   s.data.split_seeds.clear();
                   for (auto x : std::get<std::vector<std::int64_t>>(v)) s.data.split_seeds.push_back(static_cast<std::uint64_t>(x));
                 },
                 0, 9007199254740992.0);
    k.path = "split.seeds";
    k.default_text = "[]";
    t.push_back(k);
  }
  t.push_back(scan_key(S::data, "features", KeyType::string_list, "Feature names to use (default: all).",
                       [](ScanConfig& s, const Value& v) { s.data.features = std::get<std::vector<std::string>>(v); }));
  t.push_back(scan_key(S::data, "label", KeyType::string, "CSV, classification: the label column.",
                       [](ScanConfig& s, const Value& v) { s.data.label_column = std::get<std::string>(v); }));
  t.push_back(scan_key(S::data, "targets", KeyType::string_list, "CSV, regression: the target columns.",
                       [](ScanConfig& s, const Value& v) { s.data.target_columns = std::get<std::vector<std::string>>(v); }));
  t.push_back(scan_key(S::data, "weights", KeyType::string, "CSV: the event-weight column (optional).",
                       [](ScanConfig& s, const Value& v) { s.data.weight_column = std::get<std::string>(v); }));
  // Added after the first release: in the trial id only when set (io::canonical_json).
  t.push_back(scan_key(S::data, "delimiter", KeyType::string,
                       "CSV: the field separator, one character (`\";\"`, `\"\\t\"` or `tab`, `\"|\"`).",
                       [](ScanConfig& s, const Value& v) {
                         const auto& d = std::get<std::string>(v);
                         s.data.delimiter = d == "tab" || d == "\\t" ? std::string("\t") : d;
                       }));
  t.back().default_text = ",";
  t.back().omit_default = true;
  t.push_back(scan_key(S::data, "classes", KeyType::string_list,
                       "CSV, classification: the label column's strings, in class-index order (e.g. `[bkg, sig]`: "
                       "bkg = 0, sig = 1). Without it labels are class indices 0, 1, ...",
                       [](ScanConfig& s, const Value& v) { s.data.classes = std::get<std::vector<std::string>>(v); }));
  t.back().omit_default = true;
  t.push_back(scan_key(S::data, "knobs", KeyType::number_map,
                       "Generator knobs by name (docs/data.md, Knobs), e.g. `{m_phi: 400}`; checked by the generator.",
                       [](ScanConfig& s, const Value& v) { s.data.knobs = std::get<std::map<std::string, double>>(v); }));

}

// `train:` (scalars there, lists allowed as per-block overrides in models[i]).
void add_train_keys(std::vector<KeyDecl>& t) {
  using S = Section;
  using A = Applies;
  auto tr = [](const char* path, const char* column, const char* doc, Pred rel = nullptr) {
    return Common{S::train, path, A::any, true, column, doc, rel};
  };
  t.push_back(choice_key<Loss>(tr("loss", "loss", "Training loss. Classification: bce, cross_entropy (or mse/mae/huber "
                                                  "on probabilities, as pyKAN studies do); regression: mse, mae, huber."),
                               [](TrialConfig& c) -> Loss& { return c.train.loss; }));
  t.push_back(real_key(tr("huber_delta", "huber_delta", "Huber loss transition point.",
                          [](const TrialConfig& c) { return c.train.loss == Loss::huber; }),
                       [](TrialConfig& c) -> double& { return c.train.huber_delta; }, 0, kInf, true));
  t.push_back(int_key(tr("epochs", "epochs", "Maximum training epochs."),
                      [](TrialConfig& c) -> int& { return c.train.epochs; }, 1, 1e6));
  t.push_back(int_key(tr("batch_size", "batch_size", "Mini-batch size (events)."),
                      [](TrialConfig& c) -> int& { return c.train.batch_size; }, 1, 1e8));
  t.push_back(choice_key<Monitor>(tr("early_stopping.monitor", "monitor",
                                     "Validation quantity watched for early stopping and best-epoch selection."),
                                  [](TrialConfig& c) -> Monitor& { return c.train.monitor; }));
  t.push_back(int_key(tr("early_stopping.patience", "patience", "Epochs without improvement before stopping; 0 = never stop early."),
                      [](TrialConfig& c) -> int& { return c.train.patience; }, 0, 1e6));
  t.push_back(real_key(tr("early_stopping.min_delta", "min_delta", "Smallest change that counts as an improvement."),
                       [](TrialConfig& c) -> double& { return c.train.min_delta; }, 0, kInf));
  t.push_back(bool_key(tr("use_weights", "use_weights", "Weight the loss by the event weights when the data has them."),
                       [](TrialConfig& c) -> bool& { return c.train.use_weights; }));
  {
    // Removed: it never changed a trial (a classifier trained with a regression loss always clips
    // its predictions), so true and false trained identically under different ids. Its `false`
    // stays in the canonical JSON of every trial, which keeps the ids of scans that never set it.
    KeyDecl k = base(tr("clip_predictions", "clip_predictions",
                        "Removed (no effect): a classifier trained with mse, mae or huber always has its predictions "
                        "clipped to [0, 1]. Only `false` is accepted, with a warning; the /trials column is always 0."),
                     KeyType::boolean);
    k.axis = false;
    k.removed = "a classifier trained with mse, mae or huber always has its predictions clipped to [0, 1], whatever "
                "clip_predictions says (true and false trained identically under different trial ids). Delete this "
                "line; a results file written with `true` can still be analysed and predicted from, but not resumed "
                "(its trial ids include the key)";
    k.set = [](TrialConfig&, const Value&) {};
    k.get = [](const TrialConfig&) { return Value(false); };
    t.push_back(k);
  }

}

// The size and options of each non-B-spline basis (docs/models.md, "KAN bases"); keys added after
// the first release, so they stay out of the canonical JSON at their defaults.
void add_basis_keys(std::vector<KeyDecl>& t) {
  auto md = [](const char* path, const char* doc) {
    return Common{Section::model, path, Applies::kan, true, path, doc, nullptr};
  };
  auto key = [&](KeyDecl k, Basis b) { t.push_back(added(only_for(std::move(k), {b}))); };
  key(int_key(md("rbf_centers", "RBF: number of Gaussian centres M per input, spread evenly over grid_range (FastKAN's "
                                "num_grids)."),
              [](TrialConfig& c) -> int& { return c.model.rbf_centers; }, 2, 1000),
      Basis::rbf);
  key(real_key(md("rbf_width", "RBF: width h of exp(-((x - c)/h)^2); 0 = the centre spacing (FastKAN's denominator)."),
               [](TrialConfig& c) -> double& { return c.model.rbf_width; }, 0, kInf),
      Basis::rbf);
  key(bool_key(md("rbf_layernorm", "RBF: LayerNorm of each layer's inputs before the basis (FastKAN's use_layernorm, "
                                   "on there by default); the base branch sees the raw inputs."),
               [](TrialConfig& c) -> bool& { return c.model.rbf_layernorm; }),
      Basis::rbf);
  key(int_key(md("cheby_degree", "Chebyshev: highest degree d (d + 1 polynomials T_0 .. T_d per input)."),
              [](TrialConfig& c) -> int& { return c.model.cheby_degree; }, 0, 64),
      Basis::chebyshev);
  key(choice_key<Squash>(md("cheby_squash", "Chebyshev: input map into [-1, 1], tanh (ChebyKAN) or clamp."),
                         [](TrialConfig& c) -> Squash& { return c.model.cheby_squash; }),
      Basis::chebyshev);
  key(int_key(md("fourier_frequencies", "Fourier: frequencies k = 1 .. F of cos(kx) and sin(kx) (FourierKAN's gridsize)."),
              [](TrialConfig& c) -> int& { return c.model.fourier_frequencies; }, 1, 1000),
      Basis::fourier);
  key(bool_key(md("fourier_smooth_init", "Fourier: initial coefficients divided by k^2 rather than sqrt(F) (FourierKAN's "
                                         "smooth_initialization)."),
               [](TrialConfig& c) -> bool& { return c.model.fourier_smooth_init; }),
      Basis::fourier);
  key(int_key(md("rational_numerator", "Rational: numerator degree m of P(x) (KAT: 5)."),
              [](TrialConfig& c) -> int& { return c.model.rational_numerator; }, 1, 8),
      Basis::rational);
  key(int_key(md("rational_denominator", "Rational: denominator degree n of Q(x) = 1 + sum |b_k| |x|^k (KAT: 4)."),
              [](TrialConfig& c) -> int& { return c.model.rational_denominator; }, 1, 8),
      Basis::rational);
  key(int_key(md("rational_groups", "Rational: groups of inputs sharing one denominator (KAT: 8; at most the layer's "
                                    "inputs are used)."),
              [](TrialConfig& c) -> int& { return c.model.rational_groups; }, 1, 1024),
      Basis::rational);
}

// `models[i]`: the architecture and the optimizer of a block.
void add_model_keys(std::vector<KeyDecl>& t) {
  using S = Section;
  using A = Applies;
  {
    KeyDecl k;
    k.section = S::model;
    k.path = "type";
    k.type = KeyType::choice;
    k.required = true;
    k.choices = names_of<ModelType>();
    k.doc = "Model family of the block (one per block).";
    k.column = "model_type";
    k.relevant = [](const TrialConfig&) { return true; };
    k.set = [](TrialConfig& c, const Value& v) { c.model.type = *parse_name<ModelType>(std::get<std::string>(v)); };
    k.get = [](const TrialConfig& c) { return Value(to_string(c.model.type)); };
    t.push_back(k);
    KeyDecl n;
    n.section = S::model;
    n.path = "name";
    n.type = KeyType::string;
    n.default_text = "the type";
    n.hi = 64;  // length limit: the /trials `model` column is a fixed-length string
    n.doc = "Label of the block, written to the /trials `model` column (at most 64 characters). "
            "Not part of the trial id.";
    t.push_back(n);
  }
  auto md = [](const char* path, const char* column, const char* doc, Applies ap = A::any, Pred rel = nullptr) {
    return Common{S::model, path, ap, true, column, doc, rel};
  };
  t.push_back(int_key(md("depth", "depth", "Hidden layers; 0 means a single layer [in, out]."),
                      [](TrialConfig& c) -> int& { return c.model.depth; }, 0, 64));
  t.push_back(int_key(md("width", "width", "Nodes per hidden layer (ignored at depth 0).", A::any,
                         [](const TrialConfig& c) { return c.model.depth > 0; }),
                      [](TrialConfig& c) -> int& { return c.model.width; }, 1, 1e6));
  t.push_back(added(choice_key<Basis>(
      md("basis", "basis",
         "KAN edge-function basis: bspline (efficient-kan), rbf (FastKAN), chebyshev (ChebyKAN), fourier "
         "(FourierKAN), rational (KAT's GR-KAN); docs/models.md, \"KAN bases\".",
         A::kan),
      [](TrialConfig& c) -> Basis& { return c.model.basis; })));
  t.push_back(added(only_for(
      choice_key<BaseBranch>(md("base_branch", "base_branch",
                                "SiLU base branch W_b SiLU(x) of a non-B-spline layer: auto = as the basis's reference "
                                "(rbf yes; chebyshev, fourier, rational no), silu, none.",
                                A::kan),
                             [](TrialConfig& c) -> BaseBranch& { return c.model.base_branch; }),
      {Basis::rbf, Basis::chebyshev, Basis::fourier, Basis::rational})));
  t.push_back(only_for(int_key(md("grid_size", "grid_size", "B-spline grid intervals G.", A::kan),
                      [](TrialConfig& c) -> int& { return c.model.grid_size; }, 1, 10000), {Basis::bspline}));
  t.push_back(only_for(int_key(md("spline_order", "spline_order", "B-spline order k (3 = cubic).", A::kan),
                      [](TrialConfig& c) -> int& { return c.model.spline_order; }, 0, 10), {Basis::bspline}));
  {
    KeyDecl k = base(md("grid_range", "grid_range", "B-spline grid interval, or the span of the RBF centres, [lo, hi] on "
                                          "standardised inputs (a list of two numbers; a list of such pairs is an axis). "
                                          "FastKAN's default span is [-2, 2].", A::kan),
                     KeyType::range);
    k.set = [](TrialConfig& c, const Value& v) {
      const auto r = std::get<Range>(v);
      c.model.grid_lo = r.first;
      c.model.grid_hi = r.second;
    };
    k.get = [](const TrialConfig& c) { return Value(Range{c.model.grid_lo, c.model.grid_hi}); };
    t.push_back(only_for(k, {Basis::bspline, Basis::rbf}));
  }
  t.push_back(only_for(real_key(md("grid_eps", "grid_eps", "Grid update: 0 = percentiles of the data, 1 = uniform.", A::kan,
                          [](const TrialConfig& c) { return c.model.grid_update_every > 0 || c.model.grid_extend_to > 0; }),
                       [](TrialConfig& c) -> double& { return c.model.grid_eps; }, 0, 1), {Basis::bspline}));
  t.push_back(only_for(int_key(md("grid_update_every", "grid_update_every", "Epochs between grid updates from data; 0 = never.", A::kan),
                      [](TrialConfig& c) -> int& { return c.model.grid_update_every; }, 0, 1e6), {Basis::bspline}));
  t.push_back(only_for(int_key(md("grid_extend_to", "grid_extend_to", "Refine the grid to this G after `grid_extend_epoch`; 0 = never.", A::kan),
                      [](TrialConfig& c) -> int& { return c.model.grid_extend_to; }, 0, 10000), {Basis::bspline}));
  t.push_back(only_for(int_key(md("grid_extend_epoch", "grid_extend_epoch", "Epoch of the grid refinement.", A::kan,
                         [](const TrialConfig& c) { return c.model.grid_extend_to > 0; }),
                      [](TrialConfig& c) -> int& { return c.model.grid_extend_epoch; }, 0, 1e6), {Basis::bspline}));
  t.push_back(only_for(choice_key<InitScheme>(md("init", "init", "KAN weight initialisation scheme.", A::kan),
                                     [](TrialConfig& c) -> InitScheme& { return c.model.init; }), {Basis::bspline}));
  t.push_back(only_for(real_key(md("scale_noise", "scale_noise", "Initial spline-weight noise scale.", A::kan),
                       [](TrialConfig& c) -> double& { return c.model.scale_noise; }, 0, kInf), {Basis::bspline}));
  t.push_back(real_key(md("scale_base", "scale_base", "Initial scale of the SiLU base branch.", A::kan,
                          [](const TrialConfig& c) {
                            return c.model.base_branch == BaseBranch::auto_ ? reference_base_branch(c.model.basis)
                                                                            : c.model.base_branch == BaseBranch::silu;
                          }),
                       [](TrialConfig& c) -> double& { return c.model.scale_base; }, 0, kInf));
  t.push_back(only_for(real_key(md("scale_spline", "scale_spline", "Initial spline scaler.", A::kan),
                       [](TrialConfig& c) -> double& { return c.model.scale_spline; }, 0, kInf), {Basis::bspline}));
  add_basis_keys(t);
}

// `models[i]`: the MLP's settings and the optimizer of a block.
void add_mlp_and_optimizer_keys(std::vector<KeyDecl>& t) {
  using S = Section;
  using A = Applies;
  auto md = [](const char* path, const char* column, const char* doc, Applies ap = A::any, Pred rel = nullptr) {
    return Common{S::model, path, ap, true, column, doc, rel};
  };
  t.push_back(choice_key<Activation>(md("activation", "activation", "Hidden-layer activation.", A::mlp),
                                     [](TrialConfig& c) -> Activation& { return c.model.activation; }));
  t.push_back(real_key(md("leaky_slope", "leaky_slope", "Negative slope of leaky_relu.", A::mlp,
                          [](const TrialConfig& c) { return c.model.activation == Activation::leaky_relu; }),
                       [](TrialConfig& c) -> double& { return c.model.leaky_slope; }, 0, 1));
  t.push_back(real_key(md("dropout", "dropout", "Dropout probability after each hidden layer.", A::mlp),
                       [](TrialConfig& c) -> double& { return c.model.dropout; }, 0, 1, false, true));
  t.push_back(real_key(md("weight_decay", "weight_decay", "L2 penalty added to the loss."),
                       [](TrialConfig& c) -> double& { return c.model.weight_decay; }, 0, kInf));
  t.push_back(choice_key<OptimizerKind>(
      md("optimizer.name", "optimizer", "Optimizer (`optimizer: adam` is short for `optimizer: {name: adam}`)."),
      [](TrialConfig& c) -> OptimizerKind& { return c.model.optimizer.name; }));
  t.push_back(real_key(md("optimizer.lr", "lr", "Learning rate."),
                       [](TrialConfig& c) -> double& { return c.model.optimizer.lr; }, 0, kInf, true));
  t.push_back(real_key(md("optimizer.momentum", "momentum", "SGD momentum.", A::any,
                          [](const TrialConfig& c) { return c.model.optimizer.name == OptimizerKind::sgd; }),
                       [](TrialConfig& c) -> double& { return c.model.optimizer.momentum; }, 0, 1, false, true));
  t.push_back(bool_key(md("optimizer.nesterov", "nesterov", "SGD Nesterov momentum.", A::any,
                          [](const TrialConfig& c) { return c.model.optimizer.name == OptimizerKind::sgd; }),
                       [](TrialConfig& c) -> bool& { return c.model.optimizer.nesterov; }));
  Pred adam_like = [](const TrialConfig& c) {
    return c.model.optimizer.name == OptimizerKind::adam || c.model.optimizer.name == OptimizerKind::adamw;
  };
  t.push_back(real_key(md("optimizer.beta1", "beta1", "Adam first-moment decay.", A::any, adam_like),
                       [](TrialConfig& c) -> double& { return c.model.optimizer.beta1; }, 0, 1, false, true));
  t.push_back(real_key(md("optimizer.beta2", "beta2", "Adam second-moment decay.", A::any, adam_like),
                       [](TrialConfig& c) -> double& { return c.model.optimizer.beta2; }, 0, 1, false, true));
  t.push_back(real_key(md("optimizer.eps", "eps", "Adam denominator epsilon.", A::any, adam_like),
                       [](TrialConfig& c) -> double& { return c.model.optimizer.eps; }, 0, 1, true));
  t.push_back(real_key(md("optimizer.weight_decay", "optimizer_weight_decay", "AdamW decoupled weight decay.", A::any,
                          [](const TrialConfig& c) { return c.model.optimizer.name == OptimizerKind::adamw; }),
                       [](TrialConfig& c) -> double& { return c.model.optimizer.weight_decay; }, 0, kInf));
  Pred is_lbfgs = [](const TrialConfig& c) { return c.model.optimizer.name == OptimizerKind::lbfgs; };
  t.push_back(int_key(md("optimizer.history", "lbfgs_history", "L-BFGS memory.", A::any, is_lbfgs),
                      [](TrialConfig& c) -> int& { return c.model.optimizer.history; }, 1, 1000));
  t.push_back(int_key(md("optimizer.max_iter", "lbfgs_max_iter", "L-BFGS iterations per batch.", A::any, is_lbfgs),
                      [](TrialConfig& c) -> int& { return c.model.optimizer.max_iter; }, 1, 10000));
  t.push_back(choice_key<Schedule>(md("optimizer.schedule", "lr_schedule", "Learning-rate schedule over epochs."),
                                   [](TrialConfig& c) -> Schedule& { return c.model.optimizer.schedule; }));
  Pred is_step = [](const TrialConfig& c) { return c.model.optimizer.schedule == Schedule::step; };
  t.push_back(int_key(md("optimizer.step_size", "lr_step_size", "Step schedule: epochs between decays.", A::any, is_step),
                      [](TrialConfig& c) -> int& { return c.model.optimizer.step_size; }, 1, 1e6));
  t.push_back(real_key(md("optimizer.gamma", "lr_gamma", "Step schedule: decay factor.", A::any, is_step),
                       [](TrialConfig& c) -> double& { return c.model.optimizer.gamma; }, 0, 1, true));
  t.push_back(real_key(md("optimizer.min_lr", "min_lr", "Cosine schedule: final learning rate.", A::any,
                          [](const TrialConfig& c) { return c.model.optimizer.schedule == Schedule::cosine; }),
                       [](TrialConfig& c) -> double& { return c.model.optimizer.min_lr; }, 0, kInf));

}

std::vector<KeyDecl> build_table() {
  std::vector<KeyDecl> t;
  add_top_keys(t);
  add_data_keys(t);
  add_train_keys(t);
  add_model_keys(t);
  add_mlp_and_optimizer_keys(t);
  // Defaults for docs come from a default-constructed trial.
  TrialConfig defaults;
  for (auto& k : t)
    if (k.default_text.empty() && k.get) k.default_text = value_to_string(k.get(defaults));
  for (auto& k : t)
    if (k.required) k.default_text = "required";
  return t;
}

}  // namespace

const std::vector<KeyDecl>& key_table() {
  static const std::vector<KeyDecl> table = build_table();
  return table;
}

const KeyDecl* find_key(Section section, const std::string& path) {
  for (const auto& k : key_table())
    if (k.section == section && k.path == path) return &k;
  return nullptr;
}

}  // namespace kanscan::io
