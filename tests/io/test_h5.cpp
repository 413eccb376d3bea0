#include <gtest/gtest.h>

#include "framework/error.hpp"
#include "io/h5.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;

TEST(H5, RoundTripArraysStringsAttributes) {
  test::TempDir dir;
  const std::string path = (dir / "a.h5").string();
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    auto root = f.root();
    root.set_attr("name", std::string("scan"));
    root.set_attr("n", std::int64_t{42});
    root.set_attr("x", 2.5);
    auto g = root.create_group("g");
    g.write("d", std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
    g.write("i", std::vector<std::int32_t>{7, 8});
    g.write_strings("s", {"alpha", "beta", ""});
  }
  h5::File f(path, h5::File::Mode::read_only);
  auto root = f.root();
  EXPECT_EQ(root.attr_string("name"), "scan");
  EXPECT_EQ(root.attr_int("n"), 42);
  EXPECT_DOUBLE_EQ(root.attr_double("x"), 2.5);
  auto g = root.open_group("g");
  auto d = g.read_double("d");
  EXPECT_EQ(d.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(d.data[5], 6.0);
  auto i = g.read_float("i");  // integer dataset read as float: HDF5 converts
  EXPECT_EQ(i.data[1], 8.0f);
  EXPECT_EQ(g.read_strings("s"), (std::vector<std::string>{"alpha", "beta", ""}));
  EXPECT_TRUE(root.exists("g/d"));
  EXPECT_FALSE(root.exists("nope/d"));
}

TEST(H5, ModelStateRoundTrip) {
  test::TempDir dir;
  const std::string path = (dir / "m.h5").string();
  ModelState m;
  m.task = "classification";
  m.output = "sigmoid";
  m.input_mean = {0.5, 1.5};
  m.input_std = {1, 2};
  LayerState l;
  l.kind = "linear";
  l.tensors["weight"] = Tensor{{1, 2}, {0.25, -0.5}};
  l.tensors["bias"] = Tensor{{1}, {0.125}};
  l.attrs["activation"] = std::string("identity");
  l.attrs["grid_size"] = std::int64_t{5};
  m.layers.push_back(l);
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    f.root().create_group("model").write_model(m);
  }
  h5::File f(path, h5::File::Mode::read_only);
  const ModelState r = f.root().open_group("model").read_model();
  EXPECT_EQ(r.output, "sigmoid");
  ASSERT_EQ(r.layers.size(), 1u);
  EXPECT_EQ(r.layers[0].kind, "linear");
  EXPECT_EQ(r.layers[0].tensors.at("weight").data, l.tensors["weight"].data);
  EXPECT_EQ(std::get<std::string>(r.layers[0].attrs.at("activation")), "identity");
  EXPECT_EQ(std::get<std::int64_t>(r.layers[0].attrs.at("grid_size")), 5);
}

TEST(H5, BadFilesAreInputErrorsNamingTheFile) {
  test::TempDir dir;
  const auto missing = (dir / "missing.h5").string();
  try {
    h5::File f(missing, h5::File::Mode::read_only);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.h5"), std::string::npos);
  }
  const auto text = dir / "text.h5";
  test::write_file(text, "this is not hdf5");
  EXPECT_THROW(h5::File(text.string(), h5::File::Mode::read_only), InputError);
  {
    h5::File f((dir / "ok.h5").string(), h5::File::Mode::create_truncate);
    f.root().write_strings("names", {"a"});
  }
  h5::File f((dir / "ok.h5").string(), h5::File::Mode::read_only);
  EXPECT_THROW(f.root().read_double("names"), InputError);
  EXPECT_THROW(f.root().read_double("absent"), InputError);
  EXPECT_THROW(f.root().open_group("absent"), InputError);
}

TEST(H5, FixedLengthStringsUsingEveryByteKeepTheirLastCharacter) {
  // h5py/numpy write fixed-length, null-padded strings ("S7" holds "delta_r" with no terminator).
  test::TempDir dir;
  const std::string path = (dir / "fixed.h5").string();
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.id(), 7);
    H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
    const hsize_t dims[1] = {2};
    h5::Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
    h5::Handle dset(H5Dcreate2(f.root().id(), "names", type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    H5Dclose);
    const char data[14] = {'d', 'e', 'l', 't', 'a', '_', 'r', 'p', 't', '\0', '\0', '\0', '\0', '\0'};
    ASSERT_GE(H5Dwrite(dset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
    h5::Handle aspace(H5Screate(H5S_SCALAR), H5Sclose);
    h5::Handle attr(H5Acreate2(f.root().id(), "label", type.id(), aspace.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    ASSERT_GE(H5Awrite(attr.id(), type.id(), data), 0);
  }
  h5::File f(path, h5::File::Mode::read_only);
  EXPECT_EQ(f.root().read_strings("names"), (std::vector<std::string>{"delta_r", "pt"}));
  EXPECT_EQ(f.root().attr_string("label"), "delta_r");
}
