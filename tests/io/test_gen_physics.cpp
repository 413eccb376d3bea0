// Physics building blocks of the generators (docs/generators.md §1): variates, four-vectors,
// boosts, decays, W-mass-constraint neutrino, detector efficiency curves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "io/generators/detector.hpp"
#include "io/generators/kinematics.hpp"
#include "io/generators/production.hpp"
#include "io/generators/random.hpp"

using namespace kanscan;
using namespace kanscan::io::gen;

namespace {

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
double variance(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}
double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}
template <typename F>
std::vector<double> draw(int n, std::uint64_t seed, F&& f) {
  Rng r(seed);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = f(r);
  return v;
}
void expect_p4_near(const P4& a, const P4& b, double tol) {
  EXPECT_NEAR(a.e, b.e, tol);
  EXPECT_NEAR(a.px, b.px, tol);
  EXPECT_NEAR(a.py, b.py, tol);
  EXPECT_NEAR(a.pz, b.pz, tol);
}

}  // namespace

// ---------- variates ----------

TEST(GenRandom, GammaMeanAndVarianceBothBranches) {
  for (double k : {0.5, 1.5, 1.8, 5.2}) {
    const double theta = 90.0;
    const auto v = draw(200000, 11, [&](Rng& r) { return gamma(r, k, theta); });
    EXPECT_NEAR(mean(v), k * theta, 0.01 * k * theta) << "k=" << k;
    EXPECT_NEAR(variance(v), k * theta * theta, 0.03 * k * theta * theta) << "k=" << k;
    EXPECT_GT(*std::min_element(v.begin(), v.end()), 0.0);
  }
}

TEST(GenRandom, BetaPoissonExponentialMoments) {
  const auto b = draw(200000, 12, [](Rng& r) { return beta(r, 5.2, 2.5); });
  EXPECT_NEAR(mean(b), 5.2 / 7.7, 0.003);
  EXPECT_NEAR(variance(b), 5.2 * 2.5 / (7.7 * 7.7 * 8.7), 0.0005);
  const auto p = draw(200000, 13, [](Rng& r) { return static_cast<double>(poisson(r, 0.9)); });
  EXPECT_NEAR(mean(p), 0.9, 0.01);
  EXPECT_NEAR(variance(p), 0.9, 0.015);
  EXPECT_EQ(draw(100, 1, [](Rng& r) { return static_cast<double>(poisson(r, 0.0)); }), std::vector<double>(100, 0.0));
  const auto e = draw(200000, 14, [](Rng& r) { return exponential(r, 0.45); });
  EXPECT_NEAR(mean(e), 0.45, 0.005);
}

TEST(GenRandom, PowerLawTailAndTruncation) {
  // P(p > 2 p_min) = 2^-(n-1) for dN/dp ∝ p^-n.
  const auto v = draw(200000, 15, [](Rng& r) { return power_law(r, 20.0, 5.0); });
  const double above = static_cast<double>(std::count_if(v.begin(), v.end(), [](double x) { return x > 40.0; }));
  EXPECT_NEAR(above / static_cast<double>(v.size()), std::pow(2.0, -4.0), 0.003);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), 20.0);
  const auto t = draw(200000, 16, [](Rng& r) { return power_law(r, 15.0, 4.0, 800.0); });
  EXPECT_LE(*std::max_element(t.begin(), t.end()), 800.0);
  EXPECT_GE(*std::min_element(t.begin(), t.end()), 15.0);
}

