#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "framework/error.hpp"
#include "io/h5.hpp"
#include "io/model_file.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;

namespace {

bool have_h5py() { return test::run_command("/usr/bin/python3 -c 'import h5py' 2>&1").exit_code == 0; }

// Runs a Python snippet with h5py; `argv[1]` is `path`.
test::CommandResult python(const std::string& code, const std::string& path) {
  test::TempDir scripts;
  test::write_file(scripts / "s.py", "import sys, h5py, numpy as np\n" + code);
  return test::run_command("/usr/bin/python3 " + (scripts / "s.py").string() + " " + path + " 2>&1");
}

template <typename F>
void expect_error_naming(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

const h5::Field& field(const h5::TableContents& t, const std::string& name) {
  for (const auto& f : t.fields)
    if (f.name == name) return f;
  throw std::out_of_range("no field " + name);
}

}  // namespace

TEST(H5, RoundTripArraysStringsAttributes) {
  test::TempDir dir;
  const std::string path = (dir / "a.h5").string();
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    {
      auto root = f.root();
      root.set_attr("name", std::string("scan"));
      root.set_attr("n", std::int64_t{42});
      root.set_attr("x", 2.5);
      auto g = root.create_group("g");
      g.write("d", std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
      g.write("i", std::vector<std::int32_t>{7, 8});
      g.write_strings("s", {"alpha", "beta", ""});
      g.write_string("yaml", "a: 1\n");
      g.write_string("gone", "x");
      g.remove("gone");
      g.remove("never-there");
    }
    f.close();
  }
  h5::File f(path, h5::File::Mode::read_only);
  auto root = f.root();
  EXPECT_EQ(root.attr_string("name"), "scan");
  EXPECT_EQ(root.attr_int("n"), 42);
  EXPECT_DOUBLE_EQ(root.attr_double("x"), 2.5);
  const auto attrs = root.attributes();
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs[0].name, "n");
  EXPECT_EQ(attrs[0].type, h5::TypeClass::integer);
  EXPECT_EQ(attrs[1].name, "name");
  EXPECT_EQ(attrs[1].type, h5::TypeClass::string);
  EXPECT_EQ(attrs[2].type, h5::TypeClass::floating);
  auto g = root.open_group("g");
  auto d = g.read_double("d");
  EXPECT_EQ(d.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(d.data[5], 6.0);
  auto i = g.read_float("i");  // integer dataset read as float: HDF5 converts
  EXPECT_EQ(i.data[1], 8.0f);
  EXPECT_EQ(g.type_class("i"), h5::TypeClass::integer);
  EXPECT_EQ(g.type_class("s"), h5::TypeClass::string);
  EXPECT_EQ(g.read_strings("s"), (std::vector<std::string>{"alpha", "beta", ""}));
  EXPECT_EQ(g.read_string("yaml"), "a: 1\n");
  EXPECT_TRUE(g.shape_of("yaml").empty());
  EXPECT_THROW(g.read_string("s"), InputError);  // not scalar
  EXPECT_THROW(g.read_strings("yaml"), InputError);
  EXPECT_FALSE(g.exists("gone"));
  EXPECT_EQ(g.children(), (std::vector<std::string>{"d", "i", "s", "yaml"}));
  EXPECT_TRUE(root.exists("g/d"));
  EXPECT_FALSE(root.exists("nope/d"));
  EXPECT_FALSE(root.exists("g/d/x"));  // below a dataset
  EXPECT_TRUE(h5::is_hdf5(path));
  EXPECT_FALSE(h5::is_hdf5((dir / "nope.h5").string()));
  EXPECT_EQ(h5::library_version().rfind("1.", 0), 0u) << h5::library_version();
}

TEST(H5, ModelStateRoundTrip) {
  test::TempDir dir;
  const std::string path = (dir / "m.h5").string();
  ModelState m;
  m.task = Task::regression;
  m.output = OutputKind::identity;
  m.input_mean = {0.5, 1.5};
  m.input_std = {1, 2};
  m.target_mean = {3};
  m.target_std = {4};
  LayerState k;
  k.kind = LayerKind::kan;
  k.grid_size = 5;
  k.spline_order = 3;
  k.tensors["base_weight"] = Tensor{{2, 2}, {1, 2, 3, 4}};
  m.layers.push_back(k);
  LayerState l;
  l.kind = LayerKind::linear;
  l.activation = Activation::leaky_relu;
  l.leaky_slope = 0.2;
  l.tensors["weight"] = Tensor{{1, 2}, {0.25, -0.5}};
  l.tensors["bias"] = Tensor{{1}, {0.125}};
  m.layers.push_back(l);
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    h5::Group g = f.root().create_group("model");
    io::write_model(g, m);
  }
  {
    h5::File f(path, h5::File::Mode::read_only);
    const ModelState r = io::read_model(f.root().open_group("model"));
    EXPECT_EQ(r.task, Task::regression);
    EXPECT_EQ(r.output, OutputKind::identity);
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[0].kind, LayerKind::kan);
    EXPECT_EQ(r.layers[0].grid_size, 5);
    EXPECT_EQ(r.layers[0].spline_order, 3);
    EXPECT_EQ(r.layers[1].kind, LayerKind::linear);
    EXPECT_EQ(r.layers[1].activation, Activation::leaky_relu);
    EXPECT_EQ(r.layers[1].leaky_slope, 0.2);
    EXPECT_EQ(r.layers[1].tensors.at("weight").data, l.tensors["weight"].data);
    // The names in the file are the vocabulary's.
    const h5::Group g = f.root().open_group("model");
    EXPECT_EQ(g.attr_string("task"), "regression");
    EXPECT_EQ(g.open_group("layer_1").attr_string("activation"), "leaky_relu");
    EXPECT_EQ(g.open_group("layer_0").attr_int("grid_size"), 5);
  }
  // A file without task/output attributes gets the defaults; an unknown kind is refused.
  {
    h5::File f(path, h5::File::Mode::read_write);
    h5::Group g = f.root().open_group("model");
    g.remove_attr("output");
    g.remove_attr("task");
  }
  {
    h5::File f(path, h5::File::Mode::read_only);
    const ModelState r = io::read_model(f.root().open_group("model"));
    EXPECT_EQ(r.task, Task::regression);  // it has target scalers
    EXPECT_EQ(r.output, OutputKind::identity);
  }
  {
    h5::File f(path, h5::File::Mode::read_write);
    f.root().open_group("model").open_group("layer_1").set_attr("kind", std::string("conv"));
  }
  h5::File f(path, h5::File::Mode::read_only);
  EXPECT_THROW(io::read_model(f.root().open_group("model")), InputError);
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
  EXPECT_THROW(h5::File(text.string(), h5::File::Mode::read_only_unlocked), InputError);
  EXPECT_THROW(h5::File(text.string(), h5::File::Mode::read_write), InputError);
  EXPECT_FALSE(h5::is_hdf5(text.string()));
  {
    h5::File f((dir / "ok.h5").string(), h5::File::Mode::create_truncate);
    f.root().write_strings("names", {"a"});
  }
  h5::File f((dir / "ok.h5").string(), h5::File::Mode::read_only);
  EXPECT_THROW(f.root().read_double("names"), InputError);
  expect_error_naming([&] { f.root().read_double("absent"); }, "ok.h5:/absent");
  EXPECT_THROW(f.root().open_group("absent"), InputError);
  EXPECT_THROW(f.root().attr_string("absent"), InputError);
  EXPECT_THROW(f.root().read_table("names"), InputError);
  EXPECT_THROW(f.root().read_table("absent"), InputError);
}

