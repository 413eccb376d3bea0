#pragma once
// CMS-like detector model of docs/generators.md §1.4: hard FSR, pile-up jets, ΔR < 0.4 parton
// merging, jet response/resolution, b-tagging, e/γ/μ efficiency, resolution and isolation,
// overlap removal and MET. Pure function of (particles, rng): no global state.
#include <vector>

#include "io/generators/event.hpp"

namespace kanscan::io::gen {

struct DetectorConfig {
  double p_fsr = 0.25;    // probability that a parton above 30 GeV radiates a hard gluon
  double pu_jets = 0.6;   // mean number of pile-up jets per event
  double sigma_u = 10.0;  // unclustered-energy MET resolution per component (GeV)
};

struct Jet {
  P4 p;
  double pt = 0, eta = 0, phi = 0;  // cached: the selections use them many times per event
  Kind flavour = Kind::light;
  bool btag = false;
  bool removed = false;  // overlaps a selected photon or lepton
};

struct RecoObject {
  P4 p;
  double pt = 0, eta = 0, phi = 0;
  Kind kind = Kind::photon;
  int charge = 0;
};

struct Reco {
  std::vector<Jet> jets;            // all reconstructed jets, pT-descending
  std::vector<RecoObject> photons;  // identified, isolated, pT-descending
  std::vector<RecoObject> leptons;  // electrons and muons, pT-descending
  double met_x = 0, met_y = 0;
  double met() const;
  void clear() {
    jets.clear();
    photons.clear();
    leptons.clear();
    met_x = met_y = 0;
  }
};

// Scratch buffers reused across events (no allocation per event once warm).
struct DetectorWork {
  struct Proto {
    P4 p;
    double eta, phi;
    Kind flavour;
  };
  std::vector<Proto> protos;
};

// Efficiency curves of the Delphes CMS card (abs(η) < 2.5 is checked by the caller).
double btag_efficiency(Kind flavour, double pt);
// Relative jet pT resolution σ(pT)/pT of CMS PF jets by |η| region.
double jet_resolution(double pt, double abs_eta);

void simulate_detector(Rng& rng, const Event& ev, const DetectorConfig& cfg, DetectorWork& work, Reco& out);

// Jets passing pT > pt_min, |η| < 4.7 and not overlap-removed, in pT order (indices into reco.jets).
void good_jets(const Reco& reco, double pt_min, std::vector<int>& out);

}  // namespace kanscan::io::gen
