// T2 (docs/generators.md §2 T2): QCD multijet with a non-prompt muon (label 1) vs W+jets / tt̄ /
// t-channel single top (label 0) in the single-top μ+jets selection.
#include <algorithm>
#include <cmath>

#include "framework/error.hpp"
#include "io/generators/production.hpp"
#include "io/generators/builtin.hpp"

namespace kanscan::io::gen {
namespace {

constexpr double kMMu = 0.10566;

class QcdSingleTop final : public Generator {
 public:
  explicit QcdSingleTop(const Knobs& k) {
    knobs_ = k;
    det_ = detector_config(k);
    fnu_min_ = k.at("fnu_min");
    fnu_max_ = k.at("fnu_max");
    f_wjets_ = k.at("f_wjets");
    f_ttbar_ = k.at("f_ttbar");
    tt_dilep_ = k.at("ttbar_dilepton_fraction");
    pol_ = k.at("top_polarization");
    qcd_b_ = k.at("qcd_b_fraction");
    qcd_c_ = k.at("qcd_c_fraction");
    isr_qcd_ = k.at("isr_qcd");
    isr_wjets_ = k.at("isr_wjets");
    isr_ttbar_ = k.at("isr_ttbar");
    isr_st_ = k.at("isr_singletop");
    st_top_ = k.at("singletop_top_fraction");
    wplus_ = k.at("wjets_wplus_fraction");
    spectator_theta_ = k.at("spectator_theta");
    jet_pt_min_ = k.at("jet_pt_min");
    muon_pt_min_ = k.at("muon_pt_min");
    if (fnu_min_ > fnu_max_)
      throw InputError(Location{"", -1, -1, "knobs.fnu_min"},
                       "fnu_min must not exceed fnu_max (the neutrino fraction is U(fnu_min, fnu_max))");
    if (f_wjets_ + f_ttbar_ > 1.0 + 1e-12)
      throw InputError(Location{"", -1, -1, "knobs.f_wjets"},
                       "f_wjets + f_ttbar must be <= 1 (single top takes the rest of the background)");
    if (qcd_b_ + qcd_c_ > 1.0 + 1e-12)
      throw InputError(Location{"", -1, -1, "knobs.qcd_b_fraction"},
                       "qcd_b_fraction + qcd_c_fraction must be <= 1 (light flavour takes the rest)");
  }
  std::string name() const override { return "qcd_singletop"; }
  // 1.1.0: rows shuffled after the merge of the sub-samples (same events, another order).
  std::string version() const override { return "1.1.0"; }
  Task task() const override { return Task::classification; }
  std::vector<std::string> class_names() const override { return {"other", "qcd"}; }
  // The QCD multijet background is what the selection must reject (Abasov et al.).
  int signal_class() const override { return 0; }
  std::vector<std::string> feature_names() const override {
    return {"pt_mu",  "eta_mu", "met",     "mt_w",         "dphi_mu_met",  "pt_j1",   "eta_j1",
            "pt_j2",  "eta_j2", "n_jets",  "n_bjets",      "ht",           "dr_min_mu_j", "ptrel_mu_j",
            "m_mu_nu_b", "pt_w", "met_over_sqrt_ht", "abseta_fwd_untagged"};
  }

  // The background mixture is the composition of the *selected* sample (as in the single-top
  // 2-3 jet, >= 1 tag region), so each background process is its own sub-sample with a quota.
  std::vector<StreamSpec> streams() const override {
    return {{"other_wjets", 0, f_wjets_},
            {"other_ttbar", 0, f_ttbar_},
            {"other_singletop", 0, std::max(0.0, 1.0 - f_wjets_ - f_ttbar_)},
            {"qcd", 1, 1.0}};
  }

  bool generate(Rng& r, int stream, Workspace& ws, float* f, float*) const override {
    Event& ev = ws.ev;
    ev.clear();
    switch (stream) {
      case 0: wjets(r, ev); break;
      case 1: ttbar(r, ev); break;
      case 2: single_top(r, ev); break;
      default: qcd(r, ev); break;
    }
    simulate_detector(r, ev, det_, ws.det, ws.reco);
    return select_and_fill(ws, f);
  }

