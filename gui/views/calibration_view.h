#pragma once
// Calibration: measured against predicted times from a `moesim validate` CSV (any CSV with the
// columns measured_s and predicted_s, optionally config and kind), the y = x line, and the median and
// 90th-percentile absolute percentage error.
#include <optional>

#include "views/view.h"

class QLineEdit;

namespace moesim::gui {

struct CalibrationPoint {
  std::string kind;  // the optional kind column (moe_layer, decode_attention, ...): one colour each
  std::string config;
  double measured_s = 0, predicted_s = 0;
  double abs_error_pct() const;  // |predicted / measured - 1| * 100
};
struct CalibrationData {
  std::vector<CalibrationPoint> points;
  double median_abs_error_pct = 0;
  double p90_abs_error_pct = 0;  // moesim::quantile (linear interpolation), as moesim validate
};
// RFC 4180 CSV; a row whose measured_s or predicted_s is not a positive number is a
// diagnostic naming the line and column.
std::optional<CalibrationData> read_calibration_csv(const std::string& path, Diagnostics& out);
void compute_error_statistics(CalibrationData& data);

class CalibrationView : public View {
  Q_OBJECT

 public:
  explicit CalibrationView(Session& session, QWidget* parent = nullptr);
  void refresh(const Resolved& resolved, bool wait = false) override;
  void sync_controls() override;
  const std::optional<CalibrationData>& data() const { return data_; }
  Plot* plot() const { return plot_; }

 private:
  void read_controls();
  void draw();
  Plot* plot_;
  QLineEdit* csv_;
  std::optional<CalibrationData> data_;
  std::optional<std::string> loaded_;
};

}  // namespace moesim::gui
