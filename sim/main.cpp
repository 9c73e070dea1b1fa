// sofy-sim: a scriptable stand-in for the Sofy API and a recording webhook receiver.
//
//   sofy-sim --scenario FILE [--listen ADDR:PORT] [--tls-cert F --tls-key F] [--port-file F] [-v]
//
// Hook deliveries are printed to stdout; logs go to stderr. SIGINT and SIGTERM stop it
// (exit 0). Exit 2 for usage and scenario errors, 1 when it cannot listen.
#include "sim/engine.hpp"
#include "sim/render.hpp"
#include "sim/scenario.hpp"
#include "sim/serve.hpp"

#include <sofy/http/server.hpp>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>

#include <unistd.h>

namespace {

using sofy::sim::engine;

// "127.0.0.1:8080", "[::1]:0", "localhost:0" (localhost only: no name resolution).
std::optional<asio::ip::tcp::endpoint> parse_listen(const std::string& text, std::string& why) {
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      why = "expected [IPv6]:PORT";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      why = "expected ADDR:PORT, e.g. 127.0.0.1:8080";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  std::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    why = "\"" + host + "\" is not an IP address";
    return std::nullopt;
  }
  unsigned long p = 0;
  try {
    std::size_t used = 0;
    p = std::stoul(port, &used);
    if (used != port.size() || p > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    why = "\"" + port + "\" is not a port number (0-65535)";
    return std::nullopt;
  }
  return asio::ip::tcp::endpoint(addr, static_cast<unsigned short>(p));
}

// Written atomically (temp file, then rename) so a reader never sees a partial number.
void write_port_file(const std::string& path, unsigned short port) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    out.close();
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
}

std::string request_line(const sofy::sim::request_record& r) {
  std::string line = std::to_string(r.seq) + " " + r.method + " " + r.target + " -> ";
  line += r.status ? std::to_string(r.status) : std::string("(no answer)");
  line += " [" + std::string(to_string(r.route));
  if (!r.fault.empty()) line += ", scripted at " + r.fault;
  line += ", connection " + std::to_string(r.peer.connection) + " request " + std::to_string(r.peer.request_index);
  line += "]";
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sofy-sim: a scriptable stand-in for the Sofy API and a recording webhook receiver.\n"
               "The scenario format is documented in sim/README.md."};
  std::string scenario_file, listen = "127.0.0.1:0", cert, key, port_file;
  int verbose = 0;
  std::size_t max_body_mib = 256;
  app.add_option("--scenario", scenario_file, "Scenario YAML file")->required();
  app.add_option("--listen", listen, "ADDR:PORT to listen on; port 0 picks a free one")->capture_default_str();
  auto* cert_opt = app.add_option("--tls-cert", cert, "PEM certificate chain: serve HTTPS");
  auto* key_opt = app.add_option("--tls-key", key, "PEM private key for --tls-cert");
  cert_opt->needs(key_opt);
  key_opt->needs(cert_opt);
  app.add_option("--port-file", port_file, "Write the bound port here once listening (atomically)");
  app.add_option("--max-body", max_body_mib, "Largest request body accepted, in MiB (uploads)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_flag("-v,--verbose", verbose, "Log each request to stderr; twice: also connection events");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  std::string why;
  const auto endpoint = parse_listen(listen, why);
  if (!endpoint) {
    std::cerr << "sofy-sim: --listen " << listen << ": " << why << "\n";
    return 2;
  }

  std::optional<sofy::sim::scenario> sc;
  try {
    sc = sofy::sim::load_scenario(scenario_file);
  } catch (const sofy::sim::scenario_error& e) {
    for (const auto& line : e.errors()) std::cerr << line << "\n";
    return 2;
  }
  const std::size_t schedules = sc->schedules.size(), hooks = sc->hooks.size();

  engine eng{std::move(*sc), std::chrono::system_clock::now()};
  eng.on_hook([](const sofy::sim::hook_delivery& d) { std::cout << sofy::sim::render_delivery(d) << std::flush; });
  if (verbose > 0) {
    eng.on_request([](const sofy::sim::request_record& r) { std::cerr << "sofy-sim: " << request_line(r) << "\n"; });
  }

  // Declared before the io_context: its pending connection coroutines use both until it is gone.
  std::optional<asio::ssl::context> tls;
  asio::io_context io{1};
  sofy::http::server_options opts;
  opts.limits.max_body = max_body_mib * 1024 * 1024;
  opts.logger = [verbose](sofy::http::log_level level, std::string_view msg) {
    if (level == sofy::http::log_level::debug && verbose < 2) return;
    if (level == sofy::http::log_level::info && verbose < 1) return;
    std::cerr << "sofy-sim: " << msg << "\n";
  };
  const sofy::http::request_handler handler = sofy::sim::handler(eng);

  std::optional<sofy::http::server> srv;
  try {
    if (!cert.empty()) {
      tls.emplace(asio::ssl::context::tls_server);
      tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
      tls->use_certificate_chain_file(cert);
      tls->use_private_key_file(key, asio::ssl::context::pem);
      srv.emplace(io.get_executor(), *endpoint, *tls, handler, opts);
    } else {
      srv.emplace(io.get_executor(), *endpoint, handler, opts);
    }
  } catch (const std::exception& e) {
    std::cerr << "sofy-sim: " << e.what() << "\n";
    return 1;
  }

  const auto bound = srv->local_endpoint();
  if (!port_file.empty()) {
    try {
      write_port_file(port_file, bound.port());
    } catch (const std::exception& e) {
      std::cerr << "sofy-sim: --port-file: " << e.what() << "\n";
      return 1;
    }
  }
  const bool v6 = bound.address().is_v6();
  std::cerr << "sofy-sim: listening on " << (tls ? "https" : "http") << "://" << (v6 ? "[" : "")
            << bound.address().to_string() << (v6 ? "]" : "") << ":" << bound.port() << " (" << scenario_file
            << ": " << schedules << " schedule(s), " << hooks << " hook(s))" << std::endl;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int sig) {
    if (ec) return;
    std::cerr << "sofy-sim: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping" << std::endl;
    srv->stop();
    io.stop();
  });
  io.run();
  std::cout << std::flush;
  return 0;
}
