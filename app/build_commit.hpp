#pragma once
// The git commit the binary was built from (12 hex digits, "-dirty" when tracked files differed, "unknown"
// without git), so every benchmark line names what it measured.

namespace deepvis::app {

const char* build_commit();

}  // namespace deepvis::app
