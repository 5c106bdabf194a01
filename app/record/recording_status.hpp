#pragma once
// What the status bar shows while the window is being recorded (filled by WindowRecorder each frame).
#include <cstdint>
#include <string>

namespace deepvis::app {

struct RecordingStatus {
  bool active = false;
  std::string file;
  std::string codec;
  uint64_t frames = 0;   // written so far
  uint64_t dropped = 0;  // frames the encoder had no room for
  std::string target;    // what is recorded: "whole window" or a panel's title (record_target.hpp)
};

}  // namespace deepvis::app
