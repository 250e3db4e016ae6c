// `import moesim`: the library in Python. Every call is the library's own (io::load_model,
// io::load_hardware, estimate, estimate_latency, the study engine, io's report fields), so a
// result equals `moesim estimate --format json` and `moesim sweep` field for field; bad input
// raises moesim.BadInput (a ValueError) carrying the diagnostics the CLI prints.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <type_traits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "moesim/fit/io/fit_query.h"
#include "moesim/fit/io/frontier_query.h"
#include "moesim/fit/law.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/io/report.h"
#include "moesim/io/study.h"
#include "moesim/model/enum_names.h"
#include "moesim/model/estimate.h"
#include "moesim/model/latency.h"
#include "moesim/model/validate.h"

namespace py = pybind11;
using namespace moesim;

namespace {

// Bad input as data until it reaches Python, where the translator below raises BadInput.
struct BadInputError : std::exception {
  Diagnostics diagnostics;
  explicit BadInputError(Diagnostics d) : diagnostics(std::move(d)) {}
  const char* what() const noexcept override { return "bad input"; }
};

void throw_if(const Diagnostics& d) {
  if (!d.empty()) throw BadInputError(d);
}

// The CLI's line for each diagnostic: "path: message [code]".
std::string describe(const Diagnostics& d) {
  std::string text;
  for (const Diagnostic& x : d) text += (text.empty() ? "" : "\n") + (x.path.empty() ? "" : x.path + ": ") + x.message + " [" + x.code + "]";
  return text;
}

// nlohmann JSON -> Python objects (dict, list, float, int, str, bool, None), numbers exact.
py::object to_python(const io::Json& j) {
  switch (j.type()) {
    case io::Json::value_t::object: {
      py::dict d;
      for (const auto& [k, v] : j.items()) d[py::str(k)] = to_python(v);
      return d;
    }
    case io::Json::value_t::array: {
      py::list l;
      for (const auto& v : j) l.append(to_python(v));
      return l;
    }
    case io::Json::value_t::string: return py::str(j.get<std::string>());
    case io::Json::value_t::boolean: return py::bool_(j.get<bool>());
    case io::Json::value_t::number_integer: return py::int_(j.get<std::int64_t>());
    case io::Json::value_t::number_unsigned: return py::int_(j.get<std::uint64_t>());
    case io::Json::value_t::number_float: return py::float_(j.get<double>());
    default: return py::none();
  }
}

// A dict (or any JSON-serialisable object) as the JSON document the file readers take.
std::string json_text(const py::object& o) { return py::module_::import("json").attr("dumps")(o).cast<std::string>(); }

struct Model {
  io::LoadedModel loaded;
};

struct Device {
  Hardware hw;
};

Model load_model(const py::object& spec) {
  Diagnostics d;
  std::optional<io::LoadedModel> m;
  if (py::isinstance<py::dict>(spec)) m = io::read_model_document(json_text(spec), "dict", d);
  else m = io::load_model(py::str(spec).cast<std::string>(), d);
  throw_if(d);
  return {std::move(*m)};
}

Device load_hardware(const py::object& spec) {
  Diagnostics d;
  std::optional<Hardware> hw;
  if (py::isinstance<py::dict>(spec)) {
    const io::Json doc = io::Json::parse(json_text(spec));
    hw = io::read_hardware_profile(doc, d);
  } else {
    hw = io::load_hardware(py::str(spec).cast<std::string>(), d);
  }
  throw_if(d);
  return {std::move(*hw)};
}

// The model an argument names: a Model object as it is (not copied per call), else loaded into `owned`.
const Model& model_of(const py::object& o, std::optional<Model>& owned) {
  return py::isinstance<Model>(o) ? o.cast<const Model&>() : owned.emplace(load_model(o));
}
const Hardware* hardware_of(const py::object& o, std::optional<Device>& owned) {
  if (o.is_none()) return nullptr;
  return py::isinstance<Device>(o) ? &o.cast<const Device&>().hw : &owned.emplace(load_hardware(o)).hw;
}

template <class Enum>
Enum parse_choice(const std::string& field, const std::string& text) {
  if (const auto v = parse_enum<Enum>(text)) return *v;
  throw BadInputError({{field, "unknown_value", "\"" + text + "\" must be " + enum_choices<Enum>()}});
}

NumberFormat parse_format(const std::string& field, const std::string& text) {
  if (const auto f = parse_number_format(text)) return *f;
  throw BadInputError({{field, "unknown_value", "\"" + text + "\" is not a number format: " + std::string(number_format_grammar())}});
}

// The keyword arguments of estimate() and sweep(), under the CLI's option names with
// underscores, and the CLI's defaults.
struct Inputs {
  std::string phase = "decode";
  std::int64_t batch = 1, context = 4096;
  double tokens = 0, null_fraction = 0;
  std::string recompute = "selective", optimizer = "adam", gradient_format = "bf16", optimizer_state_format = "fp32";
  bool master_weights = true, flash_attention = true;
  std::int64_t zero = 0;
  bool overlap_grad_reduce = false, overlap_param_gather = false;
  std::optional<std::string> weight_format, expert_format, kv_format, activation_format;
  std::int64_t tp = 1, ep = 1, pp = 1, dp = 1, microbatches = 1, virtual_stages = 1;
  double capacity_factor = 0, routing_skew = 0, expert_cache = 0, prefetch_accuracy = 0;
  std::vector<double> routing_histogram;
  std::optional<double> routing_locality, max_violation;
  std::string offload = "none", cache_policy = "lru", expert_reads = "busiest", expert_placement = "contiguous", pp_schedule = "1f1b";
  bool two_batch_overlap = false;
};

// A value as the text of the CLI's option: a str as it is, a number as Python prints it, a
// list or tuple joined with commas ("1,2,4").
std::string option_text(const py::handle& value) {
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (!py::isinstance<py::list>(value) && !py::isinstance<py::tuple>(value)) return py::str(value).cast<std::string>();
  std::string text;
  for (const auto& v : value) text += (text.empty() ? "" : ",") + py::str(v).cast<std::string>();
  return text;
}

// One keyword argument of a function whose keywords fill a struct S: its name and how its
// value is stored, by the member's own type (texts by option_text()).
template <class S>
struct Keyword {
  const char* name;
  std::function<void(S&, const py::handle&)> set;
};
template <class S, class T>
Keyword<S> keyword(const char* name, T S::*member) {
  return {name, [member](S& s, const py::handle& value) {
            if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::optional<std::string>>) s.*member = option_text(value);
            else s.*member = value.cast<T>();
          }};
}
// A quantity: a text with its unit ("30 ms"), or a number in the unit given here.
template <class S>
Keyword<S> quantity(const char* name, std::optional<std::string> S::*member, const char* unit) {
  return {name, [member, unit](S& s, const py::handle& value) {
            s.*member = py::isinstance<py::str>(value) ? value.cast<std::string>() : io::shortest_number(value.cast<double>()) + " " + unit;
          }};
}

