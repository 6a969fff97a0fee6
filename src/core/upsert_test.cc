#include "core/upsert.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace connecthub {
namespace {

constexpr char kProject[] = "prj_1";

Account MakeAccount(std::string id, std::string provider, int64_t seq, bool multiple = false) {
  Account a;
  a.id = std::move(id);
  a.project_id = kProject;
  a.provider = std::move(provider);
  a.origin_owner_id = "cust-1";
  a.origin_owner_name = "Acme";
  a.seq = seq;
  a.multiple = multiple;
  return a;
}

ConnectSession MakeSessionWith(std::optional<std::string> provider, std::vector<std::string> categories,
                               std::optional<std::string> account_id, bool multiple) {
  ConnectSession s;
  s.id = 1;
  s.project_id = kProject;
  s.origin_owner_id = "cust-1";
  s.origin_owner_name = "Acme";
  s.provider = std::move(provider);
  s.categories = std::move(categories);
  s.account_id = std::move(account_id);
  s.multiple = multiple;
  return s;
}

// One row per line of the table in core/upsert.h.
struct Row {
  const char* name;
  std::optional<std::string> session_provider;
  std::vector<std::string> session_categories;
  std::optional<std::string> session_account_id;
  bool multiple;
  std::string completing;          // the provider the user completes
  std::vector<Account> existing;   // accounts with the key for `completing`
  bool session_account_exists;     // whether `acc_A` (provider bamboohr) exists
  UpsertAction want_action;
  std::string want_account;        // for kUpdate
  std::optional<std::string> want_edit_target;
};

class UpsertTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(UpsertTableTest, DecidesAsTheTableSays) {
  const Row& row = GetParam();
  ConnectSession s = MakeSessionWith(row.session_provider, row.session_categories, row.session_account_id, row.multiple);
  Account session_account = MakeAccount("acc_A", "bamboohr", 7);
  const Account* sa = row.session_account_exists ? &session_account : nullptr;

  auto d = DecideUpsert(s, row.completing, row.existing, sa);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->action, row.want_action);
  if (row.want_action == UpsertAction::kUpdate) EXPECT_EQ(d->account_id, row.want_account);
  else EXPECT_TRUE(d->account_id.empty());

  EXPECT_EQ(EditTarget(s, row.existing), row.want_edit_target);
}

const std::vector<Account> kNone;
const std::vector<Account> kOne = {MakeAccount("acc_1", "bamboohr", 10)};

INSTANTIATE_TEST_SUITE_P(
    Rows, UpsertTableTest,
    ::testing::Values(
        // account_id A | n/a | ignored | update A
        Row{"AccountIdUpdates", std::nullopt, {}, "acc_A", false, "bamboohr", kNone, true, UpsertAction::kUpdate,
            "acc_A", "acc_A"},
        Row{"AccountIdIgnoresMultiple", std::nullopt, {}, "acc_A", true, "bamboohr", kNone, true,
            UpsertAction::kUpdate, "acc_A", "acc_A"},
        Row{"AccountIdWinsOverExistingKeyAccount", std::nullopt, {}, "acc_A", true, "bamboohr", kOne, true,
            UpsertAction::kUpdate, "acc_A", "acc_A"},
        Row{"AccountIdWithMatchingProvider", "bamboohr", {}, "acc_A", false, "bamboohr", kOne, true,
            UpsertAction::kUpdate, "acc_A", "acc_A"},
        // provider p | no | any | create
        Row{"ProviderNoAccountCreates", "bamboohr", {}, std::nullopt, false, "bamboohr", kNone, false,
            UpsertAction::kCreate, "", std::nullopt},
        Row{"ProviderNoAccountMultipleCreates", "bamboohr", {}, std::nullopt, true, "bamboohr", kNone, false,
            UpsertAction::kCreate, "", std::nullopt},
        // provider p | yes | false | update it
        Row{"ProviderExistingUpdates", "bamboohr", {}, std::nullopt, false, "bamboohr", kOne, false,
            UpsertAction::kUpdate, "acc_1", "acc_1"},
        // provider p | yes | true | create another
        Row{"ProviderExistingMultipleCreates", "bamboohr", {}, std::nullopt, true, "bamboohr", kOne, false,
            UpsertAction::kCreate, "", std::nullopt},
        // categories / none: as the provider rows once a provider is picked; nothing to edit up front.
        Row{"CategoriesNoAccountCreates", std::nullopt, {"hris"}, std::nullopt, false, "bamboohr", kNone, false,
            UpsertAction::kCreate, "", std::nullopt},
        Row{"CategoriesExistingUpdates", std::nullopt, {"hris"}, std::nullopt, false, "bamboohr", kOne, false,
            UpsertAction::kUpdate, "acc_1", std::nullopt},
        Row{"CategoriesExistingMultipleCreates", std::nullopt, {"hris"}, std::nullopt, true, "bamboohr", kOne, false,
            UpsertAction::kCreate, "", std::nullopt},
        Row{"NothingNoAccountCreates", std::nullopt, {}, std::nullopt, false, "hibob", kNone, false,
            UpsertAction::kCreate, "", std::nullopt},
        Row{"NothingExistingUpdates", std::nullopt, {}, std::nullopt, false, "bamboohr", kOne, false,
            UpsertAction::kUpdate, "acc_1", std::nullopt},
        Row{"NothingExistingMultipleCreates", std::nullopt, {}, std::nullopt, true, "bamboohr", kOne, false,
            UpsertAction::kCreate, "", std::nullopt}),
    [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

TEST(UpsertTest, SeveralExistingUpdatesTheOldestEvenIfNotFirst) {
  std::vector<Account> existing = {MakeAccount("acc_mid", "bamboohr", 20, true),
                                   MakeAccount("acc_old", "bamboohr", 5, true),
                                   MakeAccount("acc_new", "bamboohr", 30, true)};
  for (auto s : {MakeSessionWith("bamboohr", {}, std::nullopt, false),
                 MakeSessionWith(std::nullopt, {"hris"}, std::nullopt, false),
                 MakeSessionWith(std::nullopt, {}, std::nullopt, false)}) {
    auto d = DecideUpsert(s, "bamboohr", existing, nullptr);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->action, UpsertAction::kUpdate);
    EXPECT_EQ(d->account_id, "acc_old");
  }
  EXPECT_EQ(EditTarget(MakeSessionWith("bamboohr", {}, std::nullopt, false), existing), "acc_old");
  // Oldest last in the vector too.
  std::vector<Account> reversed(existing.rbegin(), existing.rend());
  reversed.insert(reversed.begin(), MakeAccount("acc_x", "bamboohr", 99, true));
  reversed.push_back(MakeAccount("acc_oldest", "bamboohr", 1, true));
  auto d = DecideUpsert(MakeSessionWith("bamboohr", {}, std::nullopt, false), "bamboohr", reversed, nullptr);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->account_id, "acc_oldest");
  EXPECT_EQ(EditTarget(MakeSessionWith("bamboohr", {}, std::nullopt, false), reversed), "acc_oldest");
}

