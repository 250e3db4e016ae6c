#include "main_window.h"

#include <QCloseEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <algorithm>

#include "input_panel.h"
#include "render.h"
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

MainWindow::MainWindow(Session session, QWidget* parent)
    : QMainWindow(parent), session_(std::move(session)), saved_(session_json(session_)) {
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
  file->addAction("&Save session...", QKeySequence::Save, this, &MainWindow::save_with_dialog);
  file->addSeparator();
  file->addAction("&Export current view (PNG, SVG, PDF, CSV)...", this, &MainWindow::export_current_view);
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);  // through closeEvent: asks to save
  QMenu* help = menuBar()->addMenu("&Help");
  help->addAction("About plots", this, [this] {
    QMessageBox::information(this, "Plots",
                             "Drag to pan, wheel to zoom, hover a point or bar for its figures.\n"
                             "Right-click a plot to export it as PNG, SVG or PDF, or its data as CSV;\n"
                             "File > Export does the same for the whole view.");
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
  update_title();
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
  note_load(spec, "/model/spec");
}

void MainWindow::open_hardware(const std::string& spec) {
  inputs_->set_hardware_spec(spec);
  recompute();
  note_load(spec, "/hardware");
}

void MainWindow::note_load(const std::string& spec, const std::string& field) {
  const bool failed = std::any_of(diagnostics_.begin(), diagnostics_.end(), [&](const Diagnostic& x) { return x.path == field; });
  load_failure_ = failed ? QString::fromStdString(spec) : QString();
  update_title();
}

bool MainWindow::load_session_file(const std::string& path, Diagnostics& out) {
  const auto s = load_session(path, out);
  if (!s) {
    load_failure_ = QString::fromStdString(path);
    update_title();
    return false;
  }
  saved_ = session_json(*s);
  session_file_ = QString::fromStdString(path);
  load_failure_.clear();
  set_session(*s);
  return true;
}

bool MainWindow::save_session_file(const std::string& path, Diagnostics& out) {
  if (!save_session(session_, path, out)) return false;
  saved_ = session_json(session_);
  session_file_ = QString::fromStdString(path);
  load_failure_.clear();
  update_title();
  return true;
}

bool MainWindow::save_with_dialog() {
  const QString path = QFileDialog::getSaveFileName(this, "Save session", session_file_.isEmpty() ? "session.json" : session_file_,
                                                    "sessions (*.json)", nullptr, QFileDialog::DontUseNativeDialog);
  Diagnostics d;
  if (path.isEmpty()) return false;
  if (save_session_file(path.toStdString(), d)) return true;
  QMessageBox::warning(this, "Session not saved", describe(d));
  return false;
}

bool MainWindow::modified() const { return session_json(session_) != saved_; }

void MainWindow::update_title() {
  QString title = "moesim-gui — " + (session_file_.isEmpty() ? QString("built-in defaults") : QFileInfo(session_file_).fileName());
  if (modified()) title += " (modified)";
  if (!load_failure_.isEmpty()) title += " — could not load " + QFileInfo(load_failure_).fileName();
  setWindowTitle(title);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!modified()) return event->accept();
  const auto answer = QMessageBox::question(this, "Unsaved session", "The session has changes that are not saved. Save them?",
                                            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Discard || (answer == QMessageBox::Save && save_with_dialog())) event->accept();
  else event->ignore();
}

void MainWindow::export_current_view() {
  const int i = tabs_->currentIndex();
  if (i < 0) return;
  const View* view = views_[static_cast<std::size_t>(i)];
  const QString path = ask_export_path(this, QString(kViewNames[i]) + ".png");
  QString error;
  if (!path.isEmpty() && !export_figure(view->figure(), view->plots(), path, error)) QMessageBox::warning(this, "Not exported", error);
}

}  // namespace moesim::gui
