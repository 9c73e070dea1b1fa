// Upload progress on a terminal: one line on stderr, redrawn in place at most every
// 200 ms and once at 100%, then ended with a newline. Nothing at all when stderr is not
// a terminal (CI logs get the one "uploaded" line sofy-run prints afterwards).
//
//   sofy_run::upload_progress p{"app.apk", sofy_run::upload_progress::stderr_is_terminal()};
//   opts.on_progress = std::ref(p);   // (sent, total) after each chunk
//   ... upload ...
//   p.finish();
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <utility>

namespace sofy_run {

// "12.3 MiB", "512 B", "1.5 GiB".
inline std::string format_bytes(std::uint64_t n) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  std::size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(units)) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

// "uploading app.apk:  45% (90.0 MiB of 200.0 MiB)".
inline std::string format_upload_progress(const std::string& name, std::uint64_t sent,
                                          std::uint64_t total) {
  const unsigned percent =
      total == 0 ? 100u : static_cast<unsigned>(std::min<std::uint64_t>(sent, total) * 100 / total);
  char pc[8];
  std::snprintf(pc, sizeof pc, "%3u%%", percent);
  return "uploading " + name + ": " + pc + " (" + format_bytes(sent) + " of " +
         format_bytes(total) + ")";
}

class upload_progress {
 public:
  using clock = std::chrono::steady_clock;

  upload_progress(std::string name, bool enabled, std::FILE* out = stderr,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(200))
      : name_(std::move(name)), enabled_(enabled), out_(out), interval_(interval) {}

  static bool stderr_is_terminal() noexcept { return ::isatty(STDERR_FILENO) == 1; }

  // Whether a report at `now` should be drawn: the first one, the last one (sent ==
  // total), and otherwise at most one per interval. Records the draw when it says yes.
  bool should_draw(clock::time_point now, std::uint64_t sent, std::uint64_t total) {
    const bool last = sent >= total;
    if (last && drew_last_) return false;
    if (!last && drawn_ > 0 && now - last_draw_ < interval_) return false;
    last_draw_ = now;
    ++drawn_;
    drew_last_ = last;
    return true;
  }

  void operator()(std::uint64_t sent, std::uint64_t total) {
    if (!enabled_ || !should_draw(clock::now(), sent, total)) return;
    // \r and clear-to-end-of-line: redraw in place, whatever was there.
    std::fprintf(out_, "\r%s\x1b[K", format_upload_progress(name_, sent, total).c_str());
    std::fflush(out_);
  }

  // Ends the line if anything was drawn.
  void finish() {
    if (enabled_ && drawn_ > 0 && !finished_) {
      std::fputc('\n', out_);
      std::fflush(out_);
    }
    finished_ = true;
  }

  std::size_t draws() const noexcept { return drawn_; }

 private:
  std::string name_;
  bool enabled_;
  std::FILE* out_;
  std::chrono::milliseconds interval_;
  clock::time_point last_draw_{};
  std::size_t drawn_ = 0;
  bool drew_last_ = false;
  bool finished_ = false;
};

}  // namespace sofy_run
