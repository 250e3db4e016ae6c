// moesim-gui: the window, or --render VIEW for a picture or its data without one (see render.h).
#include <QApplication>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "main_window.h"
#include "render.h"

int main(int argc, char** argv) {
  bool render = false;
  for (int i = 1; i < argc; ++i) render = render || std::strcmp(argv[i], "--render") == 0 || std::strcmp(argv[i], "--help") == 0;
  // Headless rendering needs no display: use Qt's offscreen platform where there is none.
  if (render && !std::getenv("QT_QPA_PLATFORM") && !std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY"))
    setenv("QT_QPA_PLATFORM", "offscreen", 1);
  // Our arguments are read before QApplication sees them: it takes "--session ID" as its own
  // (X11 session management) and removes it.
  QStringList args;
  for (int i = 1; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);
  int qt_argc = 1;
  QApplication app(qt_argc, argv);
  if (render) return moesim::gui::run_render(args);

  if (!args.isEmpty() && (args.size() != 2 || args[0] != "--session")) {
    std::cerr << "moesim-gui: error: unknown arguments \"" << args.join(' ').toStdString() << "\" (see --help)\n";
    return 2;
  }
  moesim::gui::MainWindow window;
  moesim::Diagnostics d;
  if (!args.isEmpty() && !window.load_session_file(args[1].toStdString(), d)) {  // the title then names the file
    for (const auto& x : d) std::cerr << "moesim-gui: error: " << x.path << ": " << x.message << " [" << x.code << "]\n";
    return 2;
  }
  window.show();
  return app.exec();
}
