#include "input_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "moesim/io/hardware_io.h"
#include "moesim/io/report.h"
#include "moesim/model/enum_names.h"
#include "moesim/model/validate.h"

namespace moesim::gui {
namespace {

const char* const kModelOwn = "(model's own)";
const char* const kFormats[] = {"bf16", "fp16", "fp32", "fp8", "int8", "int4", "int4-g128", "mxfp4", "mxfp6", "mxfp8", "nvfp4", "fp4"};

QString qs(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<int>(s.size())); }

template <class Enum>
QComboBox* enum_combo(QWidget* parent) {
  auto* c = new QComboBox(parent);
  for (const auto& n : enum_names<Enum>()) c->addItem(qs(n.name));
  return c;
}

// The value an enum_combo shows (`fallback` only if its text was edited to no name).
template <class Enum>
Enum enum_value(const QComboBox* c, Enum fallback) {
  return parse_enum<Enum>(c->currentText().toStdString()).value_or(fallback);
}

// The figures of a device that decide most costs.
QString key_figures(const Hardware& hw) {
  return QString("%1: bf16 %2 TFLOP/s, fp8 %3 TFLOP/s\n%4 at %5 GB/s; %6 W%7")
      .arg(QString::fromStdString(hw.name))
      .arg(peak_flop_per_s(hw, ComputeFormat::bf16) / 1e12, 0, 'f', 1)
      .arg(peak_flop_per_s(hw, ComputeFormat::fp8) / 1e12, 0, 'f', 1)
      .arg(QString::fromStdString(io::human(hw.memory_bytes, io::Unit::bytes)))
      .arg(hw.memory_bandwidth_bytes_per_s / 1e9, 0, 'f', 0)
      .arg(hw.tdp_w, 0, 'f', 0)
      .arg(hw.price_usd_per_hour > 0 ? QString("; %1 USD/h").arg(hw.price_usd_per_hour, 0, 'f', 2) : QString());
}

// Where each model field's override lives in the session.
std::optional<std::int64_t>* int_override(ModelOverrides& o, const std::string& field) {
  static const std::pair<const char*, std::optional<std::int64_t> ModelOverrides::*> table[] = {
      {"/model/overrides/layers", &ModelOverrides::layers},       {"/model/overrides/hidden_size", &ModelOverrides::hidden_size},
      {"/model/overrides/experts", &ModelOverrides::experts},     {"/model/overrides/top_k", &ModelOverrides::top_k},
      {"/model/overrides/expert_width", &ModelOverrides::expert_width},
      {"/model/overrides/shared_experts", &ModelOverrides::shared_experts},
      {"/model/overrides/heads", &ModelOverrides::heads},         {"/model/overrides/kv_heads", &ModelOverrides::kv_heads}};
  for (const auto& [path, member] : table)
    if (field == path) return &(o.*member);
  return nullptr;
}

std::optional<std::string>* format_override(ModelOverrides& o, const std::string& field) {
  if (field == "/model/overrides/weight_format") return &o.weight_format;
  if (field == "/model/overrides/expert_format") return &o.expert_format;
  if (field == "/model/overrides/kv_format") return &o.kv_format;
  if (field == "/model/overrides/activation_format") return &o.activation_format;
  return nullptr;
}

std::int64_t model_value(const Architecture& a, const std::string& field) {
  if (field == "/model/overrides/layers") return static_cast<std::int64_t>(a.layers.size());
  if (field == "/model/overrides/hidden_size") return a.hidden_size;
  if (field == "/model/overrides/experts") return a.moe.experts;
  if (field == "/model/overrides/top_k") return a.moe.top_k;
  if (field == "/model/overrides/expert_width") return a.moe.expert.width;
  if (field == "/model/overrides/shared_experts") return a.moe.shared_experts;
  if (field == "/model/overrides/heads") return a.attention.heads;
  if (field == "/model/overrides/kv_heads") return a.attention.kv_heads;
  return 0;
}

std::string model_format(const Architecture& a, const std::string& field) {
  const Precision& p = a.precision;
  if (field == "/model/overrides/expert_format" || field == "/model/overrides/weight_format") return to_string(p.experts);
  if (field == "/model/overrides/kv_format") return to_string(p.kv_cache);
  return to_string(p.activations);
}

}  // namespace

