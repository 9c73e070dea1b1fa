#include "notifier/sinks/sink.hpp"

namespace sofy::notifier {

std::string_view to_string(delivery_verdict::kind k) noexcept {
  switch (k) {
    case delivery_verdict::kind::delivered: return "delivered";
    case delivery_verdict::kind::transient: return "transient";
    case delivery_verdict::kind::permanent: return "permanent";
  }
  return "permanent";
}

delivery_verdict classify_http(int status, std::string_view detail,
                               std::optional<std::chrono::milliseconds> retry_after) {
  if (status >= 200 && status <= 299) return delivery_verdict::delivered();
  std::string reason =
      status <= 0 ? std::string("no HTTP answer") : "HTTP " + std::to_string(status);
  if (!detail.empty()) reason += ": " + std::string(detail);
  if (status <= 0 || status == 408 || status == 429 || (status >= 500 && status <= 599))
    return delivery_verdict::transient(std::move(reason), retry_after);
  if (status >= 300 && status <= 399 && detail.empty())
    reason += ": redirects are not followed; check the URL";
  return delivery_verdict::permanent(std::move(reason));
}

}  // namespace sofy::notifier
