#include "io/generators/detector.hpp"

#include <algorithm>
#include <cmath>

namespace kanscan::io::gen {
namespace {

constexpr double kJetR = 0.4;
constexpr double kEtaMaxJet = 4.7;
constexpr double kMetJetMin = 10.0;

int flavour_rank(Kind k) { return k == Kind::bottom ? 2 : k == Kind::charm ? 1 : 0; }

// ECAL energy resolution of the Delphes CMS card (photons and electrons).
double ecal_sigma(double e, double abs_eta) {
  const double base = std::sqrt(e * e * 0.008 * 0.008 + e * 0.11 * 0.11 + 0.40 * 0.40);
  if (abs_eta <= 1.5) return (1.0 + 0.64 * abs_eta * abs_eta) * base;
  if (abs_eta <= 2.5) return (2.16 + 5.6 * (abs_eta - 2.0) * (abs_eta - 2.0)) * base;
  return std::sqrt(e * e * 0.107 * 0.107 + e * 2.08 * 2.08);
}

double muon_sigma_rel(double pt, double abs_eta) {
  if (abs_eta <= 0.5) return std::hypot(0.01, 1.0e-4 * pt);
  if (abs_eta <= 1.5) return std::hypot(0.015, 1.5e-4 * pt);
  return std::hypot(0.025, 3.5e-4 * pt);
}

bool in_ecal_acceptance(double abs_eta) { return abs_eta < 2.5 && !(abs_eta > 1.4442 && abs_eta < 1.566); }

template <typename T>
void sort_by_pt(std::vector<T>& v) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.pt > b.pt; });
}

}  // namespace

double Reco::met() const { return std::hypot(met_x, met_y); }

double btag_efficiency(Kind flavour, double pt) {
  switch (flavour) {
    case Kind::bottom: return 0.85 * std::tanh(0.0025 * pt) * 25.0 / (1.0 + 0.063 * pt);
    case Kind::charm: return 0.25 * std::tanh(0.018 * pt) / (1.0 + 0.0013 * pt);
    default: return 0.01 + 3.8e-5 * pt;
  }
}

double jet_resolution(double pt, double abs_eta) {
  double n = 3.0, s = 0.95, c = 0.045;
  if (abs_eta >= 3.0) n = 4.0, s = 1.3, c = 0.10;
  else if (abs_eta >= 1.3) n = 4.0, s = 1.0, c = 0.05;
  return std::sqrt((n / pt) * (n / pt) + s * s / pt + c * c);
}

