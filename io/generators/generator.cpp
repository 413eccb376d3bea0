#include "io/generators/generator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "framework/error.hpp"
#include "framework/log.hpp"
#include "framework/parallel.hpp"
#include "io/atomic_file.hpp"
#include "io/h5.hpp"
#include "kanscan_version.hpp"

namespace kanscan::io::gen {
std::string knobs_json(const Knobs& knobs) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : knobs) j[k] = v;
  return j.dump();
}

std::vector<StreamSpec> Generator::streams() const {
  if (task() != Task::classification) return {{"events", 0, 1.0}};
  std::vector<StreamSpec> out;
  const auto names = class_names();
  for (std::size_t c = 0; c < names.size(); ++c) out.push_back({names[c], static_cast<int>(c), 1.0});
  return out;
}

std::vector<double> Generated::efficiency() const {
  std::vector<double> e(tried.size(), 0.0);
  for (std::size_t c = 0; c < tried.size(); ++c)
    e[c] = tried[c] > 0 ? static_cast<double>(accepted[c]) / static_cast<double>(tried[c]) : 0.0;
  return e;
}

std::vector<double> class_efficiency(const Generator& gen, const Generated& out) {
  const auto specs = gen.streams();
  const std::size_t n = gen.task() == Task::classification ? gen.class_names().size() : 1;
  std::vector<double> e(n, 0.0);
  for (std::size_t c = 0; c < n; ++c) {
    std::int64_t t = 0, a = 0;
    for (std::size_t s = 0; s < specs.size() && s < out.tried.size(); ++s)
      if (specs[s].label == static_cast<int>(c)) t += out.tried[s], a += out.accepted[s];
    e[c] = t > 0 ? static_cast<double>(a) / static_cast<double>(t) : 0.0;
  }
  return e;
}

namespace {

// Quota of each sub-sample: N/C per class (first classes take the remainder), split inside a
// class by the stream fractions with largest-remainder rounding.
std::vector<std::int64_t> stream_quotas(const std::vector<StreamSpec>& streams, int n_classes, std::int64_t events) {
  std::vector<std::int64_t> quota(streams.size(), 0);
  for (int c = 0; c < n_classes; ++c) {
    const std::int64_t qc = events / n_classes + (c < events % n_classes ? 1 : 0);
    double total = 0;
    for (const auto& s : streams)
      if (s.label == c) total += s.fraction;
    if (total <= 0) throw InputError(fmt::format("generator: class {} has no sub-sample with a positive fraction", c));
    std::int64_t given = 0;
    std::vector<std::pair<double, std::size_t>> rest;
    for (std::size_t i = 0; i < streams.size(); ++i) {
      if (streams[i].label != c) continue;
      const double exact = static_cast<double>(qc) * streams[i].fraction / total;
      quota[i] = static_cast<std::int64_t>(std::floor(exact));
      given += quota[i];
      rest.emplace_back(-(exact - std::floor(exact)), i);
    }
    std::stable_sort(rest.begin(), rest.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t k = 0; given < qc; ++k, ++given) ++quota[rest[k % rest.size()].second];
  }
  return quota;
}

}  // namespace