// The model (what): preset or file, the edits on top, what was understood.
QGroupBox* InputPanel::build_model_box() {
  auto* model_box = new QGroupBox("Model (what)", this);
  auto* model_form = new QFormLayout(model_box);
  model_ = new QComboBox(model_box);
  model_->setEditable(true);
  for (const io::PresetInfo& p : io::presets()) model_->addItem(qs(p.name));
  model_->setToolTip("a preset, or a path to a native model file or a Hugging Face config.json");
  auto* open_model = new QPushButton("Open config.json/native file...", model_box);
  auto* reset = new QPushButton("Reset edits", model_box);
  reset->setToolTip("back to the loaded model's own values");
  model_form->addRow("preset or file", model_);
  add_error_row(model_form, "/model/spec");
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(open_model);
  buttons->addWidget(reset);
  model_form->addRow(buttons);
  add_int(model_form, "layers", "/model/overrides/layers", kMaxLayers);
  add_int(model_form, "hidden size", "/model/overrides/hidden_size", 1 << 22);
  add_int(model_form, "routed experts E", "/model/overrides/experts", 1 << 20);
  add_int(model_form, "experts per token K", "/model/overrides/top_k", 1 << 20);
  add_int(model_form, "expert width", "/model/overrides/expert_width", 1 << 22);
  add_int(model_form, "shared experts", "/model/overrides/shared_experts", 1024);
  attention_kind_ = enum_combo<AttentionKind>(model_box);
  model_form->addRow("attention", attention_kind_);
  add_error_row(model_form, "/model/overrides/attention_kind");
  add_int(model_form, "attention heads", "/model/overrides/heads", 1 << 16);
  add_int(model_form, "KV heads", "/model/overrides/kv_heads", 1 << 16);
  add_format(model_form, "weight format (all)", "/model/overrides/weight_format");
  add_format(model_form, "expert weight format", "/model/overrides/expert_format");
  add_format(model_form, "KV-cache format", "/model/overrides/kv_format");
  add_format(model_form, "activation format", "/model/overrides/activation_format");
  description_ = new QPlainTextEdit(model_box);
  description_->setReadOnly(true);
  description_->setLineWrapMode(QPlainTextEdit::NoWrap);
  description_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  description_->setMinimumHeight(140);
  description_->setToolTip("what moesim understood of the model (moesim models show)");
  model_form->addRow(description_);


  auto commit_model = [this] {
    if (updating_) return;
    const std::string spec = model_->currentText().trimmed().toStdString();
    if (spec == session_.model.spec) return;
    set_model_spec(spec);
  };
  connect(model_, &QComboBox::activated, this, commit_model);
  connect(model_->lineEdit(), &QLineEdit::editingFinished, this, commit_model);
  connect(open_model, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open model", {}, "model files (*.json);;all files (*)");
    if (!path.isEmpty()) set_model_spec(path.toStdString());
  });
  connect(reset, &QPushButton::clicked, this, [this] {
    session_.model.overrides = {};
    emit changed();
  });
  connect(attention_kind_, &QComboBox::activated, this, [this] {
    if (updating_) return;
    session_.model.overrides.attention_kind = parse_enum<AttentionKind>(attention_kind_->currentText().toStdString());
    emit changed();
  });
  return model_box;
}

// The hardware (where): a shipped profile or a file, and its figures.
QGroupBox* InputPanel::build_hardware_box() {
  auto* hw_box = new QGroupBox("Hardware (where)", this);
  auto* hw_form = new QFormLayout(hw_box);
  hardware_ = new QComboBox(hw_box);
  hardware_->setEditable(true);
  for (const io::PresetInfo& p : io::shipped_hardware_profiles()) hardware_->addItem(qs(p.name));
  auto* open_hw = new QPushButton("Open profile file...", hw_box);
  hardware_figures_ = new QLabel(hw_box);
  hardware_figures_->setWordWrap(true);
  hw_form->addRow("profile", hardware_);
  add_error_row(hw_form, "/hardware");
  hw_form->addRow(open_hw);
  hw_form->addRow(hardware_figures_);


  auto commit_hw = [this] {
    if (updating_) return;
    const std::string spec = hardware_->currentText().trimmed().toStdString();
    if (spec != session_.hardware) set_hardware_spec(spec);
  };
  connect(hardware_, &QComboBox::activated, this, commit_hw);
  connect(hardware_->lineEdit(), &QLineEdit::editingFinished, this, commit_hw);
  connect(open_hw, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open hardware profile", {}, "profiles (*.json);;all files (*)");
    if (!path.isEmpty()) set_hardware_spec(path.toStdString());
  });
  return hw_box;
}

