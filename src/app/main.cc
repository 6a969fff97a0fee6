// connecthub: the server and its admin commands (DESIGN section 9 is the contract).
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "app/admin.h"
#include "app/config.h"
#include "handlers/handlers.h"
#include "http/server.h"
#include "ops/log_sink.h"
#include "ops/metrics.h"
#include "ops/rate_limiter.h"
#include "webhooks/dispatcher.h"

namespace bj = boost::json;
using namespace connecthub;

namespace {

void PrintHuman(const bj::value& v) {
  if (v.is_array()) {
    if (v.get_array().empty()) std::cout << "(none)\n";
    for (const auto& e : v.get_array()) {
      PrintHuman(e);
      std::cout << "\n";
    }
    return;
  }
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      std::cout << kv.key() << ": ";
      if (kv.value().is_string()) std::cout << kv.value().get_string().c_str() << "\n";
      else std::cout << bj::serialize(kv.value()) << "\n";
    }
    return;
  }
  std::cout << bj::serialize(v) << "\n";
}

template <typename T>
int Emit(Result<T> r, bool json) {
  if (!r.ok()) {
    if (json) {
      std::cout << bj::serialize(bj::object{{"error", r.error().message}}) << "\n";
    }
    std::cerr << "error: " << r.error().message << "\n";
    return 1;
  }
  if (json) std::cout << bj::serialize(r.value()) << "\n";
  else PrintHuman(r.value());
  return 0;
}

Result<std::shared_ptr<const Catalog>> LoadCatalog(const std::string& file) {
  if (file.empty()) return Catalog::LoadBundled();
  std::ifstream in(file);
  if (!in) return InvalidArgument("cannot read catalog file " + file);
  std::stringstream ss;
  ss << in.rdbuf();
  return Catalog::Load(ss.str());
}

void SetupLogging() {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::flush_on(spdlog::level::info);
}

// Applies `name = value` lines to the options of `cmd` that neither a flag nor an environment
// variable has set. Unknown names are errors (a typo would otherwise be silently ignored).
Status ApplyConfigFile(CLI::App& cmd, const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read config file " + path);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    auto trim = [](std::string s) {
      size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) return InvalidArgument(path + ":" + std::to_string(lineno) + ": expected name = value");
    std::string name = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    std::replace(name.begin(), name.end(), '_', '-');
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    CLI::Option* opt = nullptr;
    try {
      opt = cmd.get_option("--" + name);
    } catch (const CLI::OptionNotFound&) {
      return InvalidArgument(path + ":" + std::to_string(lineno) + ": unknown option '" + name + "'");
    }
    if (name == "config") return InvalidArgument(path + ": a config file cannot name another");
    if (opt->count() > 0) continue;  // a flag or an environment variable wins
    try {
      opt->add_result(value);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      return InvalidArgument(path + ":" + std::to_string(lineno) + ": " + name + ": " + e.what());
    }
  }
  return OkStatus();
}

Result<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("--listen must be HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const std::string digits = listen.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument("--listen port is not a number");  // also "80abc", which stoi would take as 80
  }
  const int port = std::stoi(digits);
  if (port > 65535) return InvalidArgument("--listen port is out of range");
  return std::make_pair(host, static_cast<uint16_t>(port));
}