TEST(H5, WriteFailuresAreIoErrors) {
  test::TempDir dir;
  const auto path = (dir / "ro.h5").string();
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    f.root().write("x", std::vector<double>{1});
    f.close();
  }
  {  // A file opened read-only: every kind of write fails, naming the file and the object.
    h5::File f(path, h5::File::Mode::read_only);
    h5::Group root = f.root();
    expect_error_naming([&] { root.write("y", std::vector<double>{1}); }, "ro.h5:/y");
    EXPECT_THROW(root.write("y", std::vector<double>{1}), IoError);
    EXPECT_THROW(root.write_strings("s", {"a"}), IoError);
    EXPECT_THROW(root.set_attr("a", 1.0), IoError);
    EXPECT_THROW(root.create_group("g"), IoError);
    EXPECT_THROW(root.create_table("t", {{"a", h5::ColumnType::int64, 0}}), IoError);
  }
  // A folder that does not exist, a place nobody can create files in (also not root).
  expect_error_naming([&] { h5::File((dir / "no/such/x.h5").string(), h5::File::Mode::create_truncate); },
                      "no/such/x.h5");
  EXPECT_THROW(h5::File((dir / "no/such/x.h5").string(), h5::File::Mode::create_truncate), IoError);
  EXPECT_THROW(h5::File("/proc/kanscan_test.h5", h5::File::Mode::create_truncate), IoError);
  EXPECT_THROW(h5::File(path, h5::File::Mode::create_exclusive), IoError);  // exists
  // Closing with objects still open would hide the real close's errors.
  h5::File f((dir / "open.h5").string(), h5::File::Mode::create_truncate);
  const h5::Group root = f.root();
  EXPECT_THROW(f.close(), std::logic_error);
}