TEST(GenRandom, BreitWignerBoundsPeakAndWidth) {
  // W: truncated as in the top decay.
  const auto w = draw(200000, 17, [](Rng& r) { return breit_wigner(r, 80.4, 2.1, 50.0, 167.8); });
  EXPECT_GE(*std::min_element(w.begin(), w.end()), 50.0);
  EXPECT_LE(*std::max_element(w.begin(), w.end()), 167.8);
  EXPECT_NEAR(quantile(w, 0.5), 80.4, 0.05);  // peak
  // A Cauchy in m² has its quartiles at M² ± MΓ, i.e. m ≈ M ± Γ/2: the IQR is the width.
  const auto z = draw(400000, 18, [](Rng& r) { return breit_wigner(r, 91.19, 2.5, 10.0, 1000.0); });
  EXPECT_NEAR(quantile(z, 0.75) - quantile(z, 0.25), 2.5, 0.05);
  // The mode: the most populated 0.25-GeV bin is the one at the mass.
  std::vector<int> hist(80, 0);
  for (double m : z)
    if (m > 81.19 && m < 101.19) ++hist[static_cast<std::size_t>((m - 81.19) / 0.25)];
  const auto peak = std::max_element(hist.begin(), hist.end()) - hist.begin();
  EXPECT_NEAR(81.19 + 0.25 * (static_cast<double>(peak) + 0.5), 91.19, 0.3);
  // A narrow window far from the peak stays inside.
  const auto tail = draw(10000, 19, [](Rng& r) { return breit_wigner(r, 80.4, 2.1, 100.0, 101.0); });
  EXPECT_GE(*std::min_element(tail.begin(), tail.end()), 100.0);
  EXPECT_LE(*std::max_element(tail.begin(), tail.end()), 101.0);
}

TEST(GenRandom, HelicityAngleMoments) {
  // F0 = 0.7 with ¾(1-x²): <x> = 0, <x²> = 1/5; F_L = 0.3 with ⅜(1-x)²: <x> = -1/2, <x²> = 2/5.
  const auto v = draw(400000, 20, [](Rng& r) { return helicity_cos(r); });
  EXPECT_NEAR(mean(v), -0.15, 0.004);
  std::vector<double> sq(v.size());
  std::transform(v.begin(), v.end(), sq.begin(), [](double x) { return x * x; });
  EXPECT_NEAR(mean(sq), 0.26, 0.003);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -1.0);
  EXPECT_LE(*std::max_element(v.begin(), v.end()), 1.0);
}

TEST(GenRandom, StreamsAreReproducible) {
  Rng a(stream_seed(5, 123)), b(stream_seed(5, 123)), c(stream_seed(5, 124));
  EXPECT_EQ(gamma(a, 1.8, 90), gamma(b, 1.8, 90));
  EXPECT_NE(a.next(), c.next());
}

// ---------- kinematics ----------

TEST(GenKinematics, FourVectorConstructionRoundTrip) {
  const P4 p = from_pt_eta_phi_m(45.0, -1.3, 2.0, 4.7);
  EXPECT_NEAR(p.pt(), 45.0, 1e-12);
  EXPECT_NEAR(p.eta(), -1.3, 1e-12);
  EXPECT_NEAR(p.phi(), 2.0, 1e-12);
  EXPECT_NEAR(p.m(), 4.7, 1e-9);
  const P4 q = from_m_pt_y_phi(300.0, 80.0, 0.7, -2.5);
  EXPECT_NEAR(q.m(), 300.0, 1e-9);
  EXPECT_NEAR(q.rapidity(), 0.7, 1e-12);
  EXPECT_NEAR(q.pt(), 80.0, 1e-12);
  EXPECT_NEAR(delta_phi(3.0, -3.0), 6.0 - 2 * kPi, 1e-12);
  EXPECT_NEAR(delta_r(0.0, 3.1, 0.3, -3.1), std::hypot(0.3, 2 * kPi - 6.2), 1e-12);
  // Minkowski product, metric (+,-,-,-).
  EXPECT_NEAR(p.dot(q), p.e * q.e - p.px * q.px - p.py * q.py - p.pz * q.pz, 1e-9);
}

TEST(GenKinematics, BoostPreservesMassAndInverts) {
  const P4 p = from_pt_eta_phi_m(30.0, 0.4, 1.0, 10.0);
  const Vec3 b{0.3, -0.5, 0.6};
  const P4 q = boost(p, b);
  EXPECT_NEAR(q.m(), 10.0, 1e-9);
  expect_p4_near(boost(q, -b), p, 1e-9);
  // A particle at rest boosted by β moves with velocity β.
  const P4 rest{5.0, 0, 0, 0};
  const P4 moving = boost(rest, b);
  EXPECT_NEAR(moving.beta().x, b.x, 1e-12);
  EXPECT_NEAR(moving.beta().z, b.z, 1e-12);
  // Rest frame: boosting by -β of the particle itself leaves it at rest.
  const P4 back = boost(q, -q.beta());
  EXPECT_NEAR(back.p(), 0.0, 1e-9);
  EXPECT_NEAR(back.e, 10.0, 1e-9);
}

