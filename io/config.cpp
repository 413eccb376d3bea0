// YAML -> ScanConfig. yaml-cpp's own messages are terse, so every error is rebuilt as
// "file:line:col: key.path: expected ..., got ..." from the node's Mark and the key table.
#include "io/config.hpp"

#include "framework/log.hpp"
#include "io/generators/registry.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

namespace kanscan::io {
namespace {

namespace fs = std::filesystem;

struct Ctx {
  std::string file;
};

Location loc(const Ctx& c, const YAML::Node& n, const std::string& key) {
  const YAML::Mark m = n.Mark();
  return Location{c.file, m.line >= 0 ? m.line + 1 : -1, m.column >= 0 ? m.column + 1 : -1, key};
}

[[noreturn]] void fail(const Ctx& c, const YAML::Node& n, const std::string& key, const std::string& detail) {
  throw InputError(loc(c, n, key), detail);
}

std::string got(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing (an empty value)";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", excerpt(n.Scalar()));
    default: return "an undefined value";
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

std::string fmt_bound(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (std::abs(x) >= 1e6 && x == std::floor(x)) return fmt::format("{:.0e}", x);
  return fmt::format("{}", x);
}

std::string bounds_text(const KeyDecl& k) {
  const bool has_lo = !std::isinf(k.lo), has_hi = !std::isinf(k.hi);
  if (has_lo && has_hi)
    return fmt::format(" in {}{}, {}{}", k.lo_open ? "(" : "[", fmt_bound(k.lo), fmt_bound(k.hi), k.hi_open ? ")" : "]");
  if (has_lo) return fmt::format(" {} {}", k.lo_open ? ">" : ">=", fmt_bound(k.lo));
  if (has_hi) return fmt::format(" {} {}", k.hi_open ? "<" : "<=", fmt_bound(k.hi));
  return "";
}

bool in_bounds(const KeyDecl& k, double x) {
  if (k.lo_open ? !(x > k.lo) : !(x >= k.lo)) return false;
  if (k.hi_open ? !(x < k.hi) : !(x <= k.hi)) return false;
  return true;
}

std::optional<double> parse_real(const std::string& s) {
  std::string t = s;
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  double x = 0;
  const auto* end = t.data() + t.size();
  auto [p, ec] = std::from_chars(t.data(), end, x);
  if (ec != std::errc() || p != end || t.empty()) return std::nullopt;
  if (!std::isfinite(x)) return std::nullopt;
  return x;
}

// Integers may be written 200000 or 2e5 (integral values only).
std::optional<std::int64_t> parse_int(const std::string& s) {
  std::string t = s;
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  std::int64_t v = 0;
  const auto* end = t.data() + t.size();
  auto [p, ec] = std::from_chars(t.data(), end, v);
  if (ec == std::errc() && p == end && !t.empty()) return v;
  auto x = parse_real(s);
  if (x && *x == std::floor(*x) && std::abs(*x) < 9.2e18) return static_cast<std::int64_t>(*x);
  return std::nullopt;
}

std::optional<bool> parse_bool(const std::string& s) {
  const std::string t = lower(s);
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::string expected_list_elem(const KeyDecl& k) {
  switch (k.type) {
    case KeyType::integer_list: return "an integer" + bounds_text(k);
    default: return "a string";
  }
}

// Parses one (non-list) value of `key` from node n.
Value parse_typed_value(const Ctx& c, const KeyDecl& k, const YAML::Node& n, const std::string& path) {
  auto expect = [&](const std::string& what) -> std::string {
    return fmt::format("expected {}, got {}", what, got(n));
  };
  auto scalar = [&](const std::string& what) -> std::string {
    if (!n.IsScalar()) fail(c, n, path, expect(what));
    return n.Scalar();
  };
  switch (k.type) {
    case KeyType::boolean: {
      const std::string s = scalar("true or false");
      auto b = parse_bool(s);
      if (!b) fail(c, n, path, expect("true or false"));
      return *b;
    }
    case KeyType::integer: {
      const std::string what = "an integer" + bounds_text(k);
      auto v = parse_int(scalar(what));
      if (!v || !in_bounds(k, static_cast<double>(*v))) fail(c, n, path, expect(what));
      return *v;
    }
    case KeyType::real: {
      const std::string what = "a number" + bounds_text(k);
      auto v = parse_real(scalar(what));
      if (!v || !in_bounds(k, *v)) fail(c, n, path, expect(what));
      return *v == 0.0 ? 0.0 : *v;  // no negative zero in canonical forms
    }
    case KeyType::choice: {
      std::string opts;
      for (const auto& ch : k.choices) opts += (opts.empty() ? "" : " | ") + ch;
      const std::string s = scalar("one of " + opts);
      if (std::find(k.choices.begin(), k.choices.end(), s) == k.choices.end()) {
        const std::string near = did_you_mean(s, k.choices);
        fail(c, n, path, expect("one of " + opts) + (near.empty() ? "" : fmt::format("; did you mean '{}'?", near)));
      }
      return s;
    }
    case KeyType::string: {
      const std::string s = scalar("a string");
      if (s.empty()) fail(c, n, path, "expected a non-empty string, got an empty one");
      if (s.find('\0') != std::string::npos) fail(c, n, path, "the string contains a NUL byte");
      if (!std::isinf(k.hi) && static_cast<double>(s.size()) > k.hi)
        fail(c, n, path, fmt::format("expected at most {} characters, got {}", k.hi, s.size()));
      return s;
    }
    case KeyType::range: {
      const std::string what = "a list of two numbers [lo, hi] with lo < hi";
      if (!n.IsSequence() || n.size() != 2) fail(c, n, path, expect(what));
      Range r;
      for (std::size_t i = 0; i < 2; ++i) {
        const YAML::Node e = n[i];
        auto v = e.IsScalar() ? parse_real(e.Scalar()) : std::nullopt;
        if (!v) fail(c, e, fmt::format("{}[{}]", path, i), fmt::format("expected a number, got {}", got(e)));
        (i == 0 ? r.first : r.second) = *v;
      }
      if (!(r.first < r.second))
        fail(c, n, path, fmt::format("expected lo < hi, got [{}, {}]", r.first, r.second));
      return r;
    }
    case KeyType::string_list: {
      std::vector<std::string> out;
      if (n.IsScalar()) return std::vector<std::string>{n.Scalar()};
      if (!n.IsSequence()) fail(c, n, path, expect("a list of strings"));
      std::set<std::string> seen;
      for (std::size_t i = 0; i < n.size(); ++i) {
        const YAML::Node e = n[i];
        const std::string ep = fmt::format("{}[{}]", path, i);
        if (!e.IsScalar() || e.Scalar().empty()) fail(c, e, ep, fmt::format("expected a string, got {}", got(e)));
        if (!seen.insert(e.Scalar()).second) fail(c, e, ep, fmt::format("'{}' is listed twice", e.Scalar()));
        out.push_back(e.Scalar());
      }
      if (out.empty()) fail(c, n, path, "expected a non-empty list of strings, got an empty list");
      return out;
    }
    case KeyType::number_map: {
      if (!n.IsMap()) fail(c, n, path, expect("a mapping of names to numbers"));
      std::map<std::string, double> out;
      for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string name = it->first.Scalar();
        const std::string ep = path + "." + name;
        if (out.count(name)) fail(c, it->first, ep, "duplicate key");
        auto v = it->second.IsScalar() ? parse_real(it->second.Scalar()) : std::nullopt;
        if (!v) fail(c, it->second, ep, fmt::format("expected a number, got {}", got(it->second)));
        out[name] = *v;
      }
      return out;
    }
    case KeyType::integer_list: {
      std::vector<std::int64_t> out;
      auto one = [&](const YAML::Node& e, const std::string& ep) {
        auto v = e.IsScalar() ? parse_int(e.Scalar()) : std::nullopt;
        if (!v || !in_bounds(k, static_cast<double>(*v)))
          fail(c, e, ep, fmt::format("expected {}, got {}", expected_list_elem(k), got(e)));
        if (std::find(out.begin(), out.end(), *v) != out.end())
          fail(c, e, ep, fmt::format("{} is listed twice", *v));
        out.push_back(*v);
      };
      if (n.IsScalar()) {
        one(n, path);
      } else if (n.IsSequence()) {
        for (std::size_t i = 0; i < n.size(); ++i) one(n[i], fmt::format("{}[{}]", path, i));
        if (out.empty()) fail(c, n, path, "expected at least one value, got an empty list");
      } else {
        fail(c, n, path, expect("an integer or a list of integers"));
      }
      return out;
    }
  }
  fail(c, n, path, "internal: unhandled key type");
}

// A key that was removed: its default is accepted with a warning (trial ids unchanged), any
// other value is refused with the reason (KeyDecl::removed).
Value parse_value(const Ctx& c, const KeyDecl& k, const YAML::Node& n, const std::string& path) {
  const Value v = parse_typed_value(c, k, n, path);
  if (!k.removed.empty()) {
    if (!(k.get && k.get(TrialConfig{}) == v)) fail(c, n, path, "this key was removed: " + k.removed);
    log::warn("{}: this key has no effect (it was removed; delete the line): {}", format_location(loc(c, n, path)),
              k.removed);
  }
  return v;
}

using KeyFn = std::function<void(const KeyDecl&, const YAML::Node& value, const YAML::Node& key_node,
                                 const std::string& display_path)>;

std::vector<const KeyDecl*> keys_of(const std::vector<Section>& secs) {
  std::vector<const KeyDecl*> out;
  for (const auto& k : key_table())
    if (std::find(secs.begin(), secs.end(), k.section) != secs.end()) out.push_back(&k);
  return out;
}

std::string leaf(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

std::string qualified(const KeyDecl& k) {
  const std::string s = section_name(k.section);
  if (k.section == Section::top) return k.path;
  if (k.section == Section::model) return "models[i]." + k.path;
  return s + "." + k.path;
}

// Walks one mapping of declared keys (dotted paths are nested mappings), calling fn per key.
void walk(const Ctx& c, const YAML::Node& map, const std::vector<Section>& secs, const std::string& prefix,
          const std::string& display, const std::vector<std::string>& extra_names, const KeyFn& fn,
          const std::function<bool(const std::string&, const YAML::Node&, const YAML::Node&)>& extra = nullptr) {
  if (!map.IsMap())
    fail(c, map, display.empty() ? "(top level)" : display, fmt::format("expected a mapping, got {}", got(map)));
  const auto keys = keys_of(secs);
  std::map<std::string, int> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    if (!key_node.IsScalar()) fail(c, key_node, display, "expected a plain key name, got " + got(key_node));
    const std::string name = key_node.Scalar();
    const std::string dpath = display.empty() ? name : display + "." + name;
    if (auto s = seen.find(name); s != seen.end())
      fail(c, key_node, dpath, fmt::format("duplicate key (first given at line {})", s->second));
    seen[name] = key_node.Mark().line + 1;
    if (prefix.empty() && extra && extra(name, value, key_node)) continue;
    const std::string full = prefix.empty() ? name : prefix + "." + name;
    const KeyDecl* hit = nullptr;
    bool group = false;
    for (const auto* k : keys) {
      if (k->path == full) hit = k;
      if (k->path.rfind(full + ".", 0) == 0) group = true;
    }
    if (hit) {
      fn(*hit, value, key_node, dpath);
      continue;
    }
    if (group) {
      if (value.IsMap()) {
        walk(c, value, secs, full, dpath, {}, fn);
        continue;
      }
      // `optimizer: adam` / `optimizer: [adam, sgd]` is short for `optimizer: {name: ...}`.
      bool shorthand = false;
      for (const auto* k : keys)
        if (k->path == full + ".name") {
          fn(*k, value, key_node, dpath);
          shorthand = true;
        }
      if (shorthand) continue;
      std::string inner;
      for (const auto* k : keys)
        if (k->path.rfind(full + ".", 0) == 0) inner += (inner.empty() ? "" : ", ") + k->path.substr(full.size() + 1);
      fail(c, value, dpath, fmt::format("expected a mapping with keys {}, got {}", inner, got(value)));
    }
    // Unknown: suggest a sibling, or the place where a key of that name lives.
    std::vector<std::string> siblings = extra_names;
    for (const auto* k : keys) {
      if (!prefix.empty() && k->path.rfind(prefix + ".", 0) != 0) continue;
      std::string rest = prefix.empty() ? k->path : k->path.substr(prefix.size() + 1);
      rest = rest.substr(0, rest.find('.'));
      if (std::find(siblings.begin(), siblings.end(), rest) == siblings.end()) siblings.push_back(rest);
    }
    std::string hint;
    const std::string near = did_you_mean(name, siblings);
    if (!near.empty()) {
      hint = fmt::format("; did you mean '{}'?", near);
    } else {
      for (const auto* k : keys)
        if (leaf(k->path) == name && k->path != full) {
          hint = fmt::format("; did you mean '{}'?", k->path);
          break;
        }
      if (hint.empty())
        for (const auto& k : key_table())
          if (leaf(k.path) == name) {
            hint = fmt::format("; '{}' belongs at {}", name, qualified(k));
            break;
          }
    }
    std::string valid;
    for (const auto& s : siblings) valid += (valid.empty() ? "" : ", ") + s;
    fail(c, key_node, dpath, fmt::format("unknown key{} (valid keys here: {})", hint, valid));
  }
}

// The names of E's values that serve `task`, for messages.
template <typename E, typename Serves>
std::string serving(Task task, Serves serves) {
  std::string out;
  for (const auto& e : Vocabulary<E>::entries)
    if (serves(e.value, task)) out += (out.empty() ? "" : " | ") + std::string(e.name);
  return out;
}

// Losses and monitors that the scan's task cannot use (types/vocabulary.hpp says which).
void check_task_value(Task task, const KeyDecl& k, const Value& v, const Location& where) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s) return;
  const Task other = task == Task::classification ? Task::regression : Task::classification;
  if (k.path == "loss") {
    const Loss loss = *parse_name<Loss>(*s);
    if (!loss_serves(loss, task))
      throw InputError(where, fmt::format("loss '{}' needs task {}; for {} use {}", *s, to_string(other), to_string(task),
                                          serving<Loss>(task, loss_serves)));
  }
  if (k.path == "early_stopping.monitor") {
    const Monitor monitor = *parse_name<Monitor>(*s);
    if (!monitor_serves(monitor, task))
      throw InputError(where, fmt::format("monitor '{}' needs task {}; for {} use {}", *s, to_string(other),
                                          to_string(task), serving<Monitor>(task, monitor_serves)));
  }
}

