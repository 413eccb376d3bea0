#include "io/h5.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>

#include "framework/error.hpp"
#include "framework/memory.hpp"
#include "io/h5_internal.hpp"

namespace kanscan::h5 {

// ---------- checks ----------

namespace {
// Before any other HDF5 call (a static initialiser of the one file that owns the library): no
// clean-up at exit, which would close files that failed to close once more and crash in HDF5
// (File::abandon). Every file kanscan writes is closed, checked, by its writer.
const bool kNoAtexitCleanup = H5dont_atexit() >= 0;
}  // namespace

void fail(Op op, const std::string& where, const std::string& what) {
  if (op == Op::read) throw InputError(Location{where, -1, -1, ""}, what);
  throw IoError(Location{where, -1, -1, ""}, what);
}

void silence_errors() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) < 0)
      throw std::runtime_error("cannot switch off HDF5's error printing (HDF5 library not usable)");
  });
}

Handle own(hid_t id, Op op, const std::string& where, const std::string& what) {
  if (id < 0) fail(op, where, what);
  return Handle(id);
}

void check(herr_t status, Op op, const std::string& where, const std::string& what) {
  if (status < 0) fail(op, where, what);
}

bool check_tri(htri_t value, Op op, const std::string& where, const std::string& what) {
  if (value < 0) fail(op, where, what);
  return value > 0;
}

std::size_t check_size(std::size_t size, Op op, const std::string& where, const std::string& what) {
  if (size == 0) fail(op, where, what);
  return size;
}

int check_count(int count, Op op, const std::string& where, const std::string& what) {
  if (count < 0) fail(op, where, what);
  return count;
}

namespace {
std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return "[" + s + "]";
}
}  // namespace

std::uint64_t element_count(const std::string& where, const std::vector<std::size_t>& shape) {
  std::uint64_t n = 1;
  for (auto d : shape)
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n))
      fail(Op::read, where, "declares the shape " + shape_text(shape) + ", more elements than 64 bits can count");
  return n;
}

void check_fits(const std::string& where, std::uint64_t count, std::size_t elem_size,
                const std::vector<std::size_t>& shape) {
  const auto bytes = checked_product(count, elem_size);
  const std::uint64_t have = available_memory_bytes();
  if (bytes && *bytes <= have) return;
  const std::string declared = shape.empty() ? std::to_string(count) + " values" : "the shape " + shape_text(shape);
  fail(Op::read, where,
       "declares " + declared + ": " + (bytes ? format_bytes(static_cast<double>(*bytes)) : std::string("more than 2^64 bytes")) +
           " to read into memory, but only " + format_bytes(static_cast<double>(have)) +
           " are available (a damaged file, or one too large for this machine)");
}

Handle string_type(std::size_t fixed_size, H5T_cset_t cset, H5T_str_t pad, Op op, const std::string& where) {
  Handle t = own(H5Tcopy(H5T_C_S1), op, where, "cannot create a string type");
  check(H5Tset_size(t.id(), fixed_size == 0 ? H5T_VARIABLE : fixed_size), op, where, "cannot size a string type");
  check(H5Tset_cset(t.id(), cset), op, where, "cannot set a string type's character set");
  if (fixed_size > 0) check(H5Tset_strpad(t.id(), pad), op, where, "cannot set a string type's padding");
  return t;
}

TypeClass to_type_class(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return TypeClass::integer;
    case H5T_FLOAT: return TypeClass::floating;
    case H5T_STRING: return TypeClass::string;
    case H5T_COMPOUND: return TypeClass::compound;
    case H5T_ENUM: return TypeClass::enumeration;
    default: return TypeClass::other;
  }
}

const char* type_class_name(TypeClass c) {
  switch (c) {
    case TypeClass::integer: return "integer";
    case TypeClass::floating: return "float";
    case TypeClass::string: return "string";
    case TypeClass::compound: return "compound";
    case TypeClass::enumeration: return "enum/bool";
    case TypeClass::other: break;
  }
  return "non-numeric";
}

