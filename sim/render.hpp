// Readable text for people watching sofy-sim: hook deliveries and JSON. I/O-free.
#pragma once

#include "engine.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace sofy::sim {

// JSON with one member or element per line, indented by `indent` spaces per level.
std::string pretty_json(const boost::json::value& v, int indent = 2);

// The text a person would see of a Slack message (Block Kit blocks, attachments, or the
// fallback `text`), or nullopt when the payload is not one.
std::optional<std::string> render_slack(const boost::json::value& payload);

// The text of a Microsoft Teams Workflows message (Adaptive Cards in a `message`
// envelope), or nullopt when the payload is not one.
std::optional<std::string> render_teams(const boost::json::value& payload);

// A delivery as sofy-sim prints it: a header line (hook, sequence number, method, the
// X-Sofy-Event and X-Sofy-Delivery headers, the status answered), then the message as a
// person would read it for Slack and Teams payloads, else the JSON pretty-printed, else
// the raw body (cut at 4 KiB). With `with_json`, chat payloads are followed by their JSON.
std::string render_delivery(const hook_delivery& d, bool with_json = false);

}  // namespace sofy::sim
