#include "notifier/service.hpp"

#include "notifier/deliver.hpp"
#include "notifier/metrics.hpp"
#include "notifier/state_store.hpp"
#include "notifier/watch.hpp"

#include <sofy/client.hpp>
#include <sofy/http/server.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <boost/json.hpp>

#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <map>

namespace sofy::notifier {

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
using steady = std::chrono::steady_clock;
using sys = std::chrono::system_clock;

void pretty(std::string& out, const boost::json::value& v, int indent) {
  auto pad = [&](int n) { out.append(static_cast<std::size_t>(n) * 2, ' '); };
  switch (v.kind()) {
    case boost::json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& kv : o) {
        if (!first) out += ",\n";
        first = false;
        pad(indent + 1);
        out += boost::json::serialize(boost::json::value(kv.key()));
        out += ": ";
        pretty(out, kv.value(), indent + 1);
      }
      out += '\n';
      pad(indent);
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      bool first = true;
      for (const auto& e : a) {
        if (!first) out += ",\n";
        first = false;
        pad(indent + 1);
        pretty(out, e, indent + 1);
      }
      out += '\n';
      pad(indent);
      out += ']';
      return;
    }
    default: out += boost::json::serialize(v);
  }
}

sofy::client_options client_options_for(const config& c) {
  sofy::client_options o;
  o.auth_key = c.sofy.auth_key;
  o.base_url = c.sofy.base_url;
  o.request_timeout = c.sofy.request_timeout;
  // A watcher polls again at its next interval: a poll need not retry for long.
  o.operation_timeout = c.sofy.request_timeout * 2;
  o.retry.max_attempts = 2;
  o.http.tls.ca_file = c.tls.ca_file.string();
  o.user_agent = "sofy-notifier";
  return o;
}

http::client_options http_options_for(const config& c) {
  http::client_options o;
  o.tls.ca_file = c.tls.ca_file.string();
  return o;
}

bool same_client_settings(const config& a, const config& b) {
  return a.sofy.auth_key == b.sofy.auth_key && a.sofy.base_url == b.sofy.base_url &&
         a.sofy.request_timeout == b.sofy.request_timeout && a.tls.ca_file == b.tls.ca_file;
}

}  // namespace

std::string pretty_json(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return std::string(text);
  std::string out;
  pretty(out, v, 0);
  return out;
}

int check_config(const std::filesystem::path& file, std::ostream& out, std::ostream& err, env_lookup env) {
  load_result r = load_config_file(file, std::move(env));
  if (!r) {
    for (const auto& d : r.errors) err << d.to_string() << "\n";
    err.flush();
    return 2;
  }
  out << fmt::format("{}: config OK: {} schedule{}, {} webhook{}\n", file.string(), r.value->schedules.size(),
                     r.value->schedules.size() == 1 ? "" : "s", r.value->webhooks.size(),
                     r.value->webhooks.size() == 1 ? "" : "s");
  return 0;
}

struct service::impl {
  service_options opts;
  asio::io_context io{1};
  logger log;
  metrics_registry metrics;
  std::optional<state_store> store;
  std::shared_ptr<const config> cfg;
  std::shared_ptr<sofy::client> client;
  std::shared_ptr<http::client> http;
  std::unique_ptr<watcher> watch;
  std::map<std::string, std::shared_ptr<relay>> relays;
  std::vector<std::shared_ptr<relay>> retired;  // removed by a reload, finishing
  std::optional<http::server> metrics_server;
  std::optional<asio::signal_set> signals;
  asio::steady_timer upkeep{io};
  std::atomic<bool> stop_requested{false};
  bool stopping = false;
  redactor secrets;
  const double start_time = std::chrono::duration<double>(sys::now().time_since_epoch()).count();

  explicit impl(service_options o) : opts(std::move(o)), log(log_format::text, log_level::info, opts.log_sink) {
    if (!opts.out) opts.out = &std::cout;
  }

  runtime_env env() { return {&log, &metrics, store ? &*store : nullptr}; }

  void apply_logging(const config& c) {
    log.set_format(c.format);
    log.set_level(opts.level.value_or(c.level));
    secrets.add_config(c);  // old secrets stay: they may still be in flight
    log.set_redactor(secrets);
  }