TEST(GenKinematics, TwoBodyMomentumFormula) {
  EXPECT_NEAR(two_body_pstar(125.0, 0.0, 0.0), 62.5, 1e-12);
  // Källén function form: p* = sqrt(λ(M², m1², m2²)) / 2M.
  const double M = 172.5, m1 = 80.4, m2 = 4.7;
  const double a = M * M, b = m1 * m1, c = m2 * m2;
  const double lambda = a * a + b * b + c * c - 2 * a * b - 2 * a * c - 2 * b * c;
  EXPECT_NEAR(two_body_pstar(M, m1, m2), std::sqrt(lambda) / (2 * M), 1e-9);
  EXPECT_NEAR(two_body_pstar(M, m1, 0.0), (M * M - m1 * m1) / (2 * M), 1e-9);  // massless daughter
  EXPECT_EQ(two_body_pstar(80.0, 50.0, 40.0), 0.0);  // below threshold
}

TEST(GenKinematics, TwoBodyDecayConservesAndIsBackToBack) {
  Rng r(3);
  for (int i = 0; i < 100; ++i) {
    const P4 parent = from_m_pt_y_phi(172.5, uniform(r, 0, 300), gauss(r, 0, 1.5), uniform(r, -kPi, kPi));
    const TwoBody d = two_body_isotropic(r, parent, 80.4, 4.7);
    expect_p4_near(d.d1 + d.d2, parent, 1e-8);
    EXPECT_NEAR(d.d1.m(), 80.4, 1e-6);
    EXPECT_NEAR(d.d2.m(), 4.7, 1e-5);
    const P4 a = boost(d.d1, -parent.beta()), b = boost(d.d2, -parent.beta());
    EXPECT_NEAR(a.px + b.px, 0.0, 1e-8);
    EXPECT_NEAR(a.py + b.py, 0.0, 1e-8);
    EXPECT_NEAR(a.pz + b.pz, 0.0, 1e-8);
    EXPECT_NEAR(a.p(), two_body_pstar(172.5, 80.4, 4.7), 1e-8);
  }
}

TEST(GenKinematics, TwoBodyIsIsotropicInTheRestFrame) {
  Rng r(4);
  const P4 parent = from_m_pt_y_phi(125.0, 100.0, 1.0, 0.5);
  std::vector<double> c;
  for (int i = 0; i < 100000; ++i) {
    const TwoBody d = two_body_isotropic(r, parent, 0.0, 0.0);
    c.push_back(boost(d.d1, -parent.beta()).p3().unit().z);
  }
  EXPECT_NEAR(mean(c), 0.0, 0.01);
  EXPECT_NEAR(variance(c), 1.0 / 3.0, 0.005);  // uniform cos θ in [-1, 1]
}

TEST(GenKinematics, ThreeBodyConservesMomentumAndMasses) {
  Rng r(5);
  for (int i = 0; i < 50; ++i) {
    const P4 sys = from_m_pt_y_phi(172.5 * 2 + 125.0 + gamma(r, 2.0, 140.0), 50.0, 0.3, 1.0);
    const ThreeBody d = three_body_flat(r, sys, 172.5, 172.5, 125.0);
    expect_p4_near(d.d1 + d.d2 + d.d3, sys, 1e-7);
    EXPECT_NEAR(d.d1.m(), 172.5, 1e-5);
    EXPECT_NEAR(d.d3.m(), 125.0, 1e-5);
  }
}

