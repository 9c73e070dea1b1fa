// Tests of notifier/metrics.hpp: the Prometheus text format 0.0.4.
#include "notifier/metrics.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

using namespace sofy::notifier;

TEST_CASE("metrics: counters and gauges with HELP, TYPE and escaped labels") {
  metrics_registry r;
  r.counter_of("sofy_notifier_polls_total", "Polls.").inc();
  r.counter_of("sofy_notifier_polls_total", "Polls.").inc(2);
  r.counter_of("sofy_notifier_notifications_total", "Attempts by result.", {{"webhook", "qa-slack"}, {"result", "delivered"}})
      .inc();
  r.counter_of("sofy_notifier_notifications_total", "Attempts by result.", {{"webhook", "we\"ird\\\n"}, {"result", "dead"}})
      .inc(4);
  r.gauge_of("sofy_notifier_outbox_pending", "Pending, help with \\ and\nnewline.", {{"webhook", "qa-slack"}}).set(7.5);
  const std::string text = r.render();
  CHECK(text ==
        "# HELP sofy_notifier_polls_total Polls.\n"
        "# TYPE sofy_notifier_polls_total counter\n"
        "sofy_notifier_polls_total 3\n"
        "# HELP sofy_notifier_notifications_total Attempts by result.\n"
        "# TYPE sofy_notifier_notifications_total counter\n"
        "sofy_notifier_notifications_total{webhook=\"qa-slack\",result=\"delivered\"} 1\n"
        "sofy_notifier_notifications_total{webhook=\"we\\\"ird\\\\\\n\",result=\"dead\"} 4\n"
        "# HELP sofy_notifier_outbox_pending Pending, help with \\\\ and\\nnewline.\n"
        "# TYPE sofy_notifier_outbox_pending gauge\n"
        "sofy_notifier_outbox_pending{webhook=\"qa-slack\"} 7.5\n");
}

TEST_CASE("metrics: histograms have cumulative le buckets, +Inf, _sum and _count") {
  metrics_registry r;
  auto& h = r.histogram_of("sofy_notifier_delivery_duration_seconds", "Delivery time.", {0.1, 1});
  h.observe(0.05);
  h.observe(0.1);  // le is inclusive
  h.observe(0.5);
  h.observe(3);
  CHECK(r.render() ==
        "# HELP sofy_notifier_delivery_duration_seconds Delivery time.\n"
        "# TYPE sofy_notifier_delivery_duration_seconds histogram\n"
        "sofy_notifier_delivery_duration_seconds_bucket{le=\"0.1\"} 2\n"
        "sofy_notifier_delivery_duration_seconds_bucket{le=\"1\"} 3\n"
        "sofy_notifier_delivery_duration_seconds_bucket{le=\"+Inf\"} 4\n"
        "sofy_notifier_delivery_duration_seconds_sum 3.65\n"
        "sofy_notifier_delivery_duration_seconds_count 4\n");
}

TEST_CASE("metrics: wrong types and bad names are refused; retain drops series") {
  metrics_registry r;
  r.counter_of("a_total", "A.");
  CHECK_THROWS_AS(r.gauge_of("a_total", "A."), std::logic_error);
  CHECK_THROWS_AS(r.counter_of("1bad", "B."), std::logic_error);
  CHECK_THROWS_AS(r.counter_of("ok_total", "B.", {{"bad-label", "x"}}), std::logic_error);
  r.gauge_of("pending", "P.", {{"webhook", "a"}}).set(1);
  r.gauge_of("pending", "P.", {{"webhook", "b"}}).set(2);
  r.retain("pending", {{{"webhook", "b"}}});
  const std::string text = r.render();
  CHECK(text.find("webhook=\"a\"") == std::string::npos);
  CHECK(text.find("pending{webhook=\"b\"} 2") != std::string::npos);
  CHECK(format_metric_value(1e300 * 1e300) == "+Inf");
  CHECK(format_metric_value(42) == "42");
}

TEST_CASE("metrics: every sample line parses as name{labels} value") {
  metrics_registry r;
  r.counter_of("x_total", "X.", {{"k", "v w"}}).inc();
  r.histogram_of("d_seconds", "D.", metrics_registry::duration_buckets(), {{"webhook", "h"}}).observe(0.2);
  std::istringstream in(r.render());
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    if (line.starts_with("#")) {
      CHECK((line.starts_with("# HELP ") || line.starts_with("# TYPE ")));
      continue;
    }
    ++samples;
    const auto sp = line.rfind(' ');
    REQUIRE(sp != std::string::npos);
    const std::string value = line.substr(sp + 1);
    CHECK_NOTHROW(std::stod(value == "+Inf" ? "inf" : value));
    const std::string series = line.substr(0, sp);
    if (series.find('{') != std::string::npos) CHECK(series.back() == '}');
  }
  CHECK(samples == 1 + 12 + 1 + 2);
}