int Serve(Config cfg) {
  SetupLogging();
  auto fail = [](const std::string& msg) {
    spdlog::critical("{}", msg);
    return 1;
  };
  auto listen = SplitListen(cfg.listen);
  if (!listen.ok()) return fail(listen.error().message);
  auto catalog = LoadCatalog(cfg.catalog_file);
  if (!catalog.ok()) return fail("cannot start: " + catalog.error().message);
  crypto::Keyring keyring;
  std::string key_note;
  if (Status st = LoadKeyring(cfg, keyring, key_note); !st.ok()) return fail("cannot start: " + st.error().message);
  auto store = OpenStore(cfg.database_url);
  if (!store.ok()) return fail("cannot open the database: " + store.error().message);
  spdlog::info("{}", key_note);

  SystemClock clock;
  auto outbound = http::MakeOutboundClient();
  AppSettings settings;
  settings.public_url = cfg.public_url;
  settings.verify_timeout_ms = cfg.verify_timeout_ms;
  settings.verify_allow_private = cfg.verify_allow_private;
  ops::Metrics metrics;
  std::unique_ptr<ops::RateLimiter> limits[3];
  const std::string* limit_specs[3] = {&cfg.rate_limit_api_key, &cfg.rate_limit_hub_token, &cfg.rate_limit_client};
  for (int i = 0; i < 3; ++i) {
    auto spec = ParseRateLimit(cfg.rate_limits ? *limit_specs[i] : "off");
    if (!spec.ok()) return fail(spec.error().message);
    limits[i] = std::make_unique<ops::RateLimiter>(ops::RateLimit{spec->first, spec->second});
  }
  webhooks::DispatcherOptions wopts;
  wopts.on_attempt = [&metrics](const char* result) {
    metrics.Count("connecthub_webhook_deliveries_total", std::string("result=\"") + result + "\"");
  };
  wopts.allow_private = cfg.webhook_allow_private;
  wopts.timeout_ms = cfg.webhook_timeout_ms;
  if (!cfg.webhook_retry_schedule.empty()) {
    auto schedule = webhooks::ParseRetrySchedule(cfg.webhook_retry_schedule);
    if (!schedule.ok()) return fail("CONNECTHUB_WEBHOOK_RETRY_SCHEDULE: " + schedule.error().message);
    wopts.retry = *schedule;
  }
  webhooks::Dispatcher dispatcher(**store, keyring, *outbound, clock, wopts);
  AppContext ctx{**store, *catalog, keyring, clock, settings, *outbound};
  ctx.on_account_change = [&dispatcher] { dispatcher.Notify(); };
  ctx.metrics = &metrics;
  Store* db = store->get();
  metrics.AddGauge("connecthub_store_connections", "Database connections by pool and state (max, open, in_use)", [db] {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& p : db->PoolUsage()) {
      for (auto [state, n] : {std::pair{"max", p.max}, {"open", p.open}, {"in_use", p.in_use}}) {
        out.emplace_back(fmt::format("pool=\"{}\",state=\"{}\"", p.pool, state), static_cast<double>(n));
      }
    }
    return out;
  });
  metrics.AddGauge("connecthub_store_waiting", "Callers waiting for a database connection (sqlite_write: queued writes)",
                   [db] {
                     std::vector<std::pair<std::string, double>> out;
                     for (const auto& p : db->PoolUsage())
                       out.emplace_back(fmt::format("pool=\"{}\"", p.pool), static_cast<double>(p.waiting));
                     return out;
                   });
  if (cfg.auth_cache_ms > 0) {
    ctx.api_key_cache = std::make_shared<TtlCache<Project>>(cfg.auth_cache_ms, 10000);
    ctx.enabled_cache = std::make_shared<TtlCache<AppContext::ProviderSet>>(cfg.auth_cache_ms, 10000);
  }
  // Facts, not answers: kept whatever --auth-cache-ms says (the hour only bounds how long an unused
  // entry stays).
  ctx.integration_providers = std::make_shared<TtlCache<std::string>>(3600 * 1000, 10000);
  ctx.api_key_limit = limits[0].get();
  ctx.hub_token_limit = limits[1].get();
  ctx.client_limit = limits[2].get();
  http::Router router(clock);
  AddAllRoutes(router, ctx);

  http::ServerOptions opts;
  opts.host = listen->first;
  opts.port = listen->second;
  opts.io_threads = cfg.io_threads;
  opts.worker_threads = cfg.worker_threads;
  opts.outbound_threads = cfg.outbound_threads;
  opts.body_limit = cfg.body_limit;
  opts.on_request = [&metrics](const std::string& method, const std::string& route, int status, double seconds) {
    metrics.ObserveRequest(method, route, status, seconds);
  };
  http::Server server(opts, router);
  auto port = server.Listen();
  if (!port.ok()) return fail(port.error().message);
  TimeMs last_cleanup = 0;
  server.SetTicker([&] {
    const TimeMs now = clock.NowMs();
    // Expired sessions are useless after a day (kept that long to explain "expired" vs "unknown").
    if (now - last_cleanup > 10 * 60 * 1000) {
      last_cleanup = now;
      for (auto& l : limits) l->Sweep(now);
      auto n = ctx.store.DeleteExpiredSessions(now - 24 * 3600 * 1000);
      if (n.ok() && *n > 0) spdlog::info("removed {} expired connect session(s)", *n);
    }
  });
  spdlog::info("connecthub listening on {}:{} (public URL {}), {} providers in the catalog", opts.host, *port,
               settings.public_url, (*catalog)->providers().size());
  // From here on, request lines are written in batches, at least once a second (see log_sink.h).
  std::shared_ptr<ops::BufferedFdSink> log_sink;
  for (const auto& sink : spdlog::default_logger()->sinks()) {
    if (auto b = std::dynamic_pointer_cast<ops::BufferedFdSink>(sink)) log_sink = b;
  }
  if (log_sink) log_sink->set_immediate(false);
  spdlog::flush_every(std::chrono::seconds(1));
  dispatcher.Start();
  server.Run();
  dispatcher.Stop();
  if (log_sink) log_sink->set_immediate(true);
  spdlog::info("connecthub stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!crypto::Init()) {
    std::cerr << "libsodium failed to initialize\n";
    return 1;
  }
  // Logs go to stderr so that stdout carries only command output (JSON with --json).
  auto log_sink = std::make_shared<ops::BufferedFdSink>(STDERR_FILENO);
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("connecthub", log_sink));
  SetupLogging();
  CLI::App app{"connecthub: self-hosted account linking, wire-compatible with StackOne's connect sessions API"};
  app.require_subcommand(1);
  Config cfg;
  bool json = false;

  auto add_db = [&](CLI::App* sub) {
    sub->add_option("--database", cfg.database_url, "Database URL: sqlite:PATH or postgresql://...")
        ->envname("CONNECTHUB_DATABASE_URL")
        ->capture_default_str();
  };
  auto add_json = [&](CLI::App* sub) { sub->add_flag("--json", json, "Print JSON"); };

  // serve
  auto* serve = app.add_subcommand("serve", "Run the HTTP server");
  std::string config_file;
  serve->add_option("--config", config_file,
                    "A file of 'name = value' lines (names as the long flags without --; # comments). "
                    "Precedence: flags, then environment variables, then this file.")
      ->envname("CONNECTHUB_CONFIG");
  serve->add_option("--listen", cfg.listen, "Address to listen on, HOST:PORT")->envname("CONNECTHUB_LISTEN")->capture_default_str();
  add_db(serve);
  serve->add_option("--public-url", cfg.public_url, "URL browsers use to reach this server (default http://LISTEN)")
      ->envname("CONNECTHUB_PUBLIC_URL");
  serve->add_option("--data-dir", cfg.data_dir, "Folder for the development key file (default: the SQLite file's folder)")
      ->envname("CONNECTHUB_DATA_DIR");
  serve->add_option("--catalog", cfg.catalog_file, "Provider catalog JSON to use instead of the bundled one")
      ->envname("CONNECTHUB_CATALOG");
  serve->add_flag("--production", cfg.production, "Production mode: refuse to start without CONNECTHUB_ENCRYPTION_KEY (also CONNECTHUB_ENV=production)");
  serve->add_option("--io-threads", cfg.io_threads, "I/O threads (0: one per core)")->envname("CONNECTHUB_IO_THREADS")->capture_default_str();
  serve->add_option("--worker-threads", cfg.worker_threads,
                    "Threads for database work; a request holds one while its write waits for the group commit, "
                    "so more threads mean larger commits (32: measured best with 64 connections on 2 cores)")
      ->envname("CONNECTHUB_WORKER_THREADS")->capture_default_str()->check(CLI::Range(1, 1024));
  serve->add_option("--outbound-threads", cfg.outbound_threads,
                    "Threads for hub completions, which check credentials with the provider (each may wait up to "
                    "--verify-timeout-ms)")
      ->envname("CONNECTHUB_OUTBOUND_THREADS")->capture_default_str()->check(CLI::Range(1, 4096));
  serve->add_option("--body-limit", cfg.body_limit, "Largest request body in bytes (larger: 413)")
      ->envname("CONNECTHUB_BODY_LIMIT")->capture_default_str();
  serve->add_option("--webhook-timeout-ms", cfg.webhook_timeout_ms, "Timeout of one webhook delivery attempt")
      ->envname("CONNECTHUB_WEBHOOK_TIMEOUT_MS")->capture_default_str();
  serve->add_option("--rate-limit-api-key", cfg.rate_limit_api_key, "Per API key: REQUESTS_PER_SECOND:BURST, or off")
      ->envname("CONNECTHUB_RATE_LIMIT_API_KEY")->capture_default_str();
  serve->add_option("--rate-limit-hub-token", cfg.rate_limit_hub_token, "Per hub session token: RPS:BURST, or off")
      ->envname("CONNECTHUB_RATE_LIMIT_HUB_TOKEN")->capture_default_str();
  serve->add_option("--rate-limit-client", cfg.rate_limit_client, "Per client address on /hub/* and /link: RPS:BURST, or off")
      ->envname("CONNECTHUB_RATE_LIMIT_CLIENT")->capture_default_str();
  serve->add_option("--verify-timeout-ms", cfg.verify_timeout_ms, "Timeout of a credential check against a provider")
      ->envname("CONNECTHUB_VERIFY_TIMEOUT_MS")->capture_default_str();
  serve->add_option("--auth-cache-ms", cfg.auth_cache_ms,
                    "How long an API key's project, and a project's enabled integrations, are cached for the hot "
                    "path: a revoked key keeps working, and a disabled integration still gets new connect sessions, for "
                    "up to this long "
                    "(0: no cache, every request reads the database)")
      ->envname("CONNECTHUB_AUTH_CACHE_MS")->capture_default_str()->check(CLI::Range(0, 600000));
  serve->footer(
      "Environment: CONNECTHUB_ENCRYPTION_KEY (64 hex chars) encrypts credentials; "
      "CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS (comma-separated) are still read during a rotation; "
      "CONNECTHUB_ENV=production; CONNECTHUB_VERIFY_ALLOW_PRIVATE=1 lets credential checks reach private addresses "
      "and CONNECTHUB_WEBHOOK_ALLOW_PRIVATE=1 lets webhooks target them (development and tests only); "
      "CONNECTHUB_WEBHOOK_RETRY_SCHEDULE overrides the retry delays (e.g. 5s,30s,2m); "
      "CONNECTHUB_RATE_LIMITS=off turns every rate limit off (benchmarks, tests).");
  serve->callback([&] {
    if (!config_file.empty()) {
      if (Status st = ApplyConfigFile(*serve, config_file); !st.ok()) {
        std::cerr << "error: " << st.error().message << "\n";
        std::exit(2);
      }
    }
    ApplyEnvironment(cfg);
    if (cfg.public_url.empty()) cfg.public_url = "http://" + cfg.listen;
    while (!cfg.public_url.empty() && cfg.public_url.back() == '/') cfg.public_url.pop_back();
    std::exit(Serve(cfg));
  });

  // migrate
  auto* migrate = app.add_subcommand("migrate", "Apply database migrations and exit");
  add_db(migrate);
  add_json(migrate);
  migrate->callback([&] {
    auto run = [&]() -> Result<bj::object> {
      CH_TRY(auto store, OpenStore(cfg.database_url));  // opening applies pending migrations
      CH_TRY(int n, store->Migrate());
      return bj::object{{"status", "up to date"}, {"applied_now", n}};
    };
    std::exit(Emit(run(), json));
  });

  std::optional<int64_t> org_id;
  std::string name, project, provider, key_id;
  std::vector<std::string> settings, origins;
  auto with_store = [&](auto fn) {
    auto store = OpenStore(cfg.database_url);
    if (!store.ok()) {
      std::cerr << "error: " << store.error().message << "\n";
      std::exit(1);
    }
    std::exit(fn(**store));
  };
  const auto now = [] { return SystemClock().NowMs(); };

  // project
  auto* proj = app.add_subcommand("project", "Projects (each with its own API keys, integrations and accounts)");
  proj->require_subcommand(1);
  auto* pcreate = proj->add_subcommand("create", "Create a project (and an organization) with a first API key");
  pcreate->add_option("--name", name, "Project name")->required();
  pcreate->add_option("--organization-id", org_id, "Add the project to this existing organization");
  add_db(pcreate);
  add_json(pcreate);
  pcreate->callback([&] { with_store([&](Store& s) { return Emit(admin::CreateProject(s, name, org_id, now()), json); }); });
  auto* plist = proj->add_subcommand("list", "List projects");
  add_db(plist);
  add_json(plist);
  plist->callback([&] { with_store([&](Store& s) { return Emit(admin::ListProjects(s), json); }); });
  auto* porigins = proj->add_subcommand("set-origins", "Set the origins allowed to embed the hub (CSP frame-ancestors)");
  porigins->add_option("--project", project)->required();
  porigins->add_option("--origin", origins, "An allowed origin, e.g. https://app.example.com (repeatable)");
  add_db(porigins);
  add_json(porigins);
  porigins->callback([&] { with_store([&](Store& s) { return Emit(admin::SetAllowedOrigins(s, project, origins), json); }); });

  // api-key
  auto* keys = app.add_subcommand("api-key", "API keys of a project (shown once, stored as a hash)");
  keys->require_subcommand(1);
  auto* kcreate = keys->add_subcommand("create", "Create an API key");
  kcreate->add_option("--project", project)->required();
  add_db(kcreate);
  add_json(kcreate);
  kcreate->callback([&] { with_store([&](Store& s) { return Emit(admin::CreateApiKey(s, project, now()), json); }); });
  auto* krevoke = keys->add_subcommand("revoke", "Revoke an API key");
  krevoke->add_option("--project", project)->required();
  krevoke->add_option("--id", key_id, "Key id (key_...)")->required();
  add_db(krevoke);
  add_json(krevoke);
  krevoke->callback([&] { with_store([&](Store& s) { return Emit(admin::RevokeApiKey(s, project, key_id, now()), json); }); });
  auto* klist = keys->add_subcommand("list", "List API keys (ids and prefixes only)");
  klist->add_option("--project", project)->required();
  add_db(klist);
  add_json(klist);
  klist->callback([&] { with_store([&](Store& s) { return Emit(admin::ListApiKeys(s, project), json); }); });

  // integration
  auto* integ = app.add_subcommand("integration", "Providers enabled in a project");
  integ->require_subcommand(1);
  for (bool enable : {true, false}) {
    auto* sub = integ->add_subcommand(enable ? "enable" : "disable", enable ? "Enable a provider" : "Disable a provider");
    sub->add_option("--project", project)->required();
    sub->add_option("--provider", provider, "Provider key, e.g. bamboohr")->required();
    sub->add_option("--set", settings, "Integration setting key=value (base_url=https://...)");
    add_db(sub);
    add_json(sub);
    sub->callback([&, enable] {
      with_store([&](Store& s) {
        auto catalog = Catalog::LoadBundled();
        if (!catalog.ok()) return Emit(Result<bj::object>(catalog.error()), json);
        return Emit(admin::SetIntegration(s, **catalog, project, provider, enable, settings, now()), json);
      });
    });
  }
  auto* ilist = integ->add_subcommand("list", "List a project's integrations");
  ilist->add_option("--project", project)->required();
  add_db(ilist);
  add_json(ilist);
  ilist->callback([&] { with_store([&](Store& s) { return Emit(admin::ListIntegrations(s, project), json); }); });

  // webhook
  std::string url, events_csv;
  int grace_hours = 24, limit = 50;
  auto with_keyring = [&](auto fn) {
    with_store([&](Store& s) {
      ApplyEnvironment(cfg);
      crypto::Keyring ring;
      std::string note;
      if (Status st = LoadKeyring(cfg, ring, note); !st.ok()) return Emit(Result<bj::object>(st.error()), json);
      return fn(s, ring);
    });
  };
  auto* hooks = app.add_subcommand("webhook", "Webhook endpoints for account events");
  hooks->require_subcommand(1);
  auto* hadd = hooks->add_subcommand("add", "Add an endpoint; prints its signing secret once");
  hadd->add_option("--project", project)->required();
  hadd->add_option("--url", url, "Receiver URL (https://...)")->required();
  hadd->add_option("--events", events_csv, "Comma-separated: account.created,account.updated,account.deleted (default: all)");
  add_db(hadd);
  add_json(hadd);
  hadd->callback([&] {
    with_keyring([&](Store& s, crypto::Keyring& ring) {
      return Emit(admin::AddWebhook(s, ring, project, url, events_csv, cfg.webhook_allow_private, now()), json);
    });
  });
  auto* hlist = hooks->add_subcommand("list", "List endpoints (secrets are not shown)");
  hlist->add_option("--project", project)->required();
  add_db(hlist);
  add_json(hlist);
  hlist->callback([&] { with_store([&](Store& s) { return Emit(admin::ListWebhooks(s, project), json); }); });
  auto* hremove = hooks->add_subcommand("remove", "Remove an endpoint and its pending deliveries");
  hremove->add_option("--project", project)->required();
  hremove->add_option("--id", key_id, "Endpoint id (whk_...)")->required();
  add_db(hremove);
  add_json(hremove);
  hremove->callback([&] { with_store([&](Store& s) { return Emit(admin::RemoveWebhook(s, project, key_id), json); }); });
  auto* hrotate = hooks->add_subcommand("rotate-secret", "New signing secret; the old one keeps signing during the grace period");
  hrotate->add_option("--project", project)->required();
  hrotate->add_option("--id", key_id, "Endpoint id (whk_...)")->required();
  hrotate->add_option("--grace-hours", grace_hours, "Hours both secrets sign each message")->capture_default_str()->check(CLI::Range(0, 720));
  add_db(hrotate);
  add_json(hrotate);
  hrotate->callback([&] {
    with_keyring([&](Store& s, crypto::Keyring& ring) {
      return Emit(admin::RotateWebhookSecret(s, ring, project, key_id, grace_hours, now()), json);
    });
  });
  auto* hdeliv = hooks->add_subcommand("deliveries", "Delivery log of an endpoint, newest first");
  hdeliv->add_option("--project", project)->required();
  hdeliv->add_option("--id", key_id, "Endpoint id (whk_...)")->required();
  hdeliv->add_option("--limit", limit)->capture_default_str()->check(CLI::Range(1, 1000));
  add_db(hdeliv);
  add_json(hdeliv);
  hdeliv->callback([&] { with_store([&](Store& s) { return Emit(admin::ListDeliveries(s, project, key_id, limit), json); }); });

  // providers
  auto* providers = app.add_subcommand("providers", "List the providers in the bundled catalog");
  add_json(providers);
  providers->callback([&] {
    auto run = [&]() -> Result<bj::array> {
      CH_TRY(auto catalog, Catalog::LoadBundled());
      bj::array out;
      for (const auto& p : catalog->providers()) out.push_back(bj::object{{"provider", p.key}, {"name", p.name}, {"category", p.category}});
      return out;
    };
    std::exit(Emit(run(), json));
  });

  // keys
  auto* ekeys = app.add_subcommand("keys", "Credential encryption keys");
  ekeys->require_subcommand(1);
  auto* kgen = ekeys->add_subcommand("generate", "Print a new random key for CONNECTHUB_ENCRYPTION_KEY");
  kgen->callback([&] {
    std::cout << crypto::RandomKeyHex() << "\n";
    std::exit(0);
  });

  auto* krotate = ekeys->add_subcommand(
      "rotate",
      "Re-encrypt all credentials and webhook secrets with CONNECTHUB_ENCRYPTION_KEY, reading old ciphertext with "
      "CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS. Safe while servers run (give them both variables first).");
  add_db(krotate);
  add_json(krotate);
  krotate->callback([&] {
    with_keyring([&](Store& s, crypto::Keyring& ring) { return Emit(admin::RotateKeys(s, ring), json); });
  });

  CLI11_PARSE(app, argc, argv);
  return 0;
}
