#pragma once
// Parton-level event record shared by the generators and the detector model.
#include <cstdint>
#include <vector>

#include "io/generators/kinematics.hpp"

namespace kanscan::io::gen {

// Flavour / particle kind. Quarks and gluons become jets; photons and charged leptons go
// through their own detector model; invisibles only enter MET (by being absent).
enum class Kind : std::uint8_t { light, charm, bottom, photon, electron, muon, invisible };

inline bool is_coloured(Kind k) { return k == Kind::light || k == Kind::charm || k == Kind::bottom; }

struct Particle {
  P4 p;
  Kind kind = Kind::light;
  std::int8_t charge = 0;  // charged leptons: ±1
};

// Standard-model masses and widths (GeV) used by all generators.
inline constexpr double kMTop = 172.5;
inline constexpr double kWTop = 1.42;
inline constexpr double kMW = 80.4;
inline constexpr double kWW = 2.1;
inline constexpr double kMH = 125.0;
inline constexpr double kMB = 4.7;
inline constexpr double kMC = 1.5;

struct Event {
  std::vector<Particle> parts;
  void clear() { parts.clear(); }
  void add(const P4& p, Kind k, int charge = 0) { parts.push_back({p, k, static_cast<std::int8_t>(charge)}); }
};

}  // namespace kanscan::io::gen
