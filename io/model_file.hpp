#pragma once
// A trained model (ModelState) in a results file's `model/` group: the layout of
// docs/scan-format.md (root attributes task, output, n_layers; input_mean/std, target_mean/std;
// one layer_<l> group per layer with a `kind` attribute, its attributes and its tensors). The
// names of the settings in the file come from types/vocabulary.hpp.
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "io/h5.hpp"
#include "types/model_state.hpp"

namespace kanscan::io {

void write_model(h5::Group& group, const ModelState& model);
// InputError naming the file and group when a part is missing, unreadable or of an unknown kind.
ModelState read_model(const h5::Group& group);

// A layer's settings as the attributes of its group, sorted by name (kind excluded): kan layers
// `basis` (string, absent in files before the other bases: bspline) and that basis's settings
// (bspline: grid_size and spline_order, int64; the others: docs/models.md "Checkpoint layout");
// linear layers activation (string) and, for leaky_relu, leaky_slope (double). The journal
// stores the same list.
using LayerAttribute = std::variant<std::int64_t, double, std::string>;
std::vector<std::pair<std::string, LayerAttribute>> layer_attributes(const LayerState& layer);
// Sets the setting an attribute names; unknown names are ignored (other writers may add some).
// `where` names the layer in messages: an attribute of the wrong type or an unknown activation is an InputError.
void set_layer_attribute(LayerState& layer, const std::string& name, const LayerAttribute& value,
                         const std::string& where);
// The default output of a model file without an `output` attribute: identity for regression,
// sigmoid for one output, softmax for several.
OutputKind default_output(const ModelState& model);

}  // namespace kanscan::io