TEST(UpsertTest, SeveralExistingWithMultipleCreates) {
  std::vector<Account> existing = {MakeAccount("acc_1", "bamboohr", 2, true), MakeAccount("acc_2", "bamboohr", 3, true)};
  auto d = DecideUpsert(MakeSessionWith("bamboohr", {}, std::nullopt, true), "bamboohr", existing, nullptr);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->action, UpsertAction::kCreate);
  EXPECT_EQ(EditTarget(MakeSessionWith("bamboohr", {}, std::nullopt, true), existing), std::nullopt);
}

TEST(UpsertTest, AccountIdWhoseAccountIsMissingIsNotFound) {
  auto s = MakeSessionWith(std::nullopt, {}, "acc_gone", false);
  auto d = DecideUpsert(s, "bamboohr", kOne, nullptr);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.code(), ErrorCode::kNotFound);
  // EditTarget still names it: the hub opens the edit page, and completion then fails.
  EXPECT_EQ(EditTarget(s, kOne), "acc_gone");
}

TEST(UpsertTest, AccountIdOfAnotherProjectIsNotFound) {
  auto s = MakeSessionWith(std::nullopt, {}, "acc_A", false);
  Account other = MakeAccount("acc_A", "bamboohr", 1);
  other.project_id = "prj_other";
  auto d = DecideUpsert(s, "bamboohr", kNone, &other);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.code(), ErrorCode::kNotFound);
}

TEST(UpsertTest, AccountIdCompletedWithAnotherProviderIsDenied) {
  auto s = MakeSessionWith(std::nullopt, {}, "acc_A", false);
  Account a = MakeAccount("acc_A", "bamboohr", 1);
  auto d = DecideUpsert(s, "hibob", kNone, &a);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(d.error().message.find("bamboohr"), std::string::npos) << d.error().message;
}

TEST(UpsertTest, SessionProviderCompletedWithAnotherIsDenied) {
  for (bool multiple : {false, true}) {
    auto s = MakeSessionWith("bamboohr", {}, std::nullopt, multiple);
    auto d = DecideUpsert(s, "hibob", kNone, nullptr);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.code(), ErrorCode::kPermissionDenied);
    // Even when accounts exist for the other provider's key.
    d = DecideUpsert(s, "hibob", {MakeAccount("acc_h", "hibob", 1)}, nullptr);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.code(), ErrorCode::kPermissionDenied);
  }
}

}  // namespace
}  // namespace connecthub
