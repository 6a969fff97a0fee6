#include "app/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "ops/rate_limiter.h"

namespace connecthub {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKeyHex = "7465737420656e6372797074696f6e206b657920666f7220636f6e6e65637468";
constexpr const char* kOtherKeyHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// Clears the variables config.cc reads for the life of a test and restores them afterwards, so a
// developer's shell (or scripts/test.sh) cannot change what these tests see.
class ScopedEnv {
 public:
  ScopedEnv() {
    for (const char* name : kNames) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) ::setenv(name, value->c_str(), 1);
      else ::unsetenv(name);
    }
  }
  void Set(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }

 private:
  static constexpr const char* kNames[] = {
      "CONNECTHUB_ENV",
      "CONNECTHUB_VERIFY_ALLOW_PRIVATE",
      "CONNECTHUB_WEBHOOK_ALLOW_PRIVATE",
      "CONNECTHUB_WEBHOOK_RETRY_SCHEDULE",
      "CONNECTHUB_RATE_LIMITS",
      "CONNECTHUB_ENCRYPTION_KEY",
      "CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS",
  };
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "connecthub-config-test-XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --- ParseRateLimit -------------------------------------------------------------------------------

void ExpectLimit(std::string_view text, double rate, double burst) {
  auto r = ParseRateLimit(text);
  ASSERT_TRUE(r.ok()) << "'" << text << "': " << r.error().message;
  EXPECT_EQ(r->first, rate) << text;
  EXPECT_EQ(r->second, burst) << text;
}

TEST(ConfigTest, RateLimitReadsRateAndBurst) {
  ExpectLimit("100:200", 100, 200);
  ExpectLimit("5:30", 5, 30);
  ExpectLimit("0.5:1", 0.5, 1);
  ExpectLimit("1e3:2e3", 1000, 2000);
  ExpectLimit("1000000:10000000", 1e6, 1e7);  // the largest accepted
}

TEST(ConfigTest, RateLimitWithoutBurstUsesTheRateAsBurst) {
  ExpectLimit("5", 5, 5);
  ExpectLimit("20", 20, 20);
}

TEST(ConfigTest, RateLimitOffAndZeroDisable) {
  ExpectLimit("off", 0, 0);
  ExpectLimit("0", 0, 0);
  for (const char* text : {"off", "0"}) {
    auto r = ParseRateLimit(text);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(ops::RateLimiter({r->first, r->second}).enabled()) << text;
  }
  auto on = ParseRateLimit("5:30");
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(ops::RateLimiter({on->first, on->second}).enabled());
}

TEST(ConfigTest, RateLimitRefusesBadValuesWithAClearMessage) {
  for (const char* text : {
           "",           // nothing
           "abc",        // not a number
           "OFF",        // only the exact word
           "5:",         // empty burst
           ":5",         // empty rate
           "5:x",        // burst not a number
           "5x",         // trailing junk
           "5:10 ",      // trailing space
           "1:2:3",      // three parts
           "-1:5",       // negative rate
           "5:0",        // burst below one request
           "5:0.5",      // burst below one request
           "0:0",        // "0" alone means off; a zero burst is not a limit
           "1000001:2",  // rate over 1e6
           "5:10000001", // burst over 1e7
           "1e400",      // out of double's range
           "inf",        // infinite rate
           "5:inf",      // infinite burst
           // NaN compares false with everything, so it slipped through the range checks: "nan"
           // silently turned a limit off and "5:nan" made a bucket that refuses every request.
           "nan",
           "nan:5",
           "5:nan",
           "-nan:5",
       }) {
    auto r = ParseRateLimit(text);
    ASSERT_FALSE(r.ok()) << "'" << text << "' was accepted as " << r->first << ":" << r->second;
    EXPECT_EQ(r.code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_EQ(r.error().message, "rate limits look like 100:200 (requests per second : burst) or off") << text;
  }
}

// --- Defaults -------------------------------------------------------------------------------------

TEST(ConfigTest, DefaultsAreTheDocumentedOnes) {
  const Config c;
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.database_url, "sqlite:./data/connecthub.db");
  EXPECT_EQ(c.public_url, "");
  EXPECT_EQ(c.data_dir, "");
  EXPECT_FALSE(c.production);
  EXPECT_EQ(c.worker_threads, 32);
  EXPECT_EQ(c.outbound_threads, 32);
  EXPECT_EQ(c.body_limit, 1u << 20);
  EXPECT_EQ(c.verify_timeout_ms, 8000);
  EXPECT_EQ(c.webhook_timeout_ms, 10000);
  EXPECT_FALSE(c.verify_allow_private);
  EXPECT_FALSE(c.webhook_allow_private);
  EXPECT_TRUE(c.rate_limits);
  // README, "Abuse is bounded": 100/s burst 200 per key, 5/s burst 30 per token, 20/s burst 60 per client.
  EXPECT_EQ(c.rate_limit_api_key, "100:200");
  EXPECT_EQ(c.rate_limit_hub_token, "5:30");
  EXPECT_EQ(c.rate_limit_client, "20:60");
  ExpectLimit(c.rate_limit_api_key, 100, 200);
  ExpectLimit(c.rate_limit_hub_token, 5, 30);
  ExpectLimit(c.rate_limit_client, 20, 60);
}