  std::optional<config> load(bool reloading) {
    load_result r = load_config_file(opts.config_file, opts.env);
    if (!r) {
      for (const auto& d : r.errors) log.error("config error", {{"error", d.to_string()}});
      if (reloading) {
        log.error("reload failed; keeping the running config", {{"errors", r.errors.size()}});
        metrics.gauge_of("sofy_notifier_config_last_reload_successful", "Whether the last config load worked (1) or not (0).")
            .set(0);
      }
      return std::nullopt;
    }
    return std::move(*r.value);
  }

  void config_loaded() {
    metrics.gauge_of("sofy_notifier_config_last_reload_successful", "Whether the last config load worked (1) or not (0).")
        .set(1);
    metrics
        .gauge_of("sofy_notifier_config_last_reload_success_timestamp_seconds",
                  "When the config was last loaded successfully, in seconds since the epoch.")
        .set(std::chrono::duration<double>(sys::now().time_since_epoch()).count());
  }

  void report_orphans() {
    if (!store) return;
    try {
      for (const auto& w : store->webhooks_with_pending())
        if (!cfg->find_webhook(w))
          log.warn("pending notifications for a webhook that is no longer configured; they stay queued",
                   {{"webhook", w}});
    } catch (const std::exception& e) {
      log.error("outbox read failed", {{"error", e.what()}});
    }
  }

  void wake(const std::string& name) {
    auto it = relays.find(name);
    if (it != relays.end()) it->second->wake();
  }

  void print_payload(const std::string& webhook, const outgoing& o, std::string_view note) {
    std::string s = fmt::format("--- {} webhook={} delivery={}\n", note, webhook, o.delivery_id);
    for (const auto& h : o.headers) s += fmt::format("{}: {}\n", h.name, h.value);
    s += '\n';
    s += pretty_json(o.body);
    s += "\n\n";
    *opts.out << s;
    opts.out->flush();
  }

  void setup_relays(bool start) {
    std::map<std::string, std::shared_ptr<relay>> next;
    for (const auto& w : cfg->webhooks) {
      auto it = relays.find(w.name);
      if (it != relays.end()) {
        it->second->update(w, http, delivery_settings_for(cfg->delivery, w));
        next.emplace(w.name, it->second);
        relays.erase(it);
      } else {
        auto r = std::make_shared<relay>(io.get_executor(), w, http, env(), delivery_settings_for(cfg->delivery, w));
        if (start) r->start();
        next.emplace(w.name, std::move(r));
      }
    }
    for (auto& [name, r] : relays) {
      r->stop();
      retired.push_back(r);
    }
    relays = std::move(next);
    std::vector<metric_labels> keep;
    for (const auto& w : cfg->webhooks) keep.push_back({{"webhook", w.name}});
    metrics.retain("sofy_notifier_outbox_pending", keep);
  }

  void refresh_gauges() {
    if (!store) return;
    try {
      std::map<std::string, std::uint64_t> pending;
      for (const auto& w : cfg->webhooks) pending[w.name] = 0;
      for (const auto& c : store->counts())
        if (c.state == delivery_state::pending && pending.count(c.webhook)) pending[c.webhook] = c.rows;
      for (const auto& [w, n] : pending)
        metrics.gauge_of("sofy_notifier_outbox_pending", "Notifications waiting to be delivered, by webhook.",
                         {{"webhook", w}})
            .set(static_cast<double>(n));
    } catch (const std::exception& e) {
      log.error("outbox count failed", {{"error", e.what()}});
    }
  }

