#pragma once
// Shared production pieces of docs/generators.md §1.3 (recoil-balanced heavy systems, ISR,
// t-channel spectator, 4FS b̄) and the exact LO V-A top decay of §1.2.
#include <cmath>

#include "io/generators/event.hpp"

namespace kanscan::io::gen {

// Transverse momentum carried by the extra partons; the heavy system recoils against it.
struct Recoil {
  double px = 0, py = 0;
  void add(const P4& p) { px += p.px, py += p.py; }
};

inline void add_isr(Rng& r, double lambda, Event& ev, Recoil& rec) {
  const int n = poisson(r, lambda);
  for (int i = 0; i < n; ++i) {
    const double pt = power_law(r, 15.0, 4.0, 800.0);
    const double eta = gauss(r, 0.0, 2.0);
    const double phi = uniform(r, -kPi, kPi);
    const P4 p = from_pt_eta_phi_m(pt, eta, phi, 0.0);
    ev.add(p, Kind::light);
    rec.add(p);
  }
}

// t-channel spectator quark; returns its hemisphere sign s (the heavy system goes opposite).
inline double add_spectator(Rng& r, double theta, Event& ev, Recoil& rec, P4& spectator) {
  const double s = bernoulli(r, 0.5) ? 1.0 : -1.0;
  const double pt = 5.0 + gamma(r, 2.0, theta);
  const double eta = std::clamp(s * gauss(r, 2.3, 1.0), -5.0, 5.0);
  const double phi = uniform(r, -kPi, kPi);
  spectator = from_pt_eta_phi_m(pt, eta, phi, 0.0);
  ev.add(spectator, Kind::light);
  rec.add(spectator);
  return s;
}

// Second b̄ of the four-flavour scheme (gluon splitting).
inline void add_4fs_b(Rng& r, Event& ev, Recoil& rec) {
  const double pt = 3.0 + gamma(r, 1.5, 15.0);
  const double eta = gauss(r, 0.0, 2.0);
  const double phi = uniform(r, -kPi, kPi);
  const P4 p = from_pt_eta_phi_m(pt, eta, phi, kMB);
  ev.add(p, Kind::bottom);
  rec.add(p);
}

// Heavy system of mass m balancing the extras: pT = -Σ pT(extras), y ~ N(y0, sigma_y).
inline P4 balanced_system(Rng& r, double m, double y0, double sigma_y, const Recoil& rec) {
  const double y = gauss(r, y0, sigma_y);
  const double pt = std::hypot(rec.px, rec.py);
  return from_m_pt_y_phi(m, pt, y, std::atan2(-rec.py, -rec.px));
}

inline double top_mass(Rng& r) { return breit_wigner(r, kMTop, kWTop, kMTop - 12.0, kMTop + 12.0); }

// Daughters of t -> W b, W -> f1 f2 where f1 is the charged lepton (or d-type quark) whose
// angle follows the W helicity fractions. Momenta in the top rest frame.
struct TopDecay {
  P4 b, w, f1, f2;
};

inline TopDecay top_decay_rest(Rng& r, double m_top, double m_f1 = 0.0, double m_f2 = 0.0) {
  const double m_w = breit_wigner(r, kMW, kWW, 50.0, m_top - kMB);
  const Vec3 n_w = isotropic(r);
  const double ps = two_body_pstar(m_top, m_w, kMB);
  TopDecay d;
  d.w = {std::sqrt(ps * ps + m_w * m_w), ps * n_w.x, ps * n_w.y, ps * n_w.z};
  d.b = {std::sqrt(ps * ps + kMB * kMB), -ps * n_w.x, -ps * n_w.y, -ps * n_w.z};
  // In the W rest frame reached by a pure boost along n_w, the W flight direction is still n_w.
  const Vec3 n_f = direction_about(n_w, helicity_cos(r), uniform(r, 0.0, 2 * kPi));
  const TwoBody f = two_body_decay(d.w, m_f1, m_f2, n_f);
  d.f1 = f.d1;
  d.f2 = f.d2;
  return d;
}

inline TopDecay boost_decay(const TopDecay& d, const Vec3& beta) {
  return {boost(d.b, beta), boost(d.w, beta), boost(d.f1, beta), boost(d.f2, beta)};
}

// Lab-frame decay of `top` with polarisation P along `axis_rest` (a unit vector in the top
// rest frame): accept-reject the whole decay with weight (1 + P cos θ_f1,axis)/(1 + |P|).
inline TopDecay polarised_top_decay(Rng& r, const P4& top, double pol, const Vec3& axis_rest, double m_f1 = 0.0,
                                    double m_f2 = 0.0) {
  const double m_top = top.m();
  for (;;) {
    TopDecay d = top_decay_rest(r, m_top, m_f1, m_f2);
    if (pol == 0.0) return boost_decay(d, top.beta());
    const double c = d.f1.p3().unit().dot(axis_rest);
    if (uniform(r) * (1.0 + std::abs(pol)) < 1.0 + pol * c) return boost_decay(d, top.beta());
  }
}

inline TopDecay top_decay(Rng& r, const P4& top, double m_f1 = 0.0, double m_f2 = 0.0) {
  return boost_decay(top_decay_rest(r, top.m(), m_f1, m_f2), top.beta());
}

// W -> q q̄': the d-type quark is light, the u-type one is a c quark in half of the cases.
inline void add_hadronic_w_products(Rng& r, Event& ev, const P4& d_type, const P4& u_type) {
  ev.add(d_type, Kind::light);
  ev.add(u_type, bernoulli(r, 0.5) ? Kind::charm : Kind::light);
}

// Adds the decay products of a top (charge q = ±1 for t / t̄). Leptonic: f1 = ℓ (e or μ),
// f2 = ν. Hadronic: f1 = d-type quark, f2 = u-type (c in half of the cases).
inline void add_top_products(Rng& r, Event& ev, const TopDecay& d, int q, bool leptonic, bool muon_only) {
  ev.add(d.b, Kind::bottom);
  if (leptonic) {
    const Kind lk = (muon_only || bernoulli(r, 0.5)) ? Kind::muon : Kind::electron;
    ev.add(d.f1, lk, q);
    ev.add(d.f2, Kind::invisible);
  } else {
    add_hadronic_w_products(r, ev, d.f1, d.f2);
  }
}

}  // namespace kanscan::io::gen
