#pragma once
// Small RAII layer over the HDF5 C API (there is no HighFive package in Debian), and the only
// code that sees HDF5: io/h5*.cpp include <hdf5.h>, nothing else does.
//
// Errors name the file and the object ("file:/group/name"). Opening or reading a file that is
// missing, broken or foreign is a kanscan::InputError (exit 2: the user gave a bad file);
// creating, writing, flushing or closing that fails is a kanscan::IoError (exit 1: disk full,
// read-only location, ...). Every HDF5 return code is checked; HDF5's own error-stack printing
// is switched off. Destructors close without throwing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kanscan::h5 {

// An HDF5 identifier (hid_t, int64_t in HDF5 1.10: checked where <hdf5.h> is included).
using Id = std::int64_t;

// Owns one identifier and closes it with the close function of its kind (file, group,
// dataset, ...). Closing errors are ignored here: writers call File::close() to see them.
class Handle {
 public:
  Handle() = default;
  explicit Handle(Id id) noexcept : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, kInvalid)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, kInvalid);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Id id() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }
  void reset() noexcept;
  Id release() noexcept { return std::exchange(id_, kInvalid); }

 private:
  static constexpr Id kInvalid = -1;
  Id id_ = kInvalid;
};

// Numeric array read from a dataset: flat row-major data plus its shape.
template <typename T>
struct Array {
  std::vector<T> data;
  std::vector<std::size_t> shape;
};

// The class of a dataset's or attribute's stored type.
enum class TypeClass { integer, floating, string, compound, enumeration, other };
// "integer", "float", "string", "compound", "enum/bool", "non-numeric".
const char* type_class_name(TypeClass c);

struct AttributeInfo {
  std::string name;
  TypeClass type = TypeClass::other;
};

// A column of a compound table. Stored little-endian (int64, IEEE float64), fixed-length
// strings null-padded and truncated to `size` bytes, booleans as h5py does (an int8 enum
// FALSE = 0, TRUE = 1), variable-length strings as UTF-8.
enum class ColumnType { int64, float64, fixed_string, vlen_string, boolean };
struct Column {
  std::string name;
  ColumnType type = ColumnType::int64;
  std::size_t size = 0;  // bytes of a fixed_string
};

// One row to append; a cell that is not set is 0 / "". int64 and boolean columns take
// set_int, float64 set_real, strings set_text.
class Row {
 public:
  explicit Row(std::size_t columns) : cells_(columns) {}
  void set_int(std::size_t column, std::int64_t v);
  void set_real(std::size_t column, double v);
  void set_text(std::size_t column, std::string v);
  std::size_t size() const { return cells_.size(); }

 private:
  friend class Table;
  // A plain struct rather than a variant (GCC 12's -Wmaybe-uninitialized trips over variants).
  struct Cell {
    enum Kind { unset, integer, real, text } kind = unset;
    std::int64_t i = 0;
    double d = 0;
    std::string s;
  };
  Cell& at(std::size_t column);
  std::vector<Cell> cells_;
};

// A 1-D chunked compound dataset with an unlimited dimension, open for appending rows.
class Table {
 public:
  const std::vector<Column>& columns() const { return columns_; }
  std::size_t rows() const { return rows_; }
  void append(const Row& row) { append(std::vector<Row>{row}); }
  void append(const std::vector<Row>& rows);
  // Gives up the table of a file that could not be written (see File::abandon).
  void abandon() noexcept;

 private:
  friend class Group;
  Table(Handle dataset, Handle mem_type, std::vector<Column> columns, std::vector<std::size_t> offsets,
        std::size_t row_size, std::string where);

  Handle dataset_;
  Handle mem_type_;
  std::vector<Column> columns_;
  std::vector<std::size_t> offsets_;
  std::size_t row_size_ = 0;
  std::size_t rows_ = 0;
  std::string where_;
};

// One field of a compound table read generically: integers, floats and enums (h5py's bool)
// as numbers, fixed-length and variable-length strings as text (a fixed-length string loses
// its trailing null and space padding).
struct Field {
  std::string name;
  TypeClass type = TypeClass::other;  // integer, floating, enumeration: numbers; string: strings
  std::vector<double> numbers;
  std::vector<std::string> strings;
};
struct TableContents {
  std::size_t rows = 0;
  std::vector<Field> fields;          // the readable fields, in the stored order
  std::vector<std::string> skipped;   // fields of another class (nested compounds, arrays, ...)
};

class Group {
 public:
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  std::string where(const std::string& name = "") const;  // "file:/path/name" for messages