// The workload and deployment (how).
QGroupBox* InputPanel::build_run_box() {
  auto* run_box = new QGroupBox("Workload and deployment (how)", this);
  auto* run_form = new QFormLayout(run_box);
  phase_ = enum_combo<Phase>(run_box);
  run_form->addRow("phase", phase_);
  add_int(run_form, "batch [sequences]", "/workload/batch", 1 << 30);
  add_int(run_form, "context [tokens]", "/workload/context", 1 << 30);
  tokens_ = new QLineEdit(run_box);
  tokens_->setToolTip("training tokens D for the train phase (0 = one step of batch x context)");
  run_form->addRow("training tokens D", tokens_);
  add_error_row(run_form, "/workload/tokens");
  add_double(run_form, "null-expert share of routing slots", "/workload/null_fraction", 0.99, 2);
  recompute_ = enum_combo<Recompute>(run_box);
  run_form->addRow("recompute (train)", recompute_);
  add_int(run_form, "ZeRO stage (train)", "/workload/zero", 3);
  overlap_grad_reduce_ = new QCheckBox("gradient reduction under the backward", run_box);
  overlap_grad_reduce_->setToolTip("Megatron-LM's --overlap-grad-reduce: the last micro-batch's backward hides the gradient all-reduce "
                                   "(reduce-scatter under ZeRO)");
  overlap_param_gather_ = new QCheckBox("ZeRO weight gather under the forward", run_box);
  overlap_param_gather_->setToolTip("Megatron-LM's --overlap-param-gather (needs ZeRO 1 or more): the first micro-batch's forward hides "
                                    "the all-gather of the weights");
  run_form->addRow("overlap (train)", overlap_grad_reduce_);
  run_form->addRow("", overlap_param_gather_);
  add_error_row(run_form, "/workload/overlap_param_gather");
  add_int(run_form, "tensor parallel tp", "/deployment/tp", 1 << 20);
  add_int(run_form, "expert parallel ep", "/deployment/ep", 1 << 20);
  add_int(run_form, "pipeline stages pp", "/deployment/pp", 1 << 20);
  add_int(run_form, "data parallel dp", "/deployment/dp", 1 << 20);
  add_int(run_form, "micro-batches", "/deployment/microbatches", 1 << 20);
  pp_schedule_ = enum_combo<PipelineSchedule>(run_box);
  pp_schedule_->setToolTip("training: 1f1b holds at most pp micro-batches' activations (interleaved with virtual stages above 1); "
                           "gpipe holds all of them");
  run_form->addRow("pipeline schedule (train)", pp_schedule_);
  add_error_row(run_form, "/deployment/pp_schedule");
  add_int(run_form, "virtual stages (1 = 1F1B)", "/deployment/virtual_stages", 1 << 10);
  add_double(run_form, "capacity factor (0 = dropless)", "/deployment/capacity_factor", 1e6, 2);
  add_double(run_form, "routing skew (Zipf s)", "/deployment/routing_skew", 10, 2);
  routing_histogram_ = new QLineEdit(run_box);
  routing_histogram_->setToolTip("measured share of each expert, comma-separated, one per expert (instead of a skew)");
  run_form->addRow("routing histogram", routing_histogram_);
  add_error_row(run_form, "/deployment/routing_histogram");
  max_violation_ = add_optional_number(run_form, "load imbalance (MaxVio)", "/deployment/max_violation", "none",
                                       "max load / mean load - 1, as Wang et al. 2024 report it (instead of a skew or histogram); empty: none");
  routing_locality_ = add_optional_number(run_form, "routing locality (node share)", "/deployment/routing_locality", "as uniform routing",
                                          "share of routed tokens whose expert sits on their own node, 0..1 (LocMoE); only the rest "
                                          "crosses the scale-out link; empty: as uniform routing");
  offload_ = enum_combo<OffloadTarget>(run_box);
  run_form->addRow("expert offload", offload_);
  add_double(run_form, "expert cache per layer", "/deployment/expert_cache", 1e7, 2);
  cache_policy_ = enum_combo<CachePolicy>(run_box);
  run_form->addRow("cache policy", cache_policy_);
  add_double(run_form, "prefetch accuracy", "/deployment/prefetch_accuracy", 1, 2);
  expert_reads_ = enum_combo<ExpertReads>(run_box);
  expert_reads_->setToolTip("with ep > 1 and skewed routing, whose expert reads set the step: the busiest device's, or the mean (distinct / ep)");
  run_form->addRow("expert reads (ep > 1)", expert_reads_);
  expert_placement_ = enum_combo<ExpertPlacement>(run_box);
  expert_placement_->setToolTip("with ep > 1 and skewed routing, which experts share a device: the most popular together "
                                "(contiguous), or spread by load (balanced, as DeepSeek's EPLB)");
  run_form->addRow("expert placement (ep > 1)", expert_placement_);
  two_batch_overlap_ = new QCheckBox("two micro-batches, all-to-all under compute", run_box);
  two_batch_overlap_->setToolTip("serving: each replica's sequences run as two micro-batches, the all-to-all of one under the "
                                 "attention and experts of the other (DeepSeek-V3 §3.4.1, SGLang's two-batch overlap)");
  run_form->addRow("two-batch overlap", two_batch_overlap_);

  for (QComboBox* c : {phase_, recompute_, offload_, cache_policy_, expert_reads_, expert_placement_, pp_schedule_})
    connect(c, &QComboBox::activated, this, &InputPanel::edited);
  for (QCheckBox* c : {overlap_grad_reduce_, overlap_param_gather_, two_batch_overlap_}) connect(c, &QCheckBox::toggled, this, &InputPanel::edited);
  connect(tokens_, &QLineEdit::editingFinished, this, &InputPanel::edited);
  connect(routing_histogram_, &QLineEdit::editingFinished, this, &InputPanel::edited);
  return run_box;
}

