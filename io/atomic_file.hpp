#pragma once
// Publishing a file atomically: readers of `path` see the old file or the complete new one,
// never a partial one, also after a crash. The content goes to a temporary file in the same
// folder (`<path>.tmp.<pid>.<n>`: a rename is only atomic within one file system), which is
// fsync'ed, renamed over `path`, and the folder fsync'ed so that the rename itself is durable.
// On any failure the temporary file is removed and `path` is untouched; failures of these
// steps are IoError naming the file.
#include <functional>
#include <string>
#include <vector>

namespace kanscan::io {

void write_file_atomic(const std::string& path, const std::string& text);
// `produce(tmp)` writes the complete file at `tmp` (and closes it); an exception from it is
// passed on after the temporary file is removed.
void write_file_atomic(const std::string& path, const std::function<void(const std::string& tmp)>& produce);
// The last step alone, for a complete file that already sits next to `path` (e.g. a working
// file becoming the final one): fsync `from`, rename it over `path`, fsync the folder.
// On failure `from` is left where it is.
void replace_file(const std::string& from, const std::string& path);

// What a command may publish over: checked before it does any work.
struct OutputRules {
  std::string option = "--out";       // the argument that named the file, for messages
  std::string kind;                    // what the command writes, e.g. "a `kanscan predict` output"
  std::vector<std::string> inputs;     // files the command reads: never written over
  bool force = false;                  // replace an existing file of another kind
  // Whether an existing regular file is one the command wrote (it may then be replaced).
  std::function<bool(const std::string& path)> own_kind;
};
// InputError (exit 2) for a directory, a device or any other file that is not a regular file
// (with or without force), a path that is one of the inputs (also through a link or a second
// name), a folder that does not exist, and an existing file that is not of the command's own
// kind unless rules.force.
void check_output_file(const std::string& path, const OutputRules& rules);

// InputError (exit 2) naming `file` (else the folder) and `option` unless a file can be created in `folder` (tried with an
// empty temporary file, removed at once): a folder that is read-only or that is no place for
// files (/proc) is a bad argument, found before any work is done.
void check_writable_folder(const std::string& folder, const std::string& option, const std::string& file = "");
// The folder `path` (with `option` naming it): created when missing; InputError when it is a
// file or cannot be created.
void require_folder(const std::string& path, const std::string& option);

}  // namespace kanscan::io
