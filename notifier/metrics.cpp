#include "notifier/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sofy::notifier {

namespace {

bool valid_name(std::string_view n, bool allow_colon) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

void append_escaped(std::string& out, std::string_view v, bool quote_too) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote_too) out += "\\\"";
    else out += c;
  }
}

void append_labels(std::string& out, const metric_labels& labels, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_escaped(out, v, true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

std::string_view type_name(metric_type t) {
  switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

metrics_registry::histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  counts_.assign(bounds_.size() + 1, 0);
}

void metrics_registry::histogram::observe(double v) noexcept {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // le: v <= bound
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += v;
}

std::vector<std::uint64_t> metrics_registry::histogram::cumulative() const {
  std::vector<std::uint64_t> out(counts_.size());
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) out[i] = acc += counts_[i];
  return out;
}

std::vector<double> metrics_registry::duration_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

metrics_registry::series& metrics_registry::find_or_add(std::string_view name, std::string_view help,
                                                        metric_type type, const metric_labels& labels) {
  family* fam = nullptr;
  for (auto& f : families_)
    if (f->name == name) fam = f.get();
  if (!fam) {
    if (!valid_name(name, true)) throw std::logic_error(fmt::format("metrics: bad metric name '{}'", name));
    families_.push_back(std::make_unique<family>(family{std::string(name), std::string(help), type, {}}));
    fam = families_.back().get();
  } else if (fam->type != type) {
    throw std::logic_error(fmt::format("metrics: '{}' is a {}, not a {}", name, type_name(fam->type), type_name(type)));
  }
  for (auto& s : fam->items)
    if (s->labels == labels) return *s;
  for (const auto& [k, v] : labels)
    if (!valid_name(k, false) || k.starts_with("__") || (type == metric_type::histogram && k == "le"))
      throw std::logic_error(fmt::format("metrics: bad label name '{}' for '{}'", k, name));
  fam->items.push_back(std::make_unique<series>(series{labels, nullptr, nullptr, nullptr}));
  return *fam->items.back();
}

metrics_registry::counter& metrics_registry::counter_of(std::string_view name, std::string_view help,
                                                        const metric_labels& labels) {
  auto& s = find_or_add(name, help, metric_type::counter, labels);
  if (!s.c) s.c = std::make_unique<counter>();
  return *s.c;
}

metrics_registry::gauge& metrics_registry::gauge_of(std::string_view name, std::string_view help,
                                                    const metric_labels& labels) {
  auto& s = find_or_add(name, help, metric_type::gauge, labels);
  if (!s.g) s.g = std::make_unique<gauge>();
  return *s.g;
}

metrics_registry::histogram& metrics_registry::histogram_of(std::string_view name, std::string_view help,
                                                            const std::vector<double>& bounds,
                                                            const metric_labels& labels) {
  auto& s = find_or_add(name, help, metric_type::histogram, labels);
  if (!s.h) s.h = std::make_unique<histogram>(bounds);
  return *s.h;
}

void metrics_registry::retain(std::string_view name, const std::vector<metric_labels>& keep) {
  for (auto& f : families_) {
    if (f->name != name) continue;
    std::erase_if(f->items, [&](const std::unique_ptr<series>& s) {
      return std::find(keep.begin(), keep.end(), s->labels) == keep.end();
    });
  }
}

std::string metrics_registry::render() const {
  std::string out;
  out.reserve(4096);
  for (const auto& f : families_) {
    if (f->items.empty()) continue;
    out += "# HELP ";
    out += f->name;
    out += ' ';
    append_escaped(out, f->help, false);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += type_name(f->type);
    out += '\n';
    for (const auto& s : f->items) {
      if (f->type == metric_type::histogram) {
        const auto cum = s->h->cumulative();
        const auto& b = s->h->bounds();
        for (std::size_t i = 0; i <= b.size(); ++i) {
          out += f->name;
          out += "_bucket";
          append_labels(out, s->labels, "le", i < b.size() ? format_metric_value(b[i]) : "+Inf");
          out += ' ';
          out += std::to_string(cum[i]);
          out += '\n';
        }
        out += f->name;
        out += "_sum";
        append_labels(out, s->labels);
        out += ' ';
        out += format_metric_value(s->h->sum());
        out += '\n';
        out += f->name;
        out += "_count";
        append_labels(out, s->labels);
        out += ' ';
        out += std::to_string(s->h->count());
        out += '\n';
      } else {
        out += f->name;
        append_labels(out, s->labels);
        out += ' ';
        out += format_metric_value(f->type == metric_type::counter ? s->c->value() : s->g->value());
        out += '\n';
      }
    }
  }
  return out;
}

}  // namespace sofy::notifier
