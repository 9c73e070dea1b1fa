// Tests of examples/sofy-run/progress.hpp: byte and progress formatting, throttling, and
// that nothing is drawn when the output is not a terminal.
#include <progress.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

using namespace std::chrono_literals;
using clock_type = sofy_run::upload_progress::clock;

namespace {

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string s;
  char buf[512];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

}  // namespace

TEST_CASE("progress: sizes and the progress line") {
  CHECK(sofy_run::format_bytes(0) == "0 B");
  CHECK(sofy_run::format_bytes(1023) == "1023 B");
  CHECK(sofy_run::format_bytes(1536) == "1.5 KiB");
  CHECK(sofy_run::format_bytes(200ull * 1024 * 1024) == "200.0 MiB");
  CHECK(sofy_run::format_bytes(3ull << 30) == "3.0 GiB");
  CHECK(sofy_run::format_upload_progress("app.apk", 90ull << 20, 200ull << 20) ==
        "uploading app.apk:  45% (90.0 MiB of 200.0 MiB)");
  CHECK(sofy_run::format_upload_progress("a", 0, 0) == "uploading a: 100% (0 B of 0 B)");
  CHECK(sofy_run::format_upload_progress("a", 10, 10) == "uploading a: 100% (10 B of 10 B)");
}

TEST_CASE(
    "progress: draws the first report, then at most one per interval, and the last one once") {
  sofy_run::upload_progress p{"a", true, stderr, 200ms};
  const auto t0 = clock_type::time_point{} + 1h;
  CHECK(p.should_draw(t0, 1, 100));
  CHECK_FALSE(p.should_draw(t0 + 50ms, 2, 100));
  CHECK_FALSE(p.should_draw(t0 + 199ms, 3, 100));
  CHECK(p.should_draw(t0 + 200ms, 4, 100));
  CHECK_FALSE(p.should_draw(t0 + 210ms, 5, 100));
  CHECK(p.should_draw(t0 + 220ms, 100, 100));  // the end is always shown
  CHECK_FALSE(p.should_draw(t0 + 900ms, 100, 100));
  CHECK(p.draws() == 3);
}

TEST_CASE("progress: redraws one line in place and ends it; silent when disabled") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  sofy_run::upload_progress on{"app.apk", true, f, 0ms};
  on(512, 1024);
  on(1024, 1024);
  on.finish();
  on.finish();
  CHECK(read_all(f) ==
        "\ruploading app.apk:  50% (512 B of 1.0 KiB)\x1b[K"
        "\ruploading app.apk: 100% (1.0 KiB of 1.0 KiB)\x1b[K\n");
  std::fclose(f);

  std::FILE* g = std::tmpfile();
  REQUIRE(g);
  sofy_run::upload_progress off{"app.apk", false, g, 0ms};
  off(512, 1024);
  off(1024, 1024);
  off.finish();
  CHECK(read_all(g).empty());
  std::fclose(g);
}