 private:
  void qcd(Rng& r, Event& ev) const {
    Recoil rec;
    add_isr(r, isr_qcd_, ev, rec);
    // Forced extra parton: isolated-muon 2-jet QCD events are mostly 3-parton topologies.
    {
      const P4 p = from_pt_eta_phi_m(power_law(r, 30.0, 4.5, 800.0), gauss(r, 0.0, 1.8), uniform(r, -kPi, kPi), 0.0);
      ev.add(p, Kind::light);
      rec.add(p);
    }
    const double pt_hat = power_law(r, 35.0, 5.0);
    const double y_star = gauss(r, 0.0, 0.9);
    const double m = 2.0 * pt_hat * std::cosh(y_star);
    const P4 sys = balanced_system(r, m, 0.0, 1.0, rec);
    const double u = uniform(r);
    const Kind flav = u < qcd_b_ ? Kind::bottom : u < qcd_b_ + qcd_c_ ? Kind::charm : Kind::light;
    const double mq = flav == Kind::bottom ? kMB : flav == Kind::charm ? kMC : 0.0;
    const TwoBody jj =
        two_body_decay(sys, mq, mq, direction_about({0, 0, 1}, std::tanh(y_star), uniform(r, 0.0, 2 * kPi)));
    const bool first = bernoulli(r, 0.5);
    const P4& parent = first ? jj.d1 : jj.d2;
    ev.add(first ? jj.d2 : jj.d1, flav);
    // Non-prompt muon; the z³ isolation acceptance is folded into the Beta shapes.
    const bool heavy = flav != Kind::light;
    const double z = heavy ? beta(r, 5.2, 2.5) : beta(r, 7.0, 2.0);
    const double fnu = heavy ? uniform(r, fnu_min_, fnu_max_) * (1.0 - z) : 0.0;
    const double pt_mu = z * parent.pt();
    const double dr = std::abs(gauss(r, 0.0, 15.0 / pt_mu));
    const double alpha = uniform(r, 0.0, 2 * kPi);
    const P4 mu = from_pt_eta_phi_m(pt_mu, parent.eta() + dr * std::cos(alpha),
                                    delta_phi(parent.phi() + dr * std::sin(alpha), 0.0), kMMu);
    ev.add(mu, Kind::muon, bernoulli(r, 0.5) ? 1 : -1);
    if (fnu > 0) ev.add(parent * fnu, Kind::invisible);
    ev.add(parent * (1.0 - z - fnu), flav);
  }

  void wjets(Rng& r, Event& ev) const {
    Recoil rec;
    const double u = uniform(r);
    const Kind k1 = u < 0.08 ? Kind::bottom : u < 0.25 ? Kind::charm : Kind::light;
    const Kind k2 = u < 0.08 ? Kind::bottom : Kind::light;
    for (Kind k : {k1, k2}) {
      const double m = k == Kind::bottom ? kMB : k == Kind::charm ? kMC : 0.0;
      const P4 p = from_pt_eta_phi_m(power_law(r, 25.0, 3.5, 800.0), gauss(r, 0.0, 2.0), uniform(r, -kPi, kPi), m);
      ev.add(p, k);
      rec.add(p);
    }
    add_isr(r, isr_wjets_, ev, rec);
    const double mw = breit_wigner(r, kMW, kWW, 50.0, 150.0);
    const P4 w = balanced_system(r, mw, 0.0, 1.5, rec);
    const int q = bernoulli(r, wplus_) ? 1 : -1;
    const TwoBody d = two_body_isotropic(r, w, kMMu, 0.0);
    ev.add(d.d1, Kind::muon, q);
    ev.add(d.d2, Kind::invisible);
  }

  void ttbar(Rng& r, Event& ev) const {
    Recoil rec;
    add_isr(r, isr_ttbar_, ev, rec);
    const double mt1 = top_mass(r), mt2 = top_mass(r);
    const double m = mt1 + mt2 + gamma(r, 1.6, 120.0);
    const P4 sys = balanced_system(r, m, 0.0, 0.9, rec);
    const TwoBody tt = two_body_isotropic(r, sys, mt1, mt2);
    const bool dilep = bernoulli(r, tt_dilep_);
    const bool first = dilep || bernoulli(r, 0.5);
    const bool second = dilep || !first;
    add_top_products(r, ev, top_decay(r, tt.d1, first ? kMMu : 0.0), 1, first, true);
    add_top_products(r, ev, top_decay(r, tt.d2, second ? kMMu : 0.0), -1, second, true);
  }

  void single_top(Rng& r, Event& ev) const {
    Recoil rec;
    P4 spectator;
    const double s = add_spectator(r, spectator_theta_, ev, rec, spectator);
    add_4fs_b(r, ev, rec);
    add_isr(r, isr_st_, ev, rec);
    const P4 top = balanced_system(r, top_mass(r), -0.3 * s, 1.0, rec);
    const int q = bernoulli(r, st_top_) ? 1 : -1;
    const Vec3 axis = boost(spectator, -top.beta()).p3().unit();
    add_top_products(r, ev, polarised_top_decay(r, top, pol_, axis, kMMu), q, true, true);
  }

