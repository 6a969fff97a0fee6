#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "handlers/handlers.h"

namespace connecthub {
namespace {

class NoNetwork final : public http::OutboundClient {
 public:
  Result<http::OutboundResponse> Send(const http::OutboundRequest&) override { return Unavailable("no network in tests"); }
};

// The document must describe exactly the routes the server registers: nothing undocumented, nothing stale.
TEST(OpenApiTest, DocumentsExactlyTheRegisteredRoutes) {
  ASSERT_TRUE(crypto::Init());
  auto dir = std::filesystem::temp_directory_path() / ("openapi-test-" + crypto::RandomId("", 8));
  auto store = OpenStore("sqlite:" + (dir / "db.sqlite").string());
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto catalog = Catalog::LoadBundled();
  ASSERT_TRUE(catalog.ok());
  crypto::Keyring ring;
  ring.Add(std::string(32, 'k'), true);
  SystemClock clock;
  NoNetwork net;
  ops::Metrics metrics;
  AppContext ctx{**store, *catalog, ring, clock, AppSettings{}, net};
  ctx.metrics = &metrics;
  http::Router router(clock);
  AddAllRoutes(router, ctx);

  std::set<std::pair<std::string, std::string>> registered, documented;
  for (const auto& r : router.routes()) registered.emplace(r.method, r.pattern);
  for (const auto& d : DocumentedRoutes()) documented.insert(d);
  EXPECT_EQ(registered, documented);

  http::Request req;
  req.method = "GET";
  req.path = req.target = "/openapi.json";
  http::Response res = router.Dispatch(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("\"openapi\":\"3.1.0\""), std::string::npos);
  EXPECT_NE(res.body.find("\"/accounts/{id}\":{\"get\""), std::string::npos) << "methods of one path are merged";
  EXPECT_NE(res.body.find("\"patch\""), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace connecthub
