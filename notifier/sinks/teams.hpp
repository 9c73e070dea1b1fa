// Microsoft Teams through a Workflows webhook ("When a Teams webhook request is
// received"): one Adaptive Card 1.4 per batch, in the message envelope
//     {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
//                                       "contentUrl":null,"content":{AdaptiveCard}}]}
// (Office 365 connectors, which took MessageCard, were retired; config rejects them.)
//
// The card: the title template as a bold TextBlock, the text template, then one
// TextBlock per change with an emoji and a colour per status (Good, Attention,
// Warning). The webhook's `mention` (a user's UPN or Entra object id) is mentioned
// (<at>..</at> plus an msteams mention entity) when a test failed. The whole body is
// kept under 20 KB; changes that do not fit are counted in a last TextBlock,
// "and N more".
//
// Answers: 200 or 202 delivered (any 2xx); 408, 429 (Retry-After) and 5xx transient;
// other 4xx (400 bad card, 401/403, 404 flow gone, 413 too large) permanent.
#pragma once

#include "notifier/config.hpp"
#include "notifier/event.hpp"
#include "notifier/sinks/sink.hpp"

namespace sofy::notifier::teams {

inline constexpr std::size_t max_body_bytes = 20'000;

// One message for a non-empty batch; nothing for an empty one.
std::vector<outgoing> render(const batch& b, const webhook_config& hook);

delivery_verdict classify(int http_status, std::string_view body,
                          std::optional<std::chrono::milliseconds> retry_after);

}  // namespace sofy::notifier::teams
