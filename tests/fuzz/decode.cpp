// libFuzzer entry for the I/O-free Sofy decoders and parsers: every decoder runs on
// the input, and may only return or throw sofy::error (anything else escapes and
// aborts the run). Also checks a few invariants of the results.
#include <sofy/decode.hpp>
#include <sofy/duration.hpp>
#include <sofy/retry.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

template <class F>
void run(F&& f) {
  try {
    f();
  } catch (const sofy::error& e) {
    // Errors say what and where: never empty, never multi-line.
    const std::string_view what = e.what();
    check(!what.empty());
    check(what.find('\n') == std::string_view::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  run([&] {
    const auto g = sofy::decode_status(in);
    const auto c = g.counts();
    check(c.total == g.tests.size());
    check(g.finished() == (g.outcome() != sofy::run_outcome::running));
    for (const auto& t : g.tests) check(t.status == sofy::parse_run_status(t.raw_status));
    // Decoding into an earlier answer (kept across inputs) gives the same result.
    static sofy::group_status reused;
    sofy::decode_status(in, reused);
    check(reused.tests == g.tests && reused.group_id == g.group_id && reused.message == g.message);
  });
  run([&] {
    const auto groups = sofy::decode_run_groups(in);
    if (!groups.empty()) check(sofy::latest_group(groups) != nullptr);
  });
  run([&] {
    const auto t = sofy::decode_trigger(in);
    if (t.group_id) check(!t.group_id->empty());
  });
  run([&] { sofy::decode_applications(in); });
  run([&] { sofy::decode_devices(in); });
  run([&] { check(!sofy::decode_upload(in).app_hash.empty()); });
  run([&] { sofy::decode_message(in); });

  // decode_error_body never throws sofy::error (or anything but bad_alloc).
  const auto e = sofy::decode_error_body(502, in.substr(0, 40), in, "SECRET");
  check(std::string_view(e.what()).find("SECRET") == std::string_view::npos);
  check(e.http_status() == 502);

  (void)sofy::parse_run_status(in);
  (void)sofy::parse_group_state(in);
  (void)sofy::is_guid(in);
  (void)sofy::parse_timestamp(in);
  (void)sofy::parse_retry_after(in, std::chrono::system_clock::time_point{});

  std::string why;
  if (const auto d = sofy::parse_duration(in, &why)) {
    check(sofy::parse_duration(sofy::format_duration(*d)) == d);
  } else {
    check(!why.empty());
  }
  return 0;
}
