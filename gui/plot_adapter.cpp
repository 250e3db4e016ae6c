#include "plot_adapter.h"

#include <qcustomplot.h>

#include <QBuffer>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace moesim::gui {
namespace {

QCPScatterStyle::ScatterShape shape_of(Marker m) {
  switch (m) {
    case Marker::none: return QCPScatterStyle::ssNone;
    case Marker::circle: return QCPScatterStyle::ssDisc;
    case Marker::cross: return QCPScatterStyle::ssCross;
    case Marker::diamond: return QCPScatterStyle::ssDiamond;
    case Marker::square: return QCPScatterStyle::ssSquare;
    case Marker::star: return QCPScatterStyle::ssStar;
    case Marker::triangle: return QCPScatterStyle::ssTriangle;
  }
  return QCPScatterStyle::ssNone;
}

void configure_axis(QCPAxis* axis, const AxisSpec& spec) {
  axis->setVisible(true);
  axis->setLabel(spec.label);
  axis->setScaleType(spec.log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  axis->setNumberFormat("g");
  axis->setNumberPrecision(6);
  if (!spec.ticks.empty()) {
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (double t : spec.ticks) ticker->addTick(t, QString::number(t, 'g', 6));
    axis->setTicker(ticker);
  } else if (spec.log) {
    axis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  } else {
    axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  }
}

// A margin around the data, then the explicit limits of the spec.
void finish_range(QCPAxis* axis, const AxisSpec& spec, bool from_zero) {
  QCPRange r = axis->range();
  if (spec.log) {
    if (!(r.lower > 0) || !(r.upper > r.lower)) r = QCPRange(r.upper > 0 ? r.upper / 10 : 1, r.upper > 0 ? r.upper * 10 : 10);
    const double pad = std::pow(r.upper / r.lower, 0.05);
    r = QCPRange(r.lower / std::max(pad, 1.2), r.upper * std::max(pad, 1.2));
  } else {
    if (from_zero) r.lower = std::min(0.0, r.lower);
    const double span = r.upper - r.lower > 0 ? r.upper - r.lower : std::max(std::fabs(r.upper), 1.0);
    r = QCPRange(from_zero && r.lower >= 0 ? r.lower : r.lower - 0.05 * span, r.upper + 0.08 * span);
  }
  if (spec.min) r.lower = *spec.min;
  if (spec.max) r.upper = *spec.max;
  axis->setRange(r);
}

QString csv_field(const QString& s) {
  if (!s.contains(',') && !s.contains('"') && !s.contains('\n')) return s;
  QString q = s;
  q.replace("\"", "\"\"");
  return "\"" + q + "\"";
}

}  // namespace

QColor palette_color(int index) {
  // Okabe & Ito's colour-blind-safe palette, then Tableau's.
  static const QColor colors[] = {QColor(0, 114, 178),   QColor(230, 159, 0),   QColor(0, 158, 115),  QColor(204, 121, 167),
                                  QColor(86, 180, 233),  QColor(213, 94, 0),    QColor(240, 228, 66), QColor(0, 0, 0),
                                  QColor(148, 103, 189), QColor(140, 86, 75),   QColor(127, 127, 127), QColor(188, 189, 34),
                                  QColor(23, 190, 207),  QColor(255, 152, 150), QColor(197, 176, 213), QColor(196, 156, 148),
                                  QColor(219, 219, 141)};
  constexpr int n = static_cast<int>(std::size(colors));
  return colors[((index % n) + n) % n];
}

Plot::Plot(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setMouseTracking(true);
  // The canvas does not pass a right click on to this widget (the issue's "export does
  // nothing"): it asks for the menu itself.
  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(plot_, &QCustomPlot::customContextMenuRequested, this, [this](const QPoint& at) { show_menu(plot_->mapToGlobal(at)); });
  plot_->legend->setFont(QFont(font().family(), 8));
  plot_->legend->setBrush(QColor(255, 255, 255, 220));
  plot_->setMinimumSize(120, 100);
  connect(plot_, &QCustomPlot::mouseMove, this, &Plot::on_mouse_move);
  connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) { press_ = e->position(); });
  connect(plot_, &QCustomPlot::mouseRelease, this, [this](QMouseEvent* e) {
    if ((e->position() - press_).manhattanLength() > 4) return;  // a drag pans, it does not pick
    if (const auto hit = point_at(e->position())) emit point_clicked(hit->first, hit->second);
  });
  clear();
}

