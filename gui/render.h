#pragma once
// Headless rendering: `moesim-gui --render VIEW [--session FILE] [--calibration-csv FILE]
// --out FILE [--size WxH]` draws one view of a session (or of the built-in defaults)
// into a PNG, SVG, PDF or CSV (by FILE's extension), with QT_QPA_PLATFORM=offscreen on
// machines without a display.
#include <QStringList>
#include <memory>
#include <string>

#include "session.h"

namespace moesim::gui {

class View;

inline constexpr const char* kViewNames[] = {"cost", "sweep", "scaling", "pareto", "calibration"};

// A view by its name, or null. The caller owns it; it reads and edits `session`.
std::unique_ptr<View> make_view(const std::string& name, Session& session);

// Resolves the session, draws the view (long work finished before return) at width x height
// and exports it (export_figure). False with diagnostics on bad input.
bool render_view(const std::string& name, Session& session, const std::string& out_path, int width, int height,
                 Diagnostics& out);

// The --render command line (Qt's own arguments already removed). Exit codes as the CLI:
// 0 ok, 2 bad input (printed to standard error), 1 internal error.
int run_render(const QStringList& args);

}  // namespace moesim::gui
