// Each bad_*.json fixture is named for what is wrong; the test asserts its error code.
#include <catch2/catch.hpp>

#include <map>

#include "moesim/io/model_io.h"

using namespace moesim;

TEST_CASE("bad inputs: each fixture gives its error code, and only bad input") {
  const std::map<std::string, std::string> expected{
      {"bad_absurd_size", "out_of_range"},
      {"bad_attention_every_zero", "out_of_range"},
      {"bad_attention_offset_ge_every", "out_of_range"},
      {"bad_duplicate_key", "duplicate_key"},
      {"bad_expert_override", "out_of_range"},
      {"bad_float_for_integer", "wrong_type"},
      {"bad_hf_attn_period_zero", "out_of_range"},
      {"bad_hf_expert_offset_ge_period", "out_of_range"},
      {"bad_hf_missing_field", "missing"},
      {"bad_hf_topk_gt_experts", "inconsistent"},
      {"bad_hf_unknown_family", "unknown_family"},
      {"bad_kv_heads_not_divisor", "inconsistent"},
      {"bad_malformed", "malformed_json"},
      {"bad_mamba_without_mamba_layers", "not_applicable"},
      {"bad_missing_field", "missing"},
      {"bad_moe_layers_index", "out_of_range"},
      {"bad_negative_hidden", "out_of_range"},
      {"bad_not_an_object", "wrong_type"},
      {"bad_overflow", "overflow"},
      {"bad_router_knob", "not_applicable"},
      {"bad_schema_version", "unsupported"},
      {"bad_sliding_without_window", "missing"},
      {"bad_topk_gt_experts", "inconsistent"},
      {"bad_unknown_format", "unknown_value"},
      {"bad_unknown_key", "unknown_key"},
      {"bad_wrong_type", "wrong_type"},
  };
  for (const auto& [name, code] : expected) {
    INFO(name);
    const std::string path = std::string(MOESIM_FIXTURES_DIR) + "/" + name + ".json";
    Diagnostics d;
    CHECK_FALSE(io::load_model(path, d));
    REQUIRE_FALSE(d.empty());
    bool found = false;
    for (const auto& diag : d) {
      found |= diag.code == code;
      CHECK(diag.path.rfind(path + ":", 0) == 0);  // every message names the file
    }
    CHECK(found);
  }
  Diagnostics d;
  CHECK(io::load_model(std::string(MOESIM_FIXTURES_DIR) + "/good_tiny_moe.json", d));
  CHECK(d.empty());
}

TEST_CASE("bad inputs: layer periods and offsets name their field") {
  const std::map<std::string, std::string> expected{
      {"bad_attention_every_zero", "/layers/attention/every"},
      {"bad_attention_offset_ge_every", "/layers/attention/offset"},
      {"bad_hf_attn_period_zero", "/attn_layer_period"},
      {"bad_hf_expert_offset_ge_period", "/expert_layer_offset"},
      {"bad_mamba_without_mamba_layers", "/mamba/expand"},
  };
  for (const auto& [name, field] : expected) {
    INFO(name);
    const std::string path = std::string(MOESIM_FIXTURES_DIR) + "/" + name + ".json";
    Diagnostics d;
    CHECK_FALSE(io::load_model(path, d));
    REQUIRE(d.size() == 1);
    CHECK(d[0].path == path + ":" + field);
  }
}

TEST_CASE("bad inputs: malformed JSON names line and column") {
  Diagnostics d;
  CHECK_FALSE(io::read_model_document("{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}", "t", d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].message.find("line 3, column 14") != std::string::npos);
}

TEST_CASE("bad inputs: neither format, and unknown presets") {
  Diagnostics d;
  CHECK_FALSE(io::read_model_document(R"({"hidden_size": 8})", "t", d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].code == "unknown_format");
  d.clear();
  CHECK_FALSE(io::load_model("no-such-model", d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].code == "unknown_model");
  CHECK(d[0].message.find("mixtral-8x7b") != std::string::npos);  // lists the presets
}