Plot::~Plot() = default;

void Plot::clear() {
  plot_->clearPlottables();
  plot_->clearItems();
  plot_->legend->clearItems();
  plot_->legend->setVisible(false);
  series_.clear();
  series_plottables_.clear();
  series_ids_.clear();
  bars_.clear();
  categories_.clear();
  tips_.clear();
  stack_top_.clear();
  stack_height_.clear();
  legend_only_.clear();
  hlines_.clear();
  note_.clear();
  note_item_ = nullptr;
  x_spec_ = y_spec_ = AxisSpec{};
  y2_spec_.reset();
  configure_axis(plot_->xAxis, x_spec_);
  configure_axis(plot_->yAxis, y_spec_);
  plot_->yAxis2->setVisible(false);
  plot_->xAxis->setTickLabelRotation(0);
  set_legend_position(Qt::AlignTop | Qt::AlignRight);
}

QString Plot::title() const { return title_ ? title_->text() : QString(); }

void Plot::set_title(const QString& title) {
  if (!title_) {
    plot_->plotLayout()->insertRow(0);
    title_ = new QCPTextElement(plot_, title, QFont(font().family(), 10, QFont::Bold));
    plot_->plotLayout()->addElement(0, 0, title_);
  }
  title_->setText(title);
}

void Plot::set_axes(const AxisSpec& x, const AxisSpec& y, const std::optional<AxisSpec>& y_right) {
  x_spec_ = x;
  y_spec_ = y;
  y2_spec_ = y_right;
  if (categories_.empty()) configure_axis(plot_->xAxis, x);
  else plot_->xAxis->setLabel(x.label);
  configure_axis(plot_->yAxis, y);
  if (y_right) configure_axis(plot_->yAxis2, *y_right);
  else plot_->yAxis2->setVisible(false);
}

void Plot::set_categories(const std::vector<QString>& labels) {
  categories_ = labels;
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (std::size_t i = 0; i < labels.size(); ++i) ticker->addTick(static_cast<double>(i), labels[i]);
  plot_->xAxis->setScaleType(QCPAxis::stLinear);
  plot_->xAxis->setTicker(ticker);
  plot_->xAxis->setTickLabelRotation(labels.size() > 5 ? 35 : 0);
  plot_->xAxis->setSubTicks(false);
}

void Plot::set_legend_position(Qt::Alignment where) {
  if (!legend_below_) plot_->axisRect()->insetLayout()->setInsetAlignment(0, where);
}

void Plot::put_legend_below(int columns) {
  if (legend_below_) return;
  QCPLayoutInset* inset = plot_->axisRect()->insetLayout();
  inset->take(plot_->legend);
  inset->simplify();
  const int row = plot_->plotLayout()->rowCount();
  plot_->plotLayout()->addElement(row, 0, plot_->legend);
  plot_->plotLayout()->setRowStretchFactor(row, 0.001);
  plot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
  plot_->legend->setWrap(columns);
  plot_->legend->setBorderPen(Qt::NoPen);
  legend_below_ = true;
}

