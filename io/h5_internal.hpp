#pragma once
// Shared by io/h5*.cpp only: the HDF5 header, and the checks every HDF5 call goes through.
#include <hdf5.h>

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "io/h5.hpp"

namespace kanscan::h5 {

static_assert(std::is_same_v<hid_t, Id>, "h5::Id must be HDF5's hid_t");
static_assert(std::is_same_v<herr_t, int> && std::is_same_v<htri_t, int>, "herr_t and htri_t are int in HDF5 1.10");

// Reading a user's file: failures are InputError. Creating/writing: IoError.
enum class Op { read, write };

[[noreturn]] void fail(Op op, const std::string& where, const std::string& what);
// Turns off HDF5's automatic error-stack printing (once per process).
void silence_errors();

// An identifier returned by HDF5, owned; fails when HDF5 returned an invalid one.
Handle own(hid_t id, Op op, const std::string& where, const std::string& what);
// A herr_t (negative = failure).
void check(herr_t status, Op op, const std::string& where, const std::string& what);
// An htri_t (negative = failure, else true/false).
bool check_tri(htri_t value, Op op, const std::string& where, const std::string& what);
// A size or count (HDF5 returns 0 or a negative number on failure).
std::size_t check_size(std::size_t size, Op op, const std::string& where, const std::string& what);
int check_count(int count, Op op, const std::string& where, const std::string& what);

// Refuses (InputError naming `where`) to allocate `count` elements of `elem_size` bytes when the
// product overflows or exceeds the memory this process can get: a damaged or hostile file may
// declare any shape. `shape` (may be empty) is only for the message.
void check_fits(const std::string& where, std::uint64_t count, std::size_t elem_size,
                const std::vector<std::size_t>& shape = {});
// The element count of a shape, refusing one that overflows 64 bits.
std::uint64_t element_count(const std::string& where, const std::vector<std::size_t>& shape);

// A string type: fixed_size 0 = variable length.
Handle string_type(std::size_t fixed_size, H5T_cset_t cset, H5T_str_t pad, Op op, const std::string& where);
TypeClass to_type_class(H5T_class_t c);

// Strings stored with type `ftype`, read by `read(mem_type, buffer)`. `space` is the read's
// dataspace (needed to free variable-length strings). Fixed-length strings end at their
// first null byte.
std::vector<std::string> read_string_data(hid_t ftype, hid_t space, std::size_t n, const std::string& where,
                                          const std::function<herr_t(hid_t, void*)>& read);

}  // namespace kanscan::h5
