// `kanscan generate TASK --events N --seed S --out FILE.h5 [--set knob=value ...]`: writes a
// dataset from a built-in generator (docs/generators.md) in the data-file layout of docs/data.md
// "Data files", so that `data: path:` reads it like any user file.
#include <fmt/format.h>

#include <charconv>
#include <iostream>
#include <memory>

#include "framework/error.hpp"
#include "io/atomic_file.hpp"
#include "io/generators/registry.hpp"
#include "io/h5.hpp"
#include "scans/cli.hpp"

namespace kanscan::cli {
namespace {

struct GenerateOptions {
  std::string task;
  std::string out;
  std::int64_t events = 0;
  std::int64_t seed = 1;  // [0, 2^53] as the YAML's seeds
  std::vector<std::string> sets;
  int threads = 0;
  bool list_knobs = false;
  bool force = false;
};

// A data file `kanscan generate` (or the data cache) wrote: HDF5 with /features and the
// generator attribute.
bool is_generated_file(const std::string& path) {
  if (!h5::is_hdf5(path)) return false;
  try {
    const h5::File f(path, h5::File::Mode::read_only);
    const h5::Group root = f.root();
    return root.is_dataset("features") && root.has_attr("generator");
  } catch (const InputError&) {
    return false;
  }
}

std::map<std::string, double> parse_sets(const std::vector<std::string>& sets) {
  std::map<std::string, double> knobs;
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    const std::string key = eq == std::string::npos ? "" : s.substr(0, eq);
    const std::string val = eq == std::string::npos ? "" : s.substr(eq + 1);
    double v = 0;
    const auto [ptr, ec] = std::from_chars(val.data(), val.data() + val.size(), v);
    if (key.empty() || val.empty() || ec != std::errc() || ptr != val.data() + val.size())
      throw InputError(Location{"", -1, -1, "--set"},
                       fmt::format("'{}': expected knob=value with a number, e.g. --set p_fsr=0.3", s));
    knobs[key] = v;
  }
  return knobs;
}

int run_generate(Context& ctx, const GenerateOptions& o) {
  const auto knobs = parse_sets(o.sets);
  if (o.list_knobs) {
    if (ctx.comm->rank() != 0) return kExitOk;
    for (const auto& k : io::gen::knob_specs(o.task))
      std::cout << fmt::format("{:<26} {:>10g}   [{:g}, {:g}]  {}\n", k.name, k.value, k.lo, k.hi, k.doc);
    return kExitOk;
  }
  if (o.events < 1) throw InputError(Location{"", -1, -1, "--events"}, "required: number of events to write (>= 1)");
  if (o.out.empty()) throw InputError(Location{"", -1, -1, "--out"}, "required: output HDF5 file");
  io::OutputRules rules;
  rules.kind = "a data file written by `kanscan generate`";
  rules.force = o.force;
  rules.own_kind = is_generated_file;
  io::check_output_file(o.out, rules);  // every rank reaches the same verdict
  const auto gen = io::gen::make_generator(o.task, knobs);
  // One writer: under mpirun only rank 0 generates (the others would write the same file).
  if (ctx.comm->rank() != 0) {
    ctx.comm->barrier();
    return kExitOk;
  }
  io::gen::GenerateOptions go;
  go.events = o.events;
  go.seed = static_cast<std::uint64_t>(o.seed);
  go.threads = o.threads;
  go.progress = true;
  const auto res = io::gen::run_generator(*gen, go);
  io::gen::write_generated(o.out, *gen, res, static_cast<std::uint64_t>(o.seed));
  const auto eff = io::gen::class_efficiency(*gen, res);
  const auto names = gen->task() == Task::classification ? gen->class_names() : std::vector<std::string>{"events"};
  std::string effs;
  for (std::size_t c = 0; c < eff.size(); ++c) effs += fmt::format("{}{} {:.4f}", c ? ", " : "", names[c], eff[c]);
  std::int64_t tried = 0;
  for (auto t : res.tried) tried += t;
  std::cout << fmt::format("wrote {}: {} events x {} features ({} {} v{}, seed {})\n", o.out, o.events,
                           gen->feature_names().size(), gen->name(),
                           gen->task() == Task::classification ? "classification" : "regression", gen->version(),
                           o.seed);
  std::cout << fmt::format("tried {} events; selection efficiency: {}\n", tried, effs);
  std::cout << fmt::format("simulated {} events in {:.2f} s on {} thread(s): {:.3g} tried events/s ({:.3g} per thread)\n",
                           res.simulated, res.seconds, res.threads, res.simulated / res.seconds,
                           res.simulated / res.seconds / res.threads);
  if (ctx.comm->size() > 1) ctx.comm->barrier();
  return kExitOk;
}

}  // namespace

void add_generate_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<GenerateOptions>();
  auto* cmd = app.add_subcommand("generate", "Write a dataset from a built-in event generator (docs/generators.md)");
  std::string which = "Generator:";
  for (const auto& g : io::gen::generators()) which += "\n  " + g.name + "  " + g.summary;
  cmd->add_option("task", o->task, which)
      ->required()
      ->check(CLI::IsMember(io::gen::generator_names()));
  cmd->add_option("--events,-n", o->events, "Events to write, after selection (classification: balanced classes)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{2'000'000'000}));
  cmd->add_option("--seed,-s", o->seed, "Generator seed (an integer in [0, 2^53])")->default_val(1)->check(seed_range());
  cmd->add_option("--out,-o", o->out, "Output HDF5 file (written to a temporary name, then renamed)");
  cmd->add_option("--set", o->sets, "Generator knob, knob=value (repeatable); see --list-knobs")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--threads,-t", o->threads, "OpenMP threads (0 = all)")->check(thread_count());
  cmd->add_flag("--force", o->force, "Replace an existing --out file that is not a data file written by `kanscan generate`");
  cmd->add_flag("--list-knobs", o->list_knobs, "Print the generator's knobs with defaults and ranges, then exit");
  cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_generate(ctx, *o); }; });
}

}  // namespace kanscan::cli
