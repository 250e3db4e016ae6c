// Files: the one atomic writer never touches a file of the user's beside its target, and the
// one reader reads plain and gzip files alike.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "moesim/io/files.h"
#include "moesim/io/json_reader.h"

using namespace moesim;

TEST_CASE("files: atomic writes keep FILE.tmp and refuse to replace without force") {
  const auto dir = std::filesystem::temp_directory_path() / "moesim_test_files";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.json").string();
  std::ofstream(path + ".tmp") << "the user's own";
  Diagnostics d;
  REQUIRE(io::write_file_atomically(path, "first\n", false, d));
  CHECK_FALSE(io::write_file_atomically(path, "second\n", false, d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].code == "exists");
  REQUIRE(io::write_file_atomically(path, "third\n", true, d));
  CHECK(*io::read_text_file(path, d) == "third\n");
  CHECK(*io::read_text_file(path + ".tmp", d) == "the user's own");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 2);  // no temporary left behind
  // a directory in the way is a diagnostic, not an exception
  std::filesystem::create_directories(dir / "sub");
  Diagnostics e;
  CHECK_FALSE(io::write_file_atomically((dir / "sub").string(), "x", true, e));
  CHECK(e.size() == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("files: the reader gunzips compressed files and reports unreadable ones") {
  const auto path = (std::filesystem::temp_directory_path() / "moesim_test_files.csv.gz").string();
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f);
  gzputs(f, "N,D,loss\n1e9,2e10,2.5\n");
  gzclose(f);
  Diagnostics d;
  CHECK(*io::read_text_file(path, d) == "N,D,loss\n1e9,2e10,2.5\n");
  CHECK_FALSE(io::read_text_file(path + ".missing", d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].code == "unreadable");
  std::filesystem::remove(path);
}

TEST_CASE("files: JSON nested deeper than any real file is refused while it is read, not a crash") {
  for (const std::size_t depth : {std::size_t{300}, std::size_t{70000}}) {
    const std::string text = std::string(depth, '[') + std::string(depth, ']');
    Diagnostics d;
    CHECK_FALSE(io::parse_json(text, d));
    REQUIRE(d.size() == 1);
    CHECK(d[0].code == "too_deep");
    const std::string objects = [&] {
      std::string s;
      for (std::size_t i = 0; i < depth; ++i) s += "{\"a\":";
      return s + "1" + std::string(depth, '}');
    }();
    Diagnostics e;
    CHECK_FALSE(io::parse_json(objects, e));
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == "too_deep");
  }
  // 200 levels are fine
  Diagnostics ok;
  CHECK(io::parse_json(std::string(200, '[') + std::string(200, ']'), ok));
  CHECK(ok.empty());
}
