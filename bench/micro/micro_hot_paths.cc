// Google Benchmark micro-benchmarks for the pure functions on the hot request paths:
// request validation, token generation and hashing, the upsert decision, credential encryption.
//   build-bench/bench/micro_hot_paths --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include "core/connect_session.h"
#include "core/credentials.h"
#include "core/json_util.h"
#include "core/time.h"
#include "core/upsert.h"
#include "crypto/crypto.h"
#include "http/auth.h"
#include "http/message.h"
#include "providers/catalog.h"

namespace connecthub {
namespace {

// The body wrk's create_session.lua sends.
constexpr std::string_view kSessionBody =
    R"({"origin_owner_id":"customer-1-42","origin_owner_name":"Acme 42","origin_username":"user42@example.com",)"
    R"("provider":"bamboohr","metadata":{"source":"bench"}})";

const bool kSodium = crypto::Init();

void BM_ParseJsonBody(benchmark::State& st) {
  for (auto _ : st) {
    auto o = json::ParseObject(kSessionBody);
    benchmark::DoNotOptimize(o);
  }
}
BENCHMARK(BM_ParseJsonBody);

void BM_ParseSessionRequest(benchmark::State& st) {
  auto body = json::ParseObject(kSessionBody);
  for (auto _ : st) {
    auto r = ParseSessionRequest(*body);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseSessionRequest);

// Body parse + validation + the session row, as POST /connect_sessions does before storing.
void BM_SessionRequestToRow(benchmark::State& st) {
  Project p{"prj_bench", 1, "bench", {}, 0};
  const std::string hash(64, 'a');
  for (auto _ : st) {
    auto body = json::ParseObject(kSessionBody);
    auto r = ParseSessionRequest(*body);
    auto s = MakeSession(*r, p, hash, 1700000000000);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_SessionRequestToRow);

void BM_ParseBasicApiKey(benchmark::State& st) {
  const std::string header = "Basic " + crypto::Base64Encode("chk_0123456789abcdefghijklmnopqrstuvwxyzABCDEF:");
  for (auto _ : st) {
    auto k = http::ParseBasicApiKey(header);
    benchmark::DoNotOptimize(k);
  }
}
BENCHMARK(BM_ParseBasicApiKey);

void BM_RandomToken(benchmark::State& st) {
  for (auto _ : st) {
    auto t = crypto::RandomToken("cst_");
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_RandomToken);

void BM_TokenHash(benchmark::State& st) {
  const std::string token = crypto::RandomToken("cst_");
  for (auto _ : st) {
    auto h = crypto::TokenHash(token);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_TokenHash);

void BM_RandomId(benchmark::State& st) {
  for (auto _ : st) {
    auto id = crypto::RandomId("acc_");
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_RandomId);

Account MakeAccount(int i) {
  Account a;
  a.id = "acc_" + std::to_string(i);
  a.project_id = "prj_bench";
  a.provider = "demohris";
  a.origin_owner_id = "owner-1";
  a.origin_owner_name = "Owner 1";
  a.seq = i;
  return a;
}

// The upsert decision with `range(0)` accounts already on the key, multiple=false (update the oldest).
void BM_DecideUpsert(benchmark::State& st) {
  ConnectSession s;
  s.project_id = "prj_bench";
  s.origin_owner_id = "owner-1";
  s.origin_owner_name = "Owner 1";
  s.provider = "demohris";
  std::vector<Account> existing;
  for (int i = 0; i < st.range(0); ++i) existing.push_back(MakeAccount(i + 1));
  for (auto _ : st) {
    auto d = DecideUpsert(s, "demohris", existing, nullptr);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DecideUpsert)->Arg(0)->Arg(1)->Arg(10);

const ProviderDef& Provider(const char* key) {
  static auto catalog = *Catalog::LoadBundled();
  return *catalog->Find(key);
}

void BM_ValidateCredentials(benchmark::State& st) {
  const ProviderDef& p = Provider("demohris");
  const auto submitted = *json::ParseObject(R"({"company":"acme","api_key":"abcdefgh123"})");
  for (auto _ : st) {
    auto c = ValidateCredentials(p, submitted, nullptr);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_ValidateCredentials);

crypto::Keyring& Ring() {
  static crypto::Keyring ring = [] {
    crypto::Keyring k;
    k.Add(*crypto::Keyring::ParseKey(std::string(64, '6')), true);
    return k;
  }();
  return ring;
}

void BM_EncryptCredentials(benchmark::State& st) {
  const std::string plain = CredentialsToJson({{"company", "acme"}, {"api_key", "abcdefgh123"}});
  const std::string aad = "connecthub/credentials/v1/prj_bench/acc_0123456789abcdefghij";
  for (auto _ : st) {
    auto c = Ring().Encrypt(plain, aad);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_EncryptCredentials);

void BM_DecryptCredentials(benchmark::State& st) {
  const std::string plain = CredentialsToJson({{"company", "acme"}, {"api_key", "abcdefgh123"}});
  const std::string aad = "connecthub/credentials/v1/prj_bench/acc_0123456789abcdefghij";
  const std::string c = Ring().Encrypt(plain, aad);
  for (auto _ : st) {
    auto p = Ring().Decrypt(c, aad);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_DecryptCredentials);

// The 201 body of POST /connect_sessions (about 600 bytes) serialized into a response.
void BM_SessionResponse(benchmark::State& st) {
  boost::json::object o{{"id", 123456},
                        {"organization_id", 1},
                        {"project_id", "prj_0123456789abcdefghij"},
                        {"origin_owner_id", "customer-1-42"},
                        {"origin_owner_name", "Acme 42"},
                        {"origin_username", "user42@example.com"},
                        {"provider", "bamboohr"},
                        {"categories", nullptr},
                        {"account_id", nullptr},
                        {"label", nullptr},
                        {"multiple", false},
                        {"metadata", boost::json::object{{"source", "bench"}}},
                        {"type", "production"},
                        {"created_at", "2024-01-01T00:00:00.000Z"},
                        {"expires_at", "2024-01-01T00:30:00.000Z"},
                        {"auth_link_url", "http://127.0.0.1:8080/link#token=cst_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"},
                        {"token", "cst_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"}};
  for (auto _ : st) {
    auto r = http::JsonResponse(201, o);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SessionResponse);

// The timestamps every rendered account, session and event carries (two or three each).
void BM_FormatIso(benchmark::State& st) {
  TimeMs t = 1714564800123;
  for (auto _ : st) {
    auto s = FormatIso(t += 7919);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_FormatIso);

}  // namespace
}  // namespace connecthub

BENCHMARK_MAIN();