template <class S>
S read_keywords(const py::kwargs& kw, const std::vector<Keyword<S>>& table, const char* function) {
  S s;
  for (const auto& [key, value] : kw) {
    const std::string k = py::str(key);
    const auto it = std::find_if(table.begin(), table.end(), [&](const Keyword<S>& x) { return k == x.name; });
    if (it == table.end()) throw BadInputError({{k, "unknown_option", "is not an argument (see help(moesim." + std::string(function) + "))"}});
    try {
      it->set(s, value);
    } catch (const py::cast_error&) {
      throw BadInputError({{k, "wrong_type", std::string(py::str(py::repr(value))) + " has the wrong type"}});
    }
  }
  return s;
}

// "phase, batch, ..." for the docstrings.
template <class S>
std::string keyword_list(const std::vector<Keyword<S>>& table) {
  std::string names;
  for (const Keyword<S>& k : table) names += (names.empty() ? "" : ", ") + std::string(k.name);
  return names;
}

// Every keyword of estimate() and sweep(), in the order help() lists them.
const std::vector<Keyword<Inputs>>& keywords() {
  static const std::vector<Keyword<Inputs>> table{
      keyword("phase", &Inputs::phase), keyword("batch", &Inputs::batch), keyword("context", &Inputs::context),
      keyword("tokens", &Inputs::tokens), keyword("null_fraction", &Inputs::null_fraction), keyword("recompute", &Inputs::recompute), keyword("optimizer", &Inputs::optimizer),
      keyword("gradient_format", &Inputs::gradient_format), keyword("optimizer_state_format", &Inputs::optimizer_state_format),
      keyword("master_weights", &Inputs::master_weights), keyword("flash_attention", &Inputs::flash_attention), keyword("zero", &Inputs::zero),
      keyword("overlap_grad_reduce", &Inputs::overlap_grad_reduce), keyword("overlap_param_gather", &Inputs::overlap_param_gather),
      keyword("weight_format", &Inputs::weight_format), keyword("expert_format", &Inputs::expert_format),
      keyword("kv_format", &Inputs::kv_format), keyword("activation_format", &Inputs::activation_format),
      keyword("tp", &Inputs::tp), keyword("ep", &Inputs::ep), keyword("pp", &Inputs::pp), keyword("dp", &Inputs::dp),
      keyword("microbatches", &Inputs::microbatches), keyword("virtual_stages", &Inputs::virtual_stages), keyword("pp_schedule", &Inputs::pp_schedule),
      keyword("capacity_factor", &Inputs::capacity_factor),
      keyword("routing_skew", &Inputs::routing_skew), keyword("routing_histogram", &Inputs::routing_histogram),
      keyword("max_violation", &Inputs::max_violation), keyword("routing_locality", &Inputs::routing_locality),
      keyword("offload", &Inputs::offload), keyword("expert_cache", &Inputs::expert_cache),
      keyword("cache_policy", &Inputs::cache_policy), keyword("prefetch_accuracy", &Inputs::prefetch_accuracy),
      keyword("expert_reads", &Inputs::expert_reads), keyword("expert_placement", &Inputs::expert_placement),
      keyword("two_batch_overlap", &Inputs::two_batch_overlap),
  };
  return table;
}

