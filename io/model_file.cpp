#include "io/model_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "framework/error.hpp"

namespace kanscan::io {
namespace {

template <typename E>
E parse_or_fail(const std::string& name, const std::string& where, const char* attribute) {
  const auto value = parse_name<E>(name);
  if (!value) {
    std::string all;
    for (const auto& n : names_of<E>()) all += (all.empty() ? "" : " | ") + n;
    throw InputError(Location{where, -1, -1, attribute},
                     fmt::format("unknown {} '{}', expected one of {}", Vocabulary<E>::what, name, all));
  }
  return *value;
}

std::int64_t integer_of(const LayerAttribute& v, const std::string& where, const std::string& name) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v); d && std::isfinite(*d) && *d == std::floor(*d) && std::abs(*d) < 1e9)
    return static_cast<std::int64_t>(*d);
  throw InputError(Location{where, -1, -1, name}, "expected an integer attribute");
}

// Outputs of the last layer, from its weight tensor (0 when unknown): the tensor and the axis
// holding the outputs (docs/models.md, Checkpoint layout).
std::size_t last_outputs(const ModelState& m) {
  if (m.layers.empty()) return 0;
  const LayerState& l = m.layers.back();
  std::pair<const char*, std::size_t> where{"weight", 0};
  if (l.kind == LayerKind::kan) switch (l.kan.basis) {
      case Basis::bspline: where = {"base_weight", 0}; break;
      case Basis::rbf: where = {"spline_linear.weight", 0}; break;
      case Basis::chebyshev: where = {"cheby_coeffs", 1}; break;
      case Basis::fourier: where = {"fouriercoeffs", 1}; break;
      case Basis::rational: where = {"fc.weight", 0}; break;
    }
  const auto it = l.tensors.find(where.first);
  return it == l.tensors.end() || it->second.shape.size() <= where.second ? 0 : it->second.shape[where.second];
}

bool flag_of(const LayerAttribute& v, const std::string& where, const std::string& name) {
  const std::int64_t i = integer_of(v, where, name);
  if (i != 0 && i != 1) throw InputError(Location{where, -1, -1, name}, "expected 0 or 1");
  return i == 1;
}

double real_of(const LayerAttribute& v, const std::string& where, const std::string& name) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  throw InputError(Location{where, -1, -1, name}, "expected a number attribute");
}

const std::string& string_of(const LayerAttribute& v, const std::string& where, const std::string& name) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s) throw InputError(Location{where, -1, -1, name}, "expected a string attribute");
  return *s;
}

// The attributes of a kind = kan layer: its basis and that basis's settings, named as the
// arguments of the reference implementation's constructor where it has them.
std::vector<std::pair<std::string, LayerAttribute>> kan_attributes(const LayerState& layer) {
  const KanBasisState& b = layer.kan;
  std::vector<std::pair<std::string, LayerAttribute>> out{{"basis", to_string(b.basis)}};
  auto i64 = [](int v) { return LayerAttribute{std::int64_t{v}}; };
  switch (b.basis) {
    case Basis::bspline:
      out.emplace_back("grid_size", i64(layer.grid_size));
      out.emplace_back("spline_order", i64(layer.spline_order));
      break;
    case Basis::rbf:
      out.emplace_back("num_grids", i64(b.num_grids));
      out.emplace_back("grid_min", b.grid_min);
      out.emplace_back("grid_max", b.grid_max);
      out.emplace_back("denominator", b.denominator);
      out.emplace_back("use_layernorm", i64(b.layernorm ? 1 : 0));
      break;
    case Basis::chebyshev:
      out.emplace_back("degree", i64(b.degree));
      out.emplace_back("squash", to_string(b.squash));
      break;
    case Basis::fourier: out.emplace_back("gridsize", i64(b.gridsize)); break;
    case Basis::rational:
      out.emplace_back("numerator_degree", i64(b.numerator_degree));
      out.emplace_back("denominator_degree", i64(b.denominator_degree));
      out.emplace_back("num_groups", i64(b.num_groups));
      break;
  }
  if (b.basis != Basis::bspline) out.emplace_back("base_branch", std::string(b.base_branch ? "silu" : "none"));
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  return out;
}

