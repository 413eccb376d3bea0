#pragma once
// Internal: the knob table and the factory of each built-in generator, which
// io/generators/registry.cpp lists.
#include <memory>
#include <vector>

#include "io/generators/generator.hpp"

namespace kanscan::io::gen {

std::vector<KnobSpec> tth_thq_knob_specs();
std::unique_ptr<Generator> make_tth_thq(const Knobs& knobs);
std::vector<KnobSpec> qcd_singletop_knob_specs();
std::unique_ptr<Generator> make_qcd_singletop(const Knobs& knobs);
std::vector<KnobSpec> dm_met_knob_specs();
std::unique_ptr<Generator> make_dm_met(const Knobs& knobs);

}  // namespace kanscan::io::gen