std::vector<std::string> read_string_data(hid_t ftype, hid_t space, std::size_t n, const std::string& where,
                                          const std::function<herr_t(hid_t, void*)>& read) {
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  const H5T_cset_t cset = H5Tget_cset(ftype);
  if (cset < 0) fail(Op::read, where, "cannot read the strings' character set");
  if (check_tri(H5Tis_variable_str(ftype), Op::read, where, "cannot read the string type")) {
    check_fits(where, n, sizeof(char*) + sizeof(std::string));
    std::vector<char*> ptrs(n, nullptr);
    const Handle mtype = string_type(0, cset, H5T_STR_NULLTERM, Op::read, where);
    const herr_t status = read(mtype.id(), ptrs.data());
    if (status >= 0)
      for (auto* p : ptrs) out.emplace_back(p ? p : "");
    // Also after a read that failed half way: the strings read before the failure are ours to free.
    const herr_t freed = H5Dvlen_reclaim(mtype.id(), space, H5P_DEFAULT, ptrs.data());
    check(status, Op::read, where, "cannot read strings (corrupt or truncated)");
    check(freed, Op::read, where, "cannot free strings");
    return out;
  }
  const std::size_t len = check_size(H5Tget_size(ftype), Op::read, where, "cannot read the string length");
  check_fits(where, n, len + sizeof(std::string));
  std::vector<char> buf(n * len);
  // Null-padded in memory: a string that uses every byte (as h5py/numpy write them) keeps its
  // last character; a null-terminated memory type would drop it in the conversion.
  const Handle mtype = string_type(len, cset, H5T_STR_NULLPAD, Op::read, where);
  check(read(mtype.id(), buf.data()), Op::read, where, "cannot read strings (corrupt or truncated)");
  for (std::size_t i = 0; i < n; ++i) {
    std::string s(buf.data() + i * len, len);
    s.erase(std::min(s.find('\0'), s.size()));
    out.push_back(std::move(s));
  }
  return out;
}

// ---------- handles, files ----------

void Handle::reset() noexcept {
  if (id_ < 0) return;
  // A failing close cannot be reported from a destructor; writers see it through File::close.
  switch (H5Iget_type(id_)) {
    case H5I_FILE: (void)H5Fclose(id_); break;
    case H5I_GROUP: (void)H5Gclose(id_); break;
    case H5I_DATASET: (void)H5Dclose(id_); break;
    case H5I_DATATYPE: (void)H5Tclose(id_); break;
    case H5I_DATASPACE: (void)H5Sclose(id_); break;
    case H5I_ATTR: (void)H5Aclose(id_); break;
    case H5I_GENPROP_LST: (void)H5Pclose(id_); break;
    default: (void)H5Idec_ref(id_); break;
  }
  id_ = kInvalid;
}

bool is_hdf5(const std::string& path) {
  silence_errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  return H5Fis_hdf5(path.c_str()) > 0;  // negative: unreadable, which is "not HDF5" here
}

std::string library_version() {
  unsigned maj = 0, min = 0, rel = 0;
  if (H5get_libversion(&maj, &min, &rel) < 0) return "unknown";
  return std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel);
}

