#pragma once
// Four-vectors and decay kinematics of docs/generators.md §1.2. Metric (+,-,-,-), GeV.
// Header-only and allocation-free: the generators call these millions of times per second.
#include <algorithm>
#include <cmath>

#include "io/generators/random.hpp"

namespace kanscan::io::gen {

struct Vec3 {
  double x = 0, y = 0, z = 0;
  double dot(const Vec3& o) const { return x * o.x + y * o.y + z * o.z; }
  double norm() const { return std::sqrt(dot(*this)); }
  Vec3 operator*(double s) const { return {x * s, y * s, z * s}; }
  Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-() const { return {-x, -y, -z}; }
  Vec3 cross(const Vec3& o) const { return {y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x}; }
  Vec3 unit() const {
    const double n = norm();
    return n > 0 ? Vec3{x / n, y / n, z / n} : Vec3{0, 0, 1};
  }
};

struct P4 {
  double e = 0, px = 0, py = 0, pz = 0;

  P4 operator+(const P4& o) const { return {e + o.e, px + o.px, py + o.py, pz + o.pz}; }
  P4 operator-(const P4& o) const { return {e - o.e, px - o.px, py - o.py, pz - o.pz}; }
  P4& operator+=(const P4& o) {
    e += o.e, px += o.px, py += o.py, pz += o.pz;
    return *this;
  }
  P4 operator*(double s) const { return {e * s, px * s, py * s, pz * s}; }
  // Minkowski product.
  double dot(const P4& o) const { return e * o.e - px * o.px - py * o.py - pz * o.pz; }
  double m2() const { return dot(*this); }
  // Signed sqrt so that tiny negative m² from rounding gives ~0, not NaN.
  double m() const {
    const double s = m2();
    return s >= 0 ? std::sqrt(s) : -std::sqrt(-s);
  }
  double pt2() const { return px * px + py * py; }
  double pt() const { return std::sqrt(pt2()); }
  double p() const { return std::sqrt(pt2() + pz * pz); }
  double phi() const { return std::atan2(py, px); }
  double eta() const {
    const double t = pt();
    if (t == 0) return pz >= 0 ? 1e9 : -1e9;
    return std::asinh(pz / t);
  }
  double rapidity() const { return 0.5 * std::log((e + pz) / (e - pz)); }
  double et() const { return std::sqrt(std::max(m2(), 0.0) + pt2()); }  // transverse energy sqrt(m²+pT²)
  Vec3 p3() const { return {px, py, pz}; }
  Vec3 beta() const { return {px / e, py / e, pz / e}; }
};

inline P4 from_pt_eta_phi_m(double pt, double eta, double phi, double m) {
  const double ch = std::cosh(eta);
  return {std::sqrt(m * m + pt * pt * ch * ch), pt * std::cos(phi), pt * std::sin(phi), pt * std::sinh(eta)};
}

inline P4 from_m_pt_y_phi(double m, double pt, double y, double phi) {
  const double mt = std::sqrt(m * m + pt * pt);
  return {mt * std::cosh(y), pt * std::cos(phi), pt * std::sin(phi), mt * std::sinh(y)};
}

// Δφ wrapped to [-π, π].
inline double delta_phi(double a, double b) {
  double d = a - b;
  while (d > kPi) d -= 2 * kPi;
  while (d < -kPi) d += 2 * kPi;
  return d;
}

inline double delta_r(double eta1, double phi1, double eta2, double phi2) {
  const double de = eta1 - eta2;
  const double dp = delta_phi(phi1, phi2);
  return std::sqrt(de * de + dp * dp);
}

// Active boost (ROOT TLorentzVector::Boost convention).
inline P4 boost(const P4& p, const Vec3& b) {
  const double b2 = b.dot(b);
  if (b2 <= 0) return p;
  const double gamma = 1.0 / std::sqrt(1.0 - b2);
  const double bp = b.x * p.px + b.y * p.py + b.z * p.pz;
  const double gamma2 = (gamma - 1.0) / b2;
  const double k = gamma2 * bp + gamma * p.e;
  return {gamma * (p.e + bp), p.px + k * b.x, p.py + k * b.y, p.pz + k * b.z};
}

// Momentum of either daughter in the rest frame of M -> m1 m2 (0 below threshold).
inline double two_body_pstar(double mass, double m1, double m2) {
  const double a = (mass * mass - (m1 + m2) * (m1 + m2)) * (mass * mass - (m1 - m2) * (m1 - m2));
  return a > 0 ? std::sqrt(a) / (2.0 * mass) : 0.0;
}

// Unit vector at polar angle (cos θ, φ) about axis a (u, v ⟂ a complete the frame).
inline Vec3 direction_about(const Vec3& a, double cos_theta, double phi) {
  const double sin_theta = std::sqrt(std::max(0.0, 1.0 - cos_theta * cos_theta));
  // u: any vector ⟂ a, built from the coordinate axis least aligned with a.
  const Vec3 helper = std::abs(a.x) < 0.9 ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
  const Vec3 u = a.cross(helper).unit();
  const Vec3 v = a.cross(u);
  const double c = std::cos(phi), s = std::sin(phi);
  return a * cos_theta + (u * c + v * s) * sin_theta;
}

struct TwoBody {
  P4 d1, d2;
};

// Daughters of `parent` (given in the frame where the result is wanted): d1 along n̂ in the
// parent rest frame, then both boosted by β = p/E of the parent.
inline TwoBody two_body_decay(const P4& parent, double m1, double m2, const Vec3& n_rest) {
  const double mass = parent.m();
  const double ps = two_body_pstar(mass, m1, m2);
  const P4 a{std::sqrt(ps * ps + m1 * m1), ps * n_rest.x, ps * n_rest.y, ps * n_rest.z};
  const P4 b{std::sqrt(ps * ps + m2 * m2), -ps * n_rest.x, -ps * n_rest.y, -ps * n_rest.z};
  const Vec3 beta = parent.beta();
  return {boost(a, beta), boost(b, beta)};
}

inline Vec3 isotropic(Rng& r) {
  return direction_about({0, 0, 1}, uniform(r, -1, 1), uniform(r, 0, 2 * kPi));
}

inline TwoBody two_body_isotropic(Rng& r, const P4& parent, double m1, double m2) {
  return two_body_decay(parent, m1, m2, isotropic(r));
}

struct ThreeBody {
  P4 d1, d2, d3;
};

// Flat 3-body phase space P -> 1 2 3: m12 by accept-reject on the product of the two
// break-up momenta, then two isotropic two-body decays.
inline ThreeBody three_body_flat(Rng& r, const P4& parent, double m1, double m2, double m3) {
  const double mass = parent.m();
  const double lo = m1 + m2, hi = mass - m3;
  const double wmax = two_body_pstar(mass, lo, m3) * two_body_pstar(hi, m1, m2);
  double m12 = lo;
  for (int tries = 0; tries < 10000; ++tries) {
    m12 = uniform(r, lo, hi);
    const double w = two_body_pstar(mass, m12, m3) * two_body_pstar(m12, m1, m2);
    if (uniform(r) * wmax < w) break;
  }
  const TwoBody s = two_body_isotropic(r, parent, m12, m3);
  const TwoBody d = two_body_isotropic(r, s.d1, m1, m2);
  return {d.d1, d.d2, s.d2};
}

// Neutrino p_z from the W-mass constraint (real part when there is no real solution;
// otherwise the root of smaller |p_z|).
inline double neutrino_pz(const P4& lep, double met_x, double met_y, double m_w = 80.4) {
  const double pt2 = lep.pt2();
  if (pt2 <= 0) return 0.0;
  const double mu = 0.5 * m_w * m_w + lep.px * met_x + lep.py * met_y;
  const double a = mu * lep.pz / pt2;
  const double met2 = met_x * met_x + met_y * met_y;
  const double disc = a * a - (lep.e * lep.e * met2 - mu * mu) / pt2;
  if (disc < 0) return a;
  const double s = std::sqrt(disc);
  const double r1 = a + s, r2 = a - s;
  return std::abs(r1) < std::abs(r2) ? r1 : r2;
}

inline P4 neutrino_from_met(const P4& lep, double met_x, double met_y, double m_w = 80.4) {
  const double pz = neutrino_pz(lep, met_x, met_y, m_w);
  return {std::sqrt(met_x * met_x + met_y * met_y + pz * pz), met_x, met_y, pz};
}

// M_T(ℓ, MET) = sqrt(2 pT MET (1 - cos Δφ)).
inline double mt_lep_met(const P4& lep, double met_x, double met_y) {
  const double met = std::hypot(met_x, met_y);
  const double ptl = lep.pt();
  if (met <= 0 || ptl <= 0) return 0.0;
  const double cos_dphi = (lep.px * met_x + lep.py * met_y) / (ptl * met);
  return std::sqrt(std::max(0.0, 2.0 * ptl * met * (1.0 - cos_dphi)));
}

// Transverse mass of a system of visible objects plus MET (MET massless).
inline double mt_system(const P4* objs, int n, double met_x, double met_y) {
  double et = std::hypot(met_x, met_y), sx = met_x, sy = met_y;
  for (int i = 0; i < n; ++i) {
    et += objs[i].et();
    sx += objs[i].px;
    sy += objs[i].py;
  }
  return std::sqrt(std::max(0.0, et * et - sx * sx - sy * sy));
}

}  // namespace kanscan::io::gen
