// The CSV data reader (through io::read_data_file, as `run` calls it): the first byte picks the
// task and the columns the scan would name, the rest is the file.
#include "io/readers.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  using namespace kanscan;
  const std::uint8_t mode = data[0];
  const std::string path = fuzz::input_file(data + 1, size - 1, ".csv");
  DataConfig cfg;
  const Task task = mode & 1 ? Task::regression : Task::classification;
  if (task == Task::classification) cfg.label_column = "label";
  else cfg.target_columns = mode & 2 ? std::vector<std::string>{"t0", "t1"} : std::vector<std::string>{"t0"};
  if (mode & 4) cfg.weight_column = "w";
  if (mode & 8) cfg.features = {"a", "b"};
  if (mode & 16) cfg.events = 3;
  fuzz::expect_input_errors_only([&] {
    const Dataset d = io::read_data_file(path, task, cfg);
    (void)io::split_dataset(d, task, cfg);
  });
  fuzz::expect_input_errors_only([&] { (void)io::probe_data_file(path, task, cfg); });
  return 0;
}