// Every keyword of frontier(): `moesim frontier`'s options with underscores, and its defaults.
const std::vector<Keyword<fit::FrontierQuery>>& frontier_keywords() {
  using Q = fit::FrontierQuery;
  static const std::vector<Keyword<Q>> table{
      keyword("budgets", &Q::budgets), keyword("family", &Q::family), keyword("top_k", &Q::top_k),
      keyword("granularity", &Q::granularity), keyword("experts", &Q::experts), keyword("weight_format", &Q::weight_format),
      keyword("aspect_ratio", &Q::aspect_ratio), keyword("flops", &Q::flops), keyword("sparsity_levels", &Q::sparsity_levels),
      keyword("max_sparsity", &Q::max_sparsity), keyword("fixed_size", &Q::fixed_size), keyword("max_params", &Q::max_params),
      quantity("max_memory", &Q::max_memory, "B"), keyword("kv_tokens", &Q::kv_tokens), keyword("devices", &Q::devices),
      keyword("serve_batch", &Q::serve_batch), keyword("serve_context", &Q::serve_context),
      quantity("max_decode_latency", &Q::max_decode_latency, "s"), keyword("min_decode_throughput", &Q::min_decode_throughput),
      keyword("max_train_hours", &Q::max_train_hours), keyword("train_devices", &Q::train_devices),
      keyword("inference_tokens", &Q::inference_tokens), keyword("budget_unit", &Q::budget_unit),
      keyword("alternatives", &Q::alternatives),
  };
  return table;
}

// {name: value} as (name, text) pairs.
std::vector<std::pair<std::string, std::string>> text_pairs(const py::handle& dict) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [name, value] : dict.cast<py::dict>()) pairs.emplace_back(py::str(name).cast<std::string>(), option_text(value));
  return pairs;
}

// Every keyword of fit() beside law and data; columns, filters and fix are dicts.
const std::vector<Keyword<fit::FitQuery>>& fit_keywords() {
  using Q = fit::FitQuery;
  static const std::vector<Keyword<Q>> table{
      keyword("dataset", &Q::dataset), keyword("bootstrap", &Q::bootstrap), keyword("holdout", &Q::holdout),
      keyword("max_starts", &Q::max_starts), keyword("threads", &Q::threads), keyword("seed", &Q::seed),
      {"columns", [](Q& q, const py::handle& v) { q.columns = text_pairs(v); }},
      {"filters", [](Q& q, const py::handle& v) { q.filters = text_pairs(v); }},
      {"fix", [](Q& q, const py::handle& v) {
         for (const auto& [name, value] : v.cast<py::dict>()) q.fixed.emplace_back(py::str(name).cast<std::string>(), value.cast<double>());
       }},
  };
  return table;
}

