// Every use of libsodium goes through here. Call crypto::Init() once at start-up.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace connecthub::crypto {

// Initializes libsodium; false if the library could not start (no usable randomness).
bool Init();

// `n` random bytes.
std::string RandomBytes(size_t n);
// `prefix` + base64url (no padding) of `bytes` random bytes. 32 bytes = 256 bits.
std::string RandomToken(std::string_view prefix, size_t bytes = 32);
// `prefix` + `chars` random characters from [a-z0-9] (about 5.2 bits each): ids, not secrets.
std::string RandomId(std::string_view prefix, size_t chars = 20);

// A fresh 32-byte key as 64 hex characters (for CONNECTHUB_ENCRYPTION_KEY).
std::string RandomKeyHex();

// Hex BLAKE2b-256 of a high-entropy token. A fast hash is right here: the inputs are 256-bit random
// values, so there is nothing to brute-force; a slow KDF would only cap request throughput.
std::string TokenHash(std::string_view token);
// Connect-session tokens: "cst_" + the creation time in milliseconds as 12 hex digits + "." + 256
// random bits (base64url). The time is not secret (the session's created_at is in every response);
// it is there so that the stored key sorts by age.
std::string NewSessionToken(int64_t now_ms);
// What the store keeps and looks tokens up by: for NewSessionToken's tokens, the time digits, ".",
// then TokenHash of the whole token. New rows then land at the end of the unique index on it, one
// index page per group commit, where a bare hash put each session on a random page (a 4 KiB write
// each, then a checkpoint copy each). Any other token (those issued before this format) keys by
// its bare TokenHash, so those still work; the two forms cannot collide (only one contains a dot).
std::string SessionTokenKey(std::string_view token);
// Constant-time equality (lengths are not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);
std::string Base64Encode(std::string_view bytes);  // standard alphabet, padded
Result<std::string> Base64Decode(std::string_view b64);  // standard alphabet; padding optional
std::string Base64UrlEncode(std::string_view bytes);  // URL-safe, no padding

// HMAC-SHA-256 (webhook signatures).
std::string HmacSha256(std::string_view key, std::string_view message);

// Wipes a string's bytes before it is freed or reused.
void Wipe(std::string& s);

// Symmetric keys for credentials at rest, by key id, with one current key used to encrypt.
// XChaCha20-Poly1305 (IETF AEAD): 192-bit random nonces are safe to pick at random for any
// number of messages. Thread-safe for concurrent Encrypt/Decrypt once built.
class Keyring {
 public:
  // Parses a 32-byte key written as 64 hex characters or base64.
  static Result<std::string> ParseKey(std::string_view text);
  // Key id: the first 8 bytes (hex) of a keyed hash of the key; stable, and reveals nothing.
  static std::string KeyId(std::string_view key);

  // Adds a key; the first key added becomes current unless make_current is given later.
  void Add(std::string key, bool make_current);
  bool empty() const { return keys_.empty(); }
  const std::string& current_id() const { return current_; }
  bool Has(std::string_view id) const { return keys_.count(std::string(id)) > 0; }

  // Ciphertext text form: "v1.<key id>.<base64url(nonce || ciphertext+tag)>". `aad` binds the
  // ciphertext to its row (project and account id) so it cannot be moved to another account.
  std::string Encrypt(std::string_view plaintext, std::string_view aad) const;
  // kUnavailable when the key id is unknown; kInternal when the ciphertext fails authentication.
  Result<std::string> Decrypt(std::string_view ciphertext, std::string_view aad) const;
  // The key id a ciphertext was made with ("" if malformed).
  static std::string KeyIdOf(std::string_view ciphertext);

  ~Keyring();

 private:
  std::map<std::string, std::string> keys_;
  std::string current_;
};

}  // namespace connecthub::crypto
