#include "render.hpp"

#include <boost/json.hpp>

namespace sofy::sim {

namespace json = boost::json;

namespace {

void pretty(const json::value& v, int indent, int level, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent * (level + 1)), ' ');
  const std::string close_pad(static_cast<std::size_t>(indent * level), ' ');
  if (const auto* o = v.if_object()) {
    if (o->empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& kv : *o) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      out += json::serialize(json::string(kv.key()));
      out += ": ";
      pretty(kv.value(), indent, level + 1, out);
    }
    out += "\n" + close_pad + "}";
  } else if (const auto* a = v.if_array()) {
    if (a->empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    bool first = true;
    for (const auto& e : *a) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      pretty(e, indent, level + 1, out);
    }
    out += "\n" + close_pad + "]";
  } else {
    out += json::serialize(v);
  }
}

// Concatenation by appending: GCC 12 warns wrongly (-Wrestrict) about `"literal" + string&&`
// once inlined at -O2 and above.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string str(const json::value* v) {
  if (v && v->is_string()) return std::string(v->get_string());
  return {};
}

const json::value* member(const json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  return o ? o->if_contains(key) : nullptr;
}

// The text of a Slack text object ({"type":"mrkdwn","text":"..."}) or a plain string.
std::string slack_text(const json::value* v) {
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  return str(member(*v, "text"));
}

void add_line(std::string& out, std::string_view prefix, std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.empty()) return;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto nl = text.find('\n', start);
    out += prefix;
    out += text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

void slack_blocks(const json::array& blocks, std::string_view prefix, std::string& out) {
  for (const auto& b : blocks) {
    const std::string type = str(member(b, "type"));
    if (type == "header") {
      add_line(out, prefix, "# " + slack_text(member(b, "text")));
    } else if (type == "section") {
      add_line(out, prefix, slack_text(member(b, "text")));
      if (const auto* fields = member(b, "fields"); fields && fields->is_array()) {
        for (const auto& f : fields->get_array()) add_line(out, std::string(prefix) + "  ", slack_text(&f));
      }
    } else if (type == "context") {
      if (const auto* els = member(b, "elements"); els && els->is_array()) {
        for (const auto& e : els->get_array()) add_line(out, std::string(prefix) + "  ~ ", slack_text(&e));
      }
    } else if (type == "divider") {
      add_line(out, prefix, "----");
    } else if (type == "rich_text" || type == "markdown") {
      add_line(out, prefix, slack_text(member(b, "text")));
    } else if (!type.empty()) {
      add_line(out, prefix, "[" + type + " block]");
    }
  }
}

void teams_elements(const json::array& items, std::string_view prefix, std::string& out);

void teams_element(const json::value& e, std::string_view prefix, std::string& out) {
  const std::string type = str(member(e, "type"));
  if (type == "TextBlock") {
    const bool heading = str(member(e, "size")) == "Large" || str(member(e, "size")) == "ExtraLarge" ||
                         str(member(e, "style")) == "heading";
    add_line(out, prefix, (heading ? "# " : "") + str(member(e, "text")));
  } else if (type == "RichTextBlock") {
    std::string line;
    if (const auto* in = member(e, "inlines"); in && in->is_array()) {
      for (const auto& i : in->get_array()) line += i.is_string() ? std::string(i.get_string()) : str(member(i, "text"));
    }
    add_line(out, prefix, line);
  } else if (type == "FactSet") {
    if (const auto* facts = member(e, "facts"); facts && facts->is_array()) {
      for (const auto& f : facts->get_array()) {
        add_line(out, std::string(prefix) + "  ", str(member(f, "title")) + ": " + str(member(f, "value")));
      }
    }
  } else if (type == "Container") {
    if (const auto* items = member(e, "items"); items && items->is_array()) {
      teams_elements(items->get_array(), prefix, out);
    }
  } else if (type == "ColumnSet") {
    if (const auto* cols = member(e, "columns"); cols && cols->is_array()) {
      for (const auto& c : cols->get_array()) {
        if (const auto* items = member(c, "items"); items && items->is_array()) {
          teams_elements(items->get_array(), prefix, out);
        }
      }
    }
  } else if (type == "ActionSet") {
    if (const auto* actions = member(e, "actions"); actions && actions->is_array()) {
      for (const auto& a : actions->get_array()) {
        add_line(out, prefix, cat("[", str(member(a, "title")), "](", str(member(a, "url")), ")"));
      }
    }
  } else if (!type.empty()) {
    add_line(out, prefix, "[" + type + "]");
  }
}