InputPanel::InputPanel(Session& session, QWidget* parent) : QWidget(parent), session_(session) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(build_model_box());
  layout->addWidget(build_hardware_box());
  layout->addWidget(build_run_box());
  layout->addStretch(1);
  show_session(nullptr);
}


void InputPanel::add_error_row(QFormLayout* form, const std::string& field) {
  auto* error = new QLabel(form->parentWidget());
  error->setWordWrap(true);
  error->setStyleSheet("color: #b00020;");
  error->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error->setVisible(false);
  form->addRow(error);
  errors_[field] = error;
}

QSpinBox* InputPanel::add_int(QFormLayout* form, const QString& label, const std::string& field, std::int64_t max) {
  auto* s = new QSpinBox(form->parentWidget());
  s->setRange(0, static_cast<int>(std::min<std::int64_t>(max, 2147483647)));
  s->setKeyboardTracking(false);  // one change per edit, not per keystroke
  form->addRow(label, s);
  add_error_row(form, field);
  ints_[field] = s;
  connect(s, &QSpinBox::valueChanged, this, [this, field](int v) {
    if (updating_) return;
    if (auto* o = int_override(session_.model.overrides, field)) {
      *o = v;
      emit changed();
    } else {
      edited();
    }
  });
  return s;
}

QDoubleSpinBox* InputPanel::add_double(QFormLayout* form, const QString& label, const std::string& field, double max, int decimals) {
  auto* s = new QDoubleSpinBox(form->parentWidget());
  s->setRange(0, max);
  s->setDecimals(decimals);
  s->setSingleStep(max <= 1 ? 0.05 : max <= 10 ? 0.1 : 1);
  s->setKeyboardTracking(false);
  form->addRow(label, s);
  add_error_row(form, field);
  doubles_[field] = s;
  connect(s, &QDoubleSpinBox::valueChanged, this, &InputPanel::edited);
  return s;
}

QLineEdit* InputPanel::add_optional_number(QFormLayout* form, const QString& label, const std::string& field, const QString& placeholder,
                                           const QString& tooltip) {
  auto* e = new QLineEdit(form->parentWidget());
  e->setPlaceholderText(placeholder);
  e->setToolTip(tooltip);
  form->addRow(label, e);
  add_error_row(form, field);
  connect(e, &QLineEdit::editingFinished, this, &InputPanel::edited);
  return e;
}