TEST(GenKinematics, TopDecayAndPolarisation) {
  Rng r(6);
  const P4 top = from_m_pt_y_phi(172.5, 120.0, -0.5, 2.0);
  const Vec3 axis{0, 0, 1};
  std::vector<double> c;
  for (int i = 0; i < 100000; ++i) {
    const TopDecay d = polarised_top_decay(r, top, 0.9, axis);
    if (i < 20) {
      expect_p4_near(d.b + d.f1 + d.f2, top, 1e-7);
      EXPECT_NEAR((d.f1 + d.f2).m(), d.w.m(), 1e-6);
      EXPECT_GE(d.w.m(), 50.0);
    }
    c.push_back(boost(d.f1, -top.beta()).p3().unit().dot(axis));
  }
  // dN/dcos ∝ 1 + P cos θ  =>  <cos θ> = P/3.
  EXPECT_NEAR(mean(c), 0.3, 0.006);
}

TEST(GenKinematics, WMassConstraintNeutrino) {
  Rng r(7);
  int real = 0;
  for (int i = 0; i < 200; ++i) {
    const P4 w = from_m_pt_y_phi(80.4, uniform(r, 0, 150), gauss(r, 0, 1.5), uniform(r, -kPi, kPi));
    const TwoBody d = two_body_isotropic(r, w, 0.0, 0.0);
    const P4& lep = d.d1;
    const P4& nu = d.d2;
    const double pz = neutrino_pz(lep, nu.px, nu.py, 80.4);
    const P4 reco = neutrino_from_met(lep, nu.px, nu.py, 80.4);
    // With the true MET a real solution exists, it restores m_W, and one root is the truth.
    EXPECT_NEAR((lep + reco).m(), 80.4, 1e-4);
    const double mu = 0.5 * 80.4 * 80.4 + lep.px * nu.px + lep.py * nu.py;
    const double a = mu * lep.pz / lep.pt2();
    const double other = 2 * a - pz;
    EXPECT_TRUE(std::abs(pz - nu.pz) < 1e-4 * (1 + std::abs(nu.pz)) ||
                std::abs(other - nu.pz) < 1e-4 * (1 + std::abs(nu.pz)));
    EXPECT_LE(std::abs(pz), std::abs(other) + 1e-9);  // the smaller |p_z| root
    ++real;
  }
  EXPECT_EQ(real, 200);
  // M_T above m_W has no real solution: p_z = a (the real part).
  const P4 lep = from_pt_eta_phi_m(60.0, 0.5, 0.0, 0.0);
  const double met_x = -70.0, met_y = 0.0;
  EXPECT_GT(mt_lep_met(lep, met_x, met_y), 80.4);
  const double mu = 0.5 * 80.4 * 80.4 + lep.px * met_x;
  EXPECT_NEAR(neutrino_pz(lep, met_x, met_y), mu * lep.pz / lep.pt2(), 1e-9);
}

TEST(GenKinematics, TransverseMasses) {
  const P4 lep = from_pt_eta_phi_m(40.0, 0.0, 0.0, 0.0);
  EXPECT_NEAR(mt_lep_met(lep, -40.0, 0.0), 80.0, 1e-9);  // back to back: 2 pT
  EXPECT_NEAR(mt_lep_met(lep, 40.0, 0.0), 0.0, 1e-6);     // collinear
  const P4 objs[1] = {lep};
  EXPECT_NEAR(mt_system(objs, 1, -40.0, 0.0), 80.0, 1e-9);
}

// ---------- detector curves ----------

TEST(GenDetector, BTagEfficiencyCurveMatchesTheCard) {
  EXPECT_NEAR(btag_efficiency(Kind::bottom, 30.0), 0.55, 0.01);
  EXPECT_NEAR(btag_efficiency(Kind::bottom, 50.0), 0.64, 0.01);
  EXPECT_NEAR(btag_efficiency(Kind::bottom, 100.0), 0.71, 0.01);
  EXPECT_NEAR(btag_efficiency(Kind::bottom, 200.0), 0.72, 0.01);
  EXPECT_NEAR(btag_efficiency(Kind::charm, 50.0), 0.17, 0.01);
  EXPECT_NEAR(btag_efficiency(Kind::light, 100.0), 0.0138, 1e-9);
  for (double pt = 20; pt < 1000; pt += 10) {
    EXPECT_GT(btag_efficiency(Kind::bottom, pt), btag_efficiency(Kind::charm, pt));
    EXPECT_GT(btag_efficiency(Kind::charm, pt), btag_efficiency(Kind::light, pt));
  }
}