// --- ApplyEnvironment -----------------------------------------------------------------------------

TEST(ConfigTest, EnvironmentOnlySwitchesAreOffWithoutTheirVariables) {
  ScopedEnv env;
  Config c;
  ApplyEnvironment(c);
  EXPECT_FALSE(c.production);
  EXPECT_FALSE(c.verify_allow_private);
  EXPECT_FALSE(c.webhook_allow_private);
  EXPECT_EQ(c.webhook_retry_schedule, "");
  EXPECT_TRUE(c.rate_limits);
}

TEST(ConfigTest, EnvironmentSwitchesNeedTheirExactValue) {
  ScopedEnv env;
  env.Set("CONNECTHUB_ENV", "production");
  env.Set("CONNECTHUB_VERIFY_ALLOW_PRIVATE", "1");
  env.Set("CONNECTHUB_WEBHOOK_ALLOW_PRIVATE", "1");
  env.Set("CONNECTHUB_WEBHOOK_RETRY_SCHEDULE", "5s,30s");
  env.Set("CONNECTHUB_RATE_LIMITS", "off");
  Config c;
  ApplyEnvironment(c);
  EXPECT_TRUE(c.production);
  EXPECT_TRUE(c.verify_allow_private);
  EXPECT_TRUE(c.webhook_allow_private);
  EXPECT_EQ(c.webhook_retry_schedule, "5s,30s");
  EXPECT_FALSE(c.rate_limits);

  // Anything else leaves the safe default: a typo must not open private addresses or drop limits.
  env.Set("CONNECTHUB_ENV", "Production");
  env.Set("CONNECTHUB_VERIFY_ALLOW_PRIVATE", "true");
  env.Set("CONNECTHUB_WEBHOOK_ALLOW_PRIVATE", "yes");
  env.Set("CONNECTHUB_WEBHOOK_RETRY_SCHEDULE", "");
  env.Set("CONNECTHUB_RATE_LIMITS", "on");
  Config d;
  ApplyEnvironment(d);
  EXPECT_FALSE(d.production);
  EXPECT_FALSE(d.verify_allow_private);
  EXPECT_FALSE(d.webhook_allow_private);
  EXPECT_EQ(d.webhook_retry_schedule, "");
  EXPECT_TRUE(d.rate_limits);
}

TEST(ConfigTest, EnvironmentDoesNotUndoAFlag) {
  // --production given as a flag stays on whatever CONNECTHUB_ENV says.
  ScopedEnv env;
  env.Set("CONNECTHUB_ENV", "development");
  Config c;
  c.production = true;
  c.webhook_retry_schedule = "1s";
  ApplyEnvironment(c);
  EXPECT_TRUE(c.production);
  EXPECT_EQ(c.webhook_retry_schedule, "1s");
}

// --- DataDir --------------------------------------------------------------------------------------

std::string DataDirOf(std::string database_url, std::string data_dir = "") {
  Config c;
  c.database_url = std::move(database_url);
  c.data_dir = std::move(data_dir);
  return DataDir(c);
}