void Plot::add_series(const Series& in, const std::vector<int>& in_ids) {
  // Points sorted by x (QCPGraph keeps its data sorted; the tips must follow), and only
  // those a log axis can show.
  const bool y_log = in.right_axis ? (y2_spec_ && y2_spec_->log) : y_spec_.log;
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < std::min(in.x.size(), in.y.size()); ++i) {
    if (!std::isfinite(in.x[i]) || !std::isfinite(in.y[i])) continue;
    if ((x_spec_.log && categories_.empty() && !(in.x[i] > 0)) || (y_log && !(in.y[i] > 0))) continue;
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return in.x[a] < in.x[b]; });
  Series s = in;
  s.x.clear();
  s.y.clear();
  s.tips.clear();
  std::vector<int> ids;
  for (std::size_t i : order) {
    s.x.push_back(in.x[i]);
    s.y.push_back(in.y[i]);
    if (i < in.tips.size()) s.tips.push_back(in.tips[i]);
    if (i < in_ids.size()) ids.push_back(in_ids[i]);
  }
  QCPGraph* g = plot_->addGraph(plot_->xAxis, s.right_axis ? plot_->yAxis2 : plot_->yAxis);
  g->setName(s.name);
  g->setData(QVector<double>(s.x.begin(), s.x.end()), QVector<double>(s.y.begin(), s.y.end()), true);
  QPen pen(s.color, 2);
  if (s.dashed) pen.setStyle(Qt::DashLine);
  g->setPen(pen);
  g->setLineStyle(s.line ? QCPGraph::lsLine : QCPGraph::lsNone);
  g->setScatterStyle(QCPScatterStyle(shape_of(s.marker), s.color, s.marker == Marker::cross ? s.color : QColor(s.color), s.marker_size));
  if (s.legend) plot_->legend->setVisible(true);
  else g->removeFromLegend();
  if (!s.tips.empty()) tips_.emplace_back(g, s.tips);
  series_plottables_.push_back(g);
  series_ids_.push_back(std::move(ids));
  series_.push_back(std::move(s));
}

void Plot::add_bars(const BarSet& b) {
  auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
  bars->setName(b.name);
  bars->setWidth(b.width);
  bars->setBrush(b.color);
  bars->setPen(QPen(Qt::white, 1));
  QVector<double> keys, values;
  for (std::size_t i = 0; i < b.values.size(); ++i) {
    keys.push_back(static_cast<double>(i) + b.offset);
    values.push_back(std::isfinite(b.values[i]) ? b.values[i] : 0);
  }
  bars->setData(keys, values, true);
  auto top = std::find_if(stack_top_.begin(), stack_top_.end(), [&](const auto& p) { return p.first == b.group; });
  auto height = std::find_if(stack_height_.begin(), stack_height_.end(), [&](const auto& p) { return p.first == b.group; });
  if (height == stack_height_.end()) {
    stack_height_.emplace_back(b.group, std::vector<double>(b.values.size(), 0.0));
    height = std::prev(stack_height_.end());
  }
  if (b.stack && top != stack_top_.end()) {
    bars->moveAbove(top->second);
  } else {
    std::fill(height->second.begin(), height->second.end(), 0.0);
  }
  if (top == stack_top_.end()) stack_top_.emplace_back(b.group, bars);
  else top->second = bars;
  if (height->second.size() < b.values.size()) height->second.resize(b.values.size(), 0.0);
  for (std::size_t i = 0; i < b.values.size(); ++i) {
    const double base = height->second[i];
    const double v = std::isfinite(b.values[i]) ? b.values[i] : 0;
    if (!b.label.isEmpty() && v > 0) {
      auto* text = new QCPItemText(plot_);
      text->position->setCoords(static_cast<double>(i) + b.offset + b.width / 2 + 0.03, base + v / 2);
      text->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
      text->setText(b.label);
      text->setFont(QFont(font().family(), 7));
      text->setColor(QColor(40, 40, 40));
      text->setClipToAxisRect(true);
    }
    height->second[i] = base + v;
  }
  if (b.legend) plot_->legend->setVisible(true);
  else bars->removeFromLegend();
  if (!b.tips.empty()) tips_.emplace_back(bars, b.tips);
  bars_.push_back(b);
}

