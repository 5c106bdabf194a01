#include "compute/model/model_card.hpp"
#include "compute/core/error.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

using deepvis::ChannelOrder;
using deepvis::CropMode;
using deepvis::Error;
using deepvis::ModelCard;
using deepvis::test::TempDir;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// The message a malformed card throws (empty when it does not throw).
std::string card_error(const std::string& path) {
  try {
    deepvis::read_model_card(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("card: every field of a full card is read") {
  TempDir dir;
  const std::string path = dir.path("net.deepvis.json");
  write_text(path, R"json({
    "card_version": 1,
    "name": "Fashion-MNIST CNN (deepvis)",
    "labels": ["T-shirt/top", "Trouser", "Pullover"],
    "preprocess": {"size": [28, 32], "channel_order": "gray", "scale": 0.00392156862745098,
                   "mean": [0.2860], "std": [0.3530], "crop": "face"},
    "default_layers": ["conv1", "conv2"],
    "provenance": "trained here",
    "license": "MIT",
    "assumptions": ["label order assumed", "second note"]
  })json");
  const ModelCard card = deepvis::read_model_card(path);
  CHECK(card.path == path);
  CHECK(card.card_version == 1);
  CHECK(card.name == "Fashion-MNIST CNN (deepvis)");
  REQUIRE(card.labels);
  CHECK(*card.labels == std::vector<std::string>{"T-shirt/top", "Trouser", "Pullover"});
  CHECK_FALSE(card.labels_file);
  CHECK(card.preprocess.width == 28);
  CHECK(card.preprocess.height == 32);
  CHECK(card.preprocess.channel_order == ChannelOrder::Gray);
  CHECK(card.preprocess.scale == doctest::Approx(1.0 / 255));
  REQUIRE(card.preprocess.mean);
  REQUIRE(card.preprocess.mean->size() == 1);
  CHECK((*card.preprocess.mean)[0] == doctest::Approx(0.2860));
  REQUIRE(card.preprocess.stdev);
  CHECK((*card.preprocess.stdev)[0] == doctest::Approx(0.3530));
  CHECK(card.preprocess.crop == CropMode::Face);
  CHECK(*card.default_layers == std::vector<std::string>{"conv1", "conv2"});
  CHECK(*card.provenance == "trained here");
  CHECK(*card.license == "MIT");
  CHECK(*card.assumptions == std::vector<std::string>{"label order assumed", "second note"});
}

TEST_CASE("card: a minimal card leaves every optional field absent") {
  TempDir dir;
  write_text(dir.path("m.deepvis.json"), R"({"name": "m"})");
  const ModelCard card = deepvis::read_model_card(dir.path("m.deepvis.json"));
  CHECK(card.name == "m");
  CHECK_FALSE(card.labels);
  CHECK_FALSE(card.preprocess.width);
  CHECK_FALSE(card.preprocess.channel_order);
  CHECK_FALSE(card.preprocess.scale);
  CHECK_FALSE(card.preprocess.mean);
  CHECK_FALSE(card.preprocess.stdev);
  CHECK_FALSE(card.preprocess.crop);
  CHECK_FALSE(card.default_layers);
  CHECK_FALSE(card.license);
  CHECK_FALSE(card.provenance);
  CHECK_FALSE(card.assumptions);
}

TEST_CASE("card: labels_file is read relative to the card, CRLF and a final newline tolerated") {
  TempDir dir;
  std::filesystem::create_directories(dir.path("cards/labels"));
  write_text(dir.path("cards/labels/classes.txt"), "cat\r\ndog\r\nbig bird\r\n\n");
  write_text(dir.path("cards/net.deepvis.json"), R"({"name": "n", "labels_file": "labels/classes.txt"})");
  const ModelCard card = deepvis::read_model_card(dir.path("cards/net.deepvis.json"));
  REQUIRE(card.labels);
  CHECK(*card.labels == std::vector<std::string>{"cat", "dog", "big bird"});
  CHECK(*card.labels_file == "labels/classes.txt");
}

TEST_CASE("card: find_model_card looks for <stem>.deepvis.json beside the model") {
  TempDir dir;
  const std::string model = dir.path("squeeze.v2.onnx");
  CHECK(deepvis::model_card_path(model) == dir.path("squeeze.v2.deepvis.json"));
  CHECK_FALSE(deepvis::find_model_card(model));
  write_text(dir.path("squeeze.v2.deepvis.json"), R"({"name": "Squeeze"})");
  const auto card = deepvis::find_model_card(model);
  REQUIRE(card);
  CHECK(card->name == "Squeeze");
  write_text(dir.path("squeeze.v2.deepvis.json"), R"({"name": 3})");
  CHECK_THROWS_WITH_AS(deepvis::find_model_card(model), doctest::Contains("name must be a string"), Error);
}

TEST_CASE("card: each malformed card is refused naming the card and the field") {
  TempDir dir;
  write_text(dir.path("gap.txt"), "a\n\nb\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"name": "x", "nmae": "y"})", "unknown key 'nmae'"},
      {R"({"name": "x", "preprocess": {"sise": [1, 2]}})", "unknown key 'preprocess.sise'"},
      {R"({"name": "x", "preprocess": {"mean": "0.5"}})", "preprocess.mean must be a list of numbers"},
      {R"({"name": "x", "preprocess": {"mean": [0.5, "a", 1]}})", "preprocess.mean must be a list of numbers"},
      {R"({"name": "x", "preprocess": {"mean": 0.5}})", "preprocess.mean must be a list of numbers"},
      {R"({"name": "x", "preprocess": {"std": [true]}})", "preprocess.std must be a list of numbers"},
      {R"({"name": "x", "preprocess": {"std": [1, 0, 1]}})", "preprocess.std has a 0"},
      {R"({"name": "x", "preprocess": {"mean": [1, 2]}})", "preprocess.mean has 2 values"},
      {R"({"name": "x", "preprocess": {"channel_order": "gray", "std": [1, 2, 3]}})", "preprocess.std has 3 values"},
      {R"({"name": "x", "preprocess": {"size": [28]}})", "preprocess.size must be [width, height]"},
      {R"({"name": "x", "preprocess": {"size": [28.5, 28]}})", "preprocess.size must be [width, height]"},
      {R"({"name": "x", "preprocess": {"size": [0, 28]}})", "preprocess.size must be [width, height]"},
      {R"({"name": "x", "preprocess": {"channel_order": "rgba"}})",
       "preprocess.channel_order 'rgba' is not one of rgb, bgr, gray"},
      {R"({"name": "x", "preprocess": {"crop": "fill"}})",
       "preprocess.crop 'fill' is not one of center, stretch, face"},
      {R"({"name": "x", "preprocess": {"crop": 1}})", "preprocess.crop must be a string"},
      {R"({"name": "x", "preprocess": {"scale": "1"}})", "preprocess.scale must be a positive number"},
      {R"({"name": "x", "preprocess": {"scale": -1}})", "preprocess.scale must be a positive number"},
      {R"({"name": "x", "preprocess": [1]})", "preprocess must be an object"},
      {R"({"name": "x", "labels": "cat"})", "labels must be a list of strings"},
      {R"({"name": "x", "labels": ["cat", 2]})", "labels must be a list of strings"},
      {R"({"name": "x", "labels": []})", "labels is empty"},
      {R"({"name": "x", "labels": ["a"], "labels_file": "gap.txt"})", "has both labels and labels_file"},
      {R"({"name": "x", "labels_file": "nope.txt"})", "labels_file 'nope.txt' not found"},
      {R"({"name": "x", "labels_file": "gap.txt"})", "line 2 is empty"},
      {R"({"name": "x", "default_layers": "conv1"})", "default_layers must be a list of strings"},
      {R"({"name": "x", "license": 3})", "license must be a string"},
      {R"({"name": "x", "provenance": ["a"]})", "provenance must be a string"},
      {R"({"name": "x", "assumptions": [1]})", "assumptions must be a list of strings"},
      {R"({"name": "x", "card_version": 2})", "card_version 2 is not supported"},
      {R"({"name": "x", "card_version": "1"})", "card_version must be an integer"},
      {R"({"label": ["a"]})", "unknown key 'label'"},
      {R"({"license": "MIT"})", "name is missing"},
      {R"({"name": ""})", "name is empty"},
      {R"(["name"])", "must be a JSON object"},
      {R"({"name": "x",})", "not valid JSON"},
  };
  const std::string path = dir.path("bad.deepvis.json");
  for (const auto& [text, expected] : cases) {
    write_text(path, text);
    const std::string message = card_error(path);
    CAPTURE(text);
    CHECK(message.find("card " + path + ": ") == 0);
    CHECK(message.find(expected) != std::string::npos);
  }
  CHECK(card_error(dir.path("absent.deepvis.json")).find("absent.deepvis.json") != std::string::npos);
}

TEST_CASE("card: apply_card_preprocess replaces only the fields the card sets") {
  deepvis::Preprocess base;
  base.width = 7;
  base.height = 9;
  base.scale = 2.0f;
  base.mean = {1.0f};
  base.crop = CropMode::Stretch;
  deepvis::CardPreprocess card;
  card.channel_order = ChannelOrder::Bgr;
  card.stdev = std::vector<float>{3.0f, 4.0f, 5.0f};
  card.height = 11;
  const deepvis::Preprocess p = deepvis::apply_card_preprocess(card, base);
  CHECK(p.width == 7);
  CHECK(p.height == 11);
  CHECK(p.bgr);
  CHECK(p.scale == 2.0f);
  CHECK(p.mean == std::vector<float>{1.0f});
  CHECK(p.stdev == std::vector<float>{3.0f, 4.0f, 5.0f});
  CHECK(p.crop == CropMode::Stretch);
  card.width = 5;  // only height was set above: a card [w, h] always sets both, but each field stands alone
  card.channel_order = ChannelOrder::Rgb;
  card.crop = CropMode::Center;
  const deepvis::Preprocess q = deepvis::apply_card_preprocess(card, p);
  CHECK(q.width == 5);
  CHECK_FALSE(q.bgr);
  CHECK(q.crop == CropMode::Center);
}
