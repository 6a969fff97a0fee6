#include "core/json_util.h"

#include <string>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace connecthub::json {
namespace {
namespace bj = boost::json;
using ::testing::HasSubstr;

// {"a":{"a":...{"a":1}...}} with `depth` nested objects.
std::string NestedObjects(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += R"({"a":)";
  s += "1";
  for (int i = 0; i < depth; ++i) s += "}";
  return s;
}

// {"a":[[...[1]...]]}: one object plus depth-1 arrays.
std::string NestedArrays(int depth) {
  std::string s = R"({"a":)";
  for (int i = 1; i < depth; ++i) s += "[";
  s += "1";
  for (int i = 1; i < depth; ++i) s += "]";
  s += "}";
  return s;
}

void ExpectRejected(std::string_view body, std::string_view message_part = {}) {
  auto r = ParseObject(body);
  ASSERT_FALSE(r.ok()) << "accepted: " << body;
  EXPECT_EQ(r.code(), ErrorCode::kInvalidArgument);
  if (!message_part.empty()) {
    EXPECT_THAT(r.error().message, HasSubstr(std::string(message_part)));
  }
}

TEST(ParseObjectTest, AcceptsObjects) {
  auto r = ParseObject(R"({"a": 1, "b": [1, 2, {"c": null}], "d": "\u00e9"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("a").as_int64(), 1);
  EXPECT_EQ(r->at("d").as_string(), "\xC3\xA9");
  ASSERT_TRUE(ParseObject("{}").ok());
  ASSERT_TRUE(ParseObject("  {}\n").ok());  // surrounding whitespace is not garbage
}

TEST(ParseObjectTest, RejectsEmpty) {
  ExpectRejected("", "empty");
  ExpectRejected("   ");
}

TEST(ParseObjectTest, RejectsNonObjects) {
  for (const char* body : {"[]", "[1,2]", "1", "\"str\"", "true", "null"}) {
    SCOPED_TRACE(body);
    ExpectRejected(body, "must be a JSON object");
  }
}

TEST(ParseObjectTest, RejectsInvalidJson) {
  for (const char* body : {"{", "{\"a\":}", "{a:1}", "{'a':1}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":tru}"}) {
    SCOPED_TRACE(body);
    ExpectRejected(body, "not valid JSON");
  }
}

TEST(ParseObjectTest, RejectsInvalidUtf8) {
  ExpectRejected("{\"a\":\"\xff\"}");
  ExpectRejected("{\"\xff\":1}");
  ExpectRejected("{\"a\":\"\xC3\"}");          // truncated sequence
  ExpectRejected("{\"a\":\"\xC0\xAF\"}");      // overlong encoding of '/'
  ExpectRejected("{\"a\":\"\xED\xA0\x80\"}");  // UTF-16 surrogate encoded in UTF-8
}

TEST(ParseObjectTest, DepthLimit) {
  auto ok = ParseObject(NestedObjects(32));
  EXPECT_TRUE(ok.ok()) << ok.error().message;
  ExpectRejected(NestedObjects(33), "nested more than 32");
  EXPECT_TRUE(ParseObject(NestedArrays(32)).ok());
  ExpectRejected(NestedArrays(33), "nested");
  ExpectRejected(NestedObjects(1000), "nested");
  // ParseValue applies the same rule.
  EXPECT_TRUE(ParseValue(NestedObjects(32)).ok());
  EXPECT_FALSE(ParseValue(NestedObjects(33)).ok());
}

TEST(ParseObjectTest, RejectsDuplicateKeys) {
  ExpectRejected(R"({"a":1,"a":2})", "'a'");
  ExpectRejected(R"({"provider":"x","label":"l","provider":"y"})", "'provider'");
  ExpectRejected(R"({"outer":{"k":1,"k":1}})", "'k'");
  ExpectRejected(R"({"list":[{"x":1},{"y":2,"y":3}]})", "'y'");
  // Escapes are decoded before comparing: "\u0061" is "a".
  ExpectRejected(R"({"a":1,"\u0061":2})", "'a'");
  // The same key at different levels, or in sibling objects, is fine.
  EXPECT_TRUE(ParseObject(R"({"a":{"a":{"a":1}},"b":{"a":2}})").ok());
  EXPECT_TRUE(ParseObject(R"({"list":[{"x":1},{"x":2}]})").ok());
  EXPECT_FALSE(ParseValue(R"({"a":1,"a":1})").ok());
}

TEST(ParseObjectTest, RejectsNumbersADoubleCannotHold) {
  // Boost.JSON would read these as inf/NaN and write them back as non-JSON words.
  ExpectRejected(R"({"n":1e400})", "too large");
  ExpectRejected(R"({"n":-1e400})", "too large");
  ExpectRejected(R"({"n":0e400})", "too large");
  ExpectRejected(R"({"deep":[{"n":[1e999]}]})", "too large");
  EXPECT_FALSE(ParseValue("1e400").ok());
  // Large but finite, and tiny (underflows to 0), are fine.
  EXPECT_TRUE(ParseObject(R"({"n":1.7e308,"m":-1e-400,"i":18446744073709551616})").ok());
}

TEST(ParseObjectTest, RejectsTrailingGarbage) {
  ExpectRejected(R"({"a":1}x)");
  ExpectRejected(R"({"a":1}{"b":2})");
  ExpectRejected(R"({} [])");
  ExpectRejected(std::string("{}\0", 3));
}

TEST(Utf8LengthTest, CountsCodePoints) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), 3u);
}