void Plot::add_hline(double y, const QString& label, const QColor& color) {
  auto* line = new QCPItemStraightLine(plot_);
  line->point1->setCoords(0, y);
  line->point2->setCoords(1, y);
  line->setPen(QPen(color, 1.5, Qt::DashLine));
  auto* text = new QCPItemText(plot_);
  text->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
  text->position->setTypeY(QCPItemPosition::ptPlotCoords);
  text->position->setCoords(0.01, y);
  text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
  text->setText(label);
  text->setColor(color);
  text->setFont(QFont(font().family(), 8));
  hlines_.push_back(y);
}

void Plot::add_legend_entry(const LegendEntry& e) {
  auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
  bars->setName(e.name);
  bars->setBrush(e.color);
  bars->setPen(QPen(Qt::white));
  legend_only_.push_back(bars);
  plot_->legend->setVisible(true);
}

void Plot::add_text(double x, double y, const QString& text, const QColor& color, Qt::Alignment anchor) {
  auto* item = new QCPItemText(plot_);
  item->position->setCoords(x, y);
  item->setPositionAlignment(anchor);
  item->setText(text);
  item->setColor(color);
  item->setFont(QFont(font().family(), 8));
  item->setClipToAxisRect(true);
}

void Plot::set_note(const QString& text) {
  note_ = text;
  if (!note_item_) {
    note_item_ = new QCPItemText(plot_);
    note_item_->position->setType(QCPItemPosition::ptAxisRectRatio);
    note_item_->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    note_item_->setTextAlignment(Qt::AlignLeft);
    note_item_->setBrush(QColor(255, 255, 255, 220));
    note_item_->setPadding(QMargins(4, 3, 4, 3));
    note_item_->setFont(QFont(font().family(), 8));
  }
  note_item_->position->setCoords(0.02, 0.03);
  note_item_->setText(text);
}

void Plot::replot() {
  const bool any = plot_->plottableCount() > static_cast<int>(legend_only_.size());
  if (any) plot_->rescaleAxes(true);
  const bool has_bars = !bars_.empty();
  // hlines must stay in view
  if (!hlines_.empty()) {
    QCPRange r = plot_->yAxis->range();
    for (double y : hlines_) r.expand(y);
    if (!any) r = QCPRange(std::min(0.0, r.lower), r.upper);
    plot_->yAxis->setRange(r);
  }
  if (any || !hlines_.empty()) {
    finish_range(plot_->yAxis, y_spec_, has_bars);
    if (y2_spec_) finish_range(plot_->yAxis2, *y2_spec_, false);
    if (!categories_.empty())
      plot_->xAxis->setRange(x_spec_.min.value_or(-0.6), x_spec_.max.value_or(static_cast<double>(categories_.size()) - 0.4));
    else finish_range(plot_->xAxis, x_spec_, false);
  } else {  // an empty plot: sane ranges for the axis kinds
    plot_->xAxis->setRange(x_spec_.log ? QCPRange(1, 100) : QCPRange(0, 1));
    plot_->yAxis->setRange(y_spec_.log ? QCPRange(1, 100) : QCPRange(0, 1));
    if (x_spec_.min && x_spec_.max) plot_->xAxis->setRange(*x_spec_.min, *x_spec_.max);
    if (y_spec_.min && y_spec_.max) plot_->yAxis->setRange(*y_spec_.min, *y_spec_.max);
  }
  plot_->replot(QCustomPlot::rpImmediateRefresh);
}

int Plot::graph_count() const { return plot_->graphCount(); }

int Plot::bar_count() const {
  int n = 0;
  for (int i = 0; i < plot_->plottableCount(); ++i) {
    const QCPAbstractPlottable* p = plot_->plottable(i);
    if (qobject_cast<const QCPBars*>(p) && std::find(legend_only_.begin(), legend_only_.end(), p) == legend_only_.end()) ++n;
  }
  return n;
}

QString Plot::tip_at(const QPointF& pixel) const {
  int index = -1;
  const QCPAbstractPlottable* p = plot_->plottableAt(pixel, false, &index);
  if (!p) return {};
  for (const auto& [plottable, tips] : tips_)
    if (plottable == p && index >= 0 && index < static_cast<int>(tips.size())) return tips[static_cast<std::size_t>(index)];
  return {};
}

