#include "io/generators/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "framework/error.hpp"
#include "io/generators/builtin.hpp"

namespace kanscan::io::gen {
namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

const std::vector<GeneratorEntry>& generators() {
  static const std::vector<GeneratorEntry> list = {
      {"tth_thq", Task::classification, "T1: tH (label 1) vs ttH (label 0), H -> photons, >= 1 lepton; 22 features",
       tth_thq_knob_specs, make_tth_thq},
      {"qcd_singletop", Task::classification,
       "T2: QCD multijet with a non-prompt muon (label 1) vs W+jets / ttbar / single top (label 0); 18 features",
       qcd_singletop_knob_specs, make_qcd_singletop},
      {"dm_met", Task::regression,
       "T3: single top + invisible mediator; regression of the neutrino and mediator momenta (6 targets)",
       dm_met_knob_specs, make_dm_met},
  };
  return list;
}

std::vector<std::string> generator_names() {
  std::vector<std::string> out;
  for (const auto& g : generators()) out.push_back(g.name);
  return out;
}

const GeneratorEntry& generator_entry(const std::string& name) {
  for (const auto& g : generators())
    if (g.name == name) return g;
  throw InputError(Location{"", -1, -1, "data.generator"},
                   fmt::format("unknown generator '{}', expected one of: {}", name, fmt::join(generator_names(), ", ")));
}

std::vector<KnobSpec> knob_specs(const std::string& generator) { return generator_entry(generator).knob_specs(); }

Knobs resolve_knobs(const std::string& generator, const std::map<std::string, double>& user) {
  const auto specs = knob_specs(generator);
  Knobs out;
  for (const auto& s : specs) out[s.name] = s.value;
  for (const auto& [raw, value] : user) {
    const std::string name = lower(raw);
    auto it = std::find_if(specs.begin(), specs.end(), [&](const KnobSpec& s) { return s.name == name; });
    if (it == specs.end()) {
      std::vector<std::string> valid;
      for (const auto& s : specs) valid.push_back(s.name);
      throw InputError(Location{"", -1, -1, "knobs." + raw},
                       fmt::format("unknown knob '{}' for generator {}; valid knobs: {}", raw, generator,
                                   fmt::join(valid, ", ")));
    }
    if (!std::isfinite(value) || value < it->lo || value > it->hi)
      throw InputError(Location{"", -1, -1, "knobs." + raw},
                       fmt::format("knob {} = {} out of range, expected a value in [{}, {}] ({})", name, value, it->lo,
                                   it->hi, it->doc));
    out[name] = value;
  }
  return out;
}

std::unique_ptr<Generator> make_generator(const std::string& name, const std::map<std::string, double>& user_knobs) {
  const GeneratorEntry& entry = generator_entry(name);
  return entry.make(resolve_knobs(name, user_knobs));
}

GeneratorShape generator_shape(const std::string& name, const std::map<std::string, double>& user_knobs) {
  // Constructing a generator only reads its knobs: cheap, and the one source of its names.
  const auto g = make_generator(name, user_knobs);
  GeneratorShape s;
  s.task = g->task();
  s.features = g->feature_names();
  s.targets = g->target_names();
  if (s.task == Task::classification) s.classes = g->class_names();
  s.signal_class = g->signal_class();
  return s;
}

}  // namespace kanscan::io::gen
