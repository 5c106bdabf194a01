#pragma once
// PyTorch fixtures (tests/fixtures/make_torch_fixtures.py): found in the committed folder, or made on first use
// into a cache that outlives the build folder and the clone. The cache is keyed by the torch and torchvision
// versions and by the generator script's content, so a new torch or an edited script makes fresh fixtures and a
// stale one is never read.
#include <filesystem>
#include <string>

namespace deepvis::test {

// The fixture's folder: it holds model.onnx, input.npy, output.npy, grad_{gradient,deconv,guided}[_fp32].npy and
// meta.json. `size` is "N" or "HxW"; `variant` is "" or the script's suffixes, '@'-separated ("opset17@dynamic").
// Committed fixtures live in tests/fixtures/torch; the others are generated (REQUIREs that python3-torch works).
std::filesystem::path torch_fixture(const std::string& name, const std::string& size, bool committed,
                                    const std::string& variant = "");

// Where generated fixtures go: $DEEPVIS_TORCH_FIXTURES, else $XDG_CACHE_HOME/deepvis/torch-fixtures, else
// ~/.cache/deepvis/torch-fixtures, else the build folder's torch-fixtures; then the version key's subfolder,
// e.g. "torch-1.13.0_torchvision-0.14.1_gen-3f2a9c1e".
std::filesystem::path torch_fixture_cache();

}  // namespace deepvis::test
