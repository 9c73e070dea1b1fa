// sofy-run: the command-line CI gate. Parses the command (cli.hpp), runs it on one
// io_context with sofy::client, prints with report.hpp and exits with the pinned codes.
#include "cli.hpp"
#include "files.hpp"
#include "progress.hpp"
#include "report.hpp"

#include <sofy/client.hpp>
#include <sofy/duration.hpp>
#include <sofy/version.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

namespace {

using namespace sofy_run;
using namespace std::chrono_literals;

class runner {
 public:
  runner(asio::io_context& io, invocation inv)
      : io_(io), inv_(std::move(inv)), signals_(io), deadline_(io) {}

  int run() {
    std::optional<sofy::client> c;
    try {
      c.emplace(io_.get_executor(),
                make_options(inv_.global.request_timeout, inv_.global.request_timeout));
    } catch (const std::exception& e) {
      err(std::string("sofy-run: ") + e.what() + "\n");  // a malformed --base-url or SOFY_BASE_URL
      return exit_code::usage;
    }
    client_ = &*c;

    int code = exit_code::api;
    auto done = [&](std::exception_ptr e, int rc) {
      code = e ? failure(e) : rc;
      signals_.cancel();
      deadline_.cancel();
    };
    if (auto* t = std::get_if<trigger_command>(&inv_.cmd)) {
      // Only a trigger can leave something running on the service; the other commands
      // keep the default signal behaviour.
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](std::error_code ec, int sig) {
        if (ec) return;
        signal_ = sig;
        cancel_.emit(asio::cancellation_type::all);
      });
      asio::co_spawn(io_, trigger(*t), asio::bind_cancellation_slot(cancel_.slot(), done));
    } else if (auto* s = std::get_if<status_command>(&inv_.cmd)) {
      asio::co_spawn(io_, status(*s), done);
    } else if (auto* g = std::get_if<groups_command>(&inv_.cmd)) {
      asio::co_spawn(io_, groups(*g), done);
    } else if (auto* a = std::get_if<abort_command>(&inv_.cmd)) {
      asio::co_spawn(io_, abort(*a), done);
    } else {
      asio::co_spawn(io_, upload(std::get<upload_command>(inv_.cmd)), done);
    }
    io_.run();
    return code;
  }

 private:
  // Every attempt bounded by `request_timeout`; a stall while sending by the global
  // --request-timeout, one while waiting for the answer by `read_timeout` (an upload's
  // answer may come only once the service has parsed the build).
  sofy::client_options make_options(std::chrono::milliseconds request_timeout,
                                    std::chrono::milliseconds read_timeout) const {
    sofy::client_options o;
    o.auth_key = inv_.global.auth_key;
    o.base_url = inv_.global.base_url;
    o.request_timeout = request_timeout;
    o.operation_timeout = std::max<std::chrono::milliseconds>(
        5min, request_timeout * o.retry.max_attempts + 2min);  // room for every attempt and backoff
    o.http.tls.ca_file = inv_.global.ca_file;
    o.http.connect_timeout =
        std::min<std::chrono::milliseconds>(o.http.connect_timeout, inv_.global.request_timeout);
    o.http.handshake_timeout =
        std::min<std::chrono::milliseconds>(o.http.handshake_timeout, inv_.global.request_timeout);
    o.http.write_timeout = inv_.global.request_timeout;
    o.http.read_timeout = read_timeout;
    o.user_agent = std::string("sofy-run/") + sofy::version_string;
    return o;
  }

  // Everything printed goes through redact(): the auth key never leaves the process.
  void out(const std::string& s) const { put(stdout, s); }
  void err(const std::string& s) const { put(stderr, s); }
  void put(std::FILE* f, const std::string& s) const {
    const std::string safe = redact(s, inv_.global.auth_key);
    std::fwrite(safe.data(), 1, safe.size(), f);
    std::fflush(f);
  }

  // Prints the error and returns its exit code.
  int failure(const std::exception_ptr& e) const {
    try {
      std::rethrow_exception(e);
    } catch (const sofy::error& x) {
      std::string msg = x.what();
      if (x.http_status() == 401)
        msg += " (check the auth key from " + inv_.global.auth_key_source + ")";
      err("sofy-run: " + msg + "\n");
      if (x.code() == sofy::errc::invalid_auth_key || x.code() == sofy::errc::invalid_argument)
        return exit_code::usage;
      return exit_code::api;
    } catch (const std::exception& x) {
      err(std::string("sofy-run: ") + x.what() + "\n");
      return exit_code::api;
    }
  }

  asio::awaitable<int> status(status_command cmd) {
    run_report r;
    r.schedule = cmd.schedule;
    if (cmd.group) {
      auto op = client_->status(cmd.schedule, *cmd.group);
      r.status = co_await std::move(op);
    } else {
      auto op = client_->latest_status(cmd.schedule);
      r.status = co_await std::move(op);
    }
    r.group = r.status.group_id;
    out(cmd.json ? render_json(r) : render_table(r));
    co_return r.status.outcome() == sofy::run_outcome::failed ? exit_code::not_passed
                                                              : exit_code::success;
  }

  asio::awaitable<int> groups(groups_command cmd) {
    auto op = client_->run_groups(cmd.schedule);
    const std::vector<sofy::run_group> gs = co_await std::move(op);
    out(cmd.json ? render_groups_json(cmd.schedule, gs) : render_groups_table(cmd.schedule, gs));
    co_return exit_code::success;
  }

  asio::awaitable<int> abort(abort_command cmd) {
    auto op = client_->abort(cmd.schedule, cmd.group);
    const std::string message = co_await std::move(op);
    out(cmd.json ? render_abort_json(cmd.schedule, cmd.group, message) : printable(message) + "\n");
    co_return exit_code::success;
  }

  // Uploads with a client of its own: the upload's bounds are not those of an API call.
  asio::awaitable<sofy::upload_result> upload_file(std::filesystem::path file, std::string app_guid,
                                                   std::string name, std::string certificate,
                                                   std::chrono::milliseconds timeout) {
    sofy::client uploader(io_.get_executor(), make_options(timeout, timeout));
    upload_progress progress(file.filename().string(), upload_progress::stderr_is_terminal());
    sofy::upload_options u;
    u.file = file;
    u.app_guid = std::move(app_guid);
    u.name = std::move(name);
    u.certificate = std::move(certificate);
    u.on_progress = std::ref(progress);
    std::exception_ptr failed;
    sofy::upload_result r;
    try {
      auto op = uploader.upload_build(std::move(u));
      r = co_await std::move(op);
    } catch (...) {
      failed = std::current_exception();
    }
    progress.finish();
    if (failed) std::rethrow_exception(failed);
    err("sofy-run: uploaded " + file.string() + ": app hash " + printable(r.app_hash) + "\n");
    co_return r;
  }

  asio::awaitable<int> upload(upload_command cmd) {
    const std::string file = cmd.file.string();
    auto op = upload_file(cmd.file, cmd.app_guid, cmd.name, cmd.certificate, cmd.upload_timeout);
    sofy::upload_result r = co_await std::move(op);
    out(cmd.json ? render_upload_json(file, r) : r.app_hash + "\n");
    co_return exit_code::success;
  }

  asio::awaitable<int> trigger(trigger_command cmd) {
    if (cmd.junit) {
      if (std::string why = check_writable(*cmd.junit); !why.empty()) {
        err("sofy-run: --junit " + cmd.junit->string() + ": " + why + "\n");
        co_return exit_code::usage;
      }
    }
    std::exception_ptr failed;
    run_report r;
    r.schedule = cmd.schedule;
    r.waited = cmd.wait;
    try {
      std::optional<sofy::app_hash> build;
      if (cmd.app_hash) build = sofy::app_hash{*cmd.app_hash};
      if (cmd.upload) {
        auto op = upload_file(*cmd.upload, cmd.app_guid, {}, {}, cmd.upload_timeout);
        sofy::upload_result u = co_await std::move(op);
        r.app_hash = u.app_hash;
        build = sofy::app_hash{u.app_hash};
      }
      auto op = client_->trigger(cmd.schedule, build);
      sofy::trigger_result t = co_await std::move(op);
      r.group = t.group_id.value_or("");
      err("sofy-run: triggered schedule " + cmd.schedule + ": run group " + printable(r.group) +
          (t.message.empty() ? "" : " (" + printable(t.message) + ")") + "\n");
      if (!cmd.wait) {
        out(cmd.json ? render_trigger_json(cmd.schedule, r.group, t.message, r.app_hash)
                     : r.group + "\n");
        co_return exit_code::success;
      }
    } catch (...) {
      failed = std::current_exception();
    }
    if (failed) {
      if (signal_) {
        err("sofy-run: interrupted before the run group was known\n");
        co_return 128 + signal_;
      }
      co_return failure(failed);
    }
    auto op = wait(std::move(cmd), std::move(r));
    co_return co_await std::move(op);
  }

  asio::awaitable<int> wait(trigger_command cmd, run_report r) {
    const auto started = std::chrono::steady_clock::now();
    r.started = std::chrono::system_clock::now();
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') r.hostname = host;

    // The wait checks its timeout between polls; this bounds a poll in flight too.
    deadline_.expires_after(cmd.timeout + inv_.global.request_timeout);
    deadline_.async_wait([this](std::error_code ec) {
      if (ec) return;
      timed_out_ = true;
      cancel_.emit(asio::cancellation_type::all);
    });

    std::optional<sofy::group_status> last;
    sofy::wait_options w;
    w.poll_interval = cmd.poll_interval;
    w.timeout = cmd.timeout;
    w.on_change = [this, &last, started](const sofy::group_status& s) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
      err(render_progress(last ? &*last : nullptr, s, elapsed));
      last = s;
    };

    std::exception_ptr failed;
    try {
      auto op = client_->wait(cmd.schedule, r.group, std::move(w));
      sofy::group_status final = co_await std::move(op);
      last = std::move(final);
    } catch (...) {
      failed = std::current_exception();
    }
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (last) r.status = *last;
    r.status.group_id = r.group;

    int code = exit_code::success;
    if (!failed) {
      code = r.status.outcome() == sofy::run_outcome::passed ? exit_code::success
                                                             : exit_code::not_passed;
    } else if (signal_) {
      r.cut = cut_short::interrupted;
      r.cut_message = std::string(signal_ == SIGINT ? "SIGINT" : "SIGTERM") + " while waiting";
      err("sofy-run: " + r.cut_message + "; the run goes on: sofy-run abort --schedule " +
          cmd.schedule + " --group " + r.group + " stops it\n");
      code = 128 + signal_;
    } else if (timed_out_ || is_timeout(failed)) {
      r.cut = cut_short::timeout;
      r.cut_message = "not finished after --timeout " + sofy::format_duration(cmd.timeout);
      err("sofy-run: waiting for run group " + r.group + ": " + r.cut_message + "\n");
      code = exit_code::timeout;
    } else {
      code = failure(failed);
      r.cut = cut_short::error;
      r.cut_message = message_of(failed);
    }

    if (last || !failed) out(cmd.json ? render_json(r) : render_table(r));
    if (cmd.junit && last) {
      try {
        write_atomically(*cmd.junit, redact(render_junit(r), inv_.global.auth_key));
      } catch (const std::exception& e) {
        err(std::string("sofy-run: --junit: ") + e.what() + "\n");
        if (code == exit_code::success)
          code = exit_code::usage;  // a green job without its report is wrong
      }
    }
    co_return code;
  }

  static bool is_timeout(const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const sofy::error& x) {
      return x.code() == sofy::errc::timeout;
    } catch (...) {
      return false;
    }
  }

  static std::string message_of(const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      return x.what();
    } catch (...) {
      return "unknown error";
    }
  }

  asio::io_context& io_;
  invocation inv_;
  sofy::client* client_ = nullptr;
  asio::signal_set signals_;
  asio::steady_timer deadline_;
  asio::cancellation_signal cancel_;
  int signal_ = 0;
  bool timed_out_ = false;
};

std::optional<std::string> from_environment(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_command_line(argc, argv, from_environment);
  if (auto* e = std::get_if<early_exit>(&parsed)) {
    std::fputs(e->out.c_str(), stdout);
    std::fputs(e->err.c_str(), stderr);
    return e->code;
  }
  asio::io_context io{1};
  runner r{io, std::move(std::get<invocation>(parsed))};
  return r.run();
}