// The generator checks its knobs now, so that `validate` reports a bad knob with its position.
void check_knobs(const ScanConfig& scan, const Location& knobs_where) {
  try {
    gen::resolve_knobs(scan.data.generator, scan.data.knobs);
  } catch (const InputError& e) {
    Location where = knobs_where;
    const std::string key = "data." + e.where().key;
    if (auto it = scan.where.find(key); it != scan.where.end()) where = it->second;
    where.key = key;
    throw InputError(where, e.detail());
  }
}

}  // namespace

std::string section_name(Section s) {
  switch (s) {
    case Section::top: return "";
    case Section::data: return "data";
    case Section::train: return "train";
    case Section::model: return "models[]";
  }
  return "";
}

std::string describe_value(const KeyDecl& k) {
  switch (k.type) {
    case KeyType::boolean: return "true or false";
    case KeyType::integer: return "integer" + bounds_text(k);
    case KeyType::real: return "number" + bounds_text(k);
    case KeyType::choice: {
      std::string opts;
      for (const auto& ch : k.choices) opts += (opts.empty() ? "" : " | ") + ch;
      return "one of " + opts;
    }
    case KeyType::string: return std::isinf(k.hi) ? "string" : fmt::format("string (at most {} characters)", k.hi);
    case KeyType::range: return "[lo, hi], lo < hi";
    case KeyType::string_list: return "list of strings";
    case KeyType::number_map: return "mapping name: number";
    case KeyType::integer_list: return "integer or list of integers" + bounds_text(k);
  }
  return "";
}