  bool select_and_fill(Workspace& ws, float* f) const {
    const Reco& reco = ws.reco;
    const RecoObject* mu = nullptr;
    for (const RecoObject& l : reco.leptons) {
      const double pt = l.pt;
      if (l.kind == Kind::electron) {
        if (pt > 15.0) return false;
      } else if (pt > muon_pt_min_ && std::abs(l.eta) < 2.4) {
        if (mu) return false;  // exactly one muon
        mu = &l;
      }
    }
    if (!mu) return false;
    good_jets(reco, jet_pt_min_, ws.jets);
    const auto& jets = ws.jets;
    if (jets.size() < 2 || jets.size() > 3) return false;
    int n_b = 0, lead_b = -1;
    double ht = 0, fwd_untagged = 0, dr_min = 1e9, ptrel = 0;
    const Vec3 pmu = mu->p.p3();
    for (int i : jets) {
      const Jet& j = reco.jets[i];
      ht += j.pt;
      if (j.btag) {
        ++n_b;
        if (lead_b < 0) lead_b = i;
      } else {
        fwd_untagged = std::max(fwd_untagged, std::abs(j.eta));
      }
      const double dr = delta_r(mu->eta, mu->phi, j.eta, j.phi);
      if (dr < dr_min) {
        dr_min = dr;
        ptrel = pmu.cross(j.p.p3().unit()).norm();
      }
    }
    if (n_b < 1) return false;
    const double met = reco.met();
    const P4 nu = neutrino_from_met(mu->p, reco.met_x, reco.met_y);
    const P4 w = mu->p + nu;
    const Jet& j1 = reco.jets[jets[0]];
    const Jet& j2 = reco.jets[jets[1]];
    int k = 0;
    f[k++] = static_cast<float>(mu->pt);
    f[k++] = static_cast<float>(mu->eta);
    f[k++] = static_cast<float>(met);
    f[k++] = static_cast<float>(mt_lep_met(mu->p, reco.met_x, reco.met_y));
    f[k++] = static_cast<float>(std::abs(delta_phi(mu->phi, std::atan2(reco.met_y, reco.met_x))));
    f[k++] = static_cast<float>(j1.p.pt());
    f[k++] = static_cast<float>(j1.p.eta());
    f[k++] = static_cast<float>(j2.p.pt());
    f[k++] = static_cast<float>(j2.p.eta());
    f[k++] = static_cast<float>(jets.size());
    f[k++] = static_cast<float>(n_b);
    f[k++] = static_cast<float>(ht);
    f[k++] = static_cast<float>(dr_min);
    f[k++] = static_cast<float>(ptrel);
    f[k++] = static_cast<float>((w + reco.jets[lead_b].p).m());
    f[k++] = static_cast<float>(w.pt());
    f[k++] = static_cast<float>(met / std::sqrt(ht));
    f[k++] = static_cast<float>(fwd_untagged);
    return true;
  }

  DetectorConfig det_;
  double fnu_min_, fnu_max_, f_wjets_, f_ttbar_, tt_dilep_, pol_, qcd_b_, qcd_c_, isr_qcd_, isr_wjets_, isr_ttbar_,
      isr_st_, st_top_, wplus_, spectator_theta_, jet_pt_min_, muon_pt_min_;
};

}  // namespace

std::vector<KnobSpec> qcd_singletop_knob_specs() {
  std::vector<KnobSpec> specs = detector_knob_specs();
  specs.insert(specs.end(), {
      {"fnu_min", 0.1, 0.0, 1.0, "QCD heavy-flavour neutrino fraction f_nu ~ U(fnu_min, fnu_max) * (1 - z)"},
      {"fnu_max", 0.6, 0.0, 1.0, "upper end of the f_nu range"},
      {"f_wjets", 0.40, 0.0, 1.0, "W+jets fraction of the selected background"},
      {"f_ttbar", 0.35, 0.0, 1.0, "ttbar fraction of the selected background (single top: the rest)"},
      {"ttbar_dilepton_fraction", 0.15, 0.0, 1.0, "ttbar fraction with both tops leptonic"},
      {"top_polarization", 0.9, -1.0, 1.0, "single-top polarisation along the spectator"},
      {"qcd_b_fraction", 0.55, 0.0, 1.0, "QCD muon-parent flavour: b"},
      {"qcd_c_fraction", 0.20, 0.0, 1.0, "QCD muon-parent flavour: c (light: the rest)"},
      {"isr_qcd", 0.8, 0.0, 10.0, "mean ISR partons, QCD (plus one forced extra parton)"},
      {"isr_wjets", 0.5, 0.0, 10.0, "mean ISR partons on top of the two W+jets partons"},
      {"isr_ttbar", 0.9, 0.0, 10.0, "mean ISR partons, ttbar"},
      {"isr_singletop", 0.4, 0.0, 10.0, "mean ISR partons, single top"},
      {"singletop_top_fraction", 0.62, 0.0, 1.0, "single top: t fraction (t / tbar = 62 / 38)"},
      {"wjets_wplus_fraction", 0.58, 0.0, 1.0, "W+jets: W+ fraction"},
      {"spectator_theta", 28.0, 1.0, 500.0, "single-top spectator pT Gamma scale [GeV]"},
      {"jet_pt_min", 40.0, 10.0, 500.0, "jet pT threshold [GeV]"},
      {"muon_pt_min", 26.0, 10.0, 500.0, "muon pT threshold [GeV]"},
  });
  return specs;
}

std::unique_ptr<Generator> make_qcd_singletop(const Knobs& knobs) { return std::make_unique<QcdSingleTop>(knobs); }

}  // namespace kanscan::io::gen
