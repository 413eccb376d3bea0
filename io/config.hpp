#pragma once
// YAML scan definition -> plain config structs (LightGBM config.h style: every key is declared
// once in a table with its type, default, bounds and doc; the parser, the validation, the
// /trials columns and docs/scan-format.md all come from that table). YAML never leaves io/.
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "framework/error.hpp"
#include "types/trial.hpp"

namespace kanscan::io {

// One parsed value of a declared key.
using Range = std::pair<double, double>;
using Value = std::variant<bool, std::int64_t, double, std::string, Range, std::vector<std::string>,
                           std::map<std::string, double>, std::vector<std::int64_t>>;

enum class KeyType { boolean, integer, real, choice, string, range, string_list, number_map, integer_list };
// top: scan options; data: `data:`; train: `train:` (and per-block overrides); model: `models[i]`.
enum class Section { top, data, train, model };
enum class Applies { any, kan, mlp };

struct ScanConfig;

struct KeyDecl {
  Section section = Section::top;
  std::string path;          // dotted path inside its section, e.g. "optimizer.lr", "split.train"
  KeyType type = KeyType::string;
  std::string default_text;  // for docs; "required" when the key is mandatory
  bool required = false;
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;  // exclusive bounds
  std::vector<std::string> choices;       // KeyType::choice
  Applies applies = Applies::any;
  bool axis = false;         // may be a list inside a model block (Cartesian product)
  // Keys added after the first release: left out of the canonical JSON while the trial uses the
  // default, so that adding them does not change the ids of existing scans.
  bool omit_default = false;
  // KAN keys that only some bases use (empty: every basis, or not a KAN key). Irrelevant for a
  // trial of another basis; a model block none of whose bases uses the key refuses it.
  std::vector<Basis> bases;
  std::string column;        // /trials column (train and model keys), "" = none
  std::string doc;
  // Train and model keys act on one trial's config.
  std::function<void(TrialConfig&, const Value&)> set;
  std::function<Value(const TrialConfig&)> get;
  // False when the key cannot influence this trial (e.g. momentum for adam, width at depth 0):
  // the canonical form omits it and the /trials column holds N/A, so such configs are identical.
  std::function<bool(const TrialConfig&)> relevant;
  // Top and data keys act on the scan.
  std::function<void(ScanConfig&, const Value&)> set_scan;
};

// Every declared key, in documentation order.
const std::vector<KeyDecl>& key_table();
const KeyDecl* find_key(Section section, const std::string& path);
std::string section_name(Section s);  // "", "data", "train", "models[]"
std::string describe_value(const KeyDecl& key);  // "integer in [1, 10000]", "one of adam | sgd"
std::string value_to_string(const Value& v);

// A list-valued key of a model block: one axis of the Cartesian product.
struct Axis {
  const KeyDecl* key = nullptr;
  std::vector<Value> values;
  Location where;
};

struct ModelBlock {
  std::string name;          // label written to the /trials `model` column (default: the type)
  TrialConfig base;          // every scalar key applied (train defaults from `train:` included)
  std::vector<Axis> axes;    // list-valued keys in key-table order
  Location where;
};

struct ScanConfig {
  std::string name;
  std::string description;
  Task task = Task::classification;
  DataConfig data;
  TrainConfig train;
  std::vector<std::uint64_t> seeds{1};
  std::vector<ModelBlock> models;
  int threads_per_trial = 1;  // 0 = all cores of the rank
  std::string output;         // results path as written ("" = <name>.h5 in the working directory)
  std::string cache_dir;      // "" = kanscan-cache next to the results file
  std::string source_file;    // the YAML file
  std::string source_dir;     // its directory (relative paths in the YAML are relative to it)
  std::string yaml_text;      // the file as given
  std::vector<std::string> overrides;  // `--set KEY=VALUE` applied on top of it, in order
  std::int64_t max_trials = 1000000;
  std::map<std::string, Location> where;  // key path -> position, for later messages
};

// Parses and validates a scan definition. Throws InputError ("file:line:col: key.path: ...")
// for YAML syntax errors, unknown keys (with "did you mean"), wrong types and values out of
// bounds, and inconsistent combinations (task vs loss, split fractions, ...).
// `overrides` are `KEY=VALUE` texts (`--set`): each VALUE, read as YAML, replaces the value at
// KEY (`train.epochs`, `models[0].grid_size`, `data.events`) before the checks; an error in
// one names the override. `data_file_must_exist` false: a scan read back from a results file,
// whose data file may live elsewhere now.
ScanConfig parse_scan_config(const std::string& yaml_text, const std::string& file_name,
                             const std::vector<std::string>& overrides = {}, bool data_file_must_exist = true);
ScanConfig load_scan_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Applies one value of a trial key (an axis value) to a trial config.
void apply_value(TrialConfig& cfg, const KeyDecl& key, const Value& value);
// Resets keys that cannot influence the trial to their defaults (see KeyDecl::relevant).
void normalize(TrialConfig& cfg);

// Canonical JSON of a trial: sorted keys, shortest round-trip numbers, only relevant keys,
// task, data block and seed included; model_name and threads excluded. Hash it for the id; it
// is also the /trial/<id> `config` attribute. Written only: nothing parses it back (the wire
// form of a trial is scans/trial_codec.hpp).
std::string canonical_json(const TrialConfig& cfg, const DataConfig& data);

// Columns of /trials that describe a trial's configuration (one per train/model key with a
// column name), and the values of one trial (N/A for irrelevant keys: -1, NaN or "").
struct ConfigColumn {
  std::string name;
  KeyType type;  // boolean and integer -> int64, real -> float64, choice/string -> fixed string
  const KeyDecl* key;
  int range_part = -1;  // grid_range is two columns: 0 = lo, 1 = hi
};
std::vector<ConfigColumn> config_columns();

// Markdown table of every key (docs/scan-format.md is generated from this).
std::string describe_keys_markdown();

// Levenshtein-based suggestion among candidates ("" when nothing is close).
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace kanscan::io
