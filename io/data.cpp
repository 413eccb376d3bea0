#include "io/data.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "framework/error.hpp"
#include "framework/log.hpp"
#include "io/generators/registry.hpp"
#include "io/h5.hpp"
#include "io/readers.hpp"

namespace kanscan::io {
namespace {

namespace fs = std::filesystem;

const char* task_name(Task t) { return t == Task::classification ? "classification" : "regression"; }

// Canonical description of a generated dataset; its XXH64 names the cache file and the full
// text is stored in the file, so a hash collision can never serve the wrong data.
std::string cache_key(const gen::Generator& g, const DataConfig& cfg) {
  nlohmann::json j;
  j["generator"] = g.name();
  j["generator_version"] = g.version();
  j["task"] = task_name(g.task());
  j["knobs"] = nlohmann::json::parse(gen::knobs_json(g.knobs()));
  j["events"] = cfg.events;
  j["seed"] = cfg.seed;
  return j.dump();
}

std::string cache_file(const gen::Generator& g, const std::string& key, const std::string& cache_dir) {
  return (fs::path(cache_dir) / fmt::format("{}_{:016x}.h5", g.name(), XXH64(key.data(), key.size(), 0))).string();
}

bool cache_valid(const std::string& path, const std::string& key) {
  if (!fs::exists(path)) return false;
  try {
    h5::File f(path, h5::File::Mode::read_only);
    const auto root = f.root();
    return root.has_attr("cache_key") && root.attr_string("cache_key") == key;
  } catch (const InputError&) {
    return false;
  }
}

// Exclusive lock file (O_CREAT|O_EXCL): at most one process generates a given dataset; the
// others wait for the renamed result. A lock older than `stale` is from a dead process.
class LockFile {
 public:
  explicit LockFile(std::string path) : path_(std::move(path)) {
    const int fd = ::open(path_.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd >= 0) {
      const std::string pid = std::to_string(::getpid());
      [[maybe_unused]] auto n = ::write(fd, pid.data(), pid.size());
      ::close(fd);
      owned_ = true;
    }
  }
  ~LockFile() {
    if (owned_) {
      std::error_code ec;
      fs::remove(path_, ec);
    }
  }
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  bool owned() const { return owned_; }

