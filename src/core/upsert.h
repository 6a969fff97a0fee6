// The founding document's upsert rules, decided on the server (never by the browser).
// Key: (project, origin_owner_id, origin_owner_name, provider).
//
//   session has    | account with key? | multiple | on completion
//   account_id A   | n/a               | ignored  | update A
//   provider p     | no                | any      | create
//   provider p     | yes               | false    | update it (the oldest when several)
//   provider p     | yes               | true     | create another
//   categories/none: as the provider rows, once the user has picked a provider.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/types.h"

namespace connecthub {

enum class UpsertAction { kCreate, kUpdate };

struct UpsertDecision {
  UpsertAction action = UpsertAction::kCreate;
  std::string account_id;  // set for kUpdate
};

// `provider` is the provider the user completes; `existing_for_key` are this project's accounts with
// the session's owner id/name and that provider, oldest first; `session_account` is the account named
// by the session's account_id (nullptr if it has none or it no longer exists).
Result<UpsertDecision> DecideUpsert(const ConnectSession& session, std::string_view provider,
                                    const std::vector<Account>& existing_for_key, const Account* session_account);

// The account the hub should open in edit mode before the user picks anything, if the rules already
// know it: the session's account_id, or, with a provider and multiple=false, the existing account.
std::optional<std::string> EditTarget(const ConnectSession& session, const std::vector<Account>& existing_for_key);

}  // namespace connecthub