// The keywords of the deployment, which need a device.
constexpr const char* kDeploymentKeywords[] = {"tp", "ep", "pp", "dp", "microbatches", "virtual_stages", "capacity_factor", "routing_skew",
                                               "routing_histogram", "max_violation", "routing_locality", "offload", "expert_cache", "cache_policy", "prefetch_accuracy",
                                               "expert_reads", "expert_placement", "two_batch_overlap", "pp_schedule"};

struct Built {
  Workload workload;
  Deployment deployment;
};

// The number formats the options set on the model's own; false when they set none.
bool apply_formats(const Inputs& in, Precision& p) {
  if (in.weight_format) set_weight_format(p, parse_format("weight_format", *in.weight_format));
  if (in.expert_format) set_expert_format(p, parse_format("expert_format", *in.expert_format));
  if (in.kv_format) p.kv_cache = parse_format("kv_format", *in.kv_format);
  if (in.activation_format) p.activations = parse_format("activation_format", *in.activation_format);
  return in.weight_format || in.expert_format || in.kv_format || in.activation_format;
}

// The model with the options' formats: the model itself when they set none, else a copy.
const io::LoadedModel& with_formats(const Inputs& in, const io::LoadedModel& model, std::optional<io::LoadedModel>& copy) {
  Precision p = model.arch.precision;
  if (!apply_formats(in, p)) return model;
  copy.emplace(model).arch.precision = p;
  return *copy;
}

// The inputs as the library's structs, each checked by the library's rules (as the CLI's options are).
Built build(const Inputs& in) {
  Built b;
  Workload& w = b.workload;
  w.phase = parse_choice<Phase>("phase", in.phase);
  w.batch = in.batch;
  w.context = in.context;
  w.train_tokens = in.tokens;
  w.null_fraction = in.null_fraction;
  if (in.tokens != 0 && w.phase != Phase::train)
    throw BadInputError({{"tokens", "not_applicable", "training tokens apply only to phase=\"train\""}});
  w.training.recompute = parse_choice<Recompute>("recompute", in.recompute);
  w.training.optimizer = parse_choice<Optimizer>("optimizer", in.optimizer);
  w.training.gradient_format = parse_format("gradient_format", in.gradient_format);
  w.training.optimizer_state_format = parse_format("optimizer_state_format", in.optimizer_state_format);
  w.training.master_weights = in.master_weights;
  w.training.flash_attention = in.flash_attention;
  w.training.zero = in.zero;
  w.training.overlap_grad_reduce = in.overlap_grad_reduce;
  w.training.overlap_param_gather = in.overlap_param_gather;
  Deployment& d = b.deployment;
  d.parallel = {in.tp, in.ep, in.pp, in.dp, in.microbatches, in.virtual_stages, parse_choice<PipelineSchedule>("pp_schedule", in.pp_schedule)};
  d.capacity_factor = in.capacity_factor;
  d.routing.zipf_exponent = in.routing_skew;
  d.routing.histogram = in.routing_histogram;
  d.node_locality = in.routing_locality;
  d.routing.max_violation = in.max_violation;
  d.offload = {parse_choice<OffloadTarget>("offload", in.offload), in.expert_cache, parse_choice<CachePolicy>("cache_policy", in.cache_policy),
               in.prefetch_accuracy};
  d.expert_reads = parse_choice<ExpertReads>("expert_reads", in.expert_reads);
  d.expert_placement = parse_choice<ExpertPlacement>("expert_placement", in.expert_placement);
  d.two_batch_overlap = in.two_batch_overlap;
  Diagnostics problems;
  validate(w, problems);
  validate(d, problems);
  throw_if(problems);
  return b;
}

py::dict estimate_py(const py::object& model, const py::object& hw, const py::kwargs& kw) {
  std::optional<Model> owned_model;
  std::optional<Device> owned_device;
  std::optional<io::LoadedModel> formatted;
  const Inputs in = read_keywords(kw, keywords(), "estimate");
  const io::LoadedModel& m = with_formats(in, model_of(model, owned_model).loaded, formatted);
  const Hardware* device = hardware_of(hw, owned_device);
  const Built b = build(in);
  Diagnostics d;
  if (!device)  // as the CLI: deployment options without a device would be silently ignored
    for (const char* name : kDeploymentKeywords)
      if (kw.contains(name)) d.push_back({name, "not_applicable", "deployment options need a hardware profile (hw)"});
  validate(b.deployment, m.arch, d);
  validate(b.workload, m.arch, d);
  throw_if(d);
  io::Json j = io::estimate_json(m, b.workload, estimate(m.arch, b.workload));
  if (device) {
    const LatencyEstimate latency = estimate_latency(m.arch, b.workload, *device, b.deployment);
    io::missing_device_property(latency, *device, b.deployment, d);
    throw_if(d);
    j["hardware"] = device->name;
    io::add_latency_json(j, latency);
  }
  return to_python(j).cast<py::dict>();
}