namespace {

using Proto = DetectorWork::Proto;

// 1-2. Partons, each above 30 GeV radiating a hard gluon with probability p_fsr, and pile-up jets.
void make_protojets(Rng& rng, const Event& ev, const DetectorConfig& cfg, std::vector<Proto>& protos) {
  protos.clear();
  for (const Particle& part : ev.parts) {
    if (!is_coloured(part.kind)) continue;
    const double pt = part.p.pt();
    if (pt <= 0) continue;
    const double eta = part.p.eta(), phi = part.p.phi();
    if (pt > 30.0 && bernoulli(rng, cfg.p_fsr)) {
      const double z = uniform(rng, 0.12, 0.45);
      const double dr = 0.25 + exponential(rng, 0.45);
      const double alpha = uniform(rng, 0.0, 2 * kPi);
      const double geta = eta + dr * std::cos(alpha);
      const double gphi = delta_phi(phi + dr * std::sin(alpha), 0.0);
      const double m = std::max(part.p.m(), 0.0);
      protos.push_back({from_pt_eta_phi_m((1.0 - z) * pt, eta, phi, m), eta, phi, part.kind});
      protos.push_back({from_pt_eta_phi_m(z * pt, geta, gphi, 0.0), geta, gphi, Kind::light});
    } else {
      protos.push_back({part.p, eta, phi, part.kind});
    }
  }
  const int n_pu = poisson(rng, cfg.pu_jets);
  for (int i = 0; i < n_pu; ++i) {
    const double pt = power_law(rng, 20.0, 5.0);
    const double eta = uniform(rng, -4.7, 4.7);
    const double phi = uniform(rng, -kPi, kPi);
    protos.push_back({from_pt_eta_phi_m(pt, eta, phi, 0.0), eta, phi, Kind::light});
  }
}

// 3. Merge the closest pair while closer than R (a toy anti-kT for well-separated partons).
void cluster(std::vector<Proto>& protos) {
  for (;;) {
    double best = kJetR;
    std::size_t bi = 0, bj = 0;
    for (std::size_t i = 0; i < protos.size(); ++i)
      for (std::size_t j = i + 1; j < protos.size(); ++j) {
        const double dr = delta_r(protos[i].eta, protos[i].phi, protos[j].eta, protos[j].phi);
        if (dr < best) best = dr, bi = i, bj = j;
      }
    if (best >= kJetR) break;
    auto& a = protos[bi];
    const auto& b = protos[bj];
    a.p += b.p;
    a.eta = a.p.eta();
    a.phi = a.p.phi();
    if (flavour_rank(b.flavour) > flavour_rank(a.flavour)) a.flavour = b.flavour;
    protos.erase(protos.begin() + static_cast<std::ptrdiff_t>(bj));
  }
}

// 4. Response and resolution, then b-tagging within the tracker.
void measure_jets(Rng& rng, const std::vector<Proto>& protos, Reco& out) {
  for (const auto& pr : protos) {
    const double pt = pr.p.pt();
    const double abs_eta = std::abs(pr.eta);
    const double r = pr.flavour == Kind::bottom ? gauss(rng, 0.95, 0.07) : gauss(rng, 0.99, 0.05);
    const double scale = r * (1.0 + jet_resolution(pt, abs_eta) * gauss(rng));
    if (scale <= 0) continue;
    Jet j;
    j.p = pr.p * scale;
    j.pt = pt * scale;
    j.eta = pr.eta;
    j.phi = pr.phi;
    j.flavour = pr.flavour;
    if (abs_eta < 2.5) j.btag = bernoulli(rng, btag_efficiency(pr.flavour, j.pt));
    out.jets.push_back(j);
  }
  sort_by_pt(out.jets);
}

// 5-6. Photons, electrons, muons: acceptance, efficiency, resolution, toy isolation.
void measure_photons_and_leptons(Rng& rng, const Event& ev, Reco& out) {
  for (const Particle& part : ev.parts) {
    if (part.kind != Kind::photon && part.kind != Kind::electron && part.kind != Kind::muon) continue;
    const double eta = part.p.eta();
    const double abs_eta = std::abs(eta);
    P4 p;
    if (part.kind == Kind::muon) {
      if (abs_eta >= 2.4 || !bernoulli(rng, 0.95)) continue;
      const double pt = part.p.pt() * (1.0 + muon_sigma_rel(part.p.pt(), abs_eta) * gauss(rng));
      if (pt <= 0) continue;
      p = from_pt_eta_phi_m(pt, eta, part.p.phi(), 0.10566);
    } else {
      if (!in_ecal_acceptance(abs_eta) || !bernoulli(rng, abs_eta <= 1.5 ? 0.95 : 0.85)) continue;
      const double e = part.p.e + ecal_sigma(part.p.e, abs_eta) * gauss(rng);
      if (e <= 0) continue;
      p = part.p * (e / part.p.e);
    }
    const double pt = p.pt();
    if (pt <= 10.0) continue;
    const double phi = p.phi();
    bool isolated = true;
    for (const Jet& j : out.jets) {
      if (j.pt > 0.5 * pt && delta_r(eta, phi, j.eta, j.phi) < 0.3) {
        isolated = false;
        break;
      }
    }
    if (!isolated) continue;
    RecoObject o{p, pt, eta, phi, part.kind, part.charge};
    (part.kind == Kind::photon ? out.photons : out.leptons).push_back(o);
  }
  sort_by_pt(out.photons);
  sort_by_pt(out.leptons);
}

// 8. MET: minus every measured object (overlap-removed jets are still measured energy),
// soft jets with a poor N(1, 0.5) response, plus unclustered-energy noise.
void measure_met(Rng& rng, const DetectorConfig& cfg, Reco& out) {
  double mx = 0, my = 0;
  for (const Jet& j : out.jets) {
    if (std::abs(j.eta) >= kEtaMaxJet) continue;
    const double w = j.pt > kMetJetMin ? 1.0 : gauss(rng, 1.0, 0.5);
    mx -= w * j.p.px;
    my -= w * j.p.py;
  }
  for (const auto* list : {&out.photons, &out.leptons})
    for (const RecoObject& o : *list) {
      mx -= o.p.px;
      my -= o.p.py;
    }
  out.met_x = mx + gauss(rng, 0.0, cfg.sigma_u);
  out.met_y = my + gauss(rng, 0.0, cfg.sigma_u);
}

}  // namespace

// Each step draws from rng in a fixed order, so an event depends only on its stream.
void simulate_detector(Rng& rng, const Event& ev, const DetectorConfig& cfg, DetectorWork& work, Reco& out) {
  out.clear();
  make_protojets(rng, ev, cfg, work.protos);
  cluster(work.protos);
  measure_jets(rng, work.protos, out);
  measure_photons_and_leptons(rng, ev, out);
  // 7. Overlap removal: a jet next to a selected photon or lepton is not a jet.
  for (Jet& j : out.jets)
    for (const auto* list : {&out.photons, &out.leptons})
      for (const RecoObject& o : *list)
        if (delta_r(j.eta, j.phi, o.eta, o.phi) < kJetR) j.removed = true;
  measure_met(rng, cfg, out);
}

void good_jets(const Reco& reco, double pt_min, std::vector<int>& out) {
  out.clear();
  for (std::size_t i = 0; i < reco.jets.size(); ++i) {
    const Jet& j = reco.jets[i];
    if (!j.removed && j.pt > pt_min && std::abs(j.eta) < kEtaMaxJet) out.push_back(static_cast<int>(i));
  }
}

}  // namespace kanscan::io::gen