namespace {

std::uint64_t little_endian(const unsigned char* p, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = bytes; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

// Whether the global heap collection at `c` (its "GCOL" signature; `end` is the file's end)
// would be walked to its end by HDF5: each object advances by its header and aligned size, a
// free-space object (index 0) by its size, which must not be 0, and no object reaches past the
// collection's end. Not a collection (a chance "GCOL" in other bytes): true.
bool heap_collection_walks(const unsigned char* c, const unsigned char* end, std::size_t sizeof_size) {
  const std::size_t head = 8 + sizeof_size, objhdr = 8 + sizeof_size;
  if (static_cast<std::size_t>(end - c) < head || c[4] != 1 || c[5] || c[6] || c[7]) return true;
  const std::uint64_t size = little_endian(c + 8, sizeof_size);
  if (size < 4096 || size > static_cast<std::uint64_t>(end - c)) return true;  // HDF5 refuses it itself
  const unsigned char* stop = c + size;
  for (const unsigned char* p = c + head; p < stop;) {
    if (static_cast<std::size_t>(stop - p) < objhdr) break;  // a tail too small for an object: free space
    const std::uint64_t idx = little_endian(p, 2), obj = little_endian(p + 8, sizeof_size);
    const std::uint64_t need = idx > 0 ? objhdr + ((obj + 7) / 8) * 8 : obj;
    // An object that does not advance, or that reaches past the collection: HDF5 loops forever
    // on the first and copies past its buffers for the second.
    if (need == 0 || need > static_cast<std::uint64_t>(stop - p)) return false;
    p += need;
  }
  return true;
}

// HDF5 1.10 loops forever reading a variable-length string (names in data and results files)
// from a global heap collection whose free-space object has size 0 (h5py hangs on such a file
// too; found by tests/fuzz). Every collection in a file is walked as HDF5 would walk it before
// the file is read; the check runs once per file version and process.
void check_global_heaps(const std::string& path, hid_t file) {
  static std::mutex mutex;
  static std::map<std::string, std::pair<std::uintmax_t, std::int64_t>> checked;
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec || bytes < 16) return;
  const auto stamp = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = checked.find(path);
    if (it != checked.end() && it->second == std::make_pair(bytes, stamp)) return;
  }
  std::size_t sizeof_addr = 8, sizeof_size = 8;
  {
    const Handle fcpl = own(H5Fget_create_plist(file), Op::read, path, "cannot read the file's creation properties");
    check(H5Pget_sizes(fcpl.id(), &sizeof_addr, &sizeof_size), Op::read, path, "cannot read the file's offset sizes");
  }
  if (sizeof_size != 2 && sizeof_size != 4 && sizeof_size != 8) fail(Op::read, path, "unsupported length size in the superblock");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(Op::read, path, "cannot open the file to check it");
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) fail(Op::read, path, "cannot map the file to check it");
  const auto* data = static_cast<const unsigned char*>(map);
  const unsigned char* end = data + bytes;
  bool ok = true;
  for (const unsigned char* p = data; ok && p < end;) {
    const void* hit = ::memmem(p, static_cast<std::size_t>(end - p), "GCOL", 4);
    if (!hit) break;
    const auto* c = static_cast<const unsigned char*>(hit);
    ok = heap_collection_walks(c, end, sizeof_size);
    p = c + 1;
  }
  ::munmap(map, bytes);
  if (!ok)
    fail(Op::read, path,
         "damaged HDF5 file: a global heap (where variable-length strings are stored) is corrupt; HDF5 would hang "
         "or overrun its buffers reading it");
  std::lock_guard<std::mutex> lock(mutex);
  checked[path] = {bytes, stamp};
}

// Read-only without HDF5's file locking: a running scan holds its results file open for
// writing and HDF5 would refuse. A file written in SWMR mode needs the SWMR-read flag.
hid_t open_unlocked(const std::string& path) {
  const Handle fapl = own(H5Pcreate(H5P_FILE_ACCESS), Op::read, path, "cannot create file-access properties");
  check(H5Pset_file_locking(fapl.id(), false, true), Op::read, path, "cannot switch off file locking");
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.id());
  if (id < 0) id = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl.id());
  return id;
}

}  // namespace

