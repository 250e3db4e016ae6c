#include "render.h"

#include <QApplication>
#include <iostream>

#include "views/calibration_view.h"
#include "views/cost_view.h"
#include "views/pareto_view.h"
#include "views/scaling_view.h"
#include "views/sweep_view.h"

namespace moesim::gui {
namespace {

const char* const kUsage = R"(moesim-gui — the moesim design-space explorer

usage: moesim-gui [--session FILE]                       the window
       moesim-gui --render VIEW --out FILE [--session FILE] [--calibration-csv FILE] [--size WxH]

VIEW: cost, sweep, scaling, pareto or calibration. FILE's extension says what is written:
.png (the picture), .svg or .pdf (vector drawings), .csv (the data of every plot). Without
--session the built-in defaults: Mixtral-8x7B on two h100-sxm (tensor parallel 2), decode,
batch 1, context 4096; sweep x = experts 8,16,32,64 (one curve per device: h100-sxm, h200,
mi300x); law abnar2025, budgets 1e19..1e23 FLOPs. --size defaults to 900x600 pixels. Without a
display, set QT_QPA_PLATFORM=offscreen (--render does so itself when neither DISPLAY nor
WAYLAND_DISPLAY is set).

examples:
  moesim-gui --render cost --out cost.png
  moesim-gui --render sweep --session my-session.json --out sweep.svg --size 1200x800
  moesim-gui --render calibration --calibration-csv validate.csv --out calibration.png
)";

int bad_input(const std::string& message) {
  std::cerr << "moesim-gui: error: " << message << "\n";
  return 2;
}

}  // namespace

std::unique_ptr<View> make_view(const std::string& name, Session& session) {
  if (name == "cost") return std::make_unique<CostView>(session);
  if (name == "sweep") return std::make_unique<SweepView>(session);
  if (name == "scaling") return std::make_unique<ScalingView>(session);
  if (name == "pareto") return std::make_unique<ParetoView>(session);
  if (name == "calibration") return std::make_unique<CalibrationView>(session);
  return nullptr;
}

bool render_view(const std::string& name, Session& session, const std::string& out_path, int width, int height, Diagnostics& out) {
  auto view = make_view(name, session);
  if (!view) {
    out.push_back({"--render", "unknown_value", "\"" + name + "\" must be cost, sweep, scaling, pareto or calibration"});
    return false;
  }
  const auto resolved = resolve(session, out);
  if (!resolved) return false;
  view->render_mode();
  view->setAttribute(Qt::WA_DontShowOnScreen);
  view->resize(width, height);
  view->show();
  QApplication::processEvents();
  view->refresh(*resolved, true);
  if (view->status_is_error()) {
    out.push_back({"--session", "bad_input", view->status().toStdString()});
    return false;
  }
  QApplication::processEvents();
  QString error;
  if (!export_figure(view->figure(), view->plots(), QString::fromStdString(out_path), error)) {
    out.push_back({"--out", "unwritable", error.toStdString()});
    return false;
  }
  return true;
}

int run_render(const QStringList& args) {
  std::string view, session_path, csv, out_path;
  int width = 900, height = 600;
  for (int i = 0; i < args.size(); ++i) {
    const QString a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    const bool takes_value = a == "--render" || a == "--session" || a == "--calibration-csv" || a == "--out" || a == "--size";
    if (!takes_value) return bad_input("unknown option \"" + a.toStdString() + "\" (see --help)");
    if (i + 1 >= args.size()) return bad_input("the option " + a.toStdString() + " needs a value");
    const std::string v = args[++i].toStdString();
    if (a == "--render") view = v;
    else if (a == "--session") session_path = v;
    else if (a == "--calibration-csv") csv = v;
    else if (a == "--out") out_path = v;
    else {
      const auto x = v.find('x');
      try {
        std::size_t used_w = 0, used_h = 0;
        width = std::stoi(v.substr(0, x), &used_w);
        height = x == std::string::npos ? 0 : std::stoi(v.substr(x + 1), &used_h);
        if (used_w != x || used_h != v.size() - x - 1) height = 0;
      } catch (const std::exception&) {
        height = 0;
      }
      if (width < 200 || height < 150 || width > 8000 || height > 8000)
        return bad_input("--size \"" + v + "\" must be WIDTHxHEIGHT in pixels, from 200x150 to 8000x8000");
    }
  }
  if (view.empty()) return bad_input("--render VIEW is required (cost, sweep, scaling, pareto or calibration)");
  if (!make_view(view, *std::make_unique<Session>()))
    return bad_input("--render \"" + view + "\" must be cost, sweep, scaling, pareto or calibration");
  if (out_path.empty()) return bad_input(std::string("--out FILE is required (") + kExportExtensions + ")");
  if (!export_format(QString::fromStdString(out_path))) return bad_input("--out \"" + out_path + "\" must end in " + kExportExtensions);
  Diagnostics d;
  Session session;
  if (!session_path.empty()) {
    auto loaded = load_session(session_path, d);
    if (!loaded) {
      for (const Diagnostic& x : d) std::cerr << "moesim-gui: error: " << x.path << ": " << x.message << " [" << x.code << "]\n";
      return 2;
    }
    session = *loaded;
  }
  if (!csv.empty()) session.calibration.csv = csv;
  if (!render_view(view, session, out_path, width, height, d)) {
    for (const Diagnostic& x : d) std::cerr << "moesim-gui: error: " << x.path << ": " << x.message << " [" << x.code << "]\n";
    return 2;
  }
  std::cout << "moesim-gui: wrote " << out_path << " (" << view << ", " << width << "x" << height << ")\n";
  return 0;
}

}  // namespace moesim::gui
