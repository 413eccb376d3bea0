#pragma once
// A trained model (framework ModelState) in a results file's `model/` group: the layout of
// docs/scan-format.md (root attributes task, output, n_layers; input_mean/std, target_mean/std;
// one layer_<l> group per layer with a `kind` attribute, its attributes and its tensors).
#include "types/model_state.hpp"
#include "io/h5.hpp"

namespace kanscan::io {

void write_model(h5::Group& group, const ModelState& model);
// InputError naming the file and group when a part is missing or unreadable.
ModelState read_model(const h5::Group& group);

}  // namespace kanscan::io
