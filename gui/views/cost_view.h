#pragma once
// Cost: where the time of each phase goes (one stacked bar per phase, a segment per operator,
// coloured by the bound that decided it) and the memory by component against the device.
#include <array>

#include "moesim/model/estimate.h"
#include "moesim/model/latency.h"
#include "views/view.h"

namespace moesim::gui {

// The library's figures for the resolved session: estimate() and estimate_latency().
struct CostData {
  Estimate estimate;
  LatencyEstimate latency;
};
CostData compute_cost(const Resolved& r);

class CostView : public View {
  Q_OBJECT

 public:
  explicit CostView(Session& session, QWidget* parent = nullptr);
  void refresh(const Resolved& resolved, bool wait = false) override;
  const CostData& data() const { return data_; }
  Plot* phase_plot(Phase p) const { return phase_plots_[static_cast<std::size_t>(p)]; }
  Plot* memory_plot() const { return memory_plot_; }

 private:
  CostData data_;
  std::array<Plot*, 3> phase_plots_{};
  Plot* memory_plot_;
};

QColor bound_color(Bound b);

}  // namespace moesim::gui