std::string value_to_string(const Value& v) {
  struct V {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const Range& r) const { return fmt::format("[{}, {}]", r.first, r.second); }
    std::string operator()(const std::vector<std::string>& l) const { return fmt::format("[{}]", fmt::join(l, ", ")); }
    std::string operator()(const std::vector<std::int64_t>& l) const { return fmt::format("[{}]", fmt::join(l, ", ")); }
    std::string operator()(const std::map<std::string, double>& m) const {
      std::string out;
      for (const auto& [k, x] : m) out += (out.empty() ? "" : ", ") + fmt::format("{}: {}", k, x);
      return "{" + out + "}";
    }
  };
  return std::visit(V{}, v);
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance (edits + adjacent transpositions), case-insensitive.
  auto dist = [](const std::string& a0, const std::string& b0) {
    const std::string a = lower(a0), b = lower(b0);
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i)
      for (std::size_t j = 1; j <= m; ++j) {
        const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    return d[n][m];
  };
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& cand : candidates) {
    const std::size_t dd = dist(word, cand);
    if (dd < best_d) {
      best_d = dd;
      best = cand;
    }
  }
  const std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(3, word.size() / 3));
  return best_d <= limit && best_d > 0 ? best : "";
}

namespace {

// One scan file's parse: the top level, then `data:`, `train:` and each model block, every key
// through the key table, every position remembered for later messages.
class ScanParser {
 public:
  ScanParser(const std::string& yaml_text, const std::string& file_name, const std::vector<std::string>& overrides,
             bool data_file_must_exist)
      : c_{file_name}, data_file_must_exist_(data_file_must_exist) {
    scan_.source_file = file_name;
    scan_.source_dir = fs::path(file_name).parent_path().string();
    scan_.yaml_text = yaml_text;
    scan_.overrides = overrides;
  }

