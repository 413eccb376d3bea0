#include "io/model_file.hpp"

#include <variant>

namespace kanscan::io {

void write_model(h5::Group& group, const ModelState& model) {
  group.set_attr("task", model.task);
  group.set_attr("output", model.output);
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
    g.set_attr("kind", layer.kind);
    for (const auto& [key, value] : layer.attrs) {
      if (auto* i = std::get_if<std::int64_t>(&value)) g.set_attr(key, *i);
      else if (auto* d = std::get_if<double>(&value)) g.set_attr(key, *d);
      else g.set_attr(key, std::get<std::string>(value));
    }
    for (const auto& [key, t] : layer.tensors) g.write(key, t.data, t.shape);
  }
}

ModelState read_model(const h5::Group& group) {
  ModelState m;
  m.task = group.has_attr("task") ? group.attr_string("task") : "";
  m.output = group.has_attr("output") ? group.attr_string("output") : "";
  m.input_mean = group.read_double("input_mean").data;
  m.input_std = group.read_double("input_std").data;
  if (group.is_dataset("target_mean")) {
    m.target_mean = group.read_double("target_mean").data;
    m.target_std = group.read_double("target_std").data;
  }
  for (std::size_t l = 0;; ++l) {
    const std::string name = "layer_" + std::to_string(l);
    if (!group.exists(name)) break;
    const h5::Group g = group.open_group(name);
    LayerState layer;
    layer.kind = g.attr_string("kind");
    for (const auto& a : g.attributes()) {
      if (a.name == "kind") continue;
      switch (a.type) {
        case h5::TypeClass::integer: layer.attrs[a.name] = g.attr_int(a.name); break;
        case h5::TypeClass::floating: layer.attrs[a.name] = g.attr_double(a.name); break;
        default: layer.attrs[a.name] = g.attr_string(a.name); break;
      }
    }
    for (const auto& child : g.children()) {
      if (!g.is_dataset(child)) continue;
      auto arr = g.read_double(child);
      layer.tensors[child] = Tensor{arr.shape, std::move(arr.data)};
    }
    m.layers.push_back(std::move(layer));
  }
  return m;
}

}  // namespace kanscan::io
