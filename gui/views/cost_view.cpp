#include "views/cost_view.h"

#include <QGridLayout>

#include "moesim/model/enum_names.h"
#include "moesim/model/validate.h"

namespace moesim::gui {

CostData compute_cost(const Resolved& r) {
  return {estimate(r.model.arch, r.workload), estimate_latency(r.model.arch, r.workload, r.hardware, r.deployment)};
}

QColor bound_color(Bound b) {
  switch (b) {
    case Bound::compute: return QColor(0, 114, 178);
    case Bound::memory: return QColor(230, 159, 0);
    case Bound::communication: return QColor(0, 158, 115);
    case Bound::io: return QColor(213, 94, 0);
    case Bound::overhead: return QColor(150, 150, 150);
    case Bound::none: return QColor(90, 90, 90);
  }
  return Qt::gray;
}

CostView::CostView(Session& session, QWidget* parent) : View(session, parent) {
  auto* grid = new QGridLayout;
  for (std::size_t i = 0; i < 3; ++i) {
    phase_plots_[i] = add_plot();
    phase_plots_[i]->put_legend_below(2);
    grid->addWidget(phase_plots_[i], 0, static_cast<int>(i));
  }
  memory_plot_ = add_plot();
  memory_plot_->put_legend_below();
  grid->addWidget(memory_plot_, 1, 0, 1, 3);
  grid->setRowStretch(0, 1);
  grid->setRowStretch(1, 1);
  body_->addLayout(grid);
}

namespace {

// The header line: model, device, workload, deployment and decode step; an infeasible
// design's figures come after what is wrong, marked as hypothetical.
QString summary_line(const Resolved& r, const LatencyEstimate& l) {
  return QString("<b>%1</b> on <b>%2</b> (%3, batch %4, context %5; tp %6 ep %7 pp %8 dp %9): %12decode step %10 (%11 tokens/s)")
      .arg(QString::fromStdString(r.model.arch.name), QString::fromStdString(r.hardware.name),
           QString::fromUtf8(to_string(r.workload.phase).data()))
      .arg(r.workload.batch)
      .arg(r.workload.context)
      .arg(r.deployment.parallel.tp)
      .arg(r.deployment.parallel.ep)
      .arg(r.deployment.parallel.pp)
      .arg(r.deployment.parallel.dp)
      .arg(qhuman(l.decode_step_s, io::Unit::seconds))
      .arg(QString::number(l.decode_tokens_per_s, 'f', 1))
      .arg(l.feasible() ? QString()
                        : "<span style='color:#b00020'>infeasible: " + QString::fromStdString(io::infeasible_reason(l)).toHtmlEscaped() +
                              "</span>; if it fit, ");
}

// `feasible` false: the times are what the design would take if it fit, and say so beside them.
void draw_phase(Plot& plot, const PhaseTime& t, const char* title, const char* what, bool feasible) {
  plot.clear();
  double total = t.total_s, ops = 0;
  for (const OpTime& o : t.op) ops += o.time_s;
  const Scale scale = display_scale(io::Unit::seconds, total);
  plot.set_title(QString("%1: %2%3").arg(title, qhuman(total, io::Unit::seconds), feasible ? "" : " (does not fit)"));
  plot.set_axes({"", false, -0.45, 1.25}, {axis_label("time", scale), false, {}, {}});  // room for the labels on the right
  plot.set_categories({what});
  bool seen[6] = {};
  auto segment = [&](const QString& name, double seconds, Bound bound, const QString& detail) {
    if (!(seconds > 0)) return;
    const double share = total > 0 ? seconds / total : 0;
    BarSet b;
    b.name = name;
    b.values = {seconds * scale.factor};
    b.tips = {QString("%1: %2 (%3%)\n%4-bound%5")
                  .arg(name, qhuman(seconds, io::Unit::seconds), QString::number(100 * share, 'f', 1),
                       QString::fromUtf8(to_string(bound).data(), static_cast<int>(to_string(bound).size())), detail)};
    b.color = bound_color(bound);
    b.stack = true;
    b.legend = false;
    b.width = 0.5;
    if (share >= 0.05) b.label = name;
    plot.add_bars(b);
    seen[static_cast<int>(bound)] = true;
  };
  for (std::size_t k = 0; k < kOpCount; ++k) {
    const OpTime& o = t.op[k];
    const auto op = QString::fromUtf8(to_string(static_cast<Op>(k)).data());
    segment(op, o.time_s, o.bound,
            QString("\n%1 per device, %2 moved, %3 kernels")
                .arg(qhuman(o.flops, io::Unit::flop), qhuman(o.bytes, io::Unit::bytes), QString::number(o.kernels, 'f', 0)));
  }
  // training with pipeline stages: the bubble is the step time no operator accounts for
  if (total - ops > 1e-12 * total) segment("pipeline bubble", total - ops, Bound::overhead, "");
  for (int b = 0; b < 6; ++b)
    if (seen[b]) plot.add_legend_entry({QString::fromUtf8(to_string(static_cast<Bound>(b)).data()) + "-bound", bound_color(static_cast<Bound>(b))});
  plot.replot();
}

}  // namespace

void CostView::refresh(const Resolved& r, bool) {
  data_ = compute_cost(r);
  const Estimate& e = data_.estimate;
  const LatencyEstimate& l = data_.latency;
  draw_phase(*phase_plots_[0], l.prefill, "prefill", "whole prompt", l.feasible());
  draw_phase(*phase_plots_[1], l.decode, "decode step", "one token per sequence", l.feasible());
  draw_phase(*phase_plots_[2], l.train, "training step", "batch x context tokens", l.feasible());

  // memory: the whole model by component (Estimate), then what one device holds (LatencyEstimate)
  Plot& m = *memory_plot_;
  m.clear();
  std::vector<QString> categories;
  std::vector<double> whole;
  for (std::size_t k = 0; k < kComponentCount; ++k)
    if (e.memory.weights.value[k] > 0) {
      categories.push_back(QString::fromUtf8(to_string(static_cast<Component>(k)).data()) + " weights");
      whole.push_back(e.memory.weights.value[k]);
    }
  const std::pair<const char*, double> others[] = {{"KV cache", e.memory.kv_cache_bytes},
                                                   {"recurrent state", e.memory.recurrent_state_bytes},
                                                   {"activations", e.memory.activation_bytes},
                                                   {"gradients", e.memory.gradient_bytes},
                                                   {"optimizer states", e.memory.optimizer_bytes},
                                                   {"MTP weights", e.memory.mtp_weights_bytes}};
  for (const auto& [name, bytes] : others)
    if (bytes > 0) {
      categories.push_back(name);
      whole.push_back(bytes);
    }
  categories.push_back("per device");
  whole.push_back(0);
  double top = std::max(l.memory.total_bytes, l.memory.capacity_bytes);
  for (double v : whole) top = std::max(top, v);
  const Scale scale = display_scale(io::Unit::bytes, top);
  m.set_title(QString("memory (%1 phase): %2 for the whole model, %3 per device")
                  .arg(QString::fromUtf8(to_string(r.workload.phase).data()), qhuman(e.memory.total_bytes, io::Unit::bytes),
                       qhuman(l.memory.total_bytes, io::Unit::bytes)));
  m.set_axes({"", false, {}, {}}, {axis_label("memory", scale), false, {}, {}});
  m.set_categories(categories);
  BarSet model_bars{"whole model", {}, {}, palette_color(0), 0, false, true, 0.6, 0, {}};
  for (std::size_t i = 0; i < whole.size(); ++i) {
    model_bars.values.push_back(whole[i] * scale.factor);
    model_bars.tips.push_back(categories[i] + ": " + qhuman(whole[i], io::Unit::bytes));
  }
  m.add_bars(model_bars);
  const std::pair<const char*, double> device[] = {{"weights / device", l.memory.weights_bytes},
                                                   {"KV cache / device", l.memory.kv_cache_bytes},
                                                   {"training state / device", l.memory.training_state_bytes},
                                                   {"recurrent state / device", l.memory.recurrent_state_bytes}};
  int colour = 1;
  bool first = true;
  for (const auto& [name, bytes] : device) {
    ++colour;
    if (!(bytes > 0)) continue;
    BarSet b{name, std::vector<double>(categories.size(), 0.0), std::vector<QString>(categories.size()), palette_color(colour), 1,
             !first, true, 0.6, 0, {}};
    b.values.back() = bytes * scale.factor;
    b.tips.back() = QString("%1: %2").arg(name, qhuman(bytes, io::Unit::bytes));
    m.add_bars(b);
    first = false;
  }
  const bool fits = l.memory.total_bytes <= l.memory.capacity_bytes;
  m.add_hline(l.memory.capacity_bytes * scale.factor,
              QString("%1 memory %2: %3").arg(QString::fromStdString(r.hardware.name), qhuman(l.memory.capacity_bytes, io::Unit::bytes),
                                              fits ? "fits" : "does not fit"),
              fits ? QColor(0, 140, 60) : QColor(200, 0, 0));
  m.replot();

  const QString warning = QString::fromStdString(context_warning(r.model.arch, r.workload)).toHtmlEscaped();
  set_status(summary_line(r, l) + (warning.isEmpty() ? QString() : "<br><span style='color:#a05a00'>warning: " + warning + "</span>"), false);
}

}  // namespace moesim::gui