  // A problem in a key that a --set override gave is reported at the override, not in the file.
  ScanConfig parse() {
    try {
      return parse_all();
    } catch (const InputError& e) {
      const std::string& key = e.where().key;
      for (const auto& [path, text] : override_paths_) {
        // The key itself, a key inside it, or the group it belongs to (data.split for data.split.train).
        const bool under = key == path || key.rfind(path + ".", 0) == 0 || key.rfind(path + "[", 0) == 0 ||
                           (!key.empty() && path.rfind(key + ".", 0) == 0);
        if (under) throw InputError(Location{"--set " + excerpt(text), -1, -1, key}, e.detail());
      }
      throw;
    }
  }

 private:
  ScanConfig parse_all() {
    YAML::Node root = load();
    for (const auto& o : scan_.overrides) apply_override(root, o);
    parse_top(root);
    if (!data_) fail(c_, root, "data", "missing required section 'data' (generator or path, events, split)");
    parse_data(*data_);
    check_data();
    if (train_) parse_train(*train_);
    if (!models_) fail(c_, root, "models", "missing required key 'models' (a list of model blocks)");
    parse_models(*models_);
    return std::move(scan_);
  }

  // `--set PATH=VALUE`: VALUE is YAML (a scalar or a flow list/mapping) put at PATH (dotted
  // names, `[i]` for a list element, e.g. models[0].grid_size) before the scan is checked, so
  // the key table judges it like a key of the file; `PATH=null` removes the key.
  void apply_override(YAML::Node& root, const std::string& text) {
    const Location here{"--set " + excerpt(text), -1, -1, ""};
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
      throw InputError(here, "expected KEY=VALUE, e.g. --set train.epochs=5 or --set 'models[0].grid_size=[3,5]'");
    const std::string path = text.substr(0, eq), value_text = text.substr(eq + 1);
    YAML::Node value;
    try {
      value = YAML::Load(value_text);
    } catch (const YAML::Exception& e) {
      throw InputError(Location{here.file, -1, -1, path}, "the value is not valid YAML: " + e.msg);
    }
    YAML::Node cur;
    cur.reset(root);
    std::string shown;
    std::size_t pos = 0;
    while (pos < path.size()) {
      std::size_t end = path.find_first_of(".[", pos);
      if (end == std::string::npos) end = path.size();
      const std::string name = path.substr(pos, end - pos);
      if (name.empty()) throw InputError(Location{here.file, -1, -1, path}, "expected a key path like train.epochs or models[0].width");
      shown += (shown.empty() ? "" : ".") + name;
      std::optional<std::size_t> index;
      pos = end;
      if (pos < path.size() && path[pos] == '[') {
        const auto close = path.find(']', pos);
        std::size_t i = 0;
        const auto [p, ec] = std::from_chars(path.data() + pos + 1, path.data() + (close == std::string::npos ? pos + 1 : close), i);
        if (close == std::string::npos || ec != std::errc() || p != path.data() + close)
          throw InputError(Location{here.file, -1, -1, path}, "expected a list index like models[0]");
        index = i;
        pos = close + 1;
      }
      if (pos < path.size() && path[pos] == '.') ++pos;
      const bool last = pos >= path.size();
      if (!cur.IsMap()) {
        if (!cur.IsScalar() || !cur.IsDefined()) throw InputError(Location{here.file, -1, -1, path}, fmt::format("'{}' is not a mapping", shown));
        // `optimizer: adam` is short for `optimizer: {name: adam}`: a sub-key needs the long form.
        YAML::Node long_form(YAML::NodeType::Map);
        long_form["name"] = cur.Scalar();
        cur = long_form;  // assigns in place: cur is the tree's node
      }
      if (last && !index && value.IsNull()) {  // `KEY=null` removes the key: its default applies
        cur.remove(name);
        break;
      }
      if (!cur[name] || cur[name].IsNull()) {
        if (index) throw InputError(Location{here.file, -1, -1, shown}, "not in the scan file: there is no list to index");
        cur[name] = last ? value : YAML::Node(YAML::NodeType::Map);
        if (last) break;
      }
      YAML::Node next;
      next.reset(cur[name]);
      if (index) {
        if (!next.IsSequence() || *index >= next.size())
          throw InputError(Location{here.file, -1, -1, shown},
                           fmt::format("'{}' has {} element(s); [{}] does not exist", shown,
                                       next.IsSequence() ? next.size() : 0, *index));
        shown += fmt::format("[{}]", *index);
        YAML::Node elem;
        elem.reset(next[*index]);
        next.reset(elem);
      }
      if (last) {
        next = value;  // assigns in place
        break;
      }
      cur.reset(next);
    }
    override_paths_.emplace_back(shown, text);
  }

