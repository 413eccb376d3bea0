#pragma once
// The built-in event generators, listed once. Whatever needs to know a generator -- the key
// table's choices for `data.generator`, the scan checks, the data shape `kanscan validate`
// reports, `kanscan generate`, the data cache -- asks this registry.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/generators/generator.hpp"

namespace kanscan::io::gen {

struct GeneratorEntry {
  std::string name;
  Task task = Task::classification;
  std::string summary;                                  // one line for --help and docs
  std::vector<KnobSpec> (*knob_specs)() = nullptr;      // knobs with defaults, ranges and docs
  std::unique_ptr<Generator> (*make)(const Knobs& resolved) = nullptr;
};

// Every built-in generator, in documentation order.
const std::vector<GeneratorEntry>& generators();
std::vector<std::string> generator_names();
// Throws InputError (key data.generator) listing the generators for an unknown name.
const GeneratorEntry& generator_entry(const std::string& name);

// Knobs of a generator with defaults; throws InputError for an unknown generator name.
std::vector<KnobSpec> knob_specs(const std::string& generator);
// All knobs with defaults filled in; names are case-insensitive (P_FSR == p_fsr). Unknown
// names and out-of-range values throw InputError (key knobs.<name>) listing what is valid.
Knobs resolve_knobs(const std::string& generator, const std::map<std::string, double>& user);
std::unique_ptr<Generator> make_generator(const std::string& name, const std::map<std::string, double>& user_knobs);

// What a generator with these knobs produces, without generating anything.
struct GeneratorShape {
  Task task = Task::classification;
  std::vector<std::string> features, targets, classes;
  int signal_class = 1;  // binary classification: the class kept (Generator::signal_class)
};
GeneratorShape generator_shape(const std::string& name, const std::map<std::string, double>& user_knobs);

}  // namespace kanscan::io::gen