QComboBox* InputPanel::add_format(QFormLayout* form, const QString& label, const std::string& field) {
  auto* c = new QComboBox(form->parentWidget());
  c->setEditable(true);
  c->addItem(kModelOwn);
  for (const char* f : kFormats) c->addItem(f);
  c->setToolTip(qs(number_format_grammar()));
  form->addRow(label, c);
  add_error_row(form, field);
  formats_[field] = c;
  auto commit = [this, c, field] {
    if (updating_) return;
    std::optional<std::string> value;
    if (c->currentIndex() != 0 || c->currentText() != c->itemText(0)) value = c->currentText().trimmed().toStdString();
    if (value && value->rfind("(model", 0) == 0) value.reset();
    auto* o = format_override(session_.model.overrides, field);
    if (*o == value) return;
    *o = value;
    emit changed();
  };
  connect(c, &QComboBox::activated, this, commit);
  connect(c->lineEdit(), &QLineEdit::editingFinished, this, commit);
  return c;
}

void InputPanel::set_model_spec(const std::string& spec) {
  session_.model.spec = spec;
  session_.model.overrides = {};  // edits belong to the model they were made on
  emit changed();
}

void InputPanel::set_hardware_spec(const std::string& spec) {
  session_.hardware = spec;
  emit changed();
}

void InputPanel::edited() {
  if (updating_) return;
  Session& s = session_;
  s.workload.phase = enum_value<Phase>(phase_, Phase::decode);
  s.workload.training.recompute = enum_value<Recompute>(recompute_, Recompute::selective);
  s.workload.batch = ints_.at("/workload/batch")->value();
  s.workload.context = ints_.at("/workload/context")->value();
  bool ok = false;
  const double tokens = tokens_->text().toDouble(&ok);
  s.workload.train_tokens = ok ? tokens : -1;  // validate() names the field
  s.workload.null_fraction = doubles_.at("/workload/null_fraction")->value();
  s.workload.training.zero = ints_.at("/workload/zero")->value();
  s.workload.training.overlap_grad_reduce = overlap_grad_reduce_->isChecked();
  s.workload.training.overlap_param_gather = overlap_param_gather_->isChecked();
  DeploymentInput& d = s.deployment;
  d.tp = ints_.at("/deployment/tp")->value();
  d.ep = ints_.at("/deployment/ep")->value();
  d.pp = ints_.at("/deployment/pp")->value();
  d.dp = ints_.at("/deployment/dp")->value();
  d.microbatches = ints_.at("/deployment/microbatches")->value();
  d.virtual_stages = ints_.at("/deployment/virtual_stages")->value();
  d.pp_schedule = enum_value<PipelineSchedule>(pp_schedule_, PipelineSchedule::one_f_one_b);
  d.capacity_factor = doubles_.at("/deployment/capacity_factor")->value();
  d.routing_skew = doubles_.at("/deployment/routing_skew")->value();
  d.routing_histogram = routing_histogram_->text().trimmed().toStdString();
  d.routing_locality = routing_locality_->text().trimmed().toStdString();
  d.max_violation = max_violation_->text().trimmed().toStdString();
  d.expert_cache = doubles_.at("/deployment/expert_cache")->value();
  d.prefetch_accuracy = doubles_.at("/deployment/prefetch_accuracy")->value();
  d.offload = enum_value<OffloadTarget>(offload_, OffloadTarget::none);
  d.cache_policy = enum_value<CachePolicy>(cache_policy_, CachePolicy::lru);
  d.expert_reads = enum_value<ExpertReads>(expert_reads_, ExpertReads::busiest);
  d.expert_placement = enum_value<ExpertPlacement>(expert_placement_, ExpertPlacement::contiguous);
  d.two_batch_overlap = two_batch_overlap_->isChecked();
  emit changed();
}