bj::object Obj(std::string_view text) {
  auto r = ParseObject(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? *r : bj::object{};
}

TEST(OptStringTest, Behaviour) {
  bj::object o = Obj(R"({"s":"hi","n":null,"i":1,"b":true,"a":[],"o":{},"u":"\u00e9\u00e9\u00e9","z":"a\u0000b"})");
  auto s = OptString(o, "s", 10);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "hi");
  auto absent = OptString(o, "missing", 10);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto null = OptString(o, "n", 10);
  ASSERT_TRUE(null.ok());
  EXPECT_FALSE(null->has_value());
  for (const char* k : {"i", "b", "a", "o"}) {
    auto r = OptString(o, k, 10);
    ASSERT_FALSE(r.ok()) << k;
    EXPECT_EQ(r.error().message, std::string(k) + " must be a string");
  }
  EXPECT_TRUE(OptString(o, "u", 3).ok());  // 3 code points in 6 bytes
  auto too_long = OptString(o, "u", 2);
  ASSERT_FALSE(too_long.ok());
  EXPECT_THAT(too_long.error().message, HasSubstr("u must be at most 2 characters"));
  auto nul = OptString(o, "z", 10);
  ASSERT_FALSE(nul.ok());
  EXPECT_THAT(nul.error().message, HasSubstr("NUL"));
}

TEST(ReqStringTest, Behaviour) {
  bj::object o = Obj(R"({"s":" x ","e":"","w":" \t\r\n","n":null,"i":3})");
  auto s = ReqString(o, "s", 10);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, " x ");  // kept as given, not trimmed
  auto missing = ReqString(o, "missing", 10);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "missing is required");
  auto null = ReqString(o, "n", 10);
  ASSERT_FALSE(null.ok());
  EXPECT_EQ(null.error().message, "n is required");
  for (const char* k : {"e", "w"}) {
    auto r = ReqString(o, k, 10);
    ASSERT_FALSE(r.ok()) << k;
    EXPECT_EQ(r.error().message, std::string(k) + " must not be empty");
  }
  EXPECT_FALSE(ReqString(o, "i", 10).ok());
  EXPECT_FALSE(ReqString(o, "s", 2).ok());
}

TEST(OptBoolTest, Behaviour) {
  bj::object o = Obj(R"({"t":true,"f":false,"n":null,"s":"true","i":1})");
  EXPECT_EQ(OptBool(o, "t").value(), std::optional<bool>(true));
  EXPECT_EQ(OptBool(o, "f").value(), std::optional<bool>(false));
  EXPECT_EQ(OptBool(o, "n").value(), std::nullopt);
  EXPECT_EQ(OptBool(o, "missing").value(), std::nullopt);
  auto s = OptBool(o, "s");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "s must be a boolean");
  EXPECT_FALSE(OptBool(o, "i").ok());
}

TEST(OptIntTest, Behaviour) {
  bj::object o = Obj(R"({"i":3,"neg":-5,"f":3.0,"e":1e3,"half":3.5,"huge":18446744073709551615,
                       "big":9223372036854775807,"s":"3","b":true,"n":null,"hugef":1e300})");
  EXPECT_EQ(OptInt(o, "i").value(), std::optional<int64_t>(3));
  EXPECT_EQ(OptInt(o, "neg").value(), std::optional<int64_t>(-5));
  EXPECT_EQ(OptInt(o, "f").value(), std::optional<int64_t>(3));
  EXPECT_EQ(OptInt(o, "e").value(), std::optional<int64_t>(1000));
  EXPECT_EQ(OptInt(o, "big").value(), std::optional<int64_t>(INT64_MAX));
  EXPECT_EQ(OptInt(o, "n").value(), std::nullopt);
  EXPECT_EQ(OptInt(o, "missing").value(), std::nullopt);
  auto half = OptInt(o, "half");
  ASSERT_FALSE(half.ok());
  EXPECT_THAT(half.error().message, HasSubstr("half"));
  auto huge = OptInt(o, "huge");
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error().message, HasSubstr("huge"));
  EXPECT_FALSE(OptInt(o, "hugef").ok());
  EXPECT_FALSE(OptInt(o, "s").ok());
  EXPECT_FALSE(OptInt(o, "b").ok());
}

TEST(OptObjectJsonTest, Behaviour) {
  bj::object o = Obj(R"({"m":{"b":1, "a":[true, null]},"e":{},"n":null,"s":"{}","arr":[]})");
  auto m = OptObjectJson(o, "m", 1024);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ(bj::parse(**m), bj::parse(R"({"b":1,"a":[true,null]})"));
  EXPECT_EQ(**m, R"({"b":1,"a":[true,null]})");  // compact, order kept
  EXPECT_EQ(OptObjectJson(o, "e", 1024).value(), std::optional<std::string>("{}"));
  EXPECT_EQ(OptObjectJson(o, "n", 1024).value(), std::nullopt);
  EXPECT_EQ(OptObjectJson(o, "missing", 1024).value(), std::nullopt);
  auto s = OptObjectJson(o, "s", 1024);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "s must be an object");
  EXPECT_FALSE(OptObjectJson(o, "arr", 1024).ok());
  const size_t size = std::string(R"({"b":1,"a":[true,null]})").size();
  EXPECT_TRUE(OptObjectJson(o, "m", size).ok());
  auto over = OptObjectJson(o, "m", size - 1);
  ASSERT_FALSE(over.ok());
  EXPECT_THAT(over.error().message, HasSubstr("m must be at most"));
}

}  // namespace
}  // namespace connecthub::json
