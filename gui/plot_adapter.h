#pragma once
// The one place that talks to QCustomPlot (GPL-3.0; linked into moesim-gui only). Views
// describe what to draw with the plain structs below; the adapter draws them, shows a
// tooltip for the point or bar under the mouse, zooms and pans, and exports the picture
// (PNG, SVG, PDF) and the data (CSV). Nothing outside plot_adapter.cpp includes qcustomplot.h.
#include <QColor>
#include <QString>
#include <QWidget>
#include <optional>
#include <vector>

class QCustomPlot;
class QCPAbstractPlottable;
class QCPBars;
class QCPItemText;
class QCPTextElement;
class QMouseEvent;
class QCPPainter;

namespace moesim::gui {

enum class Marker { none, circle, cross, diamond, square, star, triangle };

struct AxisSpec {
  AxisSpec(QString label_ = {}, bool log_ = false, std::optional<double> min_ = {}, std::optional<double> max_ = {})
      : label(std::move(label_)), log(log_), min(min_), max(max_) {}
  QString label;  // with the unit: "decode step [ms]"
  bool log = false;
  std::optional<double> min, max;  // default: fitted to the data
  std::vector<double> ticks;       // ticks at these values only (e.g. the swept values); default: automatic
};

// One curve or point set. `tips` (optional) has one text per point, shown on hover.
struct Series {
  QString name;
  std::vector<double> x, y;
  std::vector<QString> tips;
  QColor color = Qt::blue;
  bool line = true;
  bool dashed = false;
  Marker marker = Marker::circle;
  double marker_size = 6;
  bool right_axis = false;  // plotted against the secondary y axis
  bool legend = true;
};

// One bar per category position (0, 1, 2, ...). Bars with `stack` set sit on the previous
// BarSet that was added with the same `group` (a stacked bar is several BarSets).
struct BarSet {
  QString name;
  std::vector<double> values;  // one per category; 0 draws nothing
  std::vector<QString> tips;
  QColor color = Qt::gray;
  int group = 0;
  bool stack = false;
  bool legend = true;
  double width = 0.6;      // in category units
  double offset = 0;       // shift from the category position (side-by-side groups)
  QString label;           // drawn beside the bar, at the middle of its segment
};

struct LegendEntry {  // a legend line for what a colour means
  QString name;
  QColor color;
};

class Plot : public QWidget {
  Q_OBJECT

 public:
  explicit Plot(QWidget* parent = nullptr);
  ~Plot() override;

  void clear();
  void set_title(const QString& title);
  QString title() const;
  void set_axes(const AxisSpec& x, const AxisSpec& y, const std::optional<AxisSpec>& y_right = std::nullopt);
  void set_categories(const std::vector<QString>& labels);  // a category x axis (0..n-1); x min/max of set_axes still apply
  // `ids`, one per point (e.g. a row), make the points clickable: Plot::point_clicked reports them.
  void add_series(const Series& s, const std::vector<int>& ids = {});
  void add_bars(const BarSet& b);
  void add_hline(double y, const QString& label, const QColor& color);  // e.g. device memory
  void add_legend_entry(const LegendEntry& e);
  // A label at data coordinates (left axis), e.g. naming a curve where it starts.
  void add_text(double x, double y, const QString& text, const QColor& color, Qt::Alignment anchor = Qt::AlignLeft | Qt::AlignBottom);
  void set_note(const QString& text);  // a message in the plot (empty plot, summary figures)
  void set_legend_position(Qt::Alignment where);  // inside the axis rect
  // For good: the legend under the plot, where it hides no data; `columns` entries per row (0 = all).
  void put_legend_below(int columns = 0);
  void replot();

  // What is drawn, for tests and CSV export.
  int graph_count() const;  // curves and point sets (legend-only entries not counted)
  int bar_count() const;    // bar plottables
  const std::vector<Series>& series() const { return series_; }
  const std::vector<BarSet>& bars() const { return bars_; }
  const std::vector<QString>& categories() const { return categories_; }
  QString note() const { return note_; }
  QString tip_at(const QPointF& pixel) const;  // the hover text there, or empty
  QPointF to_pixel(double x, double y) const;   // data (left axis) to widget pixels

  // What a click on a point of a series with ids would report (for tests: the click itself
  // goes through the mouse events).
  std::optional<std::pair<QString, int>> point_at(const QPointF& pixel) const;

  QString to_csv() const;
  // Draws the plot, as vectors, at the painter's origin (export_figure's SVG and PDF).
  void paint_vector(QCPPainter& painter);

 signals:
  void point_clicked(const QString& series, int id);  // a click (not a drag) on a point with an id

 private:
  void show_menu(const QPoint& global);  // export and reset zoom
  void on_mouse_move(QMouseEvent* event);
  QCustomPlot* plot_;
  std::vector<Series> series_;
  std::vector<BarSet> bars_;
  std::vector<QString> categories_;
  std::vector<std::pair<const QCPAbstractPlottable*, std::vector<QString>>> tips_;
  std::vector<const QCPAbstractPlottable*> series_plottables_;  // parallel to series_
  std::vector<std::vector<int>> series_ids_;                    // parallel to series_, sorted as its points
  QPointF press_;  // where the mouse went down: a click releases within a few pixels
  std::vector<std::pair<int, QCPBars*>> stack_top_;  // per group: the bars the next stacked set sits on
  std::vector<std::pair<int, std::vector<double>>> stack_height_;  // per group: height so far per category
  std::vector<const QCPAbstractPlottable*> legend_only_;
  std::vector<double> hlines_;
  AxisSpec x_spec_, y_spec_;
  std::optional<AxisSpec> y2_spec_;
  QString note_;
  bool legend_below_ = false;
  QCPTextElement* title_ = nullptr;
  QCPItemText* note_item_ = nullptr;
};

// What a figure (a widget holding plots, e.g. a view's) is exported as, by the file's extension.
enum class ExportFormat { png, svg, pdf, csv };
std::optional<ExportFormat> export_format(const QString& path);
inline constexpr const char* kExportExtensions = ".png, .svg, .pdf or .csv";
// Writes `figure`, which holds `plots`: PNG as on screen; SVG and PDF as vectors (each plot
// drawn by its own painter where it sits, the labels as they paint themselves); CSV the data
// of every plot. The file is whole or untouched (QSaveFile). False with `error` set.
bool export_figure(QWidget* figure, const std::vector<Plot*>& plots, const QString& path, QString& error);
// The save dialog of the File menu and the context menu: a name without a known extension
// gets the chosen filter's. Empty when cancelled.
QString ask_export_path(QWidget* parent, const QString& suggested_name);

// Colours shared by the views (a qualitative palette; index wraps).
QColor palette_color(int index);

}  // namespace moesim::gui
