#include "scans/trial_codec.hpp"

#include <variant>

#include "framework/bytes.hpp"
#include "io/config.hpp"

namespace kanscan::scans {
namespace {

constexpr std::uint32_t kMagic = 0x4C4D5254;  // "TRML"
constexpr const char* kWhat = "trial message";

// Value alternatives a trial key can hold.
enum Tag : std::uint8_t { kBool = 0, kInt = 1, kReal = 2, kText = 3, kRange = 4 };

bool is_trial_key(const io::KeyDecl& k) {
  return k.get && k.set && (k.section == io::Section::model || k.section == io::Section::train);
}

void put_value(ByteWriter& w, const io::Value& v) {
  if (const auto* b = std::get_if<bool>(&v)) {
    w.pod<std::uint8_t>(kBool);
    w.pod<std::uint8_t>(*b);
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    w.pod<std::uint8_t>(kInt);
    w.pod(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    w.pod<std::uint8_t>(kReal);
    w.pod(*d);
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    w.pod<std::uint8_t>(kText);
    w.str(*s);
  } else if (const auto* r = std::get_if<io::Range>(&v)) {
    w.pod<std::uint8_t>(kRange);
    w.pod(r->first);
    w.pod(r->second);
  } else {
    throw std::logic_error("trial codec: a trial key holds a list or map value");
  }
}

io::Value get_value(ByteReader& r) {
  switch (r.pod<std::uint8_t>()) {
    case kBool: return r.pod<std::uint8_t>() != 0;
    case kInt: return r.pod<std::int64_t>();
    case kReal: return r.pod<double>();
    case kText: return r.str();
    case kRange: {
      const double lo = r.pod<double>();
      return io::Range{lo, r.pod<double>()};
    }
    default: throw InputError(std::string(kWhat) + ": unknown value tag");
  }
}

}  // namespace

std::string encode_trial(const TrialConfig& cfg) {
  ByteWriter w;
  w.pod(kMagic);
  w.str(cfg.trial_id);
  w.str(cfg.model_name);
  w.pod<std::uint8_t>(static_cast<std::uint8_t>(cfg.task));
  w.pod(cfg.seed);
  w.pod<std::int64_t>(cfg.split);
  w.pod<std::int32_t>(cfg.threads);
  std::uint32_t n = 0;
  for (const auto& k : io::key_table()) n += is_trial_key(k);
  w.pod(n);
  for (const auto& k : io::key_table()) {
    if (!is_trial_key(k)) continue;
    w.str(io::section_name(k.section) + "." + k.path);
    put_value(w, k.get(cfg));
  }
  return w.take();
}

TrialConfig decode_trial(const std::string& bytes) {
  ByteReader r(bytes, kWhat);
  if (r.pod<std::uint32_t>() != kMagic) throw InputError(std::string(kWhat) + ": not an encoded trial");
  TrialConfig cfg;
  cfg.trial_id = r.str();
  cfg.model_name = r.str();
  const auto task = r.pod<std::uint8_t>();
  if (task > static_cast<std::uint8_t>(Task::regression)) throw InputError(std::string(kWhat) + ": bad task");
  cfg.task = static_cast<Task>(task);
  cfg.seed = r.pod<std::uint64_t>();
  cfg.split = r.pod<std::int64_t>();
  cfg.threads = r.pod<std::int32_t>();
  const auto n = r.pod<std::uint32_t>();
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::string path = r.str();
    const io::Value v = get_value(r);
    const io::KeyDecl* key = nullptr;
    for (const auto& k : io::key_table())
      if (is_trial_key(k) && io::section_name(k.section) + "." + k.path == path) key = &k;
    if (!key) throw InputError(std::string(kWhat) + ": unknown key " + path);
    key->set(cfg, v);
  }
  r.expect_done("trial");
  return cfg;
}

}  // namespace kanscan::scans