File::File(const std::string& path, Mode mode) : path_(path) {
  silence_errors();
  std::error_code ec;
  switch (mode) {
    case Mode::read_only:
    case Mode::read_only_unlocked:
    case Mode::read_write: {
      if (!std::filesystem::exists(path, ec)) fail(Op::read, path, "file does not exist");
      if (!is_hdf5(path)) fail(Op::read, path, "not an HDF5 file (or unreadable)");
      if (mode == Mode::read_only_unlocked) {
        h_ = own(open_unlocked(path), Op::read, path,
                 "cannot open HDF5 file for reading (corrupt, truncated, or no permission)");
      } else {
        h_ = own(H5Fopen(path.c_str(), mode == Mode::read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR, H5P_DEFAULT), Op::read,
                 path, "cannot open HDF5 file (corrupt, locked by a writer, or no permission)");
      }
      check_global_heaps(path, h_.id());
      writable_ = mode == Mode::read_write;
      break;
    }
    case Mode::create_truncate:
    case Mode::create_exclusive:
      h_ = own(H5Fcreate(path.c_str(), mode == Mode::create_truncate ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT,
                         H5P_DEFAULT),
               Op::write, path,
               mode == Mode::create_truncate
                   ? "cannot create HDF5 file (directory missing or not writable)"
                   : "cannot create HDF5 file (it exists, or the directory is missing or not writable)");
      writable_ = true;
      break;
  }
}

Group File::root() const {
  if (!h_) fail(Op::read, path_, "file is closed");
  return Group(own(H5Gopen2(h_.id(), "/", H5P_DEFAULT), Op::read, path_, "cannot open root group"), path_, "");
}

void File::flush() {
  if (!h_) fail(Op::write, path_, "file is closed");
  check(H5Fflush(h_.id(), H5F_SCOPE_GLOBAL), Op::write, path_, "cannot flush HDF5 file (disk full?)");
}

void File::abandon() noexcept { (void)h_.release(); }

void File::close() {
  if (!h_) return;
  (void)kNoAtexitCleanup;
  if (writable_) flush();
  // HDF5 would defer the close to the last open object, where its errors go unseen.
  const ssize_t open = H5Fget_obj_count(
      h_.id(), H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL);
  if (open < 0) fail(Op::write, path_, "cannot close HDF5 file");
  if (open > 0) throw std::logic_error(path_ + ": HDF5 file closed while " + std::to_string(open) + " objects are open");
  // A failed close leaves the identifier to HDF5 (File::abandon): never close it again.
  check(H5Fclose(h_.release()), Op::write, path_, "cannot close HDF5 file (it may be incomplete)");
}

// ---------- groups ----------

std::string Group::where(const std::string& name) const { return file_ + ":" + path_ + "/" + name; }

bool Group::exists(const std::string& name) const {
  // Each path component in turn, so that "a/b" with "a" missing (or a dataset) is false.
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = name.find('/', start);
    const std::string partial = name.substr(0, slash);
    if (!check_tri(H5Lexists(id(), partial.c_str(), H5P_DEFAULT), Op::read, where(partial), "cannot look up link"))
      return false;
    if (slash == std::string::npos) return true;
    H5O_info_t info;
    if (H5Oget_info_by_name2(id(), partial.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0 ||
        info.type != H5O_TYPE_GROUP)
      return false;  // a dangling link or a dataset: nothing below it
    start = slash + 1;
  }
}

bool Group::is_dataset(const std::string& name) const {
  if (!exists(name)) return false;
  H5O_info_t info;
  // A dangling soft link exists but is no dataset.
  if (H5Oget_info_by_name2(id(), name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_DATASET;
}

namespace {
herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  check(H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names), Op::read, where(),
        "cannot list the group");
  return names;
}

Group Group::create_group(const std::string& name) {
  Handle g = own(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), Op::write, where(name),
                 "cannot create group");
  return Group(std::move(g), file_, path_ + "/" + name);
}

Group Group::open_group(const std::string& name) const {
  if (!exists(name)) fail(Op::read, where(name), "missing group");
  Handle g = own(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), Op::read, where(name), "not a group");
  return Group(std::move(g), file_, path_ + "/" + name);
}

