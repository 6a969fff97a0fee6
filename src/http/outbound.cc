#include "http/outbound.h"

#include <memory>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace connecthub::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

bool IsNonPublicAddress(const std::string& ip) {
  beast::error_code ec;
  auto a = asio::ip::make_address(ip, ec);
  if (ec) return true;
  if (a.is_v6()) {
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return IsNonPublicAddress(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string());
    auto b = v6.to_bytes();
    return v6.is_loopback() || v6.is_unspecified() || v6.is_link_local() || v6.is_site_local() || v6.is_multicast() ||
           (b[0] & 0xfe) == 0xfc;  // fc00::/7 unique local
  }
  auto b = a.to_v4().to_bytes();
  return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
         (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] >= 224;
}

namespace {

class BeastOutbound final : public OutboundClient {
 public:
  BeastOutbound() : tls_(ssl::context::tls_client) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(ssl::verify_peer);
  }

  Result<OutboundResponse> Send(const OutboundRequest& r) override {
    auto url = boost::urls::parse_absolute_uri(r.url);
    if (!url) return InvalidArgument("URL is not valid");
    std::string scheme(url->scheme());
    if (scheme != "http" && scheme != "https") return InvalidArgument("only http and https URLs are allowed");
    const bool tls = scheme == "https";
    std::string host(url->encoded_host());
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    std::string port = url->has_port() ? std::string(url->port()) : (tls ? "443" : "80");
    std::string target(url->encoded_path());
    if (target.empty()) target = "/";
    if (url->has_query()) target += "?" + std::string(url->encoded_query());

    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    Result<OutboundResponse> result = Unavailable("request did not complete");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(r.timeout_ms);

    auto run = [&]() -> asio::awaitable<void> {
      auto nothrow = asio::as_tuple(asio::use_awaitable);
      asio::steady_timer guard(ioc);
      auto [rec, endpoints] = co_await resolver.async_resolve(host, port, nothrow);
      if (rec) {
        result = Unavailable("could not resolve " + host);
        co_return;
      }
      std::vector<tcp::endpoint> allowed;
      for (const auto& e : endpoints) {
        if (r.public_only && IsNonPublicAddress(e.endpoint().address().to_string())) continue;
        allowed.push_back(e.endpoint());
      }
      if (allowed.empty()) {
        result = InvalidArgument("the address of " + host + " is not allowed (private or loopback)");
        co_return;
      }
      beast::tcp_stream tcp_stream(ioc);
      tcp_stream.expires_at(deadline);
      auto [cec, ep] = co_await tcp_stream.async_connect(allowed, nothrow);
      if (cec) {
        result = Unavailable(cec == beast::error::timeout ? "timed out connecting to " + host : "could not connect to " + host);
        co_return;
      }
      bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(r.method), target, 11};
      req.set(bhttp::field::host, host);
      req.set(bhttp::field::user_agent, "connecthub");
      for (const auto& [k, v] : r.headers) req.set(k, v);
      if (!r.body.empty() || r.method == "POST") {
        req.body() = r.body;
        req.prepare_payload();
      }
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(r.max_response_bytes);
      beast::flat_buffer buf;
      beast::error_code ec;
      if (tls) {
        beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), tls_);
        if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
          result = Unavailable("TLS setup failed");
          co_return;
        }
        stream.set_verify_callback(ssl::host_name_verification(host));
        beast::get_lowest_layer(stream).expires_at(deadline);
        auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, nothrow);
        if (hec) {
          result = Unavailable("TLS handshake with " + host + " failed");
          co_return;
        }
        auto [wec, wn] = co_await bhttp::async_write(stream, req, nothrow);
        if (!wec) std::tie(ec, std::ignore) = co_await bhttp::async_read(stream, buf, parser, nothrow);
        else ec = wec;
      } else {
        auto [wec, wn] = co_await bhttp::async_write(tcp_stream, req, nothrow);
        if (!wec) std::tie(ec, std::ignore) = co_await bhttp::async_read(tcp_stream, buf, parser, nothrow);
        else ec = wec;
      }
      if (ec && ec != bhttp::error::body_limit) {
        result = Unavailable(ec == beast::error::timeout ? "timed out waiting for " + host : "no valid HTTP answer from " + host);
        co_return;
      }
      OutboundResponse out;
      out.status = static_cast<int>(parser.get().result_int());
      out.body = std::move(parser.get().body());
      if (out.body.size() > r.max_response_bytes) out.body.resize(r.max_response_bytes);
      for (const auto& f : parser.get()) {
        std::string n(f.name_string());
        for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[n] = std::string(f.value());
      }
      result = std::move(out);
    };
    asio::co_spawn(ioc, run(), [&](std::exception_ptr e) {
      if (e) result = Unavailable("request failed");
    });
    ioc.run_for(std::chrono::milliseconds(r.timeout_ms + 500));
    return result;
  }

 private:
  ssl::context tls_;
};

}  // namespace

std::unique_ptr<OutboundClient> MakeOutboundClient() { return std::make_unique<BeastOutbound>(); }

}  // namespace connecthub::http