// The study sweep() evaluates: the model with the keywords' formats, workload and deployment
// as its base, the axes and the profiles, each checked as `moesim sweep` checks them.
io::StudyPlan sweep_plan(const py::object& model, const py::object& hw, const py::dict& axes, const py::kwargs& kw) {
  std::optional<Model> owned_model;
  std::optional<io::LoadedModel> formatted;
  const Inputs in = read_keywords(kw, keywords(), "estimate");
  const io::LoadedModel& m = with_formats(in, model_of(model, owned_model).loaded, formatted);
  io::StudyPlan plan;
  const Built b = build(in);
  plan.base = {m.arch, b.workload, b.deployment, "", ""};
  Diagnostics d;
  for (const auto& [key, value] : axes)
    if (auto axis = io::parse_sweep_axis(py::str(key).cast<std::string>() + "=" + option_text(value), d)) plan.axes.push_back(std::move(*axis));
  if (!hw.is_none()) {
    if (py::isinstance<Device>(hw)) plan.hardware.emplace("", hw.cast<Device>().hw);
    else if (auto axis = io::parse_sweep_axis("hw=" + option_text(hw), d)) plan.axes.push_back(std::move(*axis));
  }
  throw_if(d);
  for (const io::SweepAxis& a : plan.axes) io::load_axis_inputs(a, plan, d);
  throw_if(d);
  constexpr std::uint64_t kMaxRows = 100'000'000;  // about 10 GB of columns: stream larger studies with `moesim sweep`
  io::validate(plan, kMaxRows, d);
  throw_if(d);
  return plan;
}

// A study's columns as numpy arrays (axis values and reasons as lists of str), evaluated
// without the GIL and without a Python object per row; Ctrl-C stops it between blocks.
py::dict sweep_py(const py::object& model, const py::object& hw, const py::dict& axes, const py::kwargs& kw) {
  const io::StudyPlan plan = sweep_plan(model, hw, axes, kw);
  // The arrays are allocated first and filled in place: no copy, one page fault per page.
  const std::vector<io::StudyColumn> columns = io::study_columns(plan);
  const auto rows = static_cast<py::ssize_t>(plan.rows());
  py::dict out;
  std::vector<std::pair<const io::StudyColumn*, double*>> filled;  // the value columns and axis numbers
  std::vector<std::pair<const io::SweepAxis*, std::vector<std::uint32_t>>> named;  // name axes: value per row
  // The number columns are rows of one block, each returned as a view of it: NumPy asks the
  // kernel for huge pages for a block this large, which cuts the page faults of filling it
  // (a quarter of the time with one 1.6 MB array per column).
  const auto numbers = static_cast<py::ssize_t>(std::count_if(columns.begin(), columns.end(), [&](const io::StudyColumn& c) {
    return c.value || plan.axes[static_cast<std::size_t>(c.axis)].numeric;
  }));
  py::array_t<double> block({numbers, rows});
  for (const io::StudyColumn& col : columns) {
    const io::SweepAxis* axis = col.value ? nullptr : &plan.axes[static_cast<std::size_t>(col.axis)];
    if (axis && !axis->numeric) {
      named.emplace_back(axis, std::vector<std::uint32_t>(static_cast<std::size_t>(rows)));
      out[py::str(col.key)] = py::none();  // its place in the column order; filled below
      continue;
    }
    double* data = block.mutable_data(static_cast<py::ssize_t>(filled.size()));
    filled.emplace_back(&col, data);
    out[py::str(col.key)] = py::array_t<double>({rows}, {static_cast<py::ssize_t>(sizeof(double))}, data, block);
  }
  // Reasons repeat (most rows have none): each distinct text once, rows point at it.
  std::vector<std::string> reason_texts{""};
  std::unordered_map<std::string, std::uint32_t> reason_index{{"", 0}};
  std::vector<std::uint32_t> reason_of(static_cast<std::size_t>(rows));
  constexpr std::uint64_t kBlock = 1 << 16;
  for (std::uint64_t first = 0; first < static_cast<std::uint64_t>(rows); first += kBlock) {
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    py::gil_scoped_release release;
    io::StudyCursor cursor(plan, first, first + kBlock);
    while (cursor.next()) {
      const io::StudyRow& r = cursor.row();
      for (const auto& [col, data] : filled)
        data[r.row] = col->value ? col->value(r) : plan.axes[static_cast<std::size_t>(col->axis)].values[r.index[static_cast<std::size_t>(col->axis)]].number;
      for (auto& [axis, values] : named)
        values[r.row] = static_cast<std::uint32_t>(r.index[static_cast<std::size_t>(axis - plan.axes.data())]);
      if (r.feasible(plan)) continue;
      const auto [it, added] = reason_index.try_emplace(r.reason(), static_cast<std::uint32_t>(reason_texts.size()));
      if (added) reason_texts.push_back(it->first);
      reason_of[r.row] = it->second;
    }
  }
  // Lists of str sharing one object per distinct text.
  auto texts = [rows](const std::vector<std::string>& distinct, const std::vector<std::uint32_t>& which) {
    std::vector<py::str> objects(distinct.begin(), distinct.end());
    py::list list(rows);
    for (py::ssize_t i = 0; i < rows; ++i) list[static_cast<std::size_t>(i)] = objects[which[static_cast<std::size_t>(i)]];
    return list;
  };
  for (const auto& [axis, values] : named) {
    std::vector<std::string> distinct;
    for (const io::AxisValue& v : axis->values) distinct.push_back(v.text);
    out[py::str(axis->field)] = texts(distinct, values);
  }
  out["infeasible_reason"] = texts(reason_texts, reason_of);
  return out;
}