// Sets a kan layer's basis setting; false when the name is not one.
bool set_kan_attribute(LayerState& layer, const std::string& name, const LayerAttribute& v, const std::string& where) {
  KanBasisState& b = layer.kan;
  if (name == "basis") b.basis = parse_or_fail<Basis>(string_of(v, where, name), where, "basis");
  else if (name == "num_grids") b.num_grids = static_cast<int>(integer_of(v, where, name));
  else if (name == "grid_min") b.grid_min = real_of(v, where, name);
  else if (name == "grid_max") b.grid_max = real_of(v, where, name);
  else if (name == "denominator") b.denominator = real_of(v, where, name);
  else if (name == "use_layernorm") b.layernorm = flag_of(v, where, name);
  else if (name == "degree") b.degree = static_cast<int>(integer_of(v, where, name));
  else if (name == "squash") b.squash = parse_or_fail<Squash>(string_of(v, where, name), where, "squash");
  else if (name == "gridsize") b.gridsize = static_cast<int>(integer_of(v, where, name));
  else if (name == "numerator_degree") b.numerator_degree = static_cast<int>(integer_of(v, where, name));
  else if (name == "denominator_degree") b.denominator_degree = static_cast<int>(integer_of(v, where, name));
  else if (name == "num_groups") b.num_groups = static_cast<int>(integer_of(v, where, name));
  else if (name == "base_branch") {
    const std::string& s = string_of(v, where, name);
    if (s != "silu" && s != "none")
      throw InputError(Location{where, -1, -1, name}, "unknown base branch '" + s + "', expected silu | none");
    b.base_branch = s == "silu";
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::pair<std::string, LayerAttribute>> layer_attributes(const LayerState& layer) {
  if (layer.kind == LayerKind::kan) return kan_attributes(layer);
  std::vector<std::pair<std::string, LayerAttribute>> out{{"activation", to_string(layer.activation)}};
  if (layer.activation == Activation::leaky_relu) out.emplace_back("leaky_slope", layer.leaky_slope);
  return out;
}

void set_layer_attribute(LayerState& layer, const std::string& name, const LayerAttribute& value,
                         const std::string& where) {
  if (set_kan_attribute(layer, name, value, where)) {
    // a basis setting
  } else if (name == "grid_size") {
    layer.grid_size = static_cast<int>(integer_of(value, where, name));
  } else if (name == "spline_order") {
    layer.spline_order = static_cast<int>(integer_of(value, where, name));
  } else if (name == "activation") {
    const auto* s = std::get_if<std::string>(&value);
    if (!s) throw InputError(Location{where, -1, -1, name}, "expected a string attribute");
    layer.activation = parse_or_fail<Activation>(*s, where, "activation");
  } else if (name == "leaky_slope") {
    if (const auto* d = std::get_if<double>(&value)) layer.leaky_slope = *d;
    else if (const auto* i = std::get_if<std::int64_t>(&value)) layer.leaky_slope = static_cast<double>(*i);
    else throw InputError(Location{where, -1, -1, name}, "expected a number attribute");
  }
}

OutputKind default_output(const ModelState& model) {
  if (model.task == Task::regression) return OutputKind::identity;
  return last_outputs(model) > 1 ? OutputKind::softmax : OutputKind::sigmoid;
}

void write_model(h5::Group& group, const ModelState& model) {
  group.set_attr("task", to_string(model.task));
  group.set_attr("output", to_string(model.output));
  group.set_attr("n_layers", static_cast<std::int64_t>(model.layers.size()));
  group.write("input_mean", model.input_mean);
  group.write("input_std", model.input_std);
  if (!model.target_mean.empty()) {
    group.write("target_mean", model.target_mean);
    group.write("target_std", model.target_std);
  }
  for (std::size_t l = 0; l < model.layers.size(); ++l) {
    const LayerState& layer = model.layers[l];
    h5::Group g = group.create_group("layer_" + std::to_string(l));
    g.set_attr("kind", to_string(layer.kind));
    for (const auto& [key, value] : layer_attributes(layer)) {
      if (auto* i = std::get_if<std::int64_t>(&value)) g.set_attr(key, *i);
      else if (auto* d = std::get_if<double>(&value)) g.set_attr(key, *d);
      else g.set_attr(key, std::get<std::string>(value));
    }
    for (const auto& [key, t] : layer.tensors) g.write(key, t.data, t.shape);
  }
}

ModelState read_model(const h5::Group& group) {
  ModelState m;
  m.input_mean = group.read_double("input_mean").data;
  m.input_std = group.read_double("input_std").data;
  if (group.is_dataset("target_mean")) {
    m.target_mean = group.read_double("target_mean").data;
    m.target_std = group.read_double("target_std").data;
  }
  // Files without the attribute: a model with target scalers is a regression model.
  m.task = group.has_attr("task") ? parse_or_fail<Task>(group.attr_string("task"), group.where(), "task")
           : m.target_mean.empty() ? Task::classification
                                   : Task::regression;
  for (std::size_t l = 0;; ++l) {
    const std::string name = "layer_" + std::to_string(l);
    if (!group.exists(name)) break;
    const h5::Group g = group.open_group(name);
    LayerState layer;
    layer.kind = parse_or_fail<LayerKind>(g.attr_string("kind"), g.where(), "kind");
    for (const auto& a : g.attributes()) {
      if (a.name == "kind") continue;
      LayerAttribute value;
      switch (a.type) {
        case h5::TypeClass::integer: value = g.attr_int(a.name); break;
        case h5::TypeClass::floating: value = g.attr_double(a.name); break;
        default: value = g.attr_string(a.name); break;
      }
      set_layer_attribute(layer, a.name, value, g.where());
    }
    if (layer.kind == LayerKind::kan && layer.kan.basis == Basis::bspline &&
        (!g.has_attr("grid_size") || !g.has_attr("spline_order")))
      throw InputError(Location{g.where(), -1, -1, ""}, "a kan layer needs the attributes grid_size and spline_order");
    if (layer.kind == LayerKind::kan && layer.kan.basis != Basis::bspline && !g.has_attr("base_branch"))
      throw InputError(Location{g.where(), -1, -1, ""},
                       "a kan layer of basis " + to_string(layer.kan.basis) + " needs its settings as attributes "
                       "(docs/models.md, Checkpoint layout)");
    for (const auto& child : g.children()) {
      if (!g.is_dataset(child)) continue;
      auto arr = g.read_double(child);
      layer.tensors[child] = Tensor{arr.shape, std::move(arr.data)};
    }
    m.layers.push_back(std::move(layer));
  }
  m.output = group.has_attr("output") ? parse_or_fail<OutputKind>(group.attr_string("output"), group.where(), "output")
                                      : default_output(m);
  return m;
}

}  // namespace kanscan::io