TEST(ConfigTest, DataDirIsTheSqliteFilesFolder) {
  EXPECT_EQ(DataDirOf("sqlite:./data/connecthub.db"), "./data");
  EXPECT_EQ(DataDirOf("sqlite:/var/lib/connecthub/db.sqlite"), "/var/lib/connecthub");
  EXPECT_EQ(DataDirOf("sqlite:connecthub.db"), ".");
  EXPECT_EQ(DataDirOf("/srv/ch/connecthub.db"), "/srv/ch");  // a bare path is a SQLite file too
  EXPECT_EQ(DataDirOf("rel/dir/connecthub.db"), "rel/dir");
}

TEST(ConfigTest, DataDirFollowsTheSqliteUrlFormsTheStoreAccepts) {
  // OpenStore reads "sqlite://PATH" as PATH, so the key file belongs beside that file, not in a
  // folder at the root of the file system ("//rel/dir" is "/rel/dir").
  EXPECT_EQ(DataDirOf("sqlite://rel/dir/connecthub.db"), "rel/dir");
  EXPECT_EQ(DataDirOf("sqlite:///var/lib/connecthub/db.sqlite"), "/var/lib/connecthub");
}

TEST(ConfigTest, DataDirForPostgresIsLocalAndAnExplicitDirWins) {
  EXPECT_EQ(DataDirOf("postgresql://ch@db.internal:5432/ch"), "./data");
  EXPECT_EQ(DataDirOf("postgres://ch@db/ch"), "./data");
  EXPECT_EQ(DataDirOf("sqlite:./data/connecthub.db", "/etc/connecthub"), "/etc/connecthub");
  EXPECT_EQ(DataDirOf("postgresql://ch@db/ch", "/etc/connecthub"), "/etc/connecthub");
}

// --- LoadKeyring ----------------------------------------------------------------------------------

class KeyringConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::Init()); }
  ScopedEnv env_;
  TempDir dir_;
  Config Dev() const {
    Config c;
    c.database_url = "sqlite:" + dir_.path() + "/connecthub.db";
    return c;
  }
};

TEST_F(KeyringConfigTest, TheEnvironmentKeyIsUsedAndNeverInTheNote) {
  env_.Set("CONNECTHUB_ENCRYPTION_KEY", std::string("  ") + kKeyHex + "\n");  // pasted with spaces
  crypto::Keyring ring;
  std::string note;
  ASSERT_TRUE(LoadKeyring(Dev(), ring, note).ok());
  EXPECT_EQ(note, "encryption key from CONNECTHUB_ENCRYPTION_KEY");
  EXPECT_EQ(ring.current_id(), crypto::Keyring::KeyId(*crypto::Keyring::ParseKey(kKeyHex)));
  EXPECT_FALSE(fs::exists(dir_.path() + "/encryption.key")) << "no key file when the environment has the key";
}

TEST_F(KeyringConfigTest, ABadEnvironmentKeyIsRefused) {
  env_.Set("CONNECTHUB_ENCRYPTION_KEY", "not-a-key");
  crypto::Keyring ring;
  std::string note;
  Status st = LoadKeyring(Dev(), ring, note);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("32 bytes"), std::string::npos) << st.error().message;
  EXPECT_TRUE(ring.empty());
}

TEST_F(KeyringConfigTest, DevelopmentCreatesAPrivateKeyFileOnceAndReusesIt) {
  crypto::Keyring first;
  std::string note;
  ASSERT_TRUE(LoadKeyring(Dev(), first, note).ok());
  const std::string path = dir_.path() + "/encryption.key";
  EXPECT_EQ(note, "generated a development encryption key in " + path + " (set CONNECTHUB_ENCRYPTION_KEY in production)");
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string key = ReadFile(path);
  EXPECT_EQ(key.size(), 65u) << "64 hex characters and a newline";
  EXPECT_NE(note.find(path), std::string::npos);
  EXPECT_EQ(note.find(key.substr(0, 16)), std::string::npos) << "the note must not show the key";

  crypto::Keyring second;
  ASSERT_TRUE(LoadKeyring(Dev(), second, note).ok());
  EXPECT_EQ(note, "development encryption key from " + path + " (set CONNECTHUB_ENCRYPTION_KEY in production)");
  EXPECT_EQ(ReadFile(path), key) << "an existing key file is never replaced";
  const std::string sealed = first.Encrypt("secret", "aad");
  auto opened = second.Decrypt(sealed, "aad");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "secret");
}