Group Group::require_group(const std::string& name) { return exists(name) ? open_group(name) : create_group(name); }

void Group::remove(const std::string& name) {
  if (!exists(name)) return;
  check(H5Ldelete(id(), name.c_str(), H5P_DEFAULT), Op::write, where(name), "cannot delete");
}

// ---------- numeric datasets ----------

namespace {

template <typename T>
void write_numeric(Group& g, hid_t loc, const std::string& name, const std::vector<T>& data,
                   std::vector<std::size_t> shape, hid_t mem_type, hid_t file_type) {
  const std::string w = g.where(name);
  if (shape.empty()) shape = {data.size()};
  std::size_t n = 1;
  for (auto s : shape) n *= s;
  if (n != data.size()) throw std::logic_error(w + ": internal: data size does not match shape");
  const std::vector<hsize_t> dims(shape.begin(), shape.end());
  const Handle space = own(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), Op::write, w,
                           "cannot create a dataspace");
  g.remove(name);
  const Handle dset = own(H5Dcreate2(loc, name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          Op::write, w, "cannot create dataset");
  if (!data.empty())
    check(H5Dwrite(dset.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), Op::write, w,
          "cannot write dataset");
}

Handle open_dataset(hid_t loc, const std::string& name, const std::string& where) {
  return own(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), Op::read, where, "cannot open dataset");
}

template <typename T>
Array<T> read_numeric(const Group& g, hid_t loc, const std::string& name, hid_t mem_type) {
  Array<T> out;
  out.shape = g.shape_of(name);
  const std::string w = g.where(name);
  const Handle dset = open_dataset(loc, name, w);
  const TypeClass cls = g.type_class(name);
  if (cls != TypeClass::integer && cls != TypeClass::floating)
    fail(Op::read, w, "expected a numeric dataset (integer or float), got another type");
  const std::uint64_t n = element_count(w, out.shape);
  check_fits(w, n, sizeof(T), out.shape);
  out.data.resize(n);
  if (n > 0)
    check(H5Dread(dset.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data.data()), Op::read, w,
          "cannot read dataset (corrupt or truncated)");
  return out;
}

}  // namespace

