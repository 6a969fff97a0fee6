#include "app/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace connecthub {

std::string DataDir(const Config& c) {
  if (!c.data_dir.empty()) return c.data_dir;
  std::string_view url = c.database_url;
  if (url.rfind("sqlite:", 0) == 0 || url.find("://") == std::string_view::npos) {
    if (url.rfind("sqlite:", 0) == 0) url.remove_prefix(7);
    if (url.rfind("//", 0) == 0) url.remove_prefix(2);  // as OpenStore reads sqlite://PATH
    auto parent = std::filesystem::path(std::string(url)).parent_path();
    return parent.empty() ? "." : parent.string();
  }
  return "./data";
}

void ApplyEnvironment(Config& c) {
  auto is = [](const char* name, std::string_view value) {
    const char* v = std::getenv(name);
    return v && std::string_view(v) == value;
  };
  if (is("CONNECTHUB_ENV", "production")) c.production = true;
  if (is("CONNECTHUB_VERIFY_ALLOW_PRIVATE", "1")) c.verify_allow_private = true;
  if (is("CONNECTHUB_WEBHOOK_ALLOW_PRIVATE", "1")) c.webhook_allow_private = true;
  if (const char* v = std::getenv("CONNECTHUB_WEBHOOK_RETRY_SCHEDULE"); v && *v) c.webhook_retry_schedule = v;
  if (is("CONNECTHUB_RATE_LIMITS", "off")) c.rate_limits = false;
}

Result<std::pair<double, double>> ParseRateLimit(std::string_view text) {
  if (text == "off" || text == "0") return std::make_pair(0.0, 0.0);
  auto colon = text.find(':');
  try {
    size_t used = 0;
    std::string rate_s(text.substr(0, colon));
    double rate = std::stod(rate_s, &used);
    if (used != rate_s.size()) throw std::invalid_argument("rate");
    double burst = rate;
    if (colon != std::string_view::npos) {
      std::string burst_s(text.substr(colon + 1));
      burst = std::stod(burst_s, &used);
      if (used != burst_s.size()) throw std::invalid_argument("burst");
    }
    // Written so that NaN, which fails every comparison, is out of range too.
    if (!(rate >= 0 && burst >= 1 && rate <= 1e6 && burst <= 1e7)) throw std::invalid_argument("range");
    return std::make_pair(rate, burst);
  } catch (const std::exception&) {
    return InvalidArgument("rate limits look like 100:200 (requests per second : burst) or off");
  }
}

namespace {
std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

Result<std::string> ReadOrCreateKeyFile(const std::string& path, bool& created) {
  created = false;
  std::ifstream in(path);
  if (in) {
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      return InvalidArgument("key file " + path + " is readable by other users; run: chmod 600 " + path);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return Trim(ss.str());
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string key = crypto::RandomKeyHex();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Unavailable("cannot create key file " + path);
  std::string line = key + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::fsync(fd);
  ::close(fd);
  if (!ok) return Unavailable("cannot write key file " + path);
  created = true;
  return key;
}
}  // namespace

Status LoadKeyring(const Config& c, crypto::Keyring& ring, std::string& note) {
  const char* env = std::getenv("CONNECTHUB_ENCRYPTION_KEY");
  std::string current;
  if (env && *env) {
    current = Trim(env);
    note = "encryption key from CONNECTHUB_ENCRYPTION_KEY";
  } else if (c.database_url.rfind("postgresql://", 0) == 0 || c.database_url.rfind("postgres://", 0) == 0) {
    // Instances sharing a database must share the key; a per-instance key file would make each
    // instance unable to read credentials the others stored.
    return InvalidArgument(
        "with PostgreSQL every instance needs the same CONNECTHUB_ENCRYPTION_KEY (64 hex characters); "
        "generate one with: connecthub keys generate");
  } else if (c.production) {
    return InvalidArgument(
        "refusing to start in production without CONNECTHUB_ENCRYPTION_KEY (32 bytes as 64 hex characters); "
        "generate one with: connecthub keys generate");
  } else {
    const std::string path = DataDir(c) + "/encryption.key";
    bool created = false;
    CH_TRY(current, ReadOrCreateKeyFile(path, created));
    note = (created ? "generated a development encryption key in " : "development encryption key from ") + path +
           " (set CONNECTHUB_ENCRYPTION_KEY in production)";
  }
  CH_TRY(std::string key, crypto::Keyring::ParseKey(current));
  crypto::Wipe(current);
  if (const char* prev = std::getenv("CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS"); prev && *prev) {
    std::stringstream ss(prev);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = Trim(item);
      if (item.empty()) continue;
      auto old = crypto::Keyring::ParseKey(item);
      if (!old.ok()) return InvalidArgument("CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS: " + old.error().message);
      ring.Add(std::move(old).value(), false);
    }
  }
  ring.Add(std::move(key), true);
  return OkStatus();
}

}  // namespace connecthub