  bool exists(const std::string& name) const;  // link exists (group or dataset); "a/b" allowed
  bool is_dataset(const std::string& name) const;
  std::vector<std::string> children() const;
  Group create_group(const std::string& name);
  Group open_group(const std::string& name) const;
  Group require_group(const std::string& name);  // open or create
  void remove(const std::string& name);          // deletes the link; nothing when absent

  // Numeric datasets. shape empty means 1-D of data.size(); an existing dataset is replaced.
  void write(const std::string& name, const std::vector<double>& data, std::vector<std::size_t> shape = {});
  void write(const std::string& name, const std::vector<float>& data, std::vector<std::size_t> shape = {});
  void write(const std::string& name, const std::vector<std::int64_t>& data, std::vector<std::size_t> shape = {});
  void write(const std::string& name, const std::vector<std::int32_t>& data, std::vector<std::size_t> shape = {});
  // Reads convert from any stored numeric type (HDF5 converts); InputError on a missing
  // dataset or a non-numeric one.
  Array<double> read_double(const std::string& name) const;
  Array<float> read_float(const std::string& name) const;
  Array<std::int64_t> read_int64(const std::string& name) const;
  std::vector<std::size_t> shape_of(const std::string& name) const;  // {} for a scalar
  TypeClass type_class(const std::string& name) const;

  // String datasets: fixed_size 0 writes variable-length UTF-8, otherwise fixed-length
  // null-padded strings of that many bytes (numpy's "S<n>", as h5py writes them).
  void write_strings(const std::string& name, const std::vector<std::string>& values, std::size_t fixed_size = 0);
  void write_string(const std::string& name, const std::string& value, std::size_t fixed_size = 0);  // scalar
  std::vector<std::string> read_strings(const std::string& name) const;  // 1-D
  std::string read_string(const std::string& name) const;                // scalar

  // Attributes of this group; an existing one is replaced.
  void set_attr(const std::string& name, const std::string& value);  // variable-length UTF-8
  void set_attr(const std::string& name, const std::string& value, std::size_t fixed_size);
  void set_attr(const std::string& name, double value);
  void set_attr(const std::string& name, std::int64_t value);
  // A 1-D attribute of variable-length UTF-8 strings (h5py reads a numpy array of str).
  void set_attr_strings(const std::string& name, const std::vector<std::string>& values);
  bool has_attr(const std::string& name) const;
  void remove_attr(const std::string& name);  // nothing when absent
  std::string attr_string(const std::string& name) const;
  double attr_double(const std::string& name) const;
  std::int64_t attr_int(const std::string& name) const;
  // A string attribute of any length (a scalar gives one value).
  std::vector<std::string> attr_strings(const std::string& name) const;
  std::vector<AttributeInfo> attributes() const;  // by name

  // Compound tables: an empty extendible table with these columns (chunks of chunk_rows),
  // and the reader of any compound dataset.
  Table create_table(const std::string& name, const std::vector<Column>& columns, std::size_t chunk_rows = 64);
  TableContents read_table(const std::string& name) const;

 private:
  friend class File;
  Group(Handle h, std::string file, std::string path) : h_(std::move(h)), file_(std::move(file)), path_(std::move(path)) {}
  Id id() const { return h_.id(); }

  Handle h_;
  std::string file_;
  std::string path_;
};

class File {
 public:
  // read_only_unlocked: without HDF5's file locking (a running scan holds its results file
  // open for writing), falling back to a SWMR read.
  enum class Mode { read_only, read_only_unlocked, read_write, create_truncate, create_exclusive };
  File(const std::string& path, Mode mode);
  ~File() = default;  // closes without throwing: writers call close()
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  Group root() const;
  void flush();
  // Flushes and closes; IoError when the file could not be completed. Groups still open keep
  // the file open until they close, but everything written so far is on disk.
  void close();
  // Gives up a file whose writing failed (a full disk) without asking HDF5 to close it: a close
  // that fails leaves HDF5 holding a half-destroyed file, which it would touch again (and crash
  // in) when the library shuts down. The file's identifier is left to the process's exit
  // (HDF5's atexit clean-up is switched off: every writer closes its files itself) and the file
  // on disk is garbage to be removed by the caller.
  void abandon() noexcept;
  const std::string& path() const { return path_; }

 private:
  Handle h_;
  std::string path_;
  bool writable_ = false;
};

// A readable HDF5 file (false for a missing, unreadable or non-HDF5 path).
bool is_hdf5(const std::string& path);
// The HDF5 library's version, "1.10.8".
std::string library_version();

}  // namespace kanscan::h5
