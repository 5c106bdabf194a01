// Preloaded (LD_PRELOAD) into the sanitizer runs of scripts/test only: dlclose does nothing, so a library that a
// dependency loads and unloads again (OpenCV's plugins, Mesa's driver) is still mapped when LeakSanitizer reports
// at exit. Its frames then have names, and tests/sanitizers/lsan.supp can suppress them by library, instead of
// an "<unknown module>" frame that no suppression can tell from deepvis's own code.
int dlclose(void* handle) {
  (void)handle;
  return 0;
}