void InputPanel::show_session(const Resolved* r) {
  updating_ = true;
  const Session& s = session_;
  model_->setEditText(QString::fromStdString(s.model.spec));
  hardware_->setEditText(QString::fromStdString(s.hardware));
  ModelOverrides o = s.model.overrides;
  for (auto& [field, box] : ints_) {
    if (auto* v = int_override(o, field)) {
      if (*v) box->setValue(static_cast<int>(**v));
      else if (r) box->setValue(static_cast<int>(model_value(r->model.arch, field)));
    }
  }
  for (auto& [field, box] : formats_) {
    if (r) box->setItemText(0, QString("(model: %1)").arg(QString::fromStdString(model_format(r->model.arch, field))));
    const auto* v = format_override(o, field);
    if (*v) box->setEditText(QString::fromStdString(**v));
    else box->setCurrentIndex(0);
  }
  if (s.model.overrides.attention_kind) attention_kind_->setCurrentText(qs(to_string(*s.model.overrides.attention_kind)));
  else if (r) attention_kind_->setCurrentText(qs(to_string(r->model.arch.attention.kind)));
  if (r) {
    description_->setPlainText(QString::fromStdString(io::describe_architecture(r->model)));
    hardware_figures_->setText(key_figures(r->hardware));
  }
  phase_->setCurrentText(qs(to_string(s.workload.phase)));
  recompute_->setCurrentText(qs(to_string(s.workload.training.recompute)));
  ints_.at("/workload/batch")->setValue(static_cast<int>(std::min<std::int64_t>(s.workload.batch, 1 << 30)));
  ints_.at("/workload/context")->setValue(static_cast<int>(std::min<std::int64_t>(s.workload.context, 1 << 30)));
  doubles_.at("/workload/null_fraction")->setValue(s.workload.null_fraction);
  ints_.at("/workload/zero")->setValue(static_cast<int>(s.workload.training.zero));
  overlap_grad_reduce_->setChecked(s.workload.training.overlap_grad_reduce);
  overlap_param_gather_->setChecked(s.workload.training.overlap_param_gather);
  tokens_->setText(QString::number(s.workload.train_tokens, 'g', 6));
  tokens_->setEnabled(s.workload.phase == Phase::train);
  const DeploymentInput& d = s.deployment;
  ints_.at("/deployment/tp")->setValue(static_cast<int>(d.tp));
  ints_.at("/deployment/ep")->setValue(static_cast<int>(d.ep));
  ints_.at("/deployment/pp")->setValue(static_cast<int>(d.pp));
  ints_.at("/deployment/dp")->setValue(static_cast<int>(d.dp));
  ints_.at("/deployment/microbatches")->setValue(static_cast<int>(d.microbatches));
  ints_.at("/deployment/virtual_stages")->setValue(static_cast<int>(d.virtual_stages));
  pp_schedule_->setCurrentText(qs(to_string(d.pp_schedule)));
  doubles_.at("/deployment/capacity_factor")->setValue(d.capacity_factor);
  doubles_.at("/deployment/routing_skew")->setValue(d.routing_skew);
  routing_histogram_->setText(QString::fromStdString(d.routing_histogram));
  routing_locality_->setText(QString::fromStdString(d.routing_locality));
  max_violation_->setText(QString::fromStdString(d.max_violation));
  doubles_.at("/deployment/expert_cache")->setValue(d.expert_cache);
  doubles_.at("/deployment/prefetch_accuracy")->setValue(d.prefetch_accuracy);
  offload_->setCurrentText(qs(to_string(d.offload)));
  cache_policy_->setCurrentText(qs(to_string(d.cache_policy)));
  expert_reads_->setCurrentText(qs(to_string(d.expert_reads)));
  expert_placement_->setCurrentText(qs(to_string(d.expert_placement)));
  two_batch_overlap_->setChecked(d.two_batch_overlap);
  updating_ = false;
}

void InputPanel::show_diagnostics(const Diagnostics& diagnostics) {
  std::map<std::string, QString> text;
  for (const Diagnostic& d : diagnostics) {
    const std::string field = errors_.count(d.path) ? d.path : "/model/spec";
    QString& t = text[field];
    t += (t.isEmpty() ? "" : "\n") + QString::fromStdString(d.message) + " [" + QString::fromStdString(d.code) + "]";
  }
  for (auto& [field, label] : errors_) {
    const auto it = text.find(field);
    label->setText(it == text.end() ? QString() : it->second);
    label->setVisible(it != text.end());
  }
}

QString InputPanel::error_for(const std::string& field) const {
  const auto it = errors_.find(field);
  return it == errors_.end() ? QString() : it->second->text();
}

QString InputPanel::description() const { return description_->toPlainText(); }

}  // namespace moesim::gui
