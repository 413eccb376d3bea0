// T1 (docs/generators.md §2 T1): tH (tHq + tHW, label 1) vs ttH (label 0), H -> γγ, >= 1 lepton.
#include <cmath>

#include "io/generators/production.hpp"
#include "io/generators/builtin.hpp"

namespace kanscan::io::gen {
namespace {

class TthThq final : public Generator {
 public:
  explicit TthThq(const Knobs& k) {
    knobs_ = k;
    det_ = detector_config(k);
    f_thw_ = k.at("f_thw");
    pol_ = k.at("top_polarization");
    thq_plus_ = k.at("thq_top_fraction");
    tth_dilep_ = k.at("tth_dilepton_fraction");
    spectator_theta_ = k.at("spectator_theta");
    isr_thq_ = k.at("isr_thq");
    isr_thw_ = k.at("isr_thw");
    isr_tth_ = k.at("isr_tth");
    jet_pt_min_ = k.at("jet_pt_min");
  }
  std::string name() const override { return "tth_thq"; }
  // 1.1.0: rows shuffled after the merge of the sub-samples (same events, another order).
  std::string version() const override { return "1.1.0"; }
  Task task() const override { return Task::classification; }
  std::vector<std::string> class_names() const override { return {"tth", "th"}; }
  std::vector<std::string> feature_names() const override {
    return {"pt_g1_over_mgg", "eta_g1", "pt_g2_over_mgg", "eta_g2", "pt_gg",   "y_gg",       "pt_l",   "eta_l",
            "q_l",            "met",    "n_jets",         "n_bjets", "pt_j1",  "eta_j1",     "abseta_fwd", "pt_fwd",
            "ht",             "mt_w",   "m_lvb",          "m_3j",    "dr_gg_l", "dr_min_gj"};
  }

  bool generate(Rng& r, int cls, Workspace& ws, float* f, float*) const override {
    Event& ev = ws.ev;
    ev.clear();
    if (cls == 1) {
      if (bernoulli(r, f_thw_)) thw(r, ev);
      else thq(r, ev);
    } else {
      tth(r, ev);
    }
    simulate_detector(r, ev, det_, ws.det, ws.reco);
    return select_and_fill(ws, f);
  }

 private:
  static void higgs_to_photons(Rng& r, Event& ev, const P4& h) {
    const TwoBody g = two_body_isotropic(r, h, 0.0, 0.0);
    ev.add(g.d1, Kind::photon);
    ev.add(g.d2, Kind::photon);
  }

  void thq(Rng& r, Event& ev) const {
    Recoil rec;
    P4 spectator;
    const double s = add_spectator(r, spectator_theta_, ev, rec, spectator);
    add_4fs_b(r, ev, rec);
    add_isr(r, isr_thq_, ev, rec);
    const double mt = top_mass(r);
    const double m = mt + kMH + gamma(r, 1.8, 90.0);
    const P4 sys = balanced_system(r, m, -0.3 * s, 1.0, rec);
    const TwoBody th = two_body_isotropic(r, sys, mt, kMH);
    const int q = bernoulli(r, thq_plus_) ? 1 : -1;
    const Vec3 axis = boost(spectator, -th.d1.beta()).p3().unit();
    const TopDecay d = polarised_top_decay(r, th.d1, pol_, axis);
    add_top_products(r, ev, d, q, true, false);
    higgs_to_photons(r, ev, th.d2);
  }

  void thw(Rng& r, Event& ev) const {
    Recoil rec;
    add_isr(r, isr_thw_, ev, rec);
    const double mt = top_mass(r);
    const double mw = breit_wigner(r, kMW, kWW, 50.0, 150.0);
    const double m = mt + mw + kMH + gamma(r, 1.8, 110.0);
    const P4 sys = balanced_system(r, m, 0.0, 1.0, rec);
    const ThreeBody twh = three_body_flat(r, sys, mt, mw, kMH);
    // (top leptonic, W leptonic): both 14 %, top only 43 %, W only 43 %.
    const double u = uniform(r);
    const bool top_lep = u < 0.57;
    const bool w_lep = u < 0.14 || u >= 0.57;
    const int q = bernoulli(r, 0.5) ? 1 : -1;
    add_top_products(r, ev, top_decay(r, twh.d1), q, top_lep, false);
    const TwoBody w = two_body_isotropic(r, twh.d2, 0.0, 0.0);
    if (w_lep) {
      ev.add(w.d1, bernoulli(r, 0.5) ? Kind::muon : Kind::electron, -q);
      ev.add(w.d2, Kind::invisible);
    } else {
      add_hadronic_w_products(r, ev, w.d1, w.d2);
    }
    higgs_to_photons(r, ev, twh.d3);
  }

  void tth(Rng& r, Event& ev) const {
    Recoil rec;
    add_isr(r, isr_tth_, ev, rec);
    const double mt1 = top_mass(r), mt2 = top_mass(r);
    const double m = mt1 + mt2 + kMH + gamma(r, 2.0, 140.0);
    const P4 sys = balanced_system(r, m, 0.0, 0.9, rec);
    const ThreeBody tth = three_body_flat(r, sys, mt1, mt2, kMH);
    const bool dilep = bernoulli(r, tth_dilep_);
    const bool first = dilep || bernoulli(r, 0.5);
    const bool second = dilep || !first;
    add_top_products(r, ev, top_decay(r, tth.d1), 1, first, false);
    add_top_products(r, ev, top_decay(r, tth.d2), -1, second, false);
    higgs_to_photons(r, ev, tth.d3);
  }

