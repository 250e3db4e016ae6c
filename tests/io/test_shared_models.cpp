// Published parameter counts of the real Hugging Face configs in ../shared/models (read from
// there, never copied). REFERENCE.md §2 gives the exact counts under each vendor's convention;
// the target is 0.5%.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>

#include "moesim/io/model_io.h"
#include "moesim/model/estimate.h"

using namespace moesim;

namespace {

const std::string kModels = std::string(MOESIM_SHARED_DIR) + "/models/";
constexpr double kTolerance = 0.005;

struct Published {
  const char* file;
  double total, active_incl, active_excl;  // exact counts, REFERENCE.md §2 table
  const char* convention;                  // which active the vendor publishes
};

const Published kPublished[] = {
    {"mixtral-8x7b.json", 46.7028e9, 12.8799e9, 12.7489e9, "incl"},
    {"deepseek-v3.json", 671.0264e9, 37.5523e9, 36.6256e9, "excl"},
    {"qwen3-30b-a3b.json", 30.5321e9, 3.3530e9, 3.0419e9, "incl"},
    {"olmoe-1b-7b-0924.json", 6.9192e9, 1.2820e9, 1.1790e9, "incl"},
    {"qwen1_5-moe-a2_7b.json", 14.3158e9, 2.6892e9, 2.3780e9, "incl"},
    {"gpt-oss-20b.json", 20.9148e9, 4.1874e9, 3.6083e9, "excl"},
    {"llama-3-8b.json", 8.0303e9, 8.0303e9, 7.5049e9, "incl"},
    {"llama-4-scout-17b-16e.json", 107.7699e9, 17.1729e9, 16.1384e9, "incl"},
};

}  // namespace

TEST_CASE("shared models: totals and actives within 0.5% of the published exact counts") {
  for (const Published& p : kPublished) {
    INFO(p.file);
    Diagnostics d;
    const auto m = io::load_model(kModels + p.file, d);
    INFO((d.empty() ? std::string() : d[0].path + ": " + d[0].message));
    REQUIRE(m);
    const ParamCounts c = count_params(m->arch);
    CHECK(c.total_params() == Approx(p.total).epsilon(kTolerance));
    CHECK(c.active_params() == Approx(p.active_incl).epsilon(kTolerance));
    CHECK(c.active_excl_input_embedding() == Approx(p.active_excl).epsilon(kTolerance));
    const double published_active = std::string(p.convention) == "incl" ? c.active_params() : c.active_excl_input_embedding();
    std::cout << p.file << ": total " << c.total_params() / 1e9 << " B (exact " << p.total / 1e9 << "), active ("
              << p.convention << ". input embedding) " << published_active / 1e9 << " B\n";
  }
}

TEST_CASE("shared models: Qwen3-30B-A3B non-embedding total 29.91B (REFERENCE.md §2)") {
  Diagnostics d;
  const auto m = io::load_model(kModels + "qwen3-30b-a3b.json", d);
  REQUIRE(m);
  CHECK(count_params(m->arch).non_embedding_total() == Approx(29.91e9).epsilon(kTolerance));
}

TEST_CASE("shared models: DeepSeek-V3's MTP module adds about 11.6B (REFERENCE.md §2)") {
  Diagnostics d;
  const auto m = io::load_model(kModels + "deepseek-v3.json", d);
  REQUIRE(m);
  CHECK(count_params(m->arch).mtp_total == Approx(11.6e9).epsilon(0.01));
}

TEST_CASE("shared models: each preset counts what its config.json counts") {
  const std::pair<const char*, const char*> pairs[] = {
      {"mixtral-8x7b", "mixtral-8x7b.json"},     {"deepseek-v3", "deepseek-v3.json"},
      {"qwen3-30b-a3b", "qwen3-30b-a3b.json"},   {"olmoe-1b-7b", "olmoe-1b-7b-0924.json"},
      {"qwen1.5-moe-a2.7b", "qwen1_5-moe-a2_7b.json"}, {"gpt-oss-20b", "gpt-oss-20b.json"},
      {"llama-3-8b", "llama-3-8b.json"},         {"llama-4-scout", "llama-4-scout-17b-16e.json"},
  };
  for (const auto& [preset, file] : pairs) {
    INFO(preset);
    Diagnostics d;
    const auto a = io::load_model(preset, d), b = io::load_model(kModels + file, d);
    REQUIRE(a);
    REQUIRE(b);
    Workload w;
    w.context = 32768;
    const Estimate ea = estimate(a->arch, w), eb = estimate(b->arch, w);
    CHECK(ea.params.total_params() == eb.params.total_params());
    CHECK(ea.params.active_params() == eb.params.active_params());
    CHECK(ea.flops.decode_step == eb.flops.decode_step);
    CHECK(ea.memory.kv_cache_bytes == eb.memory.kv_cache_bytes);
    // the trained context (llama4 keeps it in text_config)
    CHECK(a->arch.max_position_embeddings > 0);
    CHECK(a->arch.max_position_embeddings == b->arch.max_position_embeddings);
    for (const std::string& k : b->ignored_keys) CHECK(k.find("max_position_embeddings") == std::string::npos);
  }
}

int main(int argc, char** argv) {
  if (!std::filesystem::is_directory(kModels)) {
    std::cout << "SKIPPED: " << kModels << " is absent (shared models live beside the checkout)\n";
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
