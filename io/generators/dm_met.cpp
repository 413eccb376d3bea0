// T3 (docs/generators.md §2 T3): t-channel single top + invisible scalar mediator φ via an off-shell
// top t* -> t φ; regression of the lab momenta of the neutrino and of φ.
#include <cmath>

#include "io/generators/production.hpp"
#include "io/generators/builtin.hpp"

namespace kanscan::io::gen {
namespace {

class DmMet final : public Generator {
 public:
  explicit DmMet(const Knobs& k) {
    knobs_ = k;
    det_ = detector_config(k);
    m_phi_ = k.at("m_phi");
    sm_fraction_ = k.at("sm_fraction");
    pol_ = k.at("top_polarization");
    top_fraction_ = k.at("top_fraction");
    isr_ = k.at("isr");
    spectator_theta_ = k.at("spectator_theta");
    jet_pt_min_ = k.at("jet_pt_min");
    truth_met_z_ = k.at("truth_met_z") != 0.0;
  }
  std::string name() const override { return "dm_met"; }
  // 1.1.0: rows shuffled after the merge of the sub-samples (same events, another order).
  std::string version() const override { return "1.1.0"; }
  Task task() const override { return Task::regression; }
  std::vector<std::string> class_names() const override { return {"events"}; }
  std::vector<std::string> feature_names() const override {
    std::vector<std::string> n = {"pt_l",   "eta_l",  "phi_l",  "pt_b",   "eta_b",      "phi_b",      "pt_q",  "eta_q",
                                  "phi_q",  "met_x",  "met_y",  "met",    "mt_w",       "pt_w",       "eta_w", "m_lvb",
                                  "mt_lvb", "ht",     "dot_lb", "dot_lq", "dot_bq",     "dot_lv",     "dot_bv", "dot_qv",
                                  "dphi_l_met", "dphi_w_b", "dr_lq", "dr_lb", "m_lvbq"};
    if (truth_met_z_) n.push_back("met_z_truth");
    return n;
  }
  std::vector<std::string> target_names() const override {
    return {"nu_px", "nu_py", "nu_pz", "phi_px", "phi_py", "phi_pz"};
  }

  bool generate(Rng& r, int, Workspace& ws, float* f, float* y) const override {
    Event& ev = ws.ev;
    ev.clear();
    Recoil rec;
    P4 spectator;
    const double s = add_spectator(r, spectator_theta_, ev, rec, spectator);
    add_4fs_b(r, ev, rec);
    add_isr(r, isr_, ev, rec);
    const int q = bernoulli(r, top_fraction_) ? 1 : -1;
    const double mt = top_mass(r);
    TopDecay d;
    P4 phi;
    if (bernoulli(r, sm_fraction_)) {
      // SM admixture: plain t-channel single top, no mediator (targets p_φ = 0).
      const P4 top = balanced_system(r, mt, -0.3 * s, 1.0, rec);
      d = polarised_top_decay(r, top, pol_, boost(spectator, -top.beta()).p3().unit());
    } else {
      const double m_star = mt + m_phi_ + gamma(r, 1.5, 80.0);
      const P4 tstar = balanced_system(r, m_star, -0.3 * s, 1.0, rec);
      // Spin correlation (1 + P cos θ(ℓ, spectator)) in the t* rest frame: accept-reject the
      // whole t* -> t φ, t -> ℓνb chain.
      const Vec3 to_rest = -tstar.beta();
      const Vec3 axis = boost(spectator, to_rest).p3().unit();
      for (;;) {
        const TwoBody tp = two_body_isotropic(r, tstar, mt, m_phi_);
        d = top_decay(r, tp.d1);
        phi = tp.d2;
        const double c = boost(d.f1, to_rest).p3().unit().dot(axis);
        if (uniform(r) * (1.0 + std::abs(pol_)) < 1.0 + pol_ * c) break;
      }
      ev.add(phi, Kind::invisible);
    }
    add_top_products(r, ev, d, q, true, false);
    simulate_detector(r, ev, det_, ws.det, ws.reco);
    if (!select_and_fill(ws, f)) return false;
    const P4& nu = d.f2;
    y[0] = static_cast<float>(nu.px);
    y[1] = static_cast<float>(nu.py);
    y[2] = static_cast<float>(nu.pz);
    y[3] = static_cast<float>(phi.px);
    y[4] = static_cast<float>(phi.py);
    y[5] = static_cast<float>(phi.pz);
    if (truth_met_z_) f[29] = static_cast<float>(nu.pz + phi.pz);
    return true;
  }

