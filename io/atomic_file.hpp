#pragma once
// Publishing a file atomically: readers of `path` see the old file or the complete new one,
// never a partial one, also after a crash. The content goes to a temporary file in the same
// folder (`<path>.tmp.<pid>.<n>`: a rename is only atomic within one file system), which is
// fsync'ed, renamed over `path`, and the folder fsync'ed so that the rename itself is durable.
// On any failure the temporary file is removed and `path` is untouched; failures of these
// steps are IoError naming the file.
#include <functional>
#include <string>

namespace kanscan::io {

void write_file_atomic(const std::string& path, const std::string& text);
// `produce(tmp)` writes the complete file at `tmp` (and closes it); an exception from it is
// passed on after the temporary file is removed.
void write_file_atomic(const std::string& path, const std::function<void(const std::string& tmp)>& produce);
// The last step alone, for a complete file that already sits next to `path` (e.g. a working
// file becoming the final one): fsync `from`, rename it over `path`, fsync the folder.
// On failure `from` is left where it is.
void replace_file(const std::string& from, const std::string& path);

}  // namespace kanscan::io
