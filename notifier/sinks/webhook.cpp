#include "notifier/sinks/webhook.hpp"

#include "notifier/detail/text.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/json.hpp>

#include <array>
#include <stdexcept>

namespace sofy::notifier::webhook {
namespace {

namespace json = boost::json;

json::object test_object(const test_run& t) {
  return json::object{{"scenario", detail::utf8_sanitize(t.scenario)},
                      {"device", detail::utf8_sanitize(t.device)},
                      {"build", detail::utf8_sanitize(t.build)},
                      {"status", to_string(t.status)},
                      {"raw_status", detail::utf8_sanitize(t.raw_status)}};
}

}  // namespace

std::string body(const event& e) {
  json::object o;
  o["id"] = e.id;
  o["event"] = to_string(e.type);
  o["observed_at"] = format_rfc3339(e.observed_at);
  o["schedule"] =
      json::object{{"name", detail::utf8_sanitize(e.schedule.name)}, {"guid", e.schedule.guid}};
  o["group"] = detail::utf8_sanitize(e.group);
  switch (e.type) {
    case event_type::run_started: break;
    case event_type::test_changed: {
      json::object t = test_object(e.test);
      if (e.previous_status)
        t["previous_status"] = to_string(*e.previous_status);
      else
        t["previous_status"] = nullptr;
      o["test"] = std::move(t);
      break;
    }
    case event_type::run_finished: {
      const status_counts& c = e.counts;
      o["outcome"] = to_string(e.outcome);
      o["counts"] = json::object{{"total", c.total},
                                 {"queued", c.queued},
                                 {"running", c.running},
                                 {"passed", c.passed},
                                 {"failed", c.failed},
                                 {"incomplete", c.incomplete},
                                 {"not_executed", c.not_executed},
                                 {"stopped", c.stopped},
                                 {"unknown", c.unknown}};
      json::array tests;
      tests.reserve(e.tests.size());
      for (const auto& t : e.tests) tests.push_back(test_object(t));
      o["tests"] = std::move(tests);
      break;
    }
  }
  return json::serialize(o);
}

std::string signature(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(),
           &len) == nullptr)
    throw std::runtime_error("HMAC-SHA256 unavailable");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 0x0F];
  }
  return out;
}

std::vector<outgoing> render(const batch& b, const webhook_config& hook) {
  std::vector<outgoing> out;
  out.reserve(b.events.size());
  for (const auto& e : b.events) {
    outgoing o;
    o.body = body(e);
    o.delivery_id = e.id;
    o.headers = {{"Content-Type", "application/json"},
                 {"X-Sofy-Event", std::string(to_string(e.type))},
                 {"X-Sofy-Delivery", e.id}};
    if (!hook.secret.empty())
      o.headers.push_back({"X-Sofy-Signature-256", signature(hook.secret, o.body)});
    out.push_back(std::move(o));
  }
  return out;
}

delivery_verdict classify(int http_status, std::string_view body,
                          std::optional<std::chrono::milliseconds> retry_after) {
  return classify_http(http_status, detail::safe_token(body), retry_after);
}

}  // namespace sofy::notifier::webhook