  bool select_and_fill(Workspace& ws, float* f) const {
    const Reco& reco = ws.reco;
    if (reco.photons.size() < 2 || reco.leptons.empty()) return false;
    const P4& g1 = reco.photons[0].p;
    const P4& g2 = reco.photons[1].p;
    const double pt1 = reco.photons[0].pt, pt2 = reco.photons[1].pt;
    if (pt2 <= 20.0) return false;
    const P4 gg = g1 + g2;
    const double mgg = gg.m();
    if (mgg <= 100.0 || mgg >= 180.0 || pt1 <= mgg / 3.0 || pt2 <= mgg / 4.0) return false;
    const RecoObject& lep = reco.leptons[0];
    if (lep.pt <= 15.0) return false;
    good_jets(reco, jet_pt_min_, ws.jets);
    const auto& jets = ws.jets;
    if (jets.empty()) return false;

    int n_b = 0, lead_b = -1, fwd = jets[0];
    double ht = 0, max_abs_eta = -1, dr_min_gj = 1e9;
    for (int i : jets) {
      const Jet& j = reco.jets[i];
      ht += j.pt;
      if (j.btag) {
        ++n_b;
        if (lead_b < 0) lead_b = i;
      }
      const double ae = std::abs(j.eta);
      if (ae > max_abs_eta) max_abs_eta = ae, fwd = i;
      for (const RecoObject* g : {&reco.photons[0], &reco.photons[1]})
        dr_min_gj = std::min(dr_min_gj, delta_r(g->eta, g->phi, j.eta, j.phi));
    }
    // Hadronic-top candidate: the three leading central jets.
    P4 three;
    int n_central = 0;
    for (int i : jets) {
      if (std::abs(reco.jets[i].eta) >= 2.5) continue;
      three += reco.jets[i].p;
      if (++n_central == 3) break;
    }
    const Jet& j1 = reco.jets[jets[0]];
    const P4 nu = neutrino_from_met(lep.p, reco.met_x, reco.met_y);
    const P4& b = reco.jets[lead_b >= 0 ? lead_b : jets[0]].p;

    int k = 0;
    f[k++] = static_cast<float>(pt1 / mgg);
    f[k++] = static_cast<float>(reco.photons[0].eta);
    f[k++] = static_cast<float>(pt2 / mgg);
    f[k++] = static_cast<float>(reco.photons[1].eta);
    f[k++] = static_cast<float>(gg.pt());
    f[k++] = static_cast<float>(gg.rapidity());
    f[k++] = static_cast<float>(lep.pt);
    f[k++] = static_cast<float>(lep.eta);
    f[k++] = static_cast<float>(lep.charge);
    f[k++] = static_cast<float>(reco.met());
    f[k++] = static_cast<float>(jets.size());
    f[k++] = static_cast<float>(n_b);
    f[k++] = static_cast<float>(j1.p.pt());
    f[k++] = static_cast<float>(j1.p.eta());
    f[k++] = static_cast<float>(max_abs_eta);
    f[k++] = static_cast<float>(reco.jets[fwd].pt);
    f[k++] = static_cast<float>(ht);
    f[k++] = static_cast<float>(mt_lep_met(lep.p, reco.met_x, reco.met_y));
    f[k++] = static_cast<float>((lep.p + nu + b).m());
    f[k++] = static_cast<float>(n_central == 3 ? three.m() : 0.0);
    f[k++] = static_cast<float>(delta_r(gg.eta(), gg.phi(), lep.eta, lep.phi));
    f[k++] = static_cast<float>(dr_min_gj);
    return true;
  }

  DetectorConfig det_;
  double f_thw_, pol_, thq_plus_, tth_dilep_, spectator_theta_, isr_thq_, isr_thw_, isr_tth_, jet_pt_min_;
};

}  // namespace

std::vector<KnobSpec> tth_thq_knob_specs() {
  std::vector<KnobSpec> specs = detector_knob_specs();
  specs.insert(specs.end(), {
      {"f_thw", 0.15, 0.0, 1.0, "tHW fraction of the tH signal"},
      {"top_polarization", 0.9, -1.0, 1.0, "tHq top polarisation along the spectator"},
      {"thq_top_fraction", 0.65, 0.0, 1.0, "tHq fraction with a top (positive lepton) rather than an antitop"},
      {"tth_dilepton_fraction", 0.14, 0.0, 1.0, "ttH fraction with both tops leptonic"},
      {"spectator_theta", 32.0, 1.0, 500.0, "tHq spectator pT Gamma scale [GeV]"},
      {"isr_thq", 0.5, 0.0, 10.0, "mean ISR partons, tHq"},
      {"isr_thw", 0.7, 0.0, 10.0, "mean ISR partons, tHW"},
      {"isr_tth", 0.9, 0.0, 10.0, "mean ISR partons, ttH"},
      {"jet_pt_min", 25.0, 10.0, 500.0, "jet pT threshold [GeV]"},
  });
  return specs;
}

std::unique_ptr<Generator> make_tth_thq(const Knobs& knobs) { return std::make_unique<TthThq>(knobs); }

}  // namespace kanscan::io::gen
