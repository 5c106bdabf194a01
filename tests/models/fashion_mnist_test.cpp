// The embedded default model (models/fashion_mnist, trained by its train.py) judged by deepvis itself: the
// Fashion-MNIST test set through the cpu backend, its op coverage, and the IDX reader that loads the data.
#include "compute/core/error.hpp"
#include "compute/io/idx.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <zlib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;
using namespace deepvis;

namespace {

const fs::path kModelDir = fs::path(DEEPVIS_SOURCE_DIR) / "models/fashion_mnist";
const fs::path kDataDir = "/usr/share/datasets/fashion-mnist";

nlohmann::json read_card() {
  std::ifstream in(kModelDir / "fashion_mnist.deepvis.json");
  REQUIRE_MESSAGE(in.good(), "missing " << (kModelDir / "fashion_mnist.deepvis.json").string());
  return nlohmann::json::parse(in);
}

// The card's preprocessing, applied exactly as the card schema defines it: (p * scale - mean) / std.
struct Normalization {
  float scale, mean, stdev;
};

Normalization card_normalization() {
  const nlohmann::json pre = read_card().at("preprocess");
  REQUIRE(pre.at("mean").size() == 1);
  REQUIRE(pre.at("std").size() == 1);
  CHECK(pre.at("channel_order") == "gray");
  CHECK(pre.at("size") == nlohmann::json::array({28, 28}));
  return {pre.at("scale").get<float>(), pre.at("mean")[0].get<float>(), pre.at("std")[0].get<float>()};
}

void fill_batch(const IdxImages& images, int first, const Normalization& norm, Tensor& input) {
  const size_t per_image = static_cast<size_t>(images.rows) * static_cast<size_t>(images.cols);
  const uint8_t* src = images.pixels.data() + static_cast<size_t>(first) * per_image;
  for (int64_t i = 0; i < input.numel(); ++i) {
    input.at(i) = (static_cast<float>(src[i]) * norm.scale - norm.mean) / norm.stdev;
  }
}

int argmax_row(const Tensor& logits, int64_t row) {
  const int64_t classes = logits.dim(1);
  const float* p = logits.data() + row * classes;
  return static_cast<int>(std::max_element(p, p + classes) - p);
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

// A 2-image 2x3 idx3-ubyte file, written byte by byte from the format's definition.
std::vector<uint8_t> tiny_images_file() {
  return {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 250, 251, 252, 253, 254, 255};
}

}  // namespace

TEST_CASE(
    "fashion-mnist: the committed model reaches >= 90% on the 10,000 test images through deepvis's own "
    "forward") {
  REQUIRE_MESSAGE(fs::exists(kDataDir / "t10k-images-idx3-ubyte.gz"),
                  kDataDir.string() << " is missing: scripts/setup-deps installs dataset-fashion-mnist");
  const IdxImages images = read_idx_images((kDataDir / "t10k-images-idx3-ubyte.gz").string());
  const std::vector<uint8_t> labels = read_idx_labels((kDataDir / "t10k-labels-idx1-ubyte.gz").string());
  REQUIRE(images.count == 10000);
  REQUIRE(images.rows == 28);
  REQUIRE(images.cols == 28);
  REQUIRE(labels.size() == 10000);

  const Normalization norm = card_normalization();
  constexpr int kBatch = 100;
  Net net(import_onnx((kModelDir / "fashion_mnist.onnx").string()), make_cpu_backend(), kBatch);
  REQUIRE(net.input_dims() == Dims{kBatch, 1, 28, 28});
  const int logits = net.graph().outputs.front();
  REQUIRE(net.blob_dims(logits) == Dims{kBatch, 10});

  Tensor input(net.input_dims());
  int correct = 0;
  std::vector<int> predicted_per_class(10, 0);
  for (int first = 0; first < images.count; first += kBatch) {
    fill_batch(images, first, norm, input);
    net.forward(input);
    for (int i = 0; i < kBatch; ++i) {
      const int predicted = argmax_row(net.blob(logits), i);
      ++predicted_per_class[static_cast<size_t>(predicted)];
      if (predicted == labels[static_cast<size_t>(first + i)]) ++correct;
    }
  }
  const double accuracy = correct / static_cast<double>(images.count);
  MESSAGE("deepvis cpu backend: Fashion-MNIST test accuracy " << accuracy * 100 << "% (" << correct << "/10000)");
  CHECK(accuracy >= 0.90);
  // A net that collapsed to a few classes could not reach 90%, but say so plainly if it ever does.
  for (int c = 0; c < 10; ++c) CHECK_MESSAGE(predicted_per_class[static_cast<size_t>(c)] > 500, "class " << c);
}

TEST_CASE(
    "fashion-mnist: the committed ONNX has Conv, Relu, MaxPool, LRN, unfused BatchNormalization and Gemm, "
    "and is at most 3 MB") {
  const fs::path onnx = kModelDir / "fashion_mnist.onnx";
  REQUIRE(fs::exists(onnx));
  CHECK(fs::file_size(onnx) <= 3u * 1024 * 1024);

  ImportOptions unfolded;
  unfolded.fold_batchnorm = false;
  const Graph graph = import_onnx(onnx.string(), unfolded);
  std::set<OpKind> kinds;
  for (const Node& node : graph.nodes) kinds.insert(node.kind);
  for (OpKind kind : {OpKind::Conv, OpKind::Relu, OpKind::MaxPool, OpKind::Lrn, OpKind::BatchNorm, OpKind::Gemm}) {
    CHECK_MESSAGE(kinds.count(kind) == 1, "missing " << op_name(kind));
  }

  // The default import folds each BatchNormalization into its Conv; both graphs must compute the same logits.
  const Graph folded = import_onnx(onnx.string());
  for (const Node& node : folded.nodes) CHECK(node.kind != OpKind::BatchNorm);
  const Tensor x = test::random_tensor({2, 1, 28, 28}, 7);
  Net a(graph, make_cpu_backend()), b(folded, make_cpu_backend());
  a.set_batch(2);
  b.set_batch(2);
  a.forward(x);
  b.forward(x);
  const double err = test::max_relative_error(b.blob(folded.outputs.front()), a.blob(graph.outputs.front()));
  CHECK_MESSAGE(err <= 1e-4, "folded vs unfolded BatchNormalization: relative error " << err);
}

TEST_CASE("fashion-mnist: the card names the layers and the 10 labels in Fashion-MNIST order") {
  const nlohmann::json card = read_card();
  CHECK(card.at("card_version") == 1);
  std::ifstream labels_in(kModelDir / card.at("labels_file").get<std::string>());
  std::vector<std::string> labels;
  for (std::string line; std::getline(labels_in, line);) labels.push_back(line);
  const std::vector<std::string> expected = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  CHECK(labels == expected);

  // The layers must resolve whether or not BatchNorm is folded (folding renames the conv outputs' blobs).
  for (bool fold : {true, false}) {
    ImportOptions options;
    options.fold_batchnorm = fold;
    const Net net(import_onnx((kModelDir / "fashion_mnist.onnx").string(), options), make_cpu_backend());
    REQUIRE(card.at("default_layers").size() == 2);
    for (const auto& layer : card.at("default_layers")) {
      const std::string name = layer.get<std::string>();
      CAPTURE(name);
      CAPTURE(fold);
      int blob = -1;
      CHECK_NOTHROW(blob = net.blob_id(name));
      if (blob >= 0) CHECK(net.blob_dims(blob).size() == 4);  // a conv feature map, not a vector
    }
  }
}

TEST_CASE("fashion-mnist: IDX reader reads plain and gzipped files byte for byte") {
  test::TempDir dir;
  const std::vector<uint8_t> bytes = tiny_images_file();
  write_bytes(dir.path("plain-idx3-ubyte"), bytes);
  write_gzip(dir.path("gz-idx3-ubyte.gz"), bytes);
  for (const std::string name : {"plain-idx3-ubyte", "gz-idx3-ubyte.gz"}) {
    CAPTURE(name);
    const IdxImages images = read_idx_images(dir.path(name));
    CHECK(images.count == 2);
    CHECK(images.rows == 2);
    CHECK(images.cols == 3);
    CHECK(images.pixels == std::vector<uint8_t>(bytes.begin() + 16, bytes.end()));
  }
  write_gzip(dir.path("labels.gz"), {0, 0, 8, 1, 0, 0, 0, 3, 9, 0, 4});
  CHECK(read_idx_labels(dir.path("labels.gz")) == std::vector<uint8_t>{9, 0, 4});
}

TEST_CASE("fashion-mnist: IDX reader errors name the file and say what is wrong") {
  test::TempDir dir;
  const std::vector<uint8_t> bytes = tiny_images_file();

  SUBCASE("missing") {
    const std::string path = dir.path("nope-idx3-ubyte.gz");
    CHECK_THROWS_WITH_AS(read_idx_images(path), ("cannot read IDX file '" + path + "': file not found").c_str(), Error);
    CHECK_THROWS_WITH_AS(read_idx_labels(path), doctest::Contains("file not found"), Error);
  }
  SUBCASE("bad magic") {
    const std::string path = dir.path("labels-as-images.gz");
    write_gzip(path, {0, 0, 8, 1, 0, 0, 0, 1, 7});
    CHECK_THROWS_WITH_AS(
        read_idx_images(path),
        ("'" + path + "' is not an IDX image (idx3-ubyte) file: expected magic 0x00000803, found magic 0x00000801")
            .c_str(),
        Error);
    const std::string text = dir.path("text.txt");
    std::ofstream(text) << "hello";
    CHECK_THROWS_WITH_AS(read_idx_labels(text), doctest::Contains("found magic 0x68656c6c"), Error);
    CHECK_THROWS_WITH_AS(read_idx_labels(text), doctest::Contains(text.c_str()), Error);
  }
  SUBCASE("truncated") {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 4);
    const std::string plain = dir.path("cut-idx3-ubyte");
    write_bytes(plain, cut);
    CHECK_THROWS_WITH_AS(read_idx_images(plain),
                         ("'" + plain + "': truncated IDX file: the header declares 12 bytes of data, found 8").c_str(),
                         Error);
    const std::string gz = dir.path("cut-idx3-ubyte.gz");
    write_gzip(gz, cut);
    CHECK_THROWS_WITH_AS(read_idx_images(gz), doctest::Contains("found 8"), Error);

    // A gzip stream cut in the middle: the compressed file itself is truncated.
    const std::string whole = dir.path("whole.gz");
    std::vector<uint8_t> big(16, 0);
    big[2] = 8;
    big[3] = 3;
    big[7] = 100;  // 100 images of 28x28
    big[11] = 28;
    big[15] = 28;
    for (int i = 0; i < 100 * 28 * 28; ++i) big.push_back(static_cast<uint8_t>((i * 7919) % 251));
    write_gzip(whole, big);
    std::ifstream in(whole, std::ios::binary);
    std::vector<uint8_t> compressed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    compressed.resize(compressed.size() / 2);
    const std::string half = dir.path("half.gz");
    write_bytes(half, compressed);
    CHECK_THROWS_WITH_AS(read_idx_images(half), doctest::Contains("truncated"), Error);
    CHECK_THROWS_WITH_AS(read_idx_images(half), doctest::Contains(half.c_str()), Error);

    const std::string header_only = dir.path("header-idx3-ubyte");
    write_bytes(header_only, {0, 0, 8, 3, 0, 0});
    CHECK_THROWS_WITH_AS(read_idx_images(header_only), ("'" + header_only + "': truncated IDX header").c_str(), Error);
  }
}