  void record(const std::string& path, const YAML::Node& n) { scan_.where[path] = loc(c_, n, path); }
  Location where_or(const std::string& key, const Location& fallback) const {
    auto it = scan_.where.find(key);
    Location l = it != scan_.where.end() ? it->second : fallback;
    l.key = key;
    return l;
  }

  YAML::Node load() {
    YAML::Node root;
    try {
      root = YAML::Load(scan_.yaml_text);
    } catch (const YAML::Exception& e) {
      throw InputError(Location{c_.file, e.mark.line + 1, e.mark.column + 1, ""}, "YAML syntax error: " + e.msg);
    }
    if (root.IsNull() || !root.IsDefined())
      throw InputError(Location{c_.file, -1, -1, ""},
                       "empty scan definition; expected a mapping with keys name, task, data, train, seeds, models");
    if (!root.IsMap())
      fail(c_, root, "(top level)", fmt::format("expected a mapping with keys name, task, data, models, got {}", got(root)));
    return root;
  }

  // Top-level scalars; remembers where the sections are.
  void parse_top(const YAML::Node& root) {
    walk(c_, root, {Section::top}, "", "", {"data", "train", "models"},
         [&](const KeyDecl& k, const YAML::Node& v, const YAML::Node& key_node, const std::string& path) {
           record(path, key_node);
           k.set_scan(scan_, parse_value(c_, k, v, path));
         },
         [&](const std::string& name, const YAML::Node& v, const YAML::Node& key_node) {
           if (name == "data") data_ = v;
           else if (name == "train") train_ = v;
           else if (name == "models") models_ = v;
           else return false;
           record(name, key_node);
           return true;
         });
    for (const auto* k : keys_of({Section::top}))
      if (k->required && !scan_.where.count(k->path))
        fail(c_, root, k->path, fmt::format("missing required key '{}' ({})", k->path, describe_value(*k)));
  }

  void parse_data(const YAML::Node& node) {
    walk(c_, node, {Section::data}, "", "data", {},
         [&](const KeyDecl& k, const YAML::Node& v, const YAML::Node& key_node, const std::string& path) {
           record(path, key_node);
           k.set_scan(scan_, parse_value(c_, k, v, path));
         });
    scan_.data.source_file = c_.file;
  }

  // The data block as a whole: generator xor file, and what each of them allows.
  void check_data() {
    const Location data_loc = scan_.where["data"];
    const auto& d = scan_.data;
    const bool has_gen = !d.generator.empty(), has_path = !d.path.empty();
    if (has_gen == has_path)
      throw InputError(where_or("data", data_loc),
                       has_gen ? "give either 'generator' or 'path', not both"
                               : fmt::format("missing 'generator' ({}) or 'path' (a data file)",
                                             fmt::join(gen::generator_names(), " | ")));
    if (has_gen) check_generator(data_loc);
    else check_file(data_loc);
    const double sum = d.train + d.val + d.test;
    if (std::abs(sum - 1.0) > 1e-9)
      throw InputError(where_or("data.split", data_loc),
                       fmt::format("fractions must sum to 1, got {} (train {} + val {} + test {})", sum, d.train, d.val,
                                   d.test));
    check_repeated_splits(data_loc);
  }

  void check_repeated_splits(const Location& data_loc) {
    const auto& d = scan_.data;
    if (d.folds == 1 || d.folds == 2)
      throw InputError(where_or("data.split.folds", data_loc),
                       fmt::format("expected 0 (one split) or at least 3 folds (one tests, one validates, the rest "
                                   "train), got {}",
                                   d.folds));
    if (d.folds > 1 && !d.split_seeds.empty())
      throw InputError(where_or("data.split.seeds", data_loc), "give either 'folds' or 'seeds', not both");
    if (d.folds > 1)
      for (const char* k : {"data.split.train", "data.split.val", "data.split.test"})
        if (scan_.where.count(k))
          throw InputError(where_or(k, data_loc),
                           fmt::format("with {} folds each fold tests, the next validates and the rest train: "
                                       "leave out the fractions",
                                       d.folds));
  }