// `moesim frontier --format json` as a dict. law: a built-in law's name, a fit.json, or the
// dict moesim.fit() returned.
py::dict frontier_py(const py::object& law, const py::object& hw, const py::kwargs& kw) {
  fit::FrontierQuery q = read_keywords(kw, frontier_keywords(), "frontier");
  Diagnostics d;
  if (py::isinstance<py::dict>(law)) {
    const io::Json doc = io::Json::parse(json_text(law));
    const io::Json file = doc.value(io::Json::json_pointer("/data/file"), io::Json("?"));
    q.loaded_law = fit::read_law_document(doc, "moesim.fit(" + (file.is_string() ? file.get<std::string>() : "?") + ")", d);
  }
  else q.law = py::str(law).cast<std::string>();
  throw_if(d);
  std::optional<Device> owned;
  if (const Hardware* device = hardware_of(hw, owned)) q.hw = std::make_shared<const Hardware>(*device);
  const auto study = fit::frontier_study(q, d);
  throw_if(d);
  io::Json answer;
  {
    py::gil_scoped_release release;
    answer = fit::answer_frontier(*study).json;
  }
  if (const std::string w = fit::unidentified_warning(study->law); !w.empty() && PyErr_WarnEx(PyExc_UserWarning, w.c_str(), 1) < 0)
    throw py::error_already_set();  // warnings turned into errors
  return to_python(answer).cast<py::dict>();
}

// `moesim fit --out` as a dict (the fit.json document): frontier() takes it as its law.
py::dict fit_py(const std::string& law, const std::string& data, const py::kwargs& kw) {
  fit::FitQuery q = read_keywords(kw, fit_keywords(), "fit");
  q.law = law;
  q.data = data;
  Diagnostics d;
  const auto setup = fit::fit_setup(q, d);
  throw_if(d);
  fit::FitReport report;
  {
    py::gil_scoped_release release;
    report = fit::fit(setup->data.points, *setup->law, setup->options);
  }
  return to_python(fit::fit_report_json(report, data, setup->data.notes)).cast<py::dict>();
}

}  // namespace