TEST_F(KeyringConfigTest, AKeyFileOthersCanReadIsRefused) {
  const std::string path = dir_.path() + "/encryption.key";
  std::ofstream(path) << kKeyHex << "\n";
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  crypto::Keyring ring;
  std::string note;
  Status st = LoadKeyring(Dev(), ring, note);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "key file " + path + " is readable by other users; run: chmod 600 " + path);
}

TEST_F(KeyringConfigTest, TheKeyFileGoesToTheDataDirWhenGiven) {
  Config c = Dev();
  c.data_dir = dir_.path() + "/keys";
  crypto::Keyring ring;
  std::string note;
  ASSERT_TRUE(LoadKeyring(c, ring, note).ok());
  EXPECT_TRUE(fs::exists(dir_.path() + "/keys/encryption.key"));
  EXPECT_FALSE(fs::exists(dir_.path() + "/encryption.key"));
}

TEST_F(KeyringConfigTest, ProductionWithoutAKeyRefusesToStart) {
  Config c = Dev();
  c.production = true;
  crypto::Keyring ring;
  std::string note;
  Status st = LoadKeyring(c, ring, note);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("refusing to start in production without CONNECTHUB_ENCRYPTION_KEY"), std::string::npos)
      << st.error().message;
  EXPECT_FALSE(fs::exists(dir_.path() + "/encryption.key")) << "production must not fall back to a key file";
}

TEST_F(KeyringConfigTest, PostgresWithoutAKeyRefusesToStart) {
  for (const char* url : {"postgresql://ch@127.0.0.1/ch", "postgres://ch@127.0.0.1/ch"}) {
    Config c = Dev();
    c.database_url = url;
    c.data_dir = dir_.path();
    crypto::Keyring ring;
    std::string note;
    Status st = LoadKeyring(c, ring, note);
    ASSERT_FALSE(st.ok()) << url;
    EXPECT_NE(st.error().message.find("with PostgreSQL every instance needs the same CONNECTHUB_ENCRYPTION_KEY"),
              std::string::npos)
        << st.error().message;
  }
  EXPECT_FALSE(fs::exists(dir_.path() + "/encryption.key"));
}

TEST_F(KeyringConfigTest, ASqliteFileNamedPostgresIsStillSqlite) {
  // OpenStore treats only postgresql:// and postgres:// URLs as PostgreSQL; a bare SQLite path that
  // happens to start with "postgres" must get the development key file like any other.
  Config c;
  c.database_url = "postgres-copy.db";
  c.data_dir = dir_.path();
  crypto::Keyring ring;
  std::string note;
  Status st = LoadKeyring(c, ring, note);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(fs::exists(dir_.path() + "/encryption.key"));
}

TEST_F(KeyringConfigTest, PreviousKeysStayReadableAndTheCurrentOneEncrypts) {
  crypto::Keyring old_ring;
  old_ring.Add(*crypto::Keyring::ParseKey(kOtherKeyHex), true);
  const std::string old_sealed = old_ring.Encrypt("old secret", "aad");

  env_.Set("CONNECTHUB_ENCRYPTION_KEY", kKeyHex);
  env_.Set("CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS", std::string(" ") + kOtherKeyHex + " ,,");
  crypto::Keyring ring;
  std::string note;
  ASSERT_TRUE(LoadKeyring(Dev(), ring, note).ok());
  EXPECT_EQ(ring.current_id(), crypto::Keyring::KeyId(*crypto::Keyring::ParseKey(kKeyHex)));
  EXPECT_TRUE(ring.Has(crypto::Keyring::KeyId(*crypto::Keyring::ParseKey(kOtherKeyHex))));
  auto opened = ring.Decrypt(old_sealed, "aad");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "old secret");
  EXPECT_EQ(crypto::Keyring::KeyIdOf(ring.Encrypt("new", "aad")), ring.current_id());
}

TEST_F(KeyringConfigTest, ABadPreviousKeyIsRefusedNamingTheVariable) {
  env_.Set("CONNECTHUB_ENCRYPTION_KEY", kKeyHex);
  env_.Set("CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS", std::string(kOtherKeyHex) + ",short");
  crypto::Keyring ring;
  std::string note;
  Status st = LoadKeyring(Dev(), ring, note);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.rfind("CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS: ", 0), 0u) << st.error().message;
}

}  // namespace
}  // namespace connecthub