TEST(GenDetector, JetResolutionByRegion) {
  EXPECT_NEAR(jet_resolution(100.0, 0.5), std::sqrt(0.03 * 0.03 + 0.95 * 0.95 / 100 + 0.045 * 0.045), 1e-12);
  EXPECT_NEAR(jet_resolution(100.0, 2.0), std::sqrt(0.04 * 0.04 + 1.0 / 100 + 0.05 * 0.05), 1e-12);
  EXPECT_NEAR(jet_resolution(100.0, 4.0), std::sqrt(0.04 * 0.04 + 1.69 / 100 + 0.01), 1e-12);
  EXPECT_GT(jet_resolution(30.0, 0.5), jet_resolution(300.0, 0.5));
}

TEST(GenDetector, BalancedEventHasSmallMetAndMergesCloseJets) {
  DetectorConfig cfg;
  cfg.p_fsr = 0.0;
  cfg.pu_jets = 0.0;
  cfg.sigma_u = 0.0;
  DetectorWork work;
  Reco reco;
  Event ev;
  // Two back-to-back central quarks plus a third one 0.2 from the first: two jets, MET from
  // resolution only.
  ev.add(from_pt_eta_phi_m(100.0, 0.0, 0.0, 0.0), Kind::light);
  ev.add(from_pt_eta_phi_m(20.0, 0.2, 0.0, 0.0), Kind::bottom);
  ev.add(from_pt_eta_phi_m(120.0, 0.0, kPi, 0.0), Kind::light);
  Rng r(8);
  double met = 0;
  for (int i = 0; i < 200; ++i) {
    simulate_detector(r, ev, cfg, work, reco);
    ASSERT_EQ(reco.jets.size(), 2u);
    EXPECT_GE(reco.jets[0].pt, reco.jets[1].pt);
    const bool merged_is_b = reco.jets[0].flavour == Kind::bottom || reco.jets[1].flavour == Kind::bottom;
    EXPECT_TRUE(merged_is_b) << "merged jet takes the heavier flavour";
    met += reco.met();
  }
  EXPECT_LT(met / 200, 25.0);
  EXPECT_GT(met / 200, 1.0);
}

TEST(GenDetector, PhotonsLeptonsAcceptanceAndIsolation) {
  DetectorConfig cfg;
  cfg.p_fsr = 0.0;
  cfg.pu_jets = 0.0;
  DetectorWork work;
  Reco reco;
  Rng r(9);
  int crack = 0, forward = 0, kept = 0, isolated = 0;
  for (int i = 0; i < 1000; ++i) {
    Event ev;
    ev.add(from_pt_eta_phi_m(50.0, 1.5, 0.0, 0.0), Kind::photon);   // ECAL crack
    ev.add(from_pt_eta_phi_m(50.0, 2.7, 1.0, 0.0), Kind::electron); // outside tracker
    ev.add(from_pt_eta_phi_m(50.0, 0.3, 2.0, 0.0), Kind::muon, -1);
    ev.add(from_pt_eta_phi_m(50.0, -0.5, -2.0, 0.0), Kind::photon);
    ev.add(from_pt_eta_phi_m(80.0, -0.6, -2.0, 0.0), Kind::light);  // kills the photon's isolation
    simulate_detector(r, ev, cfg, work, reco);
    for (const auto& p : reco.photons) {
      if (std::abs(p.eta - 1.5) < 0.01) ++crack;
      if (std::abs(p.eta + 0.5) < 0.01) ++isolated;
    }
    for (const auto& l : reco.leptons) {
      if (l.kind == Kind::electron) ++forward;
      if (l.kind == Kind::muon) {
        ++kept;
        EXPECT_EQ(l.charge, -1);
      }
    }
  }
  EXPECT_EQ(crack, 0);
  EXPECT_EQ(forward, 0);
  EXPECT_EQ(isolated, 0);
  EXPECT_NEAR(kept / 1000.0, 0.95, 0.025);
}
