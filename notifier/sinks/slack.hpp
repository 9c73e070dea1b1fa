// Slack incoming webhooks: one Block Kit message per batch (one schedule, one poll).
//
// The message: a header block with the title template (default "{schedule}"), a
// section with the text template (default: the run's counts) followed by the webhook's
// `mention` when a test failed (test_changed to failed, incomplete, not_executed or
// stopped, or run_finished with outcome failed), then the changes, one line each with
// an emoji per status, packed into sections. A fallback `text` (title and summary) is
// what notifications and old clients show.
//
// Limits (Slack's): at most 50 blocks, 3,000 characters per section text, 150 per
// header; the whole message is kept within about 12,000 characters. Changes that do
// not fit are counted in a last context block, "and N more".
//
// Answers (Slack's incoming-webhook errors): 200 "ok" delivered; 429 (with
// Retry-After) and 5xx (rollup_error) transient; 400 invalid_payload / user_not_found /
// no_text, 403 action_prohibited / invalid_token, 404 channel_not_found / no_service,
// 410 channel_is_archived and other 4xx permanent.
#pragma once

#include "notifier/config.hpp"
#include "notifier/event.hpp"
#include "notifier/sinks/sink.hpp"

namespace sofy::notifier::slack {

inline constexpr std::size_t max_blocks = 50;
inline constexpr std::size_t max_section_chars = 3000;
inline constexpr std::size_t max_header_chars = 150;
inline constexpr std::size_t max_message_chars = 12000;

// One message for a non-empty batch; nothing for an empty one.
std::vector<outgoing> render(const batch& b, const webhook_config& hook);

delivery_verdict classify(int http_status, std::string_view body,
                          std::optional<std::chrono::milliseconds> retry_after);

// Slack's mrkdwn escaping of & < > (for text taken from Sofy or the config's names).
std::string escape(std::string_view s);

}  // namespace sofy::notifier::slack
