#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using deepvis::test::deepvis_binary;
using deepvis::test::run_process;

TEST_CASE("cli: --help exits 0 and lists the subcommands and GUI options") {
  const auto r = run_process({deepvis_binary(), "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("info") != std::string::npos);
  CHECK(r.output.find("--screenshot") != std::string::npos);
  CHECK(r.output.find("--version") != std::string::npos);
}

TEST_CASE("cli: --version prints the project version and the commit it was built from") {
  const auto r = run_process({deepvis_binary(), "--version"});
  CHECK(r.exit_code == 0);
  const std::string head = std::string("deepvis ") + DEEPVIS_VERSION + " (commit ";
  REQUIRE(r.output.rfind(head, 0) == 0);
  // The oracle: git itself, on the tree the binary was built from (a copy without .git says "unknown").
  const auto git = run_process({"git", "-C", DEEPVIS_SOURCE_DIR, "rev-parse", "--short=12", "HEAD"});
  if (git.exit_code == 0 && git.output.size() >= 12) {
    CHECK(r.output.substr(head.size(), 12) == git.output.substr(0, 12));
  } else {
    CHECK(r.output.substr(head.size(), 7) == "unknown");
  }
}

TEST_CASE("cli: an unknown subcommand fails with a message naming it") {
  const auto r = run_process({deepvis_binary(), "frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("frobnicate") != std::string::npos);
  CHECK(r.output.find("unknown subcommand") != std::string::npos);
}

TEST_CASE("cli: a missing input file is named in the error") {
  const auto r = run_process({deepvis_binary(), "--input", "/nonexistent/cat.png", "--frames", "1"});
  CHECK(r.exit_code == 4);  // bad input
  CHECK(r.output.find("/nonexistent/cat.png") != std::string::npos);
  CHECK(r.output.find("not found") != std::string::npos);
}

TEST_CASE("cli: the window's --crop takes center, stretch or face, and names a bad one") {
  const auto r = run_process({deepvis_binary(), "--crop", "oval", "--frames", "1"});
  CHECK(r.exit_code == 2);  // a usage error, as documented (not CLI11's own 105)
  CHECK(r.output.find("--crop") != std::string::npos);
  CHECK(r.output.find("oval") != std::string::npos);
  CHECK(run_process({deepvis_binary(), "--help"}).output.find("--crop") != std::string::npos);
}

TEST_CASE("cli: a bad value of a subcommand's flag is a usage error, exit 2, naming the flag") {
  const auto r = run_process({deepvis_binary(), "forward", "--device", "quantum", "--model", "m.onnx", "--input", "x"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--device") != std::string::npos);
}

TEST_CASE("cli: without a display the GUI says so in one line and exits 5 (environment)") {
  const auto r = run_process({deepvis_binary(), "--frames", "1"}, "env -u DISPLAY -u WAYLAND_DISPLAY");
  CHECK(r.exit_code == 5);
  CHECK(r.output.find("no display") != std::string::npos);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
}

TEST_CASE("cli: info reports every linked library") {
  const auto r = run_process({deepvis_binary(), "info"});
  CHECK(r.exit_code == 0);
  for (const char* lib : {"oneDNN", "ONNX", "protobuf", "OpenCV", "GLFW", "Dear ImGui", "CUDA"}) {
    CHECK_MESSAGE(r.output.find(lib) != std::string::npos, lib);
  }
  CHECK(r.output.find("1.12.0") != std::string::npos);  // Debian 12's ONNX
}
