// The model card as the CLI uses it: a card beside a model sets the preprocessing and labels, flags override it,
// a malformed card is exit 3 naming the field, and `deepvis models` lists models with their cards.
// The model is y = Flatten(GlobalAveragePool(x)) on a 1x3x4x4 input: fed a one-colour image, its three outputs
// are exactly the three preprocessed channel values, in the fed order.
#include "tests/onnx/onnx_model_builder.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using deepvis::test::deepvis_binary;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

// RGB (200, 100, 50), written as a PNG.
constexpr double kRed = 200;
constexpr double kGreen = 100;
constexpr double kBlue = 50;

struct Fixture {
  TempDir dir;
  std::string model;
  std::string image;

  Fixture() {
    deepvis::test::OnnxModel m(13);
    m.input("x", {1, 3, 4, 4});
    m.node("GlobalAveragePool", {"x"}, {"pooled"}, "pool");
    m.node("Flatten", {"pooled"}, {"y"}, "flatten");
    m.output("y", {1, 3});
    model = m.save(dir.path(""), "tiny.onnx");
    image = dir.path("orange.png");
    REQUIRE(cv::imwrite(image, cv::Mat(6, 8, CV_8UC3, cv::Scalar(kBlue, kGreen, kRed))));  // imwrite takes BGR
  }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream out(dir.path(name));
    out << text;
  }
};

// A card that asks for scale 1/255, mean 0.5, std 0.25, BGR order and names the three outputs.
const char* kCard = R"({
  "card_version": 1,
  "name": "Tiny pool",
  "labels": ["first", "second", "third"],
  "preprocess": {"size": [4, 4], "channel_order": "bgr", "scale": 0.00392156862745098, "mean": [0.5],
                 "std": [0.25], "crop": "stretch"},
  "license": "MIT"
})";

double normalized(double p) {
  return (p / 255.0 - 0.5) / 0.25;
}

nlohmann::json parse_json(const std::string& output) {
  const auto start = output.find('{');
  REQUIRE(start != std::string::npos);
  return nlohmann::json::parse(output.substr(start));
}

}  // namespace