  void check_generator(const Location& data_loc) {
    const auto& d = scan_.data;
    if (d.events <= 0)
      throw InputError(where_or("data.events", data_loc),
                       "expected an integer > 0 (events to generate) with a generator, got " +
                           (scan_.where.count("data.events") ? std::to_string(d.events) : std::string("nothing")));
    const Task produced = gen::generator_entry(d.generator).task;
    if (produced != scan_.task)
      throw InputError(where_or("task", data_loc),
                       fmt::format("generator '{}' produces a {} task, but task is '{}'", d.generator,
                                   to_string(produced), to_string(scan_.task)));
    check_knobs(scan_, where_or("data.knobs", data_loc));
    for (const char* k : {"data.label", "data.targets", "data.weights", "data.delimiter", "data.classes"})
      if (scan_.where.count(k)) throw InputError(where_or(k, data_loc), "only for CSV files given by 'path', not with a generator");
  }

  void check_file(const Location& data_loc) {
    const auto& d = scan_.data;
    if (scan_.where.count("data.knobs")) throw InputError(where_or("data.knobs", data_loc), "knobs apply to a generator only");
    const fs::path p = fs::path(d.path).is_absolute() ? fs::path(d.path) : fs::path(scan_.source_dir) / d.path;
    std::string ext = lower(p.extension().string());
    const bool csv = ext == ".csv";
    if (!csv && ext != ".h5" && ext != ".hdf5")
      throw InputError(where_or("data.path", data_loc), fmt::format("expected a .h5, .hdf5 or .csv file, got '{}'", d.path));
    if (data_file_must_exist_ && !fs::exists(p))
      throw InputError(where_or("data.path", data_loc), fmt::format("file '{}' not found (looked for {})", d.path, p.string()));
    if (csv && scan_.task == Task::classification && d.label_column.empty())
      throw InputError(where_or("data", data_loc), "a CSV file for classification needs 'label' (the label column)");
    if (csv && scan_.task == Task::regression && d.target_columns.empty())
      throw InputError(where_or("data", data_loc), "a CSV file for regression needs 'targets' (the target columns)");
    if (!csv)
      for (const char* k : {"data.label", "data.targets", "data.weights", "data.delimiter", "data.classes"})
        if (scan_.where.count(k))
          throw InputError(where_or(k, data_loc),
                           "only for CSV files; HDF5 files use /labels, /targets, /weights and /class_names");
    if (d.delimiter.size() != 1 || d.delimiter == "\"" || d.delimiter == "\n" || d.delimiter == "\r")
      throw InputError(where_or("data.delimiter", data_loc),
                       fmt::format("expected one character other than a quote or a line break (e.g. \";\" or \"\\t\"), got '{}'",
                                   excerpt(d.delimiter)));
    if (!d.classes.empty() && scan_.task != Task::classification)
      throw InputError(where_or("data.classes", data_loc), "only for task: classification");
    if (scan_.where.count("data.classes") && d.classes.size() < 2)
      throw InputError(where_or("data.classes", data_loc),
                       fmt::format("expected at least two class names (class index = position), got {}", d.classes.size()));
  }

  // Train defaults: scalars only (lists expand inside model blocks).
  void parse_train(const YAML::Node& node) {
    walk(c_, node, {Section::train}, "", "train", {},
         [&](const KeyDecl& k, const YAML::Node& v, const YAML::Node& key_node, const std::string& path) {
           record(path, key_node);
           if (v.IsSequence())
             fail(c_, v, path, fmt::format("expected a single value, got a list; lists expand only inside a model block "
                                           "(move '{}: [...]' into the models[] blocks)", leaf(k.path)));
           const Value val = parse_value(c_, k, v, path);
           check_task_value(scan_.task, k, val, loc(c_, v, path));
           TrialConfig tmp;
           tmp.train = scan_.train;
           k.set(tmp, val);
           scan_.train = tmp.train;
         });
  }

  void parse_models(const YAML::Node& node) {
    if (!node.IsSequence() || node.size() == 0)
      fail(c_, node, "models", fmt::format("expected a non-empty list of model blocks, got {}", got(node)));
    std::int64_t total = 0;
    for (std::size_t i = 0; i < node.size(); ++i) {
      ModelBlock b = parse_block(node[i], fmt::format("models[{}]", i));
      std::int64_t n = 1;
      for (const auto& ax : b.axes) n = std::min<std::int64_t>(n * static_cast<std::int64_t>(ax.values.size()), 1LL << 40);
      total += n * static_cast<std::int64_t>(scan_.seeds.size());
      scan_.models.push_back(std::move(b));
    }
    if (total > scan_.max_trials)
      throw InputError(where_or("models", scan_.where["data"]),
                       fmt::format("expands to {} trials, more than max_trials = {} (raise max_trials if this is intended)",
                                   total, scan_.max_trials));
  }