void Group::write(const std::string& name, const std::vector<double>& d, std::vector<std::size_t> s) {
  write_numeric(*this, id(), name, d, std::move(s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE);
}
void Group::write(const std::string& name, const std::vector<float>& d, std::vector<std::size_t> s) {
  write_numeric(*this, id(), name, d, std::move(s), H5T_NATIVE_FLOAT, H5T_IEEE_F32LE);
}
void Group::write(const std::string& name, const std::vector<std::int64_t>& d, std::vector<std::size_t> s) {
  write_numeric(*this, id(), name, d, std::move(s), H5T_NATIVE_INT64, H5T_STD_I64LE);
}
void Group::write(const std::string& name, const std::vector<std::int32_t>& d, std::vector<std::size_t> s) {
  write_numeric(*this, id(), name, d, std::move(s), H5T_NATIVE_INT32, H5T_STD_I32LE);
}

std::vector<std::size_t> Group::shape_of(const std::string& name) const {
  const std::string w = where(name);
  if (!is_dataset(name)) fail(Op::read, w, "missing dataset");
  const Handle dset = open_dataset(id(), name, w);
  const Handle space = own(H5Dget_space(dset.id()), Op::read, w, "cannot read dataset shape");
  const int rank = check_count(H5Sget_simple_extent_ndims(space.id()), Op::read, w, "cannot read dataset shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check_count(H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr), Op::read, w, "cannot read dataset shape");
  return std::vector<std::size_t>(dims.begin(), dims.end());
}

TypeClass Group::type_class(const std::string& name) const {
  const std::string w = where(name);
  if (!is_dataset(name)) fail(Op::read, w, "missing dataset");
  const Handle dset = open_dataset(id(), name, w);
  const Handle type = own(H5Dget_type(dset.id()), Op::read, w, "cannot read the dataset's type");
  const H5T_class_t c = H5Tget_class(type.id());
  if (c == H5T_NO_CLASS) fail(Op::read, w, "cannot read the dataset's type");
  return to_type_class(c);
}

Array<double> Group::read_double(const std::string& name) const {
  return read_numeric<double>(*this, id(), name, H5T_NATIVE_DOUBLE);
}
Array<float> Group::read_float(const std::string& name) const {
  return read_numeric<float>(*this, id(), name, H5T_NATIVE_FLOAT);
}
Array<std::int64_t> Group::read_int64(const std::string& name) const {
  return read_numeric<std::int64_t>(*this, id(), name, H5T_NATIVE_INT64);
}

// ---------- string datasets ----------

namespace {

// The bytes of fixed-length strings (truncated, null-padded) or the pointers of variable ones.
struct StringBuffer {
  std::vector<char> fixed;
  std::vector<const char*> ptrs;
  const void* data() const { return fixed.empty() ? static_cast<const void*>(ptrs.data()) : fixed.data(); }
};

StringBuffer string_buffer(const std::vector<std::string>& values, std::size_t fixed_size) {
  StringBuffer b;
  if (fixed_size == 0) {
    for (const auto& v : values) b.ptrs.push_back(v.c_str());
    return b;
  }
  b.fixed.assign(values.size() * fixed_size, '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::copy_n(values[i].data(), std::min(values[i].size(), fixed_size), b.fixed.data() + i * fixed_size);
  return b;
}

void write_string_dataset(Group& g, hid_t loc, const std::string& name, const std::vector<std::string>& values,
                          std::size_t fixed_size, bool scalar) {
  const std::string w = g.where(name);
  const Handle type = string_type(fixed_size, fixed_size == 0 ? H5T_CSET_UTF8 : H5T_CSET_ASCII, H5T_STR_NULLPAD,
                                  Op::write, w);
  const hsize_t dims[1] = {values.size()};
  const Handle space = own(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, nullptr), Op::write, w,
                           "cannot create a dataspace");
  g.remove(name);
  const Handle dset = own(H5Dcreate2(loc, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          Op::write, w, "cannot create string dataset");
  const StringBuffer buf = string_buffer(values, fixed_size);
  if (!values.empty())
    check(H5Dwrite(dset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), Op::write, w,
          "cannot write string dataset");
}

std::vector<std::string> read_string_dataset(const Group& g, hid_t loc, const std::string& name, std::size_t n) {
  const std::string w = g.where(name);
  if (g.type_class(name) != TypeClass::string) fail(Op::read, w, "expected strings");
  const Handle dset = open_dataset(loc, name, w);
  const Handle ftype = own(H5Dget_type(dset.id()), Op::read, w, "cannot read the dataset's type");
  const Handle space = own(H5Dget_space(dset.id()), Op::read, w, "cannot read dataset shape");
  return read_string_data(ftype.id(), space.id(), n, w, [&](hid_t mtype, void* buf) {
    return H5Dread(dset.id(), mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  });
}

}  // namespace

void Group::write_strings(const std::string& name, const std::vector<std::string>& values, std::size_t fixed_size) {
  write_string_dataset(*this, id(), name, values, fixed_size, false);
}

void Group::write_string(const std::string& name, const std::string& value, std::size_t fixed_size) {
  write_string_dataset(*this, id(), name, {value}, fixed_size, true);
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  const auto shape = shape_of(name);
  if (shape.size() != 1) fail(Op::read, where(name), "expected a 1-D array of strings");
  return read_string_dataset(*this, id(), name, shape[0]);
}

std::string Group::read_string(const std::string& name) const {
  if (!shape_of(name).empty()) fail(Op::read, where(name), "expected a scalar string");
  return read_string_dataset(*this, id(), name, 1).front();
}

}  // namespace kanscan::h5