  static asio::awaitable<http::reply> serve(impl* self, http::request req) {
    http::response res;
    res.status = 200;
    const std::string_view path = std::string_view(req.target).substr(0, req.target.find('?'));
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      res.headers.set("Allow", "GET, HEAD");
      res.body = "method not allowed\n";
    } else if (path == "/metrics") {
      self->refresh_gauges();
      res.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      res.body = self->metrics.render();
    } else if (path == "/healthz") {
      res.headers.set("Content-Type", "text/plain; charset=utf-8");
      if (self->stopping) {
        res.status = 503;
        res.body = "stopping\n";
      } else {
        res.body = "ok";
      }
    } else {
      res.status = 404;
      res.body = "not found\n";
    }
    co_return res;
  }

  void start_metrics_server() {
    const std::optional<listen_address> where = opts.listen ? opts.listen : cfg->listen;
    if (!where) return;
    asio::ip::tcp::resolver resolver{io};
    auto results = resolver.resolve(where->host, std::to_string(where->port));
    http::server_options so;
    so.max_connections = 64;
    so.logger = [this](http::log_level l, std::string_view m) {
      if (l == http::log_level::error) log.error("metrics server", {{"error", std::string(m)}});
    };
    impl* self = this;
    metrics_server.emplace(io.get_executor(), results.begin()->endpoint(),
                           [self](http::request req, const http::connection_info&) {
                             return serve(self, std::move(req));
                           },
                           so);
    log.info("serving /metrics and /healthz", {{"listen", metrics_server->local_endpoint().address().to_string() +
                                                             ":" + std::to_string(metrics_server->local_endpoint().port())}});
  }

  void do_reload() {
    if (stopping || !cfg || !watch) return;
    log.info("reloading the config", {{"file", opts.config_file.string()}});
    auto c = load(true);
    if (!c) return;
    if (c->state_file != cfg->state_file)
      log.warn("state_file changed; the new one takes effect at the next start");
    if (c->listen.has_value() != cfg->listen.has_value() ||
        (c->listen && cfg->listen && c->listen->to_string() != cfg->listen->to_string()))
      log.warn("listen changed; the new address takes effect at the next start");
    auto next = std::make_shared<const config>(std::move(*c));
    apply_logging(*next);
    if (!same_client_settings(*next, *cfg)) {
      client = std::make_shared<sofy::client>(io.get_executor(), client_options_for(*next));
      http = std::make_shared<http::client>(io.get_executor(), http_options_for(*next));
    }
    cfg = next;
    watch->apply(cfg, client, true);
    setup_relays(true);
    config_loaded();
    report_orphans();
    log.info("config reloaded", {{"schedules", cfg->schedules.size()}, {"webhooks", cfg->webhooks.size()}});
  }

  void do_stop() {
    if (stopping) return;
    stopping = true;
    log.info("stopping: polling ends, deliveries in flight finish");
    if (watch) watch->stop();
    for (auto& [n, r] : relays) r->stop();
    for (auto& r : retired) r->stop();
    upkeep.cancel();
    asio::co_spawn(io, drain_and_exit(this), asio::detached);
  }

  bool busy() const {
    if (watch && watch->running() > 0) return true;
    for (const auto& [n, r] : relays)
      if (r->running()) return true;
    for (const auto& r : retired)
      if (r->running()) return true;
    return false;
  }

  static asio::awaitable<void> drain_and_exit(impl* self) {
    asio::steady_timer t{self->io};
    const auto until = steady::now() + self->opts.shutdown_grace;
    bool aborted = false;
    while (self->busy()) {
      if (!aborted && steady::now() >= until) {
        self->log.warn("shutdown grace over; cancelling deliveries in flight (they stay queued)");
        for (auto& [n, r] : self->relays) r->abort();
        for (auto& r : self->retired) r->abort();
        aborted = true;
      }
      if (aborted && steady::now() >= until + std::chrono::seconds(2)) break;
      t.expires_after(std::chrono::milliseconds(20));
      auto w = t.async_wait(use_tuple);
      co_await std::move(w);
    }
    if (self->metrics_server) self->metrics_server->stop();
    if (self->signals) self->signals->cancel();
    self->io.stop();
  }

  static asio::awaitable<void> upkeep_loop(impl* self) {
    while (!self->stopping) {
      try {
        const auto now = sys::now();
        const auto n = self->store->prune(now - std::chrono::hours(24 * 7), now - std::chrono::hours(24 * 30));
        if (n > 0) self->log.debug("outbox pruned", {{"rows", n}});
      } catch (const std::exception& e) {
        self->log.error("outbox prune failed", {{"error", e.what()}});
      }
      self->upkeep.expires_after(std::chrono::hours(1));
      auto w = self->upkeep.async_wait(use_tuple);
      co_await std::move(w);
    }
  }

  void wait_signals() {
    signals->async_wait([this](std::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        do_reload();
        wait_signals();
      } else {
        log.info("signal received", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
        do_stop();
      }
    });
  }

  static asio::awaitable<void> once_main(impl* self, int* exit_code) {
    auto p = self->watch->poll_all_once();
    const bool polls_ok = co_await std::move(p);
    if (self->opts.dry_run) {
      *exit_code = polls_ok ? 0 : 1;
      co_return;
    }
    struct join {
      std::size_t left = 0;
      asio::steady_timer done;
      explicit join(asio::any_io_executor ex) : done(ex) {}
    };
    auto j = std::make_shared<join>(self->io.get_executor());
    j->done.expires_at(steady::time_point::max());
    j->left = self->relays.size();
    for (auto& [n, r] : self->relays)
      asio::co_spawn(self->io, r->drain_once(), [j](std::exception_ptr) {
        if (--j->left == 0) j->done.cancel();
      });
    if (j->left > 0) {
      auto w = j->done.async_wait(use_tuple);
      co_await std::move(w);
    }
    std::uint64_t left = 0;
    try {
      for (const auto& c : self->store->counts())
        if (c.state == delivery_state::pending && self->cfg->find_webhook(c.webhook)) left += c.rows;
    } catch (const std::exception& e) {
      self->log.error("outbox count failed", {{"error", e.what()}});
      left = 1;
    }
    if (left > 0) self->log.warn("notifications left pending for the next run", {{"pending", left}});
    *exit_code = (left == 0 && polls_ok) ? 0 : 1;
  }

  void print_pending() {
    if (!store) return;
    for (const auto& w : cfg->webhooks) {
      for (const auto& row : store->due(w.name, sys::now() + std::chrono::hours(24 * 365 * 50), 100000))
        print_payload(w.name, row.request, "pending");
    }
  }

  int run() {
    auto c = load(false);
    if (!c) return 2;
    cfg = std::make_shared<const config>(std::move(*c));
    apply_logging(*cfg);
    try {
      if (opts.dry_run) {
        if (std::filesystem::exists(cfg->state_file)) store.emplace(state_store::open(cfg->state_file, {.lock = false}));
      } else {
        store.emplace(state_store::open(cfg->state_file));
      }
    } catch (const std::exception& e) {
      log.error("cannot open the state file", {{"error", e.what()}});
      return 1;
    }
    try {
      client = std::make_shared<sofy::client>(io.get_executor(), client_options_for(*cfg));
      http = std::make_shared<http::client>(io.get_executor(), http_options_for(*cfg));
    } catch (const std::exception& e) {
      log.error("cannot set up the Sofy client", {{"error", e.what()}});
      return 2;
    }
    config_loaded();
    metrics.gauge_of("process_start_time_seconds", "Start time of the process since the epoch, in seconds.")
        .set(start_time);
    metrics.counter_of("sofy_notifier_polls_total", "Polls of a schedule (each run-group list and its statuses).");
    metrics.counter_of("sofy_notifier_poll_errors_total",
                       "Polls that failed (API, transport, answer or store errors).");

    watch_settings ws;
    ws.dry_run = opts.dry_run;
    ws.jitter = opts.jitter && !opts.once;
    watch = std::make_unique<watcher>(
        io.get_executor(), env(), ws, [this](const std::string& w) { wake(w); },
        [this](const outbox_message& m) { print_payload(m.webhook, m.request, "dry run"); });
    log.info("sofy-notifier starting", {{"schedules", cfg->schedules.size()},
                                        {"webhooks", cfg->webhooks.size()},
                                        {"mode", opts.once ? (opts.dry_run ? "once, dry run" : "once")
                                                           : (opts.dry_run ? "dry run" : "run")}});
    report_orphans();
    if (opts.dry_run) {
      try {
        print_pending();
      } catch (const std::exception& e) {
        log.error("outbox read failed", {{"error", e.what()}});
      }
    }

    if (opts.once) {
      watch->apply(cfg, client, false);
      if (!opts.dry_run) setup_relays(false);
      int code = 1;
      asio::co_spawn(io, once_main(this, &code), [this](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            log.error("run --once failed", {{"error", ex.what()}});
          }
        }
        io.stop();
      });
      io.run();
      return code;
    }

    if (opts.handle_signals) {
      signals.emplace(io, SIGINT, SIGTERM, SIGHUP);
      wait_signals();
    }
    try {
      start_metrics_server();
    } catch (const std::exception& e) {
      log.error("cannot serve /metrics", {{"error", e.what()}});
      return 1;
    }
    watch->apply(cfg, client, true);
    if (!opts.dry_run) setup_relays(true);
    if (store && !opts.dry_run) asio::co_spawn(io, upkeep_loop(this), asio::detached);
    if (opts.on_started) opts.on_started(metrics_server ? metrics_server->local_endpoint().port() : 0);
    if (stop_requested) do_stop();
    io.run();
    log.info("stopped");
    return 0;
  }
};

service::service(service_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
service::~service() = default;

int service::run() { return impl_->run(); }

void service::stop() {
  impl_->stop_requested = true;
  impl* p = impl_.get();
  asio::post(p->io, [p] { p->do_stop(); });
}

void service::reload() {
  impl* p = impl_.get();
  asio::post(p->io, [p] { p->do_reload(); });
}

}  // namespace sofy::notifier
