// What every sink produces and answers, so the delivery layer can treat them alike.
// Each sink (slack.hpp, teams.hpp, webhook.hpp) offers, in its own namespace:
//
//   std::vector<outgoing> render(const batch& b, const webhook_config& hook);
//   delivery_verdict classify(int http_status, std::string_view body,
//                             std::optional<std::chrono::milliseconds> retry_after);
//
// Rendering is pure: the same batch gives the same bodies and the same delivery ids,
// so re-rendering after a crash re-creates the same outbox rows.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sofy::notifier {

struct http_header {
  std::string name;
  std::string value;
  friend bool operator==(const http_header&, const http_header&) = default;
};

// One request to POST to the webhook's URL.
struct outgoing {
  std::string body;
  std::vector<http_header> headers;
  // Stable identity of this request: the event id for the generic webhook (it is also
  // X-Sofy-Delivery), a hash of the webhook name and the event ids for chat messages.
  std::string delivery_id;
};

// What an HTTP answer means for a delivery.
struct delivery_verdict {
  enum class kind { delivered, transient, permanent };
  kind outcome = kind::delivered;
  // transient: the wait the receiver asked for (Retry-After), when it did.
  std::optional<std::chrono::milliseconds> retry_after;
  // transient and permanent: a short reason for logs ("HTTP 404 channel_not_found: the
  // channel does not exist"). It never quotes more of the body than a short error
  // token, which cannot carry a secret.
  std::string reason;

  static delivery_verdict delivered() { return {}; }
  static delivery_verdict transient(std::string reason,
                                    std::optional<std::chrono::milliseconds> retry_after = {}) {
    return {kind::transient, retry_after, std::move(reason)};
  }
  static delivery_verdict permanent(std::string reason) {
    return {kind::permanent, std::nullopt, std::move(reason)};
  }
};

std::string_view to_string(delivery_verdict::kind k) noexcept;

// The classification every sink starts from (DESIGN.md): 2xx delivered; 408, 429 and
// 5xx transient (with Retry-After when given); anything else permanent (a 3xx too:
// redirects are not followed). Status 0 or less means no HTTP answer: transient.
// `detail` is appended to the reason ("HTTP 404" + ": " + detail).
delivery_verdict classify_http(int http_status, std::string_view detail,
                               std::optional<std::chrono::milliseconds> retry_after);

}  // namespace sofy::notifier
