#pragma once
// Requests to the capture thread. They are queued and carried out by that thread, in order.
#include <opencv2/core/mat.hpp>

#include <string>
#include <variant>

namespace deepvis::app {

struct OpenPath {  // an image, a folder of images or a video file
  std::string path;
};
struct OpenStill {  // an image in memory
  cv::Mat rgb;
  std::string name;
};
struct OpenCamera {
  int index = 0;
  int width = 0;  // the resolution to ask for; 0 x 0: the camera's default
  int height = 0;
};
struct StepFile {  // e / w
  int delta = 1;
};
struct TogglePause {};  // video and camera
struct StepFrame {};    // one frame of a paused video
struct SetLoop {
  bool loop = true;
};
struct SwitchCameraFiles {};  // c: to the last camera opened (else camera 0), or back to the files

using CaptureCommand =
    std::variant<OpenPath, OpenStill, OpenCamera, StepFile, TogglePause, StepFrame, SetLoop, SwitchCameraFiles>;

}  // namespace deepvis::app
