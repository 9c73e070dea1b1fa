// libFuzzer target: YAML text into the notifier's config loader.
//
// The loader's own sources are compiled into this target (not linked from
// sofy_notifier_core) so that they carry the fuzzer's coverage and sanitizers. Needs the
// project root on the include path and yaml-cpp and fmt linked, e.g.
//   clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. -Iinclude \
//     tests/fuzz/config.cpp -lyaml-cpp -lfmt -lboost_url -lboost_json -lcrypto
//   ./a.out -max_total_time=60 tests/fuzz/corpus/config
//
// tests/fuzz/CMakeLists.txt provides both. Built without them (by hand, say), this file
// is a stub that says so and fuzzes nothing; scripts/fuzz-smoke.sh fails on that.
//
// Checked beyond "no crash": a config is returned exactly when there is no error, every
// error has a place (line and column from 1), and a config that loads has every
// reference resolved.
#if __has_include("notifier/config.cpp")

#include "notifier/config.cpp"
#include "notifier/detail/text.cpp"
#include "notifier/event.cpp"
#include "notifier/template.cpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sofy::notifier;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  load_options o;
  o.file_name = "fuzz.yaml";
  o.base_dir = "/nonexistent-sofy-fuzz";
  // Variables with an odd-length name are set (to a GUID, so auth_key can be valid).
  o.env = [](const std::string& name) -> std::optional<std::string> {
    if (name.size() % 2 == 1) return "0b6ef3f2-1111-2222-3333-444455556666";
    return std::nullopt;
  };
  load_result r = load_config_string(text, o);
  if (r.value.has_value() == !r.errors.empty()) std::abort();
  for (const auto& e : r.errors)
    if (e.line == 0 || e.column == 0 || e.message.empty() || e.file != "fuzz.yaml") std::abort();
  if (r.value) {
    const config& c = *r.value;
    if (c.schedules.empty() || c.webhooks.empty() || c.sofy.auth_key.empty()) std::abort();
    for (const auto& s : c.schedules)
      for (const auto& w : s.webhooks)
        if (!c.find_webhook(w)) std::abort();
  }
  return 0;
}

#else

#include <cstddef>
#include <cstdint>
#include <cstdio>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::fputs(
      "fuzz_config: built without the notifier sources (it needs the project root on "
      "the include path and yaml-cpp and fmt linked); nothing is fuzzed\n",
      stderr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }

#endif
