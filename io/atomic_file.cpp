#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "framework/error.hpp"

namespace kanscan::io {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw IoError(Location{path, -1, -1, ""}, err ? what + ": " + std::strerror(err) : what);
}

std::string folder_of(const std::string& path) {
  const fs::path p = fs::absolute(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

// Unique per process and call: two threads publishing the same file never share a temporary.
std::string temp_name(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  return path + ".tmp." + std::to_string(static_cast<long>(::getpid())) + "." + std::to_string(counter++);
}

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) fail(path, directory ? "cannot open the folder to sync it" : "cannot open the file to sync it", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems cannot sync a folder (EINVAL): the rename is then as durable as it gets.
  if (rc != 0 && !(directory && err == EINVAL)) fail(path, "cannot sync to disk", err);
}

void write_text(const std::string& tmp, const std::string& text) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(tmp, "cannot create the file (folder missing or not writable?)", errno);
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      const int err = errno;
      ::close(fd);
      fail(tmp, "cannot write (disk full?)", err);
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  if (::close(fd) != 0) fail(tmp, "cannot write (disk full?)", errno);
}

}  // namespace

void replace_file(const std::string& from, const std::string& path) {
  fsync_path(from, false);
  if (std::rename(from.c_str(), path.c_str()) != 0) fail(path, "cannot rename " + from + " to it", errno);
  fsync_path(folder_of(path), true);
}

void write_file_atomic(const std::string& path, const std::function<void(const std::string& tmp)>& produce) {
  const std::string tmp = temp_name(path);
  auto remove_tmp = [&] {
    std::error_code ec;
    fs::remove(tmp, ec);
  };
  try {
    produce(tmp);
    replace_file(tmp, path);
  } catch (const IoError& e) {
    remove_tmp();
    // Users know the destination, not the temporary name: report the write as the destination's.
    Location where = e.where();
    if (where.file.rfind(tmp, 0) == 0) where.file = path + where.file.substr(tmp.size());
    throw IoError(where, e.detail());
  } catch (...) {
    remove_tmp();
    throw;
  }
}

void check_output_file(const std::string& path, const OutputRules& rules) {
  auto refuse = [&](const std::string& what) { throw InputError(Location{path, -1, -1, rules.option}, what); };
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) refuse("is a directory; expected a file name");
  if (fs::exists(st) && !fs::is_regular_file(st))
    refuse("is not a regular file (a device, pipe or socket); kanscan writes only regular files");
  for (const auto& in : rules.inputs) {
    if (in.empty() || !fs::exists(st)) continue;
    if (fs::equivalent(path, in, ec) && !ec) refuse("is an input of this command (" + in + "); choose another file name");
  }
  if (!fs::is_directory(fs::absolute(path).parent_path(), ec)) refuse("the output file's folder does not exist");
  if (fs::exists(st) && !rules.force && !(rules.own_kind && rules.own_kind(path)))
    refuse("exists and is not " + rules.kind + "; pass --force to replace it, or choose another file name");
  check_writable_folder(folder_of(path), rules.option, path);
}

void check_writable_folder(const std::string& folder, const std::string& option, const std::string& file) {
  const std::string probe = temp_name((fs::path(folder) / ".kanscan-write-test").string());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw InputError(Location{file.empty() ? folder : file, -1, -1, option},
                     fmt::format("cannot create files in the folder {}: {}", folder, std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());
}

void require_folder(const std::string& path, const std::string& option) {
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_directory(path, ec))
    throw InputError(Location{path, -1, -1, option}, "is not a folder (a file of that name exists)");
  fs::create_directories(path, ec);
  if (ec) throw InputError(Location{path, -1, -1, option}, "cannot create this folder: " + ec.message());
}

void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, [&](const std::string& tmp) { write_text(tmp, text); });
}

}  // namespace kanscan::io
