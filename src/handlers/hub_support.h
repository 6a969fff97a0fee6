// The rules behind the hub API: which integrations and accounts a session may see, and completing a
// session (validate, check with the provider, then the atomic upsert in the store).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "handlers/app_context.h"

namespace connecthub {

struct AllowedIntegration {
  const ProviderDef* provider = nullptr;
  Integration integration;
};

// The enabled integrations this session may show, by provider: account_id -> that account's provider;
// provider -> that one; categories -> those categories; nothing -> every enabled integration.
Result<std::map<std::string, Integration>> AllowedIntegrations(const AppContext& ctx, const ConnectSession& s);
// One of them by integration id; kNotFound for anything else (disabled, other project, filtered out).
Result<AllowedIntegration> FindAllowedIntegration(const AppContext& ctx, const ConnectSession& s,
                                                  std::string_view integration_id);
// The account the hub should open in edit mode, if the rules know it: from the session alone, or, in
// a categories/all session, once the user has picked `picked` (an allowed provider).
Result<std::optional<std::string>> HubEditTarget(const AppContext& ctx, const ConnectSession& s,
                                                 const std::optional<std::string>& picked = std::nullopt);
// The account `id` if this session may read and edit it (its account_id, or the account the rules
// chose for its key); kPermissionDenied otherwise.
Result<Account> HubEditableAccount(const AppContext& ctx, const ConnectSession& s, std::string_view id);

// Validates the credentials (merged with the stored ones when the rules make it an update), checks
// them with the provider when the catalog says how, and completes the session atomically. With
// `expect_account`, the completion must update exactly that account.
Result<Completion> CompleteHubSession(const AppContext& ctx, const ConnectSession& s, const AllowedIntegration& target,
                                      const boost::json::object& submitted, std::optional<std::string> expect_account);

// POST /hub/accounts without a pool thread (Store::CompleteSessionAsync): the session, the integration
// and the upsert decision are read and made inside the write. False when the store has no such path,
// or when the integration is already known to need the provider's check request (see below).
// `done` runs once on a store thread with the completion or an error, or with nullopt when the request
// needs the ordinary handler: an edit session (account_id), or a provider with a check request (the
// network call must come before the write). Nothing is charged or written for a request passed on.
using FastCompletionDone = std::function<void(std::optional<Result<Completion>>)>;
bool CompleteHubSessionAsync(const AppContext& ctx, std::string_view token, std::string integration_id,
                             boost::json::object submitted, FastCompletionDone done);

}  // namespace connecthub