void teams_elements(const json::array& items, std::string_view prefix, std::string& out) {
  for (const auto& e : items) teams_element(e, prefix, out);
}

}  // namespace

std::string pretty_json(const json::value& v, int indent) {
  std::string out;
  pretty(v, indent, 0, out);
  return out;
}

std::optional<std::string> render_slack(const json::value& payload) {
  const auto* o = payload.if_object();
  if (!o || o->contains("type")) return std::nullopt;
  const auto* blocks = o->if_contains("blocks");
  const auto* attachments = o->if_contains("attachments");
  const auto* text = o->if_contains("text");
  if (!(blocks && blocks->is_array()) && !(text && text->is_string()) && !(attachments && attachments->is_array())) {
    return std::nullopt;
  }
  std::string out;
  if (blocks && blocks->is_array() && !blocks->get_array().empty()) {
    slack_blocks(blocks->get_array(), "", out);
  } else if (text) {
    add_line(out, "", str(text));
  }
  if (attachments && attachments->is_array()) {
    for (const auto& a : attachments->get_array()) {
      const std::string color = str(member(a, "color"));
      const std::string bar = color.empty() ? "| " : "| (" + color + ") ";
      if (const auto* ab = member(a, "blocks"); ab && ab->is_array()) slack_blocks(ab->get_array(), bar, out);
      add_line(out, bar, str(member(a, "text")));
    }
  }
  return out;
}

std::optional<std::string> render_teams(const json::value& payload) {
  if (str(member(payload, "type")) != "message") return std::nullopt;
  const auto* attachments = member(payload, "attachments");
  if (!attachments || !attachments->is_array()) return std::nullopt;
  std::string out;
  for (const auto& a : attachments->get_array()) {
    const auto* content = member(a, "content");
    if (!content) continue;
    if (const auto* body = member(*content, "body"); body && body->is_array()) {
      teams_elements(body->get_array(), "", out);
    }
    if (const auto* actions = member(*content, "actions"); actions && actions->is_array()) {
      for (const auto& act : actions->get_array()) {
        add_line(out, "", cat("[", str(member(act, "title")), "](", str(member(act, "url")), ")"));
      }
    }
  }
  return out;
}

std::string render_delivery(const hook_delivery& d, bool with_json) {
  std::string out = "== hook " + d.hook + " #" + std::to_string(d.seq) + ": " + d.method + " " + d.target;
  if (auto ev = d.headers.get("X-Sofy-Event")) out += ", event " + std::string(*ev);
  if (auto id = d.headers.get("X-Sofy-Delivery")) out += ", delivery " + std::string(*id);
  out += d.status ? ", answered " + std::to_string(d.status) : std::string(", not answered");
  out += '\n';

  boost::system::error_code ec;
  const json::value v = json::parse(d.body, ec);
  if (ec) {
    if (d.body.empty()) {
      out += "  (empty body)\n";
    } else if (d.body.size() > 4096) {
      add_line(out, "  ", d.body.substr(0, 4096));
      out += "  ... (" + std::to_string(d.body.size()) + " bytes in all)\n";
    } else {
      add_line(out, "  ", d.body);
    }
    return out;
  }
  std::optional<std::string> chat;
  std::string kind;
  if ((chat = render_teams(v))) {
    kind = "Teams";
  } else if ((chat = render_slack(v))) {
    kind = "Slack";
  }
  if (chat) {
    out += "  " + kind + " message:\n";
    add_line(out, "    ", *chat);
    if (!with_json) return out;
  }
  add_line(out, "  ", pretty_json(v));
  return out;
}

}  // namespace sofy::sim
