#pragma once
// Shared by the fuzz targets: the input as a file (the readers take paths), and the contract
// every target checks -- bad input is a kanscan::InputError, anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace kanscan::fuzz {

// Writes the input to this process's temporary file with the given extension and returns its
// path (one file per process and extension, rewritten on every input).
std::string input_file(const std::uint8_t* data, std::size_t size, const std::string& extension);

// Runs `body`; an InputError is the expected answer to bad input. Any other exception aborts
// (libFuzzer records the input as a crash), naming it.
void expect_input_errors_only(const std::function<void()>& body);

}  // namespace kanscan::fuzz