  ModelBlock parse_block(const YAML::Node& blk, const std::string& bpath) {
    if (!blk.IsMap()) fail(c_, blk, bpath, fmt::format("expected a mapping with 'type' (kan | mlp), got {}", got(blk)));
    ModelBlock b;
    b.where = loc(c_, blk, bpath);
    b.base.task = scan_.task;
    b.base.train = scan_.train;
    const YAML::Node type_node = blk["type"];
    const KeyDecl* type_key = find_key(Section::model, "type");
    if (!type_node) fail(c_, blk, bpath + ".type", "missing required key 'type' (kan | mlp)");
    if (type_node.IsSequence())
      fail(c_, type_node, bpath + ".type", "expected one of kan | mlp, got a list; use one block per model type");
    const Value tv = parse_value(c_, *type_key, type_node, bpath + ".type");
    type_key->set(b.base, tv);
    const std::string type_name = std::get<std::string>(tv);
    b.name = type_name;
    std::vector<std::pair<const KeyDecl*, Location>> restricted;  // keys some bases do not use
    walk(c_, blk, {Section::model, Section::train}, "", bpath, {},
         [&](const KeyDecl& k, const YAML::Node& v, const YAML::Node& key_node, const std::string& path) {
           record(path, key_node);
           if (k.path == "type") return;
           if (k.path == "name") {
             b.name = std::get<std::string>(parse_value(c_, k, v, path));
             return;
           }
           if ((k.applies == Applies::kan && type_name != "kan") || (k.applies == Applies::mlp && type_name != "mlp"))
             fail(c_, key_node, path,
                  fmt::format("applies to type {} only (this block is type {})", k.applies == Applies::kan ? "kan" : "mlp",
                              type_name));
           if (!k.bases.empty()) restricted.emplace_back(&k, loc(c_, key_node, path));
           block_key(b, k, v, key_node, path);
         });
    check_bases(b, restricted);
    // Axes in key-table order, so the expansion order does not depend on the YAML key order.
    std::sort(b.axes.begin(), b.axes.end(), [](const Axis& x, const Axis& y) { return x.key < y.key; });
    return b;
  }

  // A basis option in a block none of whose bases uses it (cheby_degree with basis rbf, a grid
  // update asked of a basis without a grid) is refused, naming the key.
  static void check_bases(const ModelBlock& b, const std::vector<std::pair<const KeyDecl*, Location>>& restricted) {
    std::vector<Basis> block{b.base.model.basis};
    for (const auto& ax : b.axes)
      if (ax.key->path == "basis") {
        block.clear();
        for (const auto& v : ax.values) block.push_back(*parse_name<Basis>(std::get<std::string>(v)));
      }
    for (const auto& [k, where] : restricted) {
      bool used = false;
      for (Basis x : block) used = used || std::find(k->bases.begin(), k->bases.end(), x) != k->bases.end();
      if (used) continue;
      std::vector<std::string> want, have;
      for (Basis x : k->bases) want.push_back(to_string(x));
      for (Basis x : block) have.push_back(to_string(x));
      std::string why;
      if (k->path.rfind("grid_", 0) == 0 && k->path != "grid_range" && k->path != "grid_size")
        why = "; only B-splines have knots a grid update or extension can move";
      throw InputError(where, fmt::format("applies to basis {} only (this block's basis is {}{}; docs/models.md, "
                                          "\"KAN bases\", lists the keys of each basis)",
                                          fmt::join(want, " | "), fmt::join(have, ", "), why));
    }
  }

  // A key of a model block: a list is an axis, a scalar sets the block's base config.
  void block_key(ModelBlock& b, const KeyDecl& k, const YAML::Node& v, const YAML::Node& key_node,
                 const std::string& path) {
    const bool list = v.IsSequence() && (k.type != KeyType::range || (v.size() > 0 && v[0].IsSequence()));
    if (!list) {
      const Value val = parse_value(c_, k, v, path);
      check_task_value(scan_.task, k, val, loc(c_, v, path));
      k.set(b.base, val);
      return;
    }
    if (v.size() == 0) fail(c_, v, path, "expected at least one value, got an empty list");
    Axis ax;
    ax.key = &k;
    ax.where = loc(c_, key_node, path);
    for (std::size_t j = 0; j < v.size(); ++j) {
      const std::string ep = fmt::format("{}[{}]", path, j);
      const Value val = parse_value(c_, k, v[j], ep);
      check_task_value(scan_.task, k, val, loc(c_, v[j], ep));
      ax.values.push_back(val);
    }
    b.axes.push_back(std::move(ax));
  }

  Ctx c_;
  ScanConfig scan_;
  std::optional<YAML::Node> data_, train_, models_;
  std::vector<std::pair<std::string, std::string>> override_paths_;  // key path as shown, --set text
  bool data_file_must_exist_ = true;
};

}  // namespace

ScanConfig parse_scan_config(const std::string& yaml_text, const std::string& file_name,
                             const std::vector<std::string>& overrides, bool data_file_must_exist) {
  return ScanParser(yaml_text, file_name, overrides, data_file_must_exist).parse();
}

