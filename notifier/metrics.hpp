// The notifier's metrics: an I/O-free registry rendered in the Prometheus text format
// (version 0.0.4), served by the service at GET /metrics.
//
//   metrics_registry r;
//   auto& polls = r.counter("sofy_notifier_polls_total", "Polls of a schedule.");
//   auto& sent = r.counter("sofy_notifier_notifications_total", "...", {{"webhook", "qa-slack"}, {"result", "delivered"}});
//   polls.inc();
//   std::string text = r.render();   // # HELP / # TYPE lines, then the samples
//
// Series of one name share their HELP and TYPE lines (one family); references returned
// stay valid as long as the registry lives. Labels never name a schedule (ten thousand
// schedules would be ten thousand series): webhooks, event types and results only.
// Thread-compatible (the notifier's single io_context thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sofy::notifier {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

enum class metric_type { counter, gauge, histogram };

class metrics_registry {
 public:
  class counter {
   public:
    void inc(double v = 1) noexcept { value_ += v; }
    double value() const noexcept { return value_; }

   private:
    double value_ = 0;
  };
  class gauge {
   public:
    void set(double v) noexcept { value_ = v; }
    void inc(double v = 1) noexcept { value_ += v; }
    double value() const noexcept { return value_; }

   private:
    double value_ = 0;
  };
  class histogram {
   public:
    explicit histogram(std::vector<double> bounds);
    void observe(double v) noexcept;
    const std::vector<double>& bounds() const noexcept { return bounds_; }
    // Cumulative counts per bound (the last one is +Inf = count()).
    std::vector<std::uint64_t> cumulative() const;
    std::uint64_t count() const noexcept { return count_; }
    double sum() const noexcept { return sum_; }

   private:
    std::vector<double> bounds_;         // ascending, without +Inf
    std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; one more for +Inf
    std::uint64_t count_ = 0;
    double sum_ = 0;
  };

  // The series of that name and labels, created on first use. Throws std::logic_error
  // when the name was registered with another type, or a name or label name is not a
  // valid Prometheus name.
  counter& counter_of(std::string_view name, std::string_view help, const metric_labels& labels = {});
  gauge& gauge_of(std::string_view name, std::string_view help, const metric_labels& labels = {});
  histogram& histogram_of(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                          const metric_labels& labels = {});

  // Drops every series of the family whose labels are not in `keep` (a webhook
  // removed by a reload stops being reported).
  void retain(std::string_view name, const std::vector<metric_labels>& keep);

  // Text exposition format 0.0.4, families in registration order.
  std::string render() const;

  // Seconds buckets for request-like durations: 5 ms to 30 s.
  static std::vector<double> duration_buckets();

 private:
  struct series {
    metric_labels labels;
    std::unique_ptr<counter> c;
    std::unique_ptr<gauge> g;
    std::unique_ptr<histogram> h;
  };
  struct family {
    std::string name, help;
    metric_type type;
    std::vector<std::unique_ptr<series>> items;
  };
  series& find_or_add(std::string_view name, std::string_view help, metric_type type,
                      const metric_labels& labels);
  std::vector<std::unique_ptr<family>> families_;
};

// A sample value as Prometheus writes it: integers without a fraction, "+Inf", "NaN".
std::string format_metric_value(double v);

}  // namespace sofy::notifier