std::optional<std::pair<QString, int>> Plot::point_at(const QPointF& pixel) const {
  // Among the series with ids only: a line through the same point (a curve, a step) must not
  // take the click from the marker drawn on it.
  std::optional<std::pair<QString, int>> hit;
  double nearest = plot_->selectionTolerance();
  for (std::size_t i = 0; i < series_plottables_.size(); ++i) {
    if (series_ids_[i].empty()) continue;
    QVariant details;
    const double distance = series_plottables_[i]->selectTest(pixel, false, &details);
    const QCPDataSelection selected = details.value<QCPDataSelection>();
    if (distance < 0 || distance >= nearest || selected.isEmpty()) continue;
    const int index = selected.dataRange().begin();
    if (index < 0 || index >= static_cast<int>(series_ids_[i].size())) continue;
    nearest = distance;
    hit = std::make_pair(series_[i].name, series_ids_[i][static_cast<std::size_t>(index)]);
  }
  return hit;
}

QPointF Plot::to_pixel(double x, double y) const {
  return {plot_->xAxis->coordToPixel(x), plot_->yAxis->coordToPixel(y)};
}

void Plot::on_mouse_move(QMouseEvent* event) {
  const QString tip = tip_at(event->position());
  if (tip.isEmpty()) QToolTip::hideText();
  else QToolTip::showText(event->globalPosition().toPoint(), tip, plot_);
}

void Plot::paint_vector(QCPPainter& painter) { plot_->toPainter(&painter, width(), height()); }

QString Plot::to_csv() const {
  const QString x = categories_.empty() ? (x_spec_.label.isEmpty() ? QString("x") : x_spec_.label) : QString("category");
  const QString y = y_spec_.label.isEmpty() ? QString("y") : y_spec_.label;
  QString out = "kind,name," + csv_field(x) + "," + csv_field(y) + ",note\n";
  for (const Series& s : series_)
    for (std::size_t i = 0; i < s.x.size(); ++i)
      out += (s.right_axis ? QString("series (right axis: %1)").arg(y2_spec_ ? y2_spec_->label : QString()) : QString("series")) + "," +
             csv_field(s.name) + "," + QString::number(s.x[i], 'g', 10) + "," + QString::number(s.y[i], 'g', 10) + "," +
             csv_field(i < s.tips.size() ? QString(s.tips[i]).replace('\n', "; ") : QString()) + "\n";
  for (const BarSet& b : bars_)
    for (std::size_t i = 0; i < b.values.size(); ++i)
      out += "bar," + csv_field(b.name) + "," + csv_field(i < categories_.size() ? categories_[i] : QString::number(i)) + "," +
             QString::number(b.values[i], 'g', 10) + "," +
             csv_field(i < b.tips.size() ? QString(b.tips[i]).replace('\n', "; ") : QString()) + "\n";
  return out;
}

void Plot::show_menu(const QPoint& global) {
  QMenu menu(this);
  const auto export_as = [this](const QString& name) {
    const QString path = ask_export_path(this, name);
    QString error;
    if (!path.isEmpty() && !export_figure(this, {this}, path, error)) QMessageBox::warning(this, "Not exported", error);
  };
  menu.addAction("Export PNG...", this, [export_as] { export_as("plot.png"); });
  menu.addAction("Export SVG...", this, [export_as] { export_as("plot.svg"); });
  menu.addAction("Export PDF...", this, [export_as] { export_as("plot.pdf"); });
  menu.addAction("Export data as CSV...", this, [export_as] { export_as("plot.csv"); });
  menu.addSeparator();
  menu.addAction("Reset zoom", this, [this] { replot(); });
  menu.exec(global);
}