namespace {

struct StreamState {
  std::int64_t quota = 0, next_j = 0, kept = 0, last_j = -1, simulated = 0, passed = 0;
  std::vector<float> feats, targs;
  std::vector<std::int64_t> js;
};

// A block of tried events [j0, j1) of sub-sample s and what passed the selection.
struct Chunk {
  int s;
  std::int64_t j0, j1;
  std::vector<float> feats, targs;
  std::vector<std::int64_t> js;
};

constexpr std::int64_t kBlock = 512;

// The next round's chunks: per unfinished sub-sample, enough tried events for its remaining
// quota at the efficiency seen so far. Chunking never changes the output, only the work.
std::vector<Chunk> plan_chunks(std::vector<StreamState>& st) {
  std::vector<Chunk> chunks;
  for (int s = 0; s < static_cast<int>(st.size()); ++s) {
    StreamState& ss = st[static_cast<std::size_t>(s)];
    if (ss.kept >= ss.quota) continue;
    const double eff = std::max(
        static_cast<double>(ss.passed) / static_cast<double>(std::max<std::int64_t>(ss.simulated, 1)), 1e-3);
    const auto want =
        ss.simulated > 0 ? static_cast<std::int64_t>(static_cast<double>(ss.quota - ss.kept) / eff * 1.05) : 0;
    const std::int64_t n = std::clamp<std::int64_t>(want, 8 * kBlock, std::int64_t{1} << 18);
    for (std::int64_t j = ss.next_j; j < ss.next_j + n; j += kBlock) chunks.push_back({s, j, j + kBlock, {}, {}, {}});
    ss.next_j += (n + kBlock - 1) / kBlock * kBlock;
  }
  return chunks;
}

// Parallel over fixed blocks of per-stream event indices; each block writes only its own Chunk.
void simulate_chunks(const Generator& gen, std::vector<Chunk>& chunks, std::uint64_t seed, std::int64_t S, int threads) {
  const std::size_t F = gen.feature_names().size(), T = gen.target_names().size();
  parallel_for(chunks.size(), threads, [&](std::size_t t) {
    thread_local Workspace ws;
    Chunk& ch = chunks[t];
    std::vector<float> f(F), y(T);
    for (std::int64_t j = ch.j0; j < ch.j1; ++j) {
      Rng rng(stream_seed(seed, static_cast<std::uint64_t>(j * S + ch.s)));
      if (!gen.generate(rng, ch.s, ws, f.data(), y.data())) continue;
      ch.feats.insert(ch.feats.end(), f.begin(), f.end());
      ch.targs.insert(ch.targs.end(), y.begin(), y.end());
      ch.js.push_back(j);
    }
  });
}

// Keeps each sub-sample's accepted events in j order until its quota is met.
void absorb(const std::vector<Chunk>& chunks, std::vector<StreamState>& st, std::size_t F, std::size_t T,
            Generated& out) {
  for (const Chunk& ch : chunks) {
    StreamState& ss = st[static_cast<std::size_t>(ch.s)];
    ss.simulated += ch.j1 - ch.j0;
    ss.passed += static_cast<std::int64_t>(ch.js.size());
    out.simulated += ch.j1 - ch.j0;
    for (std::size_t i = 0; i < ch.js.size() && ss.kept < ss.quota; ++i) {
      ss.feats.insert(ss.feats.end(), ch.feats.begin() + i * F, ch.feats.begin() + (i + 1) * F);
      ss.targs.insert(ss.targs.end(), ch.targs.begin() + i * T, ch.targs.begin() + (i + 1) * T);
      ss.js.push_back(ch.js[i]);
      ss.last_j = ch.js[i];
      ++ss.kept;
    }
  }
}

void check_efficiency(const Generator& gen, const std::vector<StreamSpec>& specs, const std::vector<StreamState>& st) {
  for (std::size_t s = 0; s < specs.size(); ++s) {
    const StreamState& ss = st[s];
    if (ss.kept < ss.quota && ss.simulated >= 20'000'000 && ss.passed * 100'000 < ss.simulated)
      throw InputError(Location{"", -1, -1, "knobs"},
                       fmt::format("generator {}: sub-sample {} keeps {} of {} tried events; the selection "
                                   "efficiency is too low with these knobs",
                                   gen.name(), specs[s].name, ss.passed, ss.simulated));
  }
}

// Merges the sub-samples by global event index j*S + s.
void merge_streams(const Generator& gen, const std::vector<StreamSpec>& specs, const std::vector<StreamState>& st,
                   std::int64_t events, Generated& out) {
  const bool classification = gen.task() == Task::classification;
  const auto S = static_cast<std::int64_t>(specs.size());
  const std::size_t F = gen.feature_names().size(), T = gen.target_names().size();
  const auto N = static_cast<Eigen::Index>(events);
  Dataset& d = out.data;
  d.features.resize(N, static_cast<Eigen::Index>(F));
  if (T) d.targets.resize(N, static_cast<Eigen::Index>(T));
  d.feature_names = gen.feature_names();
  d.target_names = gen.target_names();
  d.n_classes = classification ? static_cast<int>(gen.class_names().size()) : 0;
  std::vector<std::size_t> pos(st.size(), 0);
  for (Eigen::Index row = 0; row < N; ++row) {
    int best = -1;
    std::int64_t best_g = std::numeric_limits<std::int64_t>::max();
    for (int s = 0; s < static_cast<int>(S); ++s) {
      if (pos[s] >= st[s].js.size()) continue;
      const std::int64_t g = st[s].js[pos[s]] * S + s;
      if (g < best_g) best_g = g, best = s;
    }
    const std::size_t i = pos[best]++;
    for (std::size_t f = 0; f < F; ++f) d.features(row, static_cast<Eigen::Index>(f)) = st[best].feats[i * F + f];
    for (std::size_t t = 0; t < T; ++t) d.targets(row, static_cast<Eigen::Index>(t)) = st[best].targs[i * T + t];
    if (classification) d.labels.push_back(specs[best].label);
    d.index.push_back(row);
    out.event_index.push_back(best_g);
  }
  for (const auto& ss : st) {
    out.tried.push_back(ss.last_j + 1);
    out.accepted.push_back(ss.kept);
  }
}

// Rows in random order: merged by global index, a file's rows would run through the
// sub-samples' quotas in bursts (the class mix drifting along the file), a trap for anyone who
// splits by rows. A Fisher-Yates shuffle from its own stream of the seed; serial, so the file
// stays a function of (generator, knobs, events, seed). event_index moves with its row.
void shuffle_rows(std::uint64_t seed, Generated& out) {
  Dataset& d = out.data;
  const std::size_t n = d.size();
  std::vector<std::size_t> perm(n);
  for (std::size_t i = 0; i < n; ++i) perm[i] = i;
  Rng rng(stream_seed(seed, 0x5A0FF1EULL));
  shuffle(perm.begin(), perm.end(), rng);
  RowMatrixXf features(d.features.rows(), d.features.cols()), targets(d.targets.rows(), d.targets.cols());
  std::vector<std::int32_t> labels(d.labels.size());
  std::vector<std::int64_t> event_index(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = static_cast<Eigen::Index>(i), src = static_cast<Eigen::Index>(perm[i]);
    features.row(r) = d.features.row(src);
    if (d.targets.size()) targets.row(r) = d.targets.row(src);
    if (!d.labels.empty()) labels[i] = d.labels[perm[i]];
    event_index[i] = out.event_index[perm[i]];
  }
  d.features = std::move(features);
  d.targets = std::move(targets);
  d.labels = std::move(labels);
  out.event_index = std::move(event_index);
}

}  // namespace

Generated run_generator(const Generator& gen, const GenerateOptions& opts) {
  if (opts.events < 1) throw InputError(fmt::format("generate: events = {}, expected >= 1", opts.events));
  const int n_classes = gen.task() == Task::classification ? static_cast<int>(gen.class_names().size()) : 1;
  const std::vector<StreamSpec> specs = gen.streams();
  const std::size_t F = gen.feature_names().size(), T = gen.target_names().size();
  const int threads = resolve_threads(opts.threads);
  std::vector<StreamState> st(specs.size());
  const auto quotas = stream_quotas(specs, n_classes, opts.events);
  for (std::size_t s = 0; s < specs.size(); ++s) st[s].quota = quotas[s];

  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  Generated out;
  for (;;) {
    std::vector<Chunk> chunks = plan_chunks(st);
    if (chunks.empty()) break;
    simulate_chunks(gen, chunks, opts.seed, static_cast<std::int64_t>(specs.size()), threads);
    absorb(chunks, st, F, T, out);
    check_efficiency(gen, specs, st);
    const auto now = std::chrono::steady_clock::now();
    if (opts.progress && now - last_report > std::chrono::seconds(5)) {
      last_report = now;
      std::int64_t kept = 0;
      for (const auto& ss : st) kept += ss.kept;
      const double secs = std::chrono::duration<double>(now - start).count();
      log::info("generate {}: {}/{} events kept, {} tried, {:.3g} tried events/s", gen.name(), kept, opts.events,
                out.simulated, static_cast<double>(out.simulated) / secs);
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.threads = threads;
  merge_streams(gen, specs, st, opts.events, out);
  shuffle_rows(opts.seed, out);
  return out;
}

namespace {

// The data-file layout of docs/data.md plus provenance attributes, into an open file's root.
void write_generated_root(h5::Group& root, const Generator& gen, const Generated& out, std::uint64_t seed,
                          const std::string& extra_key, const std::string& extra_value) {
  const Dataset& d = out.data;
  const std::size_t N = d.size(), F = d.n_features(), T = d.n_targets();
  root.write("features", std::vector<float>(d.features.data(), d.features.data() + N * F), {N, F});
  root.write_strings("feature_names", d.feature_names);
  if (gen.task() == Task::classification) {
    root.write("labels", d.labels);
    root.write_strings("class_names", gen.class_names());
  } else {
    root.write("targets", std::vector<float>(d.targets.data(), d.targets.data() + N * T), {N, T});
    root.write_strings("target_names", d.target_names);
  }
  root.write("event_index", out.event_index);
  root.set_attr("generator", gen.name());
  root.set_attr("generator_version", gen.version());
  root.set_attr("kanscan_version", std::string(kVersion));
  root.set_attr("task", std::string(gen.task() == Task::classification ? "classification" : "regression"));
  // uint64 seeds above INT64_MAX do not fit HDF5's usual int64 attribute: keep them as text.
  if (seed <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    root.set_attr("seed", static_cast<std::int64_t>(seed));
  else
    root.set_attr("seed", std::to_string(seed));
  root.set_attr("events", static_cast<std::int64_t>(N));
  std::int64_t tried = 0;
  for (auto t : out.tried) tried += t;
  root.set_attr("tried", tried);
  root.set_attr("knobs", knobs_json(gen.knobs()));
  for (const auto& [k, v] : gen.knobs()) root.set_attr("knob_" + k, v);
  // Per class (summed over its sub-samples) and per sub-sample.
  const auto specs = gen.streams();
  const auto names = gen.task() == Task::classification ? gen.class_names() : std::vector<std::string>{"events"};
  nlohmann::json effj = nlohmann::json::object();
  const auto ceff = class_efficiency(gen, out);
  for (std::size_t c = 0; c < names.size(); ++c) {
    std::int64_t t = 0;
    for (std::size_t s = 0; s < specs.size(); ++s)
      if (specs[s].label == static_cast<int>(c)) t += out.tried[s];
    root.set_attr("efficiency_" + names[c], ceff[c]);
    root.set_attr("tried_" + names[c], t);
    effj[names[c]] = ceff[c];
  }
  root.set_attr("selection_efficiency", effj.dump());
  if (specs.size() > names.size()) {
    nlohmann::json sub = nlohmann::json::object();
    const auto eff = out.efficiency();
    for (std::size_t s = 0; s < specs.size(); ++s)
      sub[specs[s].name] = {{"label", specs[s].label}, {"fraction", specs[s].fraction}, {"tried", out.tried[s]},
                            {"accepted", out.accepted[s]}, {"efficiency", eff[s]}};
    root.set_attr("subsamples", sub.dump());
  }
  if (!extra_key.empty()) root.set_attr(extra_key, extra_value);
}

}  // namespace

void write_generated(const std::string& path, const Generator& gen, const Generated& out, std::uint64_t seed,
                     const std::string& extra_key, const std::string& extra_value) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  if (target.has_parent_path() && !fs::is_directory(target.parent_path()))
    throw InputError(Location{path, -1, -1, ""}, "output directory does not exist");
  write_file_atomic(path, [&](const std::string& tmp) {
    h5::File file(tmp, h5::File::Mode::create_truncate);
    {
      h5::Group root = file.root();
      write_generated_root(root, gen, out, seed, extra_key, extra_value);
    }
    file.close();
  });
}

std::vector<KnobSpec> detector_knob_specs() {
  return {
      {"p_fsr", 0.25, 0.0, 1.0, "probability of a hard FSR gluon per parton above 30 GeV"},
      {"pu_jets", 0.6, 0.0, 20.0, "mean number of pile-up jets per event"},
      {"sigma_u", 10.0, 0.0, 200.0, "unclustered MET resolution per component [GeV]"},
  };
}

DetectorConfig detector_config(const Knobs& knobs) {
  DetectorConfig det;
  det.p_fsr = knobs.at("p_fsr");
  det.pu_jets = knobs.at("pu_jets");
  det.sigma_u = knobs.at("sigma_u");
  return det;
}

}  // namespace kanscan::io::gen
