#include <catch2/catch.hpp>

#include "moesim/io/model_io.h"
#include "moesim/model/estimate.h"

using namespace moesim;

namespace {

io::LoadedModel load_text(const std::string& text) {
  Diagnostics d;
  auto m = io::read_model_document(text, "test", d);
  INFO((d.empty() ? std::string() : d[0].path + ": " + d[0].message));
  REQUIRE(d.empty());
  REQUIRE(m);
  return *m;
}

const char* const kBase = R"("schema_version": 1, "name": "t", "hidden_size": 64, "vocab_size": 100,
  "attention": {"heads": 4, "kv_heads": 2, "head_dim": 16},
  "moe": {"experts": 4, "top_k": 2, "expert": {"width": 32}})";

// Models with dense layers must give their width; all-MoE models must not.
std::string with_layers(const std::string& layers, bool dense = true) {
  return "{" + std::string(kBase) + (dense ? R"(, "dense_ffn": {"width": 128})" : "") + ", \"layers\": " + layers + "}";
}

std::string ffn_pattern(const Architecture& a) {
  std::string s;
  for (const auto& l : a.layers) s += l.ffn == LayerFfn::moe ? 'M' : 'D';
  return s;
}

std::string span_pattern(const Architecture& a) {
  std::string s;
  for (const auto& l : a.layers) s += l.span == AttentionSpan::full ? 'F' : (l.span == AttentionSpan::sliding ? 'S' : 'C');
  return s;
}

std::string mixer_pattern(const Architecture& a) {
  std::string s;
  for (const auto& l : a.layers) s += l.mixer == LayerMixer::attention ? 'A' : 'M';
  return s;
}

const char* const kMamba = R"(, "mamba": {"expand": 2, "d_state": 16, "d_conv": 4, "dt_rank": 4})";

}  // namespace

TEST_CASE("native format: attention and Mamba layers") {
  auto hybrid = [](const std::string& layers) {
    return load_text("{" + std::string(kBase) + kMamba + ", \"layers\": " + layers + "}").arch;
  };
  CHECK(mixer_pattern(hybrid(R"({"count": 8, "attention": {"every": 4, "offset": 2}})")) == "MMAMMMAM");
  CHECK(mixer_pattern(hybrid(R"({"count": 3, "attention": [0]})")) == "AMM");
  CHECK(mixer_pattern(hybrid(R"({"count": 3, "attention": "none"})")) == "MMM");
  CHECK(mixer_pattern(load_text(with_layers(R"({"count": 3})", false)).arch) == "AAA");  // absent: all attend
  const Architecture a = hybrid(R"({"count": 3, "attention": [1]})");
  CHECK(a.mamba.expand == 2);
  CHECK(a.mamba.conv_bias);  // defaults: Mamba's conv bias, no projection bias, no inner norms
  CHECK_FALSE(a.mamba.proj_bias);
  CHECK_FALSE(a.mamba.inner_norms);
  CHECK(a.precision.ssm_state == NumberFormat{Element::fp32, 0, 0});
  CHECK(a.precision.conv_state == NumberFormat{Element::bf16, 0, 0});
  // written and read back: the same layers, section and formats
  const io::LoadedModel again = load_text(io::write_native_model(a, "").dump());
  CHECK(mixer_pattern(again.arch) == "MAM");
  CHECK(again.arch.mamba.d_state == 16);
  CHECK(count_params(again.arch).total_params() == count_params(a).total_params());
}

TEST_CASE("native format: an attention-only model is written without Mamba fields") {
  const io::LoadedModel m = load_text(with_layers(R"({"count": 2})", false));
  const io::Json doc = io::write_native_model(m.arch, "");
  CHECK_FALSE(doc.contains("mamba"));
  CHECK_FALSE(doc["layers"].contains("attention"));
  CHECK_FALSE(doc["precision"].contains("ssm_state"));
}

TEST_CASE("native format: bad attention periods name their field") {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"count": 8, "attention": {"every": 0, "offset": 0}})", "/layers/attention/every"},
      {R"({"count": 8, "attention": {"every": 4, "offset": 4}})", "/layers/attention/offset"},
      {R"({"count": 8, "attention": {"first_dense": 2}})", "/layers/attention/first_dense"},  // a MoE-only shape
  };
  for (const auto& [layers, path] : cases) {
    INFO(layers);
    Diagnostics d;
    CHECK_FALSE(io::read_model_document("{" + std::string(kBase) + kMamba + ", \"layers\": " + layers + "}", "test", d));
    bool named = false;
    for (const Diagnostic& x : d) named = named || x.path == path;
    CHECK(named);
  }
}

