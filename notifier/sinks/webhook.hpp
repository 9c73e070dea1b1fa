// The generic JSON webhook: one POST per event, body and headers pinned (DESIGN.md).
//
//   {"id":"<event id>","event":"test_changed","observed_at":"2026-12-04T10:00:00Z",
//    "schedule":{"name":"Nightly smoke","guid":"..."},"group":"123456",
//    "test":{"scenario":"Login","device":"Pixel 7","build":"1.4.0(77)","status":"failed",
//            "raw_status":"Failed","previous_status":"running"}}
//
// previous_status is null for a test seen for the first time. run_started carries id,
// event, observed_at, schedule and group; run_finished adds "outcome",
// "counts":{"total","queued","running","passed","failed","incomplete","not_executed",
// "stopped","unknown"} and "tests":[{scenario, device, build, status, raw_status}].
//
// Headers: Content-Type: application/json, X-Sofy-Event: <event>, X-Sofy-Delivery: <id>
// (the event id, the same on every retry) and, when the webhook has a secret,
// X-Sofy-Signature-256: sha256=<lower-case hex HMAC-SHA256 of the exact body>.
//
// Answers: 2xx delivered; 408, 429 (Retry-After) and 5xx transient; other 4xx permanent.
#pragma once

#include "notifier/config.hpp"
#include "notifier/event.hpp"
#include "notifier/sinks/sink.hpp"

namespace sofy::notifier::webhook {

// One request per event, in the batch's order.
std::vector<outgoing> render(const batch& b, const webhook_config& hook);

// The body for one event (what render sends).
std::string body(const event& e);

// "sha256=" + hex HMAC-SHA256(secret, body): the X-Sofy-Signature-256 value.
std::string signature(std::string_view secret, std::string_view body);

delivery_verdict classify(int http_status, std::string_view body,
                          std::optional<std::chrono::milliseconds> retry_after);

}  // namespace sofy::notifier::webhook