namespace {

// In ExportFormat's order: the file extension and the save dialog's filter of each format.
const QStringList kExportSuffixes = {"png", "svg", "pdf", "csv"};
const QStringList kExportFilters = {"PNG image (*.png)", "SVG drawing (*.svg)", "PDF document (*.pdf)", "CSV data (*.csv)"};

// The figure's labels (a view's status line) and plots, painted where they sit in it.
void paint_figure(QPaintDevice& device, QWidget* figure, const std::vector<Plot*>& plots) {
  QCPPainter painter(&device);  // QCustomPlot draws through its own painter class
  painter.setMode(QCPPainter::pmVectorized);
  painter.setMode(QCPPainter::pmNoCaching);
  painter.fillRect(QRect(QPoint(), figure->size()), Qt::white);
  for (QLabel* label : figure->findChildren<QLabel*>())
    if (label->isVisible() && !label->text().isEmpty()) label->render(&painter, label->mapTo(figure, QPoint()), QRegion(), QWidget::DrawChildren);
  for (Plot* plot : plots) {
    if (!plot->isVisible()) continue;
    painter.save();
    painter.translate(plot->mapTo(figure, QPoint()));
    plot->paint_vector(painter);
    painter.restore();
  }
}

// Every plot's points in one long table: which plot, its axes, then the plot's own columns.
QByteArray figure_csv(const std::vector<Plot*>& plots) {
  if (plots.size() == 1) return plots.front()->to_csv().toUtf8();
  QString out = "plot,kind,name,x,y,note\n";
  for (const Plot* plot : plots) {
    const QStringList lines = plot->to_csv().split('\n', Qt::SkipEmptyParts);
    for (qsizetype i = 1; i < lines.size(); ++i) out += csv_field(plot->title()) + "," + lines[i] + "\n";
  }
  return out.toUtf8();
}

}  // namespace

std::optional<ExportFormat> export_format(const QString& path) {
  const qsizetype i = kExportSuffixes.indexOf(QFileInfo(path).suffix().toLower());
  return i < 0 ? std::nullopt : std::optional(static_cast<ExportFormat>(i));
}

bool export_figure(QWidget* figure, const std::vector<Plot*>& plots, const QString& path, QString& error) {
  const auto format = export_format(path);
  if (!format) {
    error = "\"" + path + "\" must end in " + kExportExtensions;
    return false;
  }
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  for (Plot* plot : plots) plot->replot();
  if (*format == ExportFormat::png) {
    figure->grab().save(&buffer, "PNG");
  } else if (*format == ExportFormat::svg) {
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(figure->size());
    svg.setViewBox(QRect(QPoint(), figure->size()));
    svg.setTitle("moesim");
    paint_figure(svg, figure, plots);
  } else if (*format == ExportFormat::pdf) {
    QPdfWriter pdf(&buffer);
    pdf.setResolution(72);  // one pixel of the figure is one point of the page
    pdf.setPageSize(QPageSize(QSizeF(figure->size()), QPageSize::Point));
    pdf.setPageMargins(QMarginsF());
    pdf.setCreator("moesim-gui");
    paint_figure(pdf, figure, plots);
  } else {
    bytes = figure_csv(plots);
  }
  QSaveFile file(path);
  if (bytes.isEmpty() || !file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
    error = "cannot write \"" + path + "\"" + (file.errorString().isEmpty() ? QString() : ": " + file.errorString());
    return false;
  }
  return true;
}

QString ask_export_path(QWidget* parent, const QString& suggested_name) {
  QString chosen = kExportFilters[static_cast<qsizetype>(export_format(suggested_name).value_or(ExportFormat::png))];
  // Qt's own dialog (not the desktop's): the same everywhere, and driven by the GUI tests.
  QString path = QFileDialog::getSaveFileName(parent, "Export", suggested_name, kExportFilters.join(";;"), &chosen,
                                              QFileDialog::DontUseNativeDialog);
  if (!path.isEmpty() && !export_format(path)) path += "." + kExportSuffixes[std::max<qsizetype>(0, kExportFilters.indexOf(chosen))];
  return path;
}


}  // namespace moesim::gui
