#pragma once
// The inputs on the left of the main window: model (preset or file, editable fields, and what
// the reader understood), hardware profile, workload and deployment. Edits go straight into
// the Session; errors are shown under the field they belong to, with the CLI's message.
#include <QWidget>
#include <map>
#include <string>

#include "session.h"

class QCheckBox;
class QComboBox;
class QGroupBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace moesim::gui {

class InputPanel : public QWidget {
  Q_OBJECT

 public:
  explicit InputPanel(Session& session, QWidget* parent = nullptr);
  // Session -> fields (after a load, or after the model changed). `resolved` fills the model's
  // fields that have no override; null keeps them as they are.
  void show_session(const Resolved* resolved);
  // Errors beside their fields; an empty list clears them all.
  void show_diagnostics(const Diagnostics& diagnostics);
  QString error_for(const std::string& field) const;  // the text shown under a field
  QString description() const;                         // the describe_architecture box

  // For the File menu and tests: the same as choosing in the combo boxes.
  void set_model_spec(const std::string& spec);
  void set_hardware_spec(const std::string& spec);

 signals:
  void changed();  // the session was edited

 private:
  QGroupBox* build_model_box();
  QGroupBox* build_hardware_box();
  QGroupBox* build_run_box();
  QSpinBox* add_int(QFormLayout* form, const QString& label, const std::string& field, std::int64_t max);
  QDoubleSpinBox* add_double(QFormLayout* form, const QString& label, const std::string& field, double max, int decimals);
  QComboBox* add_format(QFormLayout* form, const QString& label, const std::string& field);
  // A number that may be left empty (shown as `placeholder`).
  QLineEdit* add_optional_number(QFormLayout* form, const QString& label, const std::string& field, const QString& placeholder,
                                 const QString& tooltip);
  void add_error_row(QFormLayout* form, const std::string& field);
  void edited();  // a field changed: fields -> session

  Session& session_;
  bool updating_ = false;
  QComboBox *model_, *hardware_, *attention_kind_, *phase_, *recompute_, *offload_, *cache_policy_, *expert_reads_, *expert_placement_, *pp_schedule_;
  std::map<std::string, QSpinBox*> ints_;           // by session field path
  std::map<std::string, QDoubleSpinBox*> doubles_;
  std::map<std::string, QComboBox*> formats_;
  QLineEdit* tokens_;
  QLineEdit* routing_histogram_;
  QLineEdit* routing_locality_;
  QLineEdit* max_violation_;
  QCheckBox *overlap_grad_reduce_, *overlap_param_gather_, *two_batch_overlap_;
  QPlainTextEdit* description_;
  QLabel* hardware_figures_;
  std::map<std::string, QLabel*> errors_;
};

}  // namespace moesim::gui