TEST_CASE("cli card: a card beside the model sets the preprocessing and labels forward's top-5") {
  Fixture f;
  f.write("tiny.deepvis.json", kCard);
  const auto r = run_process({deepvis_binary(), "forward", "--model", f.model, "--input", f.image, "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("no model card") == std::string::npos);
  const nlohmann::json top = parse_json(r.output)["top5"];
  REQUIRE(top.size() == 3);
  // Fed B, G, R: index 0 is blue, 2 is red, the largest.
  CHECK(top[0]["index"] == 2);
  CHECK(top[0]["label"] == "third");
  CHECK(top[0]["value"].get<double>() == doctest::Approx(normalized(kRed)).epsilon(1e-5));
  CHECK(top[1]["label"] == "second");
  CHECK(top[1]["value"].get<double>() == doctest::Approx(normalized(kGreen)).epsilon(1e-5));
  CHECK(top[2]["index"] == 0);
  CHECK(top[2]["label"] == "first");
  CHECK(top[2]["value"].get<double>() == doctest::Approx(normalized(kBlue)).epsilon(1e-5));

  const auto text = run_process({deepvis_binary(), "forward", "--model", f.model, "--input", f.image});
  REQUIRE(text.exit_code == 0);
  const auto third = text.output.find("  third\n");
  const auto first = text.output.find("  first\n");
  REQUIRE(third != std::string::npos);
  REQUIRE(first != std::string::npos);
  CHECK(third < first);
}

TEST_CASE("cli card: flags given on the command line override the card") {
  Fixture f;
  f.write("tiny.deepvis.json", kCard);
  const auto r = run_process({deepvis_binary(), "forward", "--model", f.model, "--input", f.image, "--json", "--scale",
                              "1", "--mean", "0", "--std", "2", "--bgr=false"});
  REQUIRE(r.exit_code == 0);
  const nlohmann::json top = parse_json(r.output)["top5"];
  REQUIRE(top.size() == 3);
  // RGB order now, (p * 1 - 0) / 2; the labels still come from the card.
  CHECK(top[0]["index"] == 0);
  CHECK(top[0]["label"] == "first");
  CHECK(top[0]["value"].get<double>() == doctest::Approx(kRed / 2));
  CHECK(top[2]["index"] == 2);
  CHECK(top[2]["value"].get<double>() == doctest::Approx(kBlue / 2));

  // Only --scale given: mean, std and the BGR order still come from the card.
  const auto partial =
      run_process({deepvis_binary(), "forward", "--model", f.model, "--input", f.image, "--json", "--scale", "0.001"});
  REQUIRE(partial.exit_code == 0);
  const nlohmann::json top2 = parse_json(partial.output)["top5"];
  CHECK(top2[0]["index"] == 2);
  CHECK(top2[0]["value"].get<double>() == doctest::Approx((kRed * 0.001 - 0.5) / 0.25));
}

TEST_CASE("cli card: without a card the assumed defaults are named in one line") {
  Fixture f;
  const auto r = run_process({deepvis_binary(), "forward", "--model", f.model, "--input", f.image});
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("no model card for " + f.model + "; assuming scale 1, no mean/std, center crop, RGB\n") !=
        std::string::npos);
  CHECK(r.output.find("(softmax") != std::string::npos);
  // Raw RGB values, no labels.
  CHECK(r.output.find("200.00000") != std::string::npos);

  const auto some = run_process(
      {deepvis_binary(), "forward", "--model", f.model, "--input", f.image, "--scale", "2", "--bgr", "--std", "3"});
  REQUIRE(some.exit_code == 0);
  CHECK(some.output.find("no model card for " + f.model + "; assuming no mean, center crop\n") != std::string::npos);

  const auto json = run_process({deepvis_binary(), "forward", "--model", f.model, "--input", f.image, "--json"});
  REQUIRE(json.exit_code == 0);
  CHECK(json.output.find("no model card") == std::string::npos);
  CHECK(parse_json(json.output)["top5"][0]["value"].get<double>() == doctest::Approx(kRed));
  CHECK_FALSE(parse_json(json.output)["top5"][0].contains("label"));
}

TEST_CASE("cli card: a malformed card is exit 3 naming the card and the field") {
  Fixture f;
  f.write("tiny.deepvis.json", R"({"name": "Tiny", "preprocess": {"mean": "0.5"}})");
  for (const char* command : {"forward", "info"}) {
    std::vector<std::string> argv = {deepvis_binary(), command, "--model", f.model};
    if (std::string(command) == "forward") argv.insert(argv.end(), {"--input", f.image});
    const auto r = run_process(argv);
    CAPTURE(command);
    CHECK(r.exit_code == 3);
    CHECK(r.output.find(f.dir.path("tiny.deepvis.json")) != std::string::npos);
    CHECK(r.output.find("preprocess.mean must be a list of numbers") != std::string::npos);
  }
  // Labels that do not match the output are a bad card too.
  f.write("tiny.deepvis.json", R"({"name": "Tiny", "labels": ["a", "b"]})");
  const auto r = run_process({deepvis_binary(), "forward", "--model", f.model, "--input", f.image});
  CHECK(r.exit_code == 3);
  CHECK(r.output.find("2 labels but the output 1x3 has 3 values") != std::string::npos);
  // So is a gray card for a 3-channel model.
  f.write("tiny.deepvis.json", R"({"name": "Tiny", "preprocess": {"channel_order": "gray"}})");
  const auto gray = run_process({deepvis_binary(), "info", "--model", f.model});
  CHECK(gray.exit_code == 3);
  CHECK(gray.output.find("preprocess.channel_order is gray") != std::string::npos);
}

TEST_CASE("cli card: --crop face says when it finds no face and falls back to the centre crop") {
  Fixture f;
  const auto r =
      run_process({deepvis_binary(), "forward", "--model", f.model, "--input", f.image, "--crop", "face", "--json"});
  REQUIRE(r.exit_code == 0);
  const std::string note = "no face found in " + f.image + "; using a centre crop\n";
  REQUIRE(r.output.find(note) != std::string::npos);
  CHECK(r.output.find(note) == r.output.rfind(note));
  CHECK(parse_json(r.output)["top5"][0]["value"].get<double>() == doctest::Approx(kRed));
  CHECK(
      run_process({deepvis_binary(), "forward", "--model", f.model, "--input", f.image, "--crop", "fill"}).exit_code !=
      0);
}

TEST_CASE("cli card: deepvis models --dir lists models with their cards, broken ones with the error") {
  Fixture f;
  f.write("tiny.deepvis.json", kCard);
  std::filesystem::copy_file(f.model, f.dir.path("plain.onnx"));
  std::filesystem::create_directories(f.dir.path("fetched"));
  std::filesystem::copy_file(f.model, f.dir.path("fetched/broken.onnx"));
  f.write("fetched/broken.deepvis.json", R"({"name": "Broken", "labels": "x"})");
  std::filesystem::create_directories(f.dir.path("own_model"));  // a model in a folder of its own
  std::filesystem::copy_file(f.model, f.dir.path("own_model/own.onnx"));
  std::filesystem::create_directories(f.dir.path(".hidden"));
  std::filesystem::copy_file(f.model, f.dir.path(".hidden/skipped.onnx"));

  const auto r = run_process({deepvis_binary(), "models", "--dir", f.dir.path("")});
  REQUIRE(r.exit_code == 0);
  const auto line_of = [&](const std::string& needle) {
    const auto at = r.output.find(needle);
    REQUIRE(at != std::string::npos);
    const auto begin = r.output.rfind('\n', at) + 1;
    return r.output.substr(begin, r.output.find('\n', at) - begin);
  };
  const std::string tiny = line_of("Tiny pool");
  CHECK(tiny.find("1x3x4x4") != std::string::npos);
  CHECK(tiny.find(" 3 ") != std::string::npos);
  CHECK(tiny.find("MIT") != std::string::npos);
  CHECK(tiny.find("tiny.onnx") != std::string::npos);
  CHECK(line_of("plain.onnx").find("(no card)") != std::string::npos);
  CHECK(r.output.find("labels must be a list of strings") != std::string::npos);

  const auto j = run_process({deepvis_binary(), "models", "--dir", f.dir.path(""), "--json"});
  REQUIRE(j.exit_code == 0);
  const nlohmann::json models = parse_json(j.output)["models"];
  REQUIRE(models.size() == 4);
  const auto find = [&](const std::string& file) {
    for (const auto& m : models) {
      if (m["path"].get<std::string>().find(file) != std::string::npos) return m;
    }
    FAIL("not listed: " << file);
    return nlohmann::json();
  };
  const nlohmann::json t = find("tiny.onnx");
  CHECK(t["name"] == "Tiny pool");
  CHECK(t["input"] == nlohmann::json::array({1, 3, 4, 4}));
  CHECK(t["labels"] == 3);
  CHECK(t["license"] == "MIT");
  CHECK(t["errors"].empty());
  const nlohmann::json p = find("plain.onnx");
  CHECK(p["name"] == "plain");
  CHECK(p["card"].is_null());
  CHECK(p["labels"].is_null());
  const nlohmann::json b = find("broken.onnx");
  REQUIRE(b["errors"].size() == 1);
  CHECK(b["errors"][0].get<std::string>().find("labels must be a list of strings") != std::string::npos);
  CHECK(b["input"] == nlohmann::json::array({1, 3, 4, 4}));
  CHECK(find("own_model/own.onnx")["name"] == "own");

  CHECK(run_process({deepvis_binary(), "models", "--dir", f.dir.path("nowhere")}).exit_code == 2);
}

TEST_CASE("cli card: deepvis models lists the embedded Fashion-MNIST model, which lives in models/fashion_mnist/") {
  const auto r =
      run_process({deepvis_binary(), "models", "--dir", std::string(DEEPVIS_SOURCE_DIR) + "/models", "--json"});
  REQUIRE(r.exit_code == 0);
  bool found = false;
  const nlohmann::json listed = parse_json(r.output);
  for (const auto& m : listed["models"]) {
    if (m["path"].get<std::string>().find("fashion_mnist/fashion_mnist.onnx") != std::string::npos) {
      found = true;
      CHECK(m["errors"].empty());
      CHECK(m["labels"] == 10);
    }
  }
  CHECK(found);
}
