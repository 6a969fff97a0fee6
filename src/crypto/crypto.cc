#include "crypto/crypto.h"

#include <algorithm>
#include <cstdio>

#include <sodium.h>

namespace connecthub::crypto {

bool Init() { return sodium_init() >= 0; }

std::string RandomBytes(size_t n) {
  std::string raw(n, '\0');
  randombytes_buf(raw.data(), raw.size());
  return raw;
}

std::string RandomToken(std::string_view prefix, size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(prefix);
  out += Base64UrlEncode(raw);
  Wipe(raw);
  return out;
}

std::string RandomId(std::string_view prefix, size_t chars) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(prefix);
  out.reserve(prefix.size() + chars);
  // One randombytes_buf per batch, not a randombytes_uniform (a getrandom system call) per character.
  // Bytes from 252 up are dropped so that byte % 36 stays uniform (252 = 7 * 36).
  unsigned char buf[64];
  while (out.size() < prefix.size() + chars) {
    randombytes_buf(buf, sizeof buf);
    for (unsigned char b : buf) {
      if (b >= 252) continue;
      out.push_back(kAlphabet[b % 36]);
      if (out.size() == prefix.size() + chars) break;
    }
  }
  sodium_memzero(buf, sizeof buf);
  return out;
}

std::string RandomKeyHex() {
  std::string raw(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
  crypto_aead_xchacha20poly1305_ietf_keygen(reinterpret_cast<unsigned char*>(raw.data()));
  std::string hex = HexEncode(raw);
  Wipe(raw);
  return hex;
}

std::string TokenHash(std::string_view token) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                     nullptr, 0);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string NewSessionToken(int64_t now_ms) {
  char stamp[16];
  std::snprintf(stamp, sizeof stamp, "%012llx", static_cast<unsigned long long>(now_ms < 0 ? 0 : now_ms) & 0xffffffffffffULL);
  return RandomToken(std::string("cst_") + stamp + ".");
}

std::string SessionTokenKey(std::string_view token) {
  constexpr size_t kStampAt = 4, kStampLen = 12;
  const bool stamped = token.size() > kStampAt + kStampLen + 1 && token.substr(0, kStampAt) == "cst_" &&
                       token[kStampAt + kStampLen] == '.' &&
                       std::all_of(token.begin() + kStampAt, token.begin() + kStampAt + kStampLen,
                                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (!stamped) return TokenHash(token);
  return std::string(token.substr(kStampAt, kStampLen)) + "." + TokenHash(token);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HexEncode(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.pop_back();
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  std::string out(hex.size() / 2 + 1, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(), nullptr, &len,
                     &end) != 0 ||
      end != hex.data() + hex.size()) {
    return InvalidArgument("not valid hex");
  }
  out.resize(len);
  return out;
}

namespace {
std::string B64(std::string_view bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

Result<std::string> UnB64(std::string_view text, int variant) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return InvalidArgument("not valid base64");
  }
  out.resize(len);
  return out;
}
}  // namespace

std::string Base64Encode(std::string_view bytes) { return B64(bytes, sodium_base64_VARIANT_ORIGINAL); }
Result<std::string> Base64Decode(std::string_view b64) {
  if (b64.find('=') != std::string_view::npos) return UnB64(b64, sodium_base64_VARIANT_ORIGINAL);
  return UnB64(b64, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}
std::string Base64UrlEncode(std::string_view bytes) { return B64(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING); }

std::string HmacSha256(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

void Wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

Result<std::string> Keyring::ParseKey(std::string_view text) {
  Result<std::string> raw = text.size() == 64 ? HexDecode(text) : Base64Decode(text);
  if (!raw.ok() || raw->size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
    return InvalidArgument("the encryption key must be 32 bytes, written as 64 hex characters or base64");
  }
  return raw;
}

std::string Keyring::KeyId(std::string_view key) {
  static constexpr char kContext[] = "connecthub-key-id";
  unsigned char digest[8];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(kContext), sizeof kContext - 1,
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

void Keyring::Add(std::string key, bool make_current) {
  std::string id = KeyId(key);
  if (make_current || current_.empty()) current_ = id;
  keys_[id] = std::move(key);
}

Keyring::~Keyring() {
  for (auto& [id, key] : keys_) Wipe(key);
}

std::string Keyring::Encrypt(std::string_view plaintext, std::string_view aad) const {
  const std::string& key = keys_.at(current_);
  std::string buf(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(buf.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr, nonce,
      reinterpret_cast<const unsigned char*>(key.data()));
  buf.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + clen);
  return "v1." + current_ + "." + Base64UrlEncode(buf);
}

std::string Keyring::KeyIdOf(std::string_view ct) {
  if (ct.substr(0, 3) != "v1.") return "";
  auto dot = ct.find('.', 3);
  if (dot == std::string_view::npos) return "";
  return std::string(ct.substr(3, dot - 3));
}

Result<std::string> Keyring::Decrypt(std::string_view ct, std::string_view aad) const {
  std::string id = KeyIdOf(ct);
  if (id.empty()) return Internal("stored ciphertext is malformed");
  auto it = keys_.find(id);
  if (it == keys_.end()) return Unavailable("credentials were encrypted with key " + id + ", which is not configured");
  std::string_view body = ct.substr(3 + id.size() + 1);
  Result<std::string> raw = UnB64(body, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  if (!raw.ok() || raw->size() < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return Internal("stored ciphertext is malformed");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
  const size_t clen = raw->size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string out(clen, '\0');
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr,
          nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, clen, reinterpret_cast<const unsigned char*>(aad.data()),
          aad.size(), nonce, reinterpret_cast<const unsigned char*>(it->second.data())) != 0) {
    return Internal("stored credentials failed authentication (tampered or moved)");
  }
  out.resize(mlen);
  return out;
}

}  // namespace connecthub::crypto
