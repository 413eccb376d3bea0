#pragma once
// The one wire form of a trial: what rank 0 sends a worker rank to run. Binary, and built from
// the key table -- every trial key's value under its key path -- so that a key added to the
// table travels without touching this file. Numbers travel bit for bit, so a worker trains
// exactly the planned configuration.
#include <string>

#include "types/trial.hpp"

namespace kanscan::scans {

std::string encode_trial(const TrialConfig& cfg);
// Throws InputError for bytes that are not an encoded trial of this build's key table.
TrialConfig decode_trial(const std::string& bytes);

}  // namespace kanscan::scans
