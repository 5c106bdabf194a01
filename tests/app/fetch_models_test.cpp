// scripts/fetch-models: idempotent, and a checksum mismatch installs nothing. Runs against the npm registry, which
// CI reaches; without npm or the registry the script reports that in one line and the checks below say so.
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace fs = std::filesystem;
using deepvis::test::run_process;
using deepvis::test::TempDir;

TEST_CASE("fetch-models: a second run finds the verified file and fetches nothing") {
  TempDir dir;
  const std::string script = std::string(DEEPVIS_SOURCE_DIR) + "/scripts/fetch-models";
  const std::string env = "env DEEPVIS_FETCH_DEST=" + dir.path("fetched");
  const auto first = run_process({script}, env);
  CHECK(first.exit_code == 0);
  REQUIRE_MESSAGE(fs::exists(dir.path("fetched/fr_expression.onnx")), "first fetch failed: " << first.output);
  CHECK(first.output.find("sha256 verified") != std::string::npos);
  CHECK(fs::exists(dir.path("fetched/fr_expression.deepvis.json")));
  const auto modified = fs::last_write_time(dir.path("fetched/fr_expression.onnx"));
  const auto second = run_process({script}, env);
  CHECK(second.exit_code == 0);
  CHECK(second.output.find("present and verified") != std::string::npos);
  CHECK(fs::last_write_time(dir.path("fetched/fr_expression.onnx")) == modified);
}

TEST_CASE("fetch-models: a checksum mismatch is reported and nothing is installed") {
  TempDir dir;
  const std::string script = std::string(DEEPVIS_SOURCE_DIR) + "/scripts/fetch-models";
  const auto r = run_process(
      {script}, "env DEEPVIS_FETCH_DEST=" + dir.path("fetched") +
                    " DEEPVIS_FETCH_SHA256=0000000000000000000000000000000000000000000000000000000000000000");
  CHECK(r.exit_code == 0);  // never fatal: deepvis falls back to the embedded model
  CHECK_MESSAGE(r.output.find("checksum mismatch") != std::string::npos, r.output);
  CHECK(!fs::exists(dir.path("fetched/fr_expression.onnx")));
}
