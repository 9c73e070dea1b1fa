// Compile-time subject: the baseline's includes and code plus <sofy/sofy.hpp> and a client
// call (header-only mode, so every .ipp is compiled here).
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <boost/json.hpp>
#include <sofy/sofy.hpp>

#include <cstdio>

asio::awaitable<void> fetch(asio::ssl::stream<asio::ip::tcp::socket>* s) {
  char buf[4096];
  std::size_t n = co_await s->async_read_some(asio::buffer(buf), asio::use_awaitable);
  boost::json::value v = boost::json::parse(std::string_view(buf, n));
  std::printf("%zu\n", v.as_object().size());
}

asio::awaitable<void> poll(sofy::client* c) {
  sofy::group_status st = co_await c->status("0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90", "123456");
  std::printf("%zu\n", st.tests.size());
}

int main() {
  asio::io_context io;
  asio::ssl::context ctx{asio::ssl::context::tls_client};
  asio::ssl::stream<asio::ip::tcp::socket> s{io, ctx};
  asio::co_spawn(io, fetch(&s), asio::detached);
  sofy::client c{io.get_executor(), {.auth_key = "6F9619FF-8B86-D011-B42D-00C04FC964FF"}};
  asio::co_spawn(io, poll(&c), asio::detached);
  io.run();
}
