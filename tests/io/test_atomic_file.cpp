#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "framework/error.hpp"
#include "io/atomic_file.hpp"
#include "io/h5.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(AtomicFile, TextReplacesTheDestination) {
  test::TempDir dir;
  const auto path = (dir / "a.txt").string();
  io::write_file_atomic(path, std::string("one\n"));
  EXPECT_EQ(test::read_file(path), "one\n");
  io::write_file_atomic(path, std::string("two\n"));
  EXPECT_EQ(test::read_file(path), "two\n");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"a.txt"}));
}

TEST(AtomicFile, AThrowingProducerLeavesTheDestinationAndNoTemporary) {
  test::TempDir dir;
  const auto path = (dir / "r.h5").string();
  test::write_file(path, "old content");
  std::string tmp_seen;
  EXPECT_THROW(io::write_file_atomic(path,
                                     [&](const std::string& tmp) {
                                       tmp_seen = tmp;
                                       h5::File f(tmp, h5::File::Mode::create_truncate);
                                       f.root().write("x", std::vector<double>{1, 2});
                                       f.close();
                                       throw std::runtime_error("producer failed");
                                     }),
               std::runtime_error);
  EXPECT_EQ(fs::path(tmp_seen).parent_path(), dir.path());  // same folder: rename stays atomic
  EXPECT_EQ(test::read_file(path), "old content");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"r.h5"}));
  // An input error of the producer stays what it is.
  EXPECT_THROW(io::write_file_atomic(path, [](const std::string&) { throw InputError("bad input"); }), InputError);
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"r.h5"}));
}

TEST(AtomicFile, ProducedHdf5FileIsCommitted) {
  test::TempDir dir;
  const auto path = (dir / "p.h5").string();
  io::write_file_atomic(path, [](const std::string& tmp) {
    h5::File f(tmp, h5::File::Mode::create_truncate);
    f.root().write("x", std::vector<double>{1, 2});
    f.close();
  });
  h5::File f(path, h5::File::Mode::read_only);
  EXPECT_EQ(f.root().read_double("x").data, (std::vector<double>{1, 2}));
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"p.h5"}));
}

TEST(AtomicFile, UnwritablePlacesAreIoErrors) {
  test::TempDir dir;
  EXPECT_THROW(io::write_file_atomic((dir / "no/such/a.txt").string(), std::string("x")), IoError);
  EXPECT_THROW(io::write_file_atomic("/proc/kanscan_atomic_test.txt", std::string("x")), IoError);
  EXPECT_THROW(io::write_file_atomic("/proc/kanscan_atomic_test.h5",
                                     [](const std::string& tmp) { h5::File f(tmp, h5::File::Mode::create_truncate); }),
               IoError);
  try {
    io::write_file_atomic((dir / "no/such/a.txt").string(), std::string("x"));
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no/such/a.txt"), std::string::npos) << e.what();
  }
  // Renaming over a directory fails after the content was written: the temporary goes.
  fs::create_directory(dir / "d");
  test::write_file(dir / "d" / "keep", "k");
  EXPECT_THROW(io::write_file_atomic((dir / "d").string(), std::string("x")), IoError);
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"d"}));
  EXPECT_THROW(io::replace_file((dir / "missing").string(), (dir / "x").string()), IoError);
}
