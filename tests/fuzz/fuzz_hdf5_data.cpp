// The HDF5 data reader (io::read_hdf5_data, the shape probe of `validate`, and the features
// reader of `predict`): the input bytes are written to a file and read.
#include "io/readers.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kanscan;
  const std::string path = fuzz::input_file(data, size, ".h5");
  for (const Task task : {Task::classification, Task::regression}) {
    fuzz::expect_input_errors_only([&] {
      const Dataset d = io::read_hdf5_data(path, task, DataConfig{});
      (void)io::split_dataset(d, task, DataConfig{});
    });
    fuzz::expect_input_errors_only([&] { (void)io::probe_data_file(path, task, DataConfig{}); });
  }
  fuzz::expect_input_errors_only([&] { (void)io::read_hdf5_features(path, true); });
  return 0;
}
