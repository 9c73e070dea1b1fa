// Compile-time baseline: what any Asio + TLS + Boost.JSON program includes and uses,
// without sofy (run.sh compares this with with_sofy.cpp).
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <boost/json.hpp>

#include <cstdio>

asio::awaitable<void> fetch(asio::ssl::stream<asio::ip::tcp::socket>* s) {
  char buf[4096];
  std::size_t n = co_await s->async_read_some(asio::buffer(buf), asio::use_awaitable);
  boost::json::value v = boost::json::parse(std::string_view(buf, n));
  std::printf("%zu\n", v.as_object().size());
}

int main() {
  asio::io_context io;
  asio::ssl::context ctx{asio::ssl::context::tls_client};
  asio::ssl::stream<asio::ip::tcp::socket> s{io, ctx};
  asio::co_spawn(io, fetch(&s), asio::detached);
  io.run();
}