PYBIND11_MODULE(moesim, m) {
  m.doc() = "moesim: analytical cost model and scaling laws for Mixture-of-Experts models (the C++ library, bound)";
  static py::exception<BadInputError> bad_input(m, "BadInput", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const BadInputError& e) {
      py::object error = py::handle(bad_input.ptr())(describe(e.diagnostics));  // an instance, to carry the attributes
      py::list diagnostics;
      for (const Diagnostic& x : e.diagnostics) diagnostics.append(py::dict(py::arg("path") = x.path, py::arg("code") = x.code, py::arg("message") = x.message));
      error.attr("path") = e.diagnostics.front().path;
      error.attr("code") = e.diagnostics.front().code;
      error.attr("message") = e.diagnostics.front().message;
      error.attr("diagnostics") = diagnostics;
      PyErr_SetObject(bad_input.ptr(), error.ptr());
    }
  });

  py::class_<Model>(m, "Model", "An architecture as loaded (io::LoadedModel)")
      .def_property_readonly("name", [](const Model& x) { return x.loaded.arch.name; })
      .def_property_readonly("origin", [](const Model& x) { return x.loaded.origin; })
      .def_property_readonly("format", [](const Model& x) { return x.loaded.format; })
      .def("to_dict", [](const Model& x) { return to_python(io::write_native_model(x.loaded.arch, x.loaded.source)); },
           "the native model format (docs/formats.md) as a dict")
      .def("__repr__", [](const Model& x) { return "<moesim.Model " + x.loaded.arch.name + " (" + x.loaded.origin + ")>"; })
      .def("__str__", [](const Model& x) { return io::describe_architecture(x.loaded); });
  py::class_<Device>(m, "Hardware", "A hardware profile (hwprofiles/README.md)")
      .def_property_readonly("name", [](const Device& x) { return x.hw.name; })
      .def("to_dict", [](const Device& x) { return to_python(io::write_hardware_profile(x.hw)); })
      .def("__repr__", [](const Device& x) { return "<moesim.Hardware " + x.hw.name + ">"; })
      .def("__str__", [](const Device& x) { return io::describe_hardware(x.hw); });

  m.def("load_model", &load_model, py::arg("spec"),
        "A model from a preset name (moesim.models()), a file (native or Hugging Face config.json) or a dict of either");
  m.def("hardware", &load_hardware, py::arg("spec"), "A hardware profile from a shipped name (moesim.devices()), a file or a dict");
  m.def("models", [] {
    std::vector<std::string> names;
    for (const io::PresetInfo& p : io::presets()) names.emplace_back(p.name);
    return names;
  }, "the preset names");
  m.def("devices", [] {
    std::vector<std::string> names;
    for (const io::PresetInfo& p : io::shipped_hardware_profiles()) names.emplace_back(p.name);
    return names;
  }, "the shipped hardware profiles' names");
  m.def("laws", [] {
    std::vector<std::string> names;
    for (const fit::Law* law : fit::laws()) names.emplace_back(law->info.name);
    return names;
  }, "the built-in scaling laws");
  static const std::string estimate_doc =
      "Parameters, FLOPs and memory, and with hw the latency: the dict of `moesim estimate --format json`.\n"
      "Keywords as the CLI's options with underscores and its defaults: " + keyword_list(keywords()) + ".";
  m.def("estimate", &estimate_py, py::arg("model") = "mixtral-8x7b", py::arg("hw") = py::none(), estimate_doc.c_str());
  static const std::string frontier_doc =
      "The loss-minimising design per budget under the limits given: the dict of `moesim frontier --format json`.\n"
      "law: a built-in law, a fit.json or the dict moesim.fit() returned; hw: a profile or its name (serving device).\n"
      "Keywords as the CLI's options with underscores and its defaults (lists as lists or \"1,2,4\"; max_memory in\n"
      "bytes or \"80 GB\", max_decode_latency in seconds or \"30 ms\"): " + keyword_list(frontier_keywords()) + ".";
  m.def("frontier", &frontier_py, py::arg("law") = "abnar2025", py::arg("hw") = py::none(), frontier_doc.c_str());
  static const std::string fit_doc =
      "Fits a law to scaling-law data (a CSV file): the dict `moesim fit --out` writes, which frontier() takes as its law.\n"
      "columns {role: column}, filters {column: value}, fix {parameter: value}; other keywords as the CLI's options\n"
      "with underscores and its defaults: " + keyword_list(fit_keywords()) + ".";
  m.def("fit", &fit_py, py::arg("law"), py::arg("data"), fit_doc.c_str());
  m.def("sweep", &sweep_py, py::arg("model") = "mixtral-8x7b", py::arg("hw") = py::none(), py::arg("axes") = py::dict(),
        "Every combination of the axes ({field: values}, values a list or a string as after `moesim sweep --set field=`),\n"
        "as a dict of columns under `moesim sweep`'s keys: numpy float arrays, lists of str for name axes and\n"
        "infeasible_reason. hw: a profile, a name, or a list of names (an hw axis). Keywords as estimate().");
}
