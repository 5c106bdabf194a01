#include "app/capture/file_list_source.hpp"

#include "compute/core/error.hpp"
#include "compute/image/load_image.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

namespace deepvis::app {

namespace fs = std::filesystem;

namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool one_of(const std::string& ext, std::initializer_list<const char*> list) {
  return std::any_of(list.begin(), list.end(), [&](const char* e) { return ext == e; });
}

}  // namespace

bool has_image_extension(const std::string& path) {
  return one_of(lower_extension(path),
                {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm"});
}

bool has_video_extension(const std::string& path) {
  return one_of(lower_extension(path),
                {".avi", ".mp4", ".m4v", ".mkv", ".mov", ".webm", ".mpg", ".mpeg", ".wmv", ".flv", ".ogv"});
}

FileListSource::FileListSource(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    list_folder(path, "");
    if (files_.empty()) throw Error("folder '" + path + "' has no images (png, jpg, bmp, tif, webp, pnm)");
  } else if (fs::exists(path, ec)) {
    files_ = {path};
  } else {
    throw Error("'" + path + "' does not exist");
  }
}

void FileListSource::list_folder(const std::string& folder, const std::string& current) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  if (ec) throw Error("cannot list folder '" + folder + "': " + ec.message());
  for (const fs::directory_entry& entry : it) {
    std::error_code entry_ec;
    if (entry.is_regular_file(entry_ec) && has_image_extension(entry.path().string())) {
      files.push_back(entry.path().string());
    }
  }
  // Sorted by file name, so e / w walk the folder in the order a file browser shows it.
  std::sort(files.begin(), files.end());
  folder_ = folder;
  index_ = 0;
  if (!current.empty()) {
    const auto found =
        std::find_if(files.begin(), files.end(), [&](const std::string& f) { return fs::equivalent(f, current, ec); });
    if (found == files.end()) {
      files.insert(files.begin(), current);  // not an image extension, but the user opened it: keep it first
    } else {
      index_ = static_cast<size_t>(found - files.begin());
    }
  }
  files_ = std::move(files);
}

std::string FileListSource::describe() const {
  const std::string name = fs::path(files_[index_]).filename().string();
  if (files_.size() <= 1) return name;
  return fs::path(folder_).filename().string() + "/ " + std::to_string(index_ + 1) + " of " +
         std::to_string(files_.size()) + ": " + name;
}

cv::Mat FileListSource::read(std::string& name) {
  name = fs::path(files_[index_]).filename().string();
  return load_image_rgb(files_[index_]);
}

bool FileListSource::step_file(int delta) {
  if (folder_.empty()) {
    // A single image: walk the folder it lives in.
    const fs::path file(files_[index_]);
    const std::string parent = file.has_parent_path() ? file.parent_path().string() : std::string(".");
    list_folder(parent, file.string());
  }
  const auto n = static_cast<long>(files_.size());
  const long next = ((static_cast<long>(index_) + delta) % n + n) % n;
  index_ = static_cast<size_t>(next);
  return true;
}

}  // namespace deepvis::app
