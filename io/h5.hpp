#pragma once
// Small RAII layer over the HDF5 C API (there is no HighFive package in Debian). Every
// failure becomes a kanscan::InputError naming the file and object, so a broken or foreign
// file is a clean exit 2, never a crash. HDF5's own error stack printing is switched off.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "types/model_state.hpp"

namespace kanscan::h5 {

// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t id() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Numeric array read from a dataset: flat row-major data plus its shape.
template <typename T>
struct Array {
  std::vector<T> data;
  std::vector<std::size_t> shape;
};

class Group {
 public:
  Group(hid_t id, std::string file, std::string path)
      : h_(id, H5Gclose), file_(std::move(file)), path_(std::move(path)) {}
  hid_t id() const { return h_.id(); }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

  bool exists(const std::string& name) const;  // link exists (group or dataset)
  bool is_dataset(const std::string& name) const;
  Group create_group(const std::string& name);
  Group open_group(const std::string& name) const;
  Group require_group(const std::string& name);  // open or create
  std::vector<std::string> children() const;

  // Datasets. shape empty means 1-D of data.size().
  void write(const std::string& name, const std::vector<double>& data, std::vector<std::size_t> shape = {});
  void write(const std::string& name, const std::vector<float>& data, std::vector<std::size_t> shape = {});
  void write(const std::string& name, const std::vector<std::int64_t>& data, std::vector<std::size_t> shape = {});
  void write(const std::string& name, const std::vector<std::int32_t>& data, std::vector<std::size_t> shape = {});
  void write_strings(const std::string& name, const std::vector<std::string>& values);
  // Reads convert from any stored numeric type (HDF5 converts); throws InputError on a
  // missing dataset or a non-numeric one.
  Array<double> read_double(const std::string& name) const;
  Array<float> read_float(const std::string& name) const;
  Array<std::int64_t> read_int64(const std::string& name) const;
  std::vector<std::string> read_strings(const std::string& name) const;
  std::vector<std::size_t> shape_of(const std::string& name) const;

  // Attributes on this group (or on a child object when `object` is given).
  void set_attr(const std::string& name, const std::string& value);
  void set_attr(const std::string& name, double value);
  void set_attr(const std::string& name, std::int64_t value);
  bool has_attr(const std::string& name) const;
  std::string attr_string(const std::string& name) const;
  double attr_double(const std::string& name) const;
  std::int64_t attr_int(const std::string& name) const;

  // Whole model (framework ModelState) in the layout of SPEC.md "model/".
  void write_model(const ModelState& model);
  ModelState read_model() const;

  std::string where(const std::string& name = "") const;  // "file:/path/name" for messages

 private:
  template <typename T>
  void write_numeric(const std::string& name, const std::vector<T>& data, std::vector<std::size_t> shape,
                     hid_t mem_type, hid_t file_type);
  template <typename T>
  Array<T> read_numeric(const std::string& name, hid_t mem_type) const;

  Handle h_;
  std::string file_;
  std::string path_;
};

class File {
 public:
  enum class Mode { read_only, read_write, create_truncate, create_exclusive };
  File(const std::string& path, Mode mode);
  Group root() const;
  void flush();
  hid_t id() const { return h_.id(); }
  const std::string& path() const { return path_; }

 private:
  Handle h_;
  std::string path_;
};

// Turns off HDF5's automatic error-stack printing (once per process).
void silence_errors();

}  // namespace kanscan::h5