TEST(H5, FixedLengthStringsUsingEveryByteKeepTheirLastCharacter) {
  // h5py/numpy write fixed-length, null-padded strings ("S7" holds "delta_r" with no terminator).
  test::TempDir dir;
  const std::string path = (dir / "fixed.h5").string();
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    h5::Group root = f.root();
    root.write_strings("names", {"delta_r", "pt", "truncated"}, 7);
    root.set_attr("label", "delta_r", 7);
    root.write_string("one", "eta", 7);
  }
  h5::File f(path, h5::File::Mode::read_only);
  EXPECT_EQ(f.root().read_strings("names"), (std::vector<std::string>{"delta_r", "pt", "truncat"}));
  EXPECT_EQ(f.root().attr_string("label"), "delta_r");
  EXPECT_EQ(f.root().read_string("one"), "eta");
  if (!have_h5py()) GTEST_SKIP() << "h5py not available for the cross-check";
  const auto r = python(
      "f = h5py.File(sys.argv[1], 'r')\n"
      "assert f['names'].dtype == np.dtype('S7'), f['names'].dtype\n"
      "assert list(f['names'][()]) == [b'delta_r', b'pt', b'truncat']\n"
      "assert f.attrs['label'] == b'delta_r'\n",
      path);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(H5, StringsWrittenByH5pyReadBack) {
  if (!have_h5py()) GTEST_SKIP() << "h5py not available";
  test::TempDir dir;
  const std::string path = (dir / "py.h5").string();
  const auto r = python(
      "f = h5py.File(sys.argv[1], 'w')\n"
      "f['fixed'] = np.array([b'delta_r', b'pt'], dtype='S7')\n"
      "f.create_dataset('vlen', data=['alpha', 'b\\u00e9ta'], dtype=h5py.string_dtype())\n"
      "f['scalar'] = 'x: 1\\n'\n"
      "f['fixed_scalar'] = np.bytes_(b'abc')\n"
      "f.attrs['fixed'] = np.bytes_(b'delta_r')\n"
      "f.attrs['vlen'] = 'gamma'\n",
      path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  h5::File f(path, h5::File::Mode::read_only);
  const auto root = f.root();
  EXPECT_EQ(root.read_strings("fixed"), (std::vector<std::string>{"delta_r", "pt"}));
  EXPECT_EQ(root.read_strings("vlen"), (std::vector<std::string>{"alpha", "b\u00e9ta"}));
  EXPECT_EQ(root.read_string("scalar"), "x: 1\n");
  EXPECT_EQ(root.read_string("fixed_scalar"), "abc");
  EXPECT_EQ(root.attr_string("fixed"), "delta_r");
  EXPECT_EQ(root.attr_string("vlen"), "gamma");
}

TEST(H5, CompoundTableRoundTripAndAppend) {
  test::TempDir dir;
  const std::string path = (dir / "t.h5").string();
  const std::vector<h5::Column> cols{{"id", h5::ColumnType::fixed_string, 4},
                                     {"n", h5::ColumnType::int64, 0},
                                     {"x", h5::ColumnType::float64, 0},
                                     {"note", h5::ColumnType::vlen_string, 0},
                                     {"flag", h5::ColumnType::boolean, 0}};
  auto row = [&](const std::string& id, std::int64_t n, double x, const std::string& note, bool flag) {
    h5::Row r(cols.size());
    r.set_text(0, id);
    r.set_int(1, n);
    r.set_real(2, x);
    r.set_text(3, note);
    r.set_int(4, flag ? 1 : 0);
    return r;
  };
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    {
      h5::Table t = f.root().create_table("t", cols, 2);
      t.append(row("ab", -1, 0.5, "first", true));
      EXPECT_EQ(t.rows(), 1u);
      // Appending again extends the table: beyond one chunk, truncation, a string using every byte.
      t.append({row("abcdef", 2, std::nan(""), "", false), row("wxyz", 3, 1e300, "third", true),
                h5::Row(cols.size())});
      EXPECT_EQ(t.rows(), 4u);
      h5::Row bad(cols.size());
      bad.set_real(1, 1.0);  // a real into an int64 column
      EXPECT_THROW(t.append(bad), std::logic_error);
      EXPECT_THROW(bad.set_int(9, 1), std::logic_error);
    }
    f.close();
  }
  h5::File f(path, h5::File::Mode::read_only);
  EXPECT_EQ(f.root().type_class("t"), h5::TypeClass::compound);
  const h5::TableContents t = f.root().read_table("t");
  ASSERT_EQ(t.rows, 4u);
  ASSERT_EQ(t.fields.size(), 5u);
  EXPECT_TRUE(t.skipped.empty());
  EXPECT_EQ(field(t, "id").strings, (std::vector<std::string>{"ab", "abcd", "wxyz", ""}));
  EXPECT_EQ(field(t, "n").type, h5::TypeClass::integer);
  EXPECT_EQ(field(t, "n").numbers, (std::vector<double>{-1, 2, 3, 0}));
  EXPECT_EQ(field(t, "x").numbers[0], 0.5);
  EXPECT_TRUE(std::isnan(field(t, "x").numbers[1]));
  EXPECT_EQ(field(t, "x").numbers[2], 1e300);
  EXPECT_EQ(field(t, "note").strings, (std::vector<std::string>{"first", "", "third", ""}));
  EXPECT_EQ(field(t, "flag").type, h5::TypeClass::enumeration);
  EXPECT_EQ(field(t, "flag").numbers, (std::vector<double>{1, 0, 1, 0}));
  if (!have_h5py()) GTEST_SKIP() << "h5py not available for the cross-check";
  // The stored layout as numpy sees it: little-endian numbers, S4 null-padded, h5py's bool.
  const auto r = python(
      "d = h5py.File(sys.argv[1], 'r')['t']\n"
      "assert d.maxshape == (None,) and d.chunks == (2,), (d.maxshape, d.chunks)\n"
      "dt = d.dtype\n"
      "assert dt['id'] == np.dtype('S4') and dt['n'] == np.dtype('<i8') and dt['x'] == np.dtype('<f8'), dt\n"
      "assert dt['flag'] == np.dtype('bool'), dt\n"
      "assert h5py.check_string_dtype(dt['note']).length is None\n"
      "assert d.id.get_type().get_member_type(0).get_strpad() == h5py.h5t.STR_NULLPAD\n"
      "assert list(d['id']) == [b'ab', b'abcd', b'wxyz', b''] and list(d['flag']) == [True, False, True, False]\n",
      path);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(H5, ForeignCompoundTablesFromH5py) {
  // As a user or another tool writes them: h5py bools, big-endian and small integers, fixed
  // and variable strings, a space-padded string, and fields of types the reader skips.
  if (!have_h5py()) GTEST_SKIP() << "h5py not available";
  test::TempDir dir;
  const std::string path = (dir / "foreign.h5").string();
  const auto r = python(
      "dt = np.dtype([('trial_id', 'S6'), ('ok', '?'), ('n', '>i4'), ('u', 'u1'), ('x', '<f4'),\n"
      "               ('name', h5py.string_dtype()), ('vec', '<f8', (2,)), ('sub', [('a', 'i2')])])\n"
      "a = np.zeros(3, dtype=dt)\n"
      "a['trial_id'] = [b'aaaaaa', b'b', b'']\n"
      "a['ok'] = [True, False, True]\n"
      "a['n'] = [-1, 7, 2**31 - 1]\n"
      "a['u'] = [255, 0, 1]\n"
      "a['x'] = [0.25, -1.5, 3]\n"
      "a['name'] = ['kan', 'mlp', '']\n"
      "f = h5py.File(sys.argv[1], 'w')\n"
      "f['trials'] = a\n"
      "sp = h5py.h5t.C_S1.copy(); sp.set_size(5); sp.set_strpad(h5py.h5t.STR_SPACEPAD)\n"
      "ct = h5py.h5t.create(h5py.h5t.COMPOUND, 5); ct.insert(b'padded', 0, sp)\n"
      "ds = h5py.h5d.create(f.id, b'spaced', ct, h5py.h5s.create_simple((1,)))\n"
      "ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([b'ab   '], dtype=[('padded', 'S5')]), mtype=ct)\n",
      path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  h5::File f(path, h5::File::Mode::read_only_unlocked);
  const h5::TableContents t = f.root().read_table("trials");
  ASSERT_EQ(t.rows, 3u);
  EXPECT_EQ(field(t, "trial_id").strings, (std::vector<std::string>{"aaaaaa", "b", ""}));
  EXPECT_EQ(field(t, "ok").type, h5::TypeClass::enumeration);
  EXPECT_EQ(field(t, "ok").numbers, (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(field(t, "n").numbers, (std::vector<double>{-1, 7, 2147483647}));
  EXPECT_EQ(field(t, "u").numbers, (std::vector<double>{255, 0, 1}));
  EXPECT_EQ(field(t, "x").numbers, (std::vector<double>{0.25, -1.5, 3}));
  EXPECT_EQ(field(t, "name").strings, (std::vector<std::string>{"kan", "mlp", ""}));
  EXPECT_EQ(t.skipped, (std::vector<std::string>{"vec", "sub"}));
  EXPECT_EQ(field(f.root().read_table("spaced"), "padded").strings, (std::vector<std::string>{"ab"}));
}

// Found by tests/fuzz (fuzz_hdf5_data): a data file whose global heap holds a free-space object
// of size 0. HDF5 1.10 loops forever reading its variable-length strings (so does h5py); the
// file is refused on opening, naming it.
// The second one holds a string object whose size reaches past its heap: HDF5 copied 16 TB out
// of it (ASan: memcpy-param-overlap in H5HG_read; a crash without ASan).
TEST(H5, AGlobalHeapThatHdf5WouldHangOnIsRefused) {
  for (const char* name : {"fuzz_global_heap_free_space_0.h5", "fuzz_global_heap_object_past_end.h5"}) {
    const std::string path = test::source_dir() + "/tests/io/data/" + name;
    try {
      const h5::File f(path, h5::File::Mode::read_only);
      (void)f.root().read_strings("feature_names");
      FAIL() << "no error for " << name;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("global heap"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  // A healthy file with variable-length strings opens and reads.
  test::TempDir dir;
  const auto ok = (dir / "ok.h5").string();
  {
    h5::File f(ok, h5::File::Mode::create_truncate);
    f.root().write_strings("names", {"a", "bb", "ccc"});
    f.root().set_attr_strings("list", {"x", "y"});
    f.close();
  }
  const h5::File f(ok, h5::File::Mode::read_only);
  EXPECT_EQ(f.root().read_strings("names"), (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(f.root().attr_strings("list"), (std::vector<std::string>{"x", "y"}));
}
