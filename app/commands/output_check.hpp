#pragma once
// Refusing an output path before the work, so a long run never ends in "cannot write" with its results lost.
#include <string>

namespace deepvis::app {

// Throws CommandError(kExitOutput) when the folder that `file` would be written into does not exist or is not
// writable. `what` names the output in the message ("the video", "--out").
void require_writable_folder(const std::string& file, const char* what);

}  // namespace deepvis::app
