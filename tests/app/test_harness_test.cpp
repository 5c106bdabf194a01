// The test harness itself: a skipped case must reach CTest's summary as skipped (the DEEPVIS-SKIPPED marker and
// the SKIP_REGULAR_EXPRESSION on every case), and scripts/test's closing line must count it as such.
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

using deepvis::test::run_process;
using deepvis::test::TempDir;

TEST_CASE("harness: every CTest case counts a DEEPVIS-SKIPPED line as a skip") {
  const auto r =
      run_process({"ctest", "--test-dir", std::string(DEEPVIS_BINARY_DIR) + "/tests", "-N", "--show-only=json-v1"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const nlohmann::json listing = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  int cases = 0;
  int with_skip = 0;
  for (const auto& test : listing.at("tests")) {
    ++cases;
    for (const auto& property : test.value("properties", nlohmann::json::array())) {
      if (property.at("name") == "SKIP_REGULAR_EXPRESSION" &&
          property.at("value").dump().find("DEEPVIS-SKIPPED:") != std::string::npos) {
        ++with_skip;
      }
    }
  }
  CHECK(cases > 100);
  CHECK(with_skip == cases);
}

TEST_CASE("harness: scripts/ctest-summary counts passed, skipped (with reasons) and failed cases apart") {
  TempDir dir;
  const std::string xml = dir.path("results.xml");
  std::ofstream(xml) << R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="t" tests="5" failures="1" disabled="0" skipped="3">
  <testcase name="a" status="run"><system-out>ok</system-out></testcase>
  <testcase name="b" status="notrun"><skipped message="Skipped"/><system-out>DEEPVIS-SKIPPED: no usable GPU: none
</system-out></testcase>
  <testcase name="c" status="notrun"><skipped message="Skipped"/><system-out>DEEPVIS-SKIPPED: no usable GPU: none
</system-out></testcase>
  <testcase name="d" status="notrun"><skipped message="Skipped"/><system-out>DEEPVIS-SKIPPED: no camera
</system-out></testcase>
  <testcase name="e" status="fail"><failure message="Failed"/></testcase>
</testsuite>
)";
  const auto r = run_process({std::string(DEEPVIS_SOURCE_DIR) + "/scripts/ctest-summary", xml});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("deepvis tests: 1 passed, 3 skipped, 1 failed, of 5") != std::string::npos);
  CHECK(r.output.find("skipped   2: no usable GPU: none") != std::string::npos);
  CHECK(r.output.find("skipped   1: no camera") != std::string::npos);
  CHECK(r.output.find("failed: e") != std::string::npos);
}
