#include "main_window.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

#include "input_panel.h"
#include "views/calibration_view.h"
#include "views/cost_view.h"
#include "views/pareto_view.h"
#include "views/scaling_view.h"
#include "views/sweep_view.h"

namespace moesim::gui {
namespace {

QString describe(const Diagnostics& d) {
  QString text;
  for (const Diagnostic& x : d) text += QString::fromStdString((x.path.empty() ? "" : x.path + ": ") + x.message + " [" + x.code + "]") + "\n";
  return text.trimmed();
}

}  // namespace

MainWindow::MainWindow(Session session, QWidget* parent) : QMainWindow(parent), session_(std::move(session)) {
  setWindowTitle("moesim-gui — MoE design-space explorer");
  inputs_ = new InputPanel(session_, this);
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(inputs_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(360);
  tabs_ = new QTabWidget(this);
  cost_ = new CostView(session_, tabs_);
  sweep_ = new SweepView(session_, tabs_);
  scaling_ = new ScalingView(session_, tabs_);
  pareto_ = new ParetoView(session_, tabs_);
  calibration_ = new CalibrationView(session_, tabs_);
  views_ = {cost_, sweep_, scaling_, pareto_, calibration_};
  stale_.assign(views_.size(), true);
  tabs_->addTab(cost_, "Cost");
  tabs_->addTab(sweep_, "Sweep");
  tabs_->addTab(scaling_, "Scaling law");
  tabs_->addTab(pareto_, "Pareto");
  tabs_->addTab(calibration_, "Calibration");
  auto* splitter = new QSplitter(this);
  splitter->addWidget(scroll);
  splitter->addWidget(tabs_);
  splitter->setStretchFactor(1, 1);
  setCentralWidget(splitter);

  debounce_ = new QTimer(this);
  debounce_->setSingleShot(true);
  debounce_->setInterval(30);  // coalesce the signals of one edit
  connect(debounce_, &QTimer::timeout, this, &MainWindow::recompute);
  connect(inputs_, &InputPanel::changed, this, &MainWindow::schedule);
  for (View* v : views_) {
    connect(v, &View::settings_changed, this, &MainWindow::schedule);
    connect(v, &View::design_chosen, this, [this](const QString& path) {
      open_model(path.toStdString());
      tabs_->setCurrentWidget(cost_);
    });
  }
  connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::refresh_current);
  build_menu();
  resize(1500, 950);
  recompute();
}

// The views and the panel hold a reference to session_: they go first.
MainWindow::~MainWindow() { delete takeCentralWidget(); }

void MainWindow::build_menu() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("Open &model (config.json or native file)...", QKeySequence::Open, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open model", {}, "model files (*.json);;all files (*)");
    if (!path.isEmpty()) open_model(path.toStdString());
  });
  file->addAction("Open &hardware profile...", this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open hardware profile", {}, "profiles (*.json);;all files (*)");
    if (!path.isEmpty()) open_hardware(path.toStdString());
  });
  file->addSeparator();
  file->addAction("&Load session...", this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Load session", {}, "sessions (*.json);;all files (*)");
    Diagnostics d;
    if (!path.isEmpty() && !load_session_file(path.toStdString(), d)) QMessageBox::warning(this, "Session not loaded", describe(d));
  });
  file->addAction("&Save session...", QKeySequence::Save, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Save session", "session.json", "sessions (*.json)");
    Diagnostics d;
    if (!path.isEmpty() && !save_session_file(path.toStdString(), d)) QMessageBox::warning(this, "Session not saved", describe(d));
  });
  file->addSeparator();
  file->addAction("&Export current view as PNG...", this, &MainWindow::export_view_png);
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, qApp, &QApplication::quit);
  QMenu* help = menuBar()->addMenu("&Help");
  help->addAction("About plots", this, [this] {
    QMessageBox::information(this, "Plots",
                             "Drag to pan, wheel to zoom, hover a point or bar for its figures.\n"
                             "Right-click a plot to export it as PNG or PDF, or its data as CSV.\n"
                             "(SVG export needs Qt SVG, which this build does not use.)");
  });
}

void MainWindow::schedule() { debounce_->start(); }

void MainWindow::recompute() {
  debounce_->stop();
  diagnostics_.clear();
  auto r = resolve(session_, diagnostics_);
  inputs_->show_diagnostics(diagnostics_);
  if (r) {
    valid_ = std::move(r);
    inputs_->show_session(&*valid_);
    statusBar()->clearMessage();
  } else {
    inputs_->show_session(nullptr);  // the fields keep what was typed
    statusBar()->showMessage(QString("%1 input error(s), shown beside the fields; the views show the last valid design").arg(diagnostics_.size()));
  }
  // view settings (sweep axes, law, ...) may have changed even when the inputs did not resolve
  std::fill(stale_.begin(), stale_.end(), true);
  refresh_current();
}

void MainWindow::refresh_current() {
  const int i = tabs_->currentIndex();
  if (i < 0 || !valid_ || !stale_[static_cast<std::size_t>(i)]) return;
  QElapsedTimer timer;
  timer.start();
  views_[static_cast<std::size_t>(i)]->refresh(*valid_);
  stale_[static_cast<std::size_t>(i)] = false;
  if (diagnostics_.empty()) statusBar()->showMessage(QString("%1 redrawn in %2 ms").arg(tabs_->tabText(i)).arg(timer.elapsed()), 5000);
}

void MainWindow::set_session(const Session& session) {
  session_ = session;
  inputs_->show_session(nullptr);
  for (View* v : views_) v->sync_controls();
  recompute();
}

void MainWindow::open_model(const std::string& spec) {
  inputs_->set_model_spec(spec);
  recompute();
}

void MainWindow::open_hardware(const std::string& spec) {
  inputs_->set_hardware_spec(spec);
  recompute();
}

bool MainWindow::load_session_file(const std::string& path, Diagnostics& out) {
  const auto s = load_session(path, out);
  if (!s) return false;
  set_session(*s);
  return true;
}

bool MainWindow::save_session_file(const std::string& path, Diagnostics& out) { return save_session(session_, path, out); }

void MainWindow::export_view_png() {
  const int i = tabs_->currentIndex();
  if (i < 0) return;
  const QString path = QFileDialog::getSaveFileName(this, "Export view", "view.png", "PNG (*.png)");
  if (!path.isEmpty() && !views_[static_cast<std::size_t>(i)]->figure()->grab().save(path, "PNG"))
    QMessageBox::warning(this, "Not exported", "cannot write " + path);
}

}  // namespace moesim::gui