 private:
  std::string path_;
  bool owned_ = false;
};

Dataset generate_cached(const DataConfig& cfg, Task task, const std::string& cache_dir) {
  const Location where{cfg.source_file, -1, -1, "data.generator"};
  std::unique_ptr<gen::Generator> g;
  try {
    g = gen::make_generator(cfg.generator, cfg.knobs);
  } catch (const InputError& e) {
    throw InputError(Location{cfg.source_file, -1, -1, e.where().key.empty() ? "data.generator" : "data." + e.where().key},
                     e.detail());
  }
  if (g->task() != task)
    throw InputError(where, fmt::format("generator {} produces {} data, but the scan's task is {}", g->name(),
                                        task_name(g->task()), task_name(task)));
  if (cfg.events < 1)
    throw InputError(Location{cfg.source_file, -1, -1, "data.events"},
                     fmt::format("expected the number of events to generate (>= 1), got {}", cfg.events));
  DataConfig read_cfg = cfg;
  read_cfg.events = 0;
  gen::GenerateOptions opts;
  opts.events = cfg.events;
  opts.seed = cfg.seed;
  opts.threads = 0;
  opts.progress = true;

  if (cache_dir.empty()) {  // no cache requested: generate in memory
    Dataset d = gen::run_generator(*g, opts).data;
    if (!cfg.features.empty()) select_features(d, cfg.features, "generator " + g->name());
    return d;
  }
  const std::string key = cache_key(*g, cfg);
  const std::string file = cache_file(*g, key, cache_dir);
  std::error_code ec;
  fs::create_directories(cache_dir, ec);
  if (ec) throw IoError(Location{cache_dir, -1, -1, ""}, "cannot create the data cache directory: " + ec.message());

  const auto stale = std::chrono::hours(12);
  for (;;) {
    if (cache_valid(file, key)) {
      log::info("data: using cached {} ({} events, seed {})", file, cfg.events, cfg.seed);
      return read_hdf5_data(file, task, read_cfg);
    }
    LockFile lock(file + ".lock");
    if (lock.owned()) {
      if (cache_valid(file, key)) continue;  // finished by another process meanwhile
      log::info("data: generating {} events of {} (seed {}) into {}", cfg.events, g->name(), cfg.seed, file);
      const auto res = gen::run_generator(*g, opts);
      gen::write_generated(file, *g, res, cfg.seed, "cache_key", key);
      continue;
    }
    // Someone else is generating: wait for the file, or take over a stale lock.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto age = fs::file_time_type::clock::now() - fs::last_write_time(file + ".lock", ec);
    if (!ec && age > stale) fs::remove(file + ".lock", ec);
  }
}

template <typename T>
void hash_array(XXH3_state_t* st, const T* data, std::size_t n) {
  const std::uint64_t count = n;
  XXH3_64bits_update(st, &count, sizeof(count));
  if (n) XXH3_64bits_update(st, data, n * sizeof(T));
}

void hash_names(XXH3_state_t* st, const std::vector<std::string>& names) {
  const std::uint64_t count = names.size();
  XXH3_64bits_update(st, &count, sizeof(count));
  for (const auto& s : names) hash_array(st, s.data(), s.size());
}

}  // namespace

std::string data_fingerprint(const Dataset& d) {
  XXH3_state_t* st = XXH3_createState();
  if (!st) throw std::bad_alloc();
  XXH3_64bits_reset(st);
  const char tag[] = "kanscan-data-fingerprint-1";
  XXH3_64bits_update(st, tag, sizeof(tag));
  const std::uint64_t shape[3] = {d.size(), d.n_features(), d.n_targets()};
  XXH3_64bits_update(st, shape, sizeof(shape));
  hash_names(st, d.feature_names);
  hash_array(st, d.features.data(), static_cast<std::size_t>(d.features.size()));
  const std::int64_t classes = d.n_classes;
  XXH3_64bits_update(st, &classes, sizeof(classes));
  hash_array(st, d.labels.data(), d.labels.size());
  hash_names(st, d.target_names);
  hash_array(st, d.targets.data(), static_cast<std::size_t>(d.targets.size()));
  hash_array(st, d.weights.data(), d.weights.size());
  const std::uint64_t h = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return fmt::format("xxh3:{:016x}", h);
}

std::vector<std::int64_t> split_values(const DataConfig& cfg) {
  std::vector<std::int64_t> out;
  if (cfg.folds > 1)
    for (int f = 0; f < cfg.folds; ++f) out.push_back(f);
  else
    for (auto s : cfg.split_seeds) out.push_back(static_cast<std::int64_t>(s));
  if (out.empty()) out.push_back(-1);
  return out;
}

std::string cache_path(const DataConfig& cfg, const std::string& cache_dir) {
  if (cfg.generator.empty()) return "";
  const auto g = gen::make_generator(cfg.generator, cfg.knobs);
  return cache_file(*g, cache_key(*g, cfg), cache_dir);
}

DataSplit load_data(const DataConfig& cfg, Task task, const std::string& cache_dir) {
  if (!cfg.generator.empty() && !cfg.path.empty())
    throw InputError(Location{cfg.source_file, -1, -1, "data"},
                     "give either data.generator or data.path, not both");
  validate_split(cfg);
  Dataset all;
  if (!cfg.generator.empty()) {
    all = generate_cached(cfg, task, cache_dir);
  } else if (!cfg.path.empty()) {
    // A relative path that is not found from the working directory is looked up next to the
    // scan file, so a scan and its data can travel together.
    std::string path = cfg.path;
    if (fs::path(path).is_relative() && !fs::exists(path) && !cfg.source_file.empty()) {
      const fs::path beside = fs::path(cfg.source_file).parent_path() / path;
      if (fs::exists(beside)) path = beside.string();
    }
    all = read_data_file(path, task, cfg);
  } else {
    throw InputError(Location{cfg.source_file, -1, -1, "data"},
                     fmt::format("expected data.generator ({}) or data.path (HDF5 or CSV file)",
                                 fmt::join(gen::generator_names(), ", ")));
  }
  DataSplit split = split_dataset(all, task, cfg);
  split.fingerprint = data_fingerprint(all);
  return split;
}

}  // namespace kanscan::io