 private:
  bool select_and_fill(Workspace& ws, float* f) const {
    const Reco& reco = ws.reco;
    if (reco.leptons.empty() || reco.leptons[0].pt <= 25.0) return false;
    good_jets(reco, jet_pt_min_, ws.jets);
    const auto& jets = ws.jets;
    if (jets.size() < 2) return false;
    int ib = -1;
    double ht = 0;
    for (int i : jets) {
      ht += reco.jets[i].pt;
      if (ib < 0 && reco.jets[i].btag) ib = i;
    }
    if (ib < 0) return false;
    // Light (spectator) jet candidate: the most forward other jet.
    int iq = -1;
    for (int i : jets)
      if (i != ib && (iq < 0 || std::abs(reco.jets[i].eta) > std::abs(reco.jets[iq].eta))) iq = i;
    const P4& l = reco.leptons[0].p;
    const P4& b = reco.jets[ib].p;
    const P4& q = reco.jets[iq].p;
    const double mx = reco.met_x, my = reco.met_y;
    const P4 nu = neutrino_from_met(l, mx, my);
    const P4 w = l + nu;
    const P4 lb[2] = {l, b};
    int k = 0;
    for (const P4* p : {&l, &b, &q}) {
      f[k++] = static_cast<float>(p->pt());
      f[k++] = static_cast<float>(p->eta());
      f[k++] = static_cast<float>(p->phi());
    }
    f[k++] = static_cast<float>(mx);
    f[k++] = static_cast<float>(my);
    f[k++] = static_cast<float>(reco.met());
    f[k++] = static_cast<float>(mt_lep_met(l, mx, my));
    f[k++] = static_cast<float>(w.pt());
    f[k++] = static_cast<float>(w.eta());
    f[k++] = static_cast<float>((w + b).m());
    f[k++] = static_cast<float>(mt_system(lb, 2, mx, my));
    f[k++] = static_cast<float>(ht);
    f[k++] = static_cast<float>(l.dot(b));
    f[k++] = static_cast<float>(l.dot(q));
    f[k++] = static_cast<float>(b.dot(q));
    f[k++] = static_cast<float>(l.dot(nu));
    f[k++] = static_cast<float>(b.dot(nu));
    f[k++] = static_cast<float>(q.dot(nu));
    f[k++] = static_cast<float>(std::abs(delta_phi(l.phi(), std::atan2(my, mx))));
    f[k++] = static_cast<float>(std::abs(delta_phi(w.phi(), b.phi())));
    f[k++] = static_cast<float>(delta_r(l.eta(), l.phi(), q.eta(), q.phi()));
    f[k++] = static_cast<float>(delta_r(l.eta(), l.phi(), b.eta(), b.phi()));
    f[k++] = static_cast<float>((w + b + q).m());
    return true;
  }

  DetectorConfig det_;
  double m_phi_, sm_fraction_, pol_, top_fraction_, isr_, spectator_theta_, jet_pt_min_;
  bool truth_met_z_;
};

}  // namespace

std::vector<KnobSpec> dm_met_knob_specs() {
  std::vector<KnobSpec> specs = detector_knob_specs();
  specs.insert(specs.end(), {
      {"m_phi", 400.0, 1.0, 5000.0, "mediator mass [GeV]"},
      {"sm_fraction", 0.0, 0.0, 1.0, "fraction of SM single-top events (no mediator, p_phi = 0)"},
      {"top_polarization", 0.9, -1.0, 1.0, "lepton-spectator spin correlation in the t* rest frame"},
      {"top_fraction", 0.62, 0.0, 1.0, "t fraction (vs tbar)"},
      {"isr", 0.4, 0.0, 10.0, "mean ISR partons"},
      {"spectator_theta", 35.0, 1.0, 500.0, "spectator pT Gamma scale [GeV]"},
      {"jet_pt_min", 25.0, 10.0, 500.0, "jet pT threshold [GeV]"},
      {"truth_met_z", 0.0, 0.0, 1.0, "1 adds the parton-level invisible p_z as a feature (a leak; off by default)"},
  });
  return specs;
}

std::unique_ptr<Generator> make_dm_met(const Knobs& knobs) { return std::make_unique<DmMet>(knobs); }

}  // namespace kanscan::io::gen