ScanConfig load_scan_config(const std::string& path, const std::vector<std::string>& overrides) {
  if (!fs::exists(path)) throw InputError(Location{path, -1, -1, ""}, "scan file not found");
  if (fs::is_directory(path)) throw InputError(Location{path, -1, -1, ""}, "expected a YAML file, got a directory");
  const std::string ext = lower(fs::path(path).extension().string());
  if (ext == ".csv" || ext == ".h5" || ext == ".hdf5" || ext == ".txt" || ext == ".tsv")
    throw InputError(Location{path, -1, -1, ""},
                     "expected a YAML scan definition, got a data file; name it in the scan's data block "
                     "(data: {path: " + fs::path(path).filename().string() + ", ...}) and run the YAML file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(Location{path, -1, -1, ""}, "cannot read the scan file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_scan_config(ss.str(), path, overrides);
}

void apply_value(TrialConfig& cfg, const KeyDecl& key, const Value& value) { key.set(cfg, value); }

void normalize(TrialConfig& cfg) {
  static const TrialConfig defaults;
  // Twice: relevance of one key can depend on another key reset in the first pass.
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& k : key_table())
      if (k.set && k.relevant && !k.relevant(cfg)) k.set(cfg, k.get(defaults));
}

namespace {

nlohmann::json to_json(const Value& v) {
  struct V {
    nlohmann::json operator()(bool b) const { return b; }
    nlohmann::json operator()(std::int64_t i) const { return i; }
    nlohmann::json operator()(double d) const { return d == 0.0 ? 0.0 : d; }
    nlohmann::json operator()(const std::string& s) const { return s; }
    nlohmann::json operator()(const Range& r) const { return nlohmann::json::array({r.first, r.second}); }
    nlohmann::json operator()(const std::vector<std::string>& l) const { return l; }
    nlohmann::json operator()(const std::vector<std::int64_t>& l) const { return l; }
    nlohmann::json operator()(const std::map<std::string, double>& m) const { return m; }
  };
  return std::visit(V{}, v);
}

nlohmann::json::json_pointer pointer(const std::string& section, const std::string& path) {
  std::string p = "/" + section + "/" + path;
  std::replace(p.begin(), p.end(), '.', '/');
  return nlohmann::json::json_pointer(p);
}

}  // namespace

std::string canonical_json(const TrialConfig& cfg0, const DataConfig& d) {
  TrialConfig cfg = cfg0;
  normalize(cfg);
  nlohmann::json j;
  j["task"] = to_string(cfg.task);
  j["seed"] = cfg.seed;
  for (const auto& k : key_table()) {
    if (!k.get || (k.section != Section::model && k.section != Section::train)) continue;
    if (!k.relevant(cfg)) continue;
    static const TrialConfig defaults;
    if (k.omit_default && k.get(cfg) == k.get(defaults)) continue;
    j[pointer(k.section == Section::model ? "model" : "train", k.path)] = to_json(k.get(cfg));
  }
  // Repeated splits: the trial's own split (absent otherwise, so that the ids of scans without
  // repeated splits do not change).
  if (cfg.split >= 0) {
    if (d.folds > 1) j["split"] = {{"fold", cfg.split}, {"folds", d.folds}};
    else j["split"] = {{"seed", cfg.split}};
  }
  nlohmann::json data;
  data["generator"] = d.generator;
  data["path"] = d.path;
  data["events"] = d.events;
  data["seed"] = d.seed;
  data["knobs"] = d.knobs;
  data["split"] = {{"train", d.train}, {"val", d.val}, {"test", d.test}};
  data["features"] = d.features;
  data["label"] = d.label_column;
  data["targets"] = d.target_columns;
  data["weights"] = d.weight_column;
  // Keys added after the first release enter the id only when they differ from their default.
  if (d.delimiter != ",") data["delimiter"] = d.delimiter;
  if (!d.classes.empty()) data["classes"] = d.classes;
  j["data"] = data;
  return j.dump();
}

std::vector<ConfigColumn> config_columns() {
  std::vector<ConfigColumn> out;
  for (const auto& k : key_table()) {
    if (k.column.empty() || !k.get) continue;
    if (k.type == KeyType::range) {
      out.push_back({"grid_lo", KeyType::real, &k, 0});
      out.push_back({"grid_hi", KeyType::real, &k, 1});
    } else {
      out.push_back({k.column, k.type, &k, -1});
    }
  }
  return out;
}

std::string describe_keys_markdown() {
  std::string out;
  const std::pair<Section, const char*> sections[] = {
      {Section::top, "Top level"},
      {Section::data, "`data:`"},
      {Section::train, "`train:` (also allowed in a model block, where a list is an axis)"},
      {Section::model, "`models:` blocks (a list is an axis of the Cartesian product)"}};
  for (const auto& [sec, title] : sections) {
    out += fmt::format("### {}\n\n", title);
    out += "| key | type / allowed values | default | applies to | list = axis | /trials column | meaning |\n";
    out += "|---|---|---|---|---|---|---|\n";
    for (const auto& k : key_table()) {
      if (k.section != sec) continue;
      const char* ap = k.applies == Applies::kan ? "kan" : k.applies == Applies::mlp ? "mlp" : "all";
      std::string col = k.column;
      if (k.type == KeyType::range) col = "grid_lo, grid_hi";
      std::string allowed = describe_value(k);
      for (std::size_t p = allowed.find('|'); p != std::string::npos; p = allowed.find('|', p + 2)) allowed.replace(p, 1, "\\|");
      out += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", k.path, allowed,
                         k.default_text.empty() ? "—" : "`" + k.default_text + "`",
                         (sec == Section::model || sec == Section::train) ? ap : "—", k.axis ? "yes" : "no",
                         col.empty() ? "—" : "`" + col + "`", k.doc);
    }
    out += "\n";
  }
  return out;
}

}  // namespace kanscan::io