TEST_CASE("native format: layer patterns") {
  CHECK(ffn_pattern(load_text(with_layers(R"({"count": 4})", false)).arch) == "MMMM");  // a moe section: all MoE
  CHECK(ffn_pattern(load_text(with_layers(R"({"count": 4, "moe": "all"})", false)).arch) == "MMMM");
  CHECK(ffn_pattern(load_text(with_layers(R"({"count": 5, "moe": {"first_dense": 2}})")).arch) == "DDMMM");
  CHECK(ffn_pattern(load_text(with_layers(R"({"count": 6, "moe": {"every": 2, "offset": 1}})")).arch) == "DMDMDM");
  CHECK(ffn_pattern(load_text(with_layers(R"({"count": 4, "moe": [0, 3]})")).arch) == "MDDM");
  const std::string spans = R"({"count": 5, "attention_span": {"pattern": ["sliding", "sliding", "full"]}})";
  const std::string text = "{" + std::string(kBase).replace(std::string(kBase).find("\"head_dim\": 16"), 14,
                                                             "\"head_dim\": 16, \"sliding_window\": 8") +
                           ", \"layers\": " + spans + "}";  // all MoE: no dense_ffn
  CHECK(span_pattern(load_text(text).arch) == "SSFSS");
}

TEST_CASE("native format: write then read gives the same model, for every preset") {
  for (const io::PresetInfo& preset : io::presets()) {
    INFO(preset.name);
    const io::LoadedModel original = load_text(std::string(preset.text));
    CHECK_FALSE(original.source.empty());  // every preset cites its source
    const std::string written = io::write_native_model(original.arch, original.source).dump();
    const io::LoadedModel again = load_text(written);
    CHECK(ffn_pattern(again.arch) == ffn_pattern(original.arch));
    CHECK(span_pattern(again.arch) == span_pattern(original.arch));
    CHECK(mixer_pattern(again.arch) == mixer_pattern(original.arch));
    const Estimate a = estimate(original.arch, Workload{}), b = estimate(again.arch, Workload{});
    CHECK(a.params.total_params() == b.params.total_params());
    CHECK(a.params.active_params() == b.params.active_params());
    CHECK(a.flops.decode_step == b.flops.decode_step);
    CHECK(a.memory.total_bytes == b.memory.total_bytes);
    CHECK(a.memory.recurrent_state_bytes_per_sequence == b.memory.recurrent_state_bytes_per_sequence);
    CHECK(again.arch.max_position_embeddings == original.arch.max_position_embeddings);
  }
}

TEST_CASE("native format: unknown keys name the closest known key") {
  Diagnostics d;
  const std::string text = with_layers(R"({"count": 2, "mtp_module": 1})", false);
  CHECK_FALSE(io::read_model_document(text, "test", d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].path == "/layers/mtp_module");
  CHECK(d[0].code == "unknown_key");
  CHECK(d[0].message.find("did you mean \"mtp_modules\"") != std::string::npos);
}

TEST_CASE("presets: the published totals of models without a shared config") {
  // Published figures (rounded) that the presets must reproduce within 0.5%.
  struct Case {
    const char* preset;
    double total, active;
    bool active_excludes_input_embedding;
  };
  const Case cases[] = {
      {"dbrx", 132e9, 36e9, false},                       // Databricks 2024
      {"deepseek-v2-lite", 15.7e9, 2.4e9, true},          // DeepSeek-V2 App. B
      {"llama-4-maverick", 400e9, 17e9, false},           // Meta 2025 model card
  };
  for (const Case& c : cases) {
    INFO(c.preset);
    Diagnostics d;
    const auto m = io::load_model(c.preset, d);
    REQUIRE(m);
    const ParamCounts p = count_params(m->arch);
    CHECK(p.total_params() == Approx(c.total).epsilon(0.005));
    const double active = c.active_excludes_input_embedding ? p.active_excl_input_embedding() : p.active_params();
    // Vendors round actives to one or two digits ("17B", "36B"): 2.5% covers the rounding.
    CHECK(active == Approx(c.active).epsilon(0.025));
  }
}
