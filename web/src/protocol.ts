// The postMessage protocol between connect.js (in the host page) and the hub page (in the iframe).
// Every message is a plain object with a `type`; both sides post with an exact target origin and
// accept a message only from the expected window and origin.
//
//   hub  -> host  {type: "connecthub:ready"}                          the page is listening; send the token
//   host -> hub   {type: "connecthub:init", token}                    the session token (never in a URL)
//   hub  -> host  {type: "connecthub:success", account: {id, provider}}  an account was linked or updated
//   hub  -> host  {type: "connecthub:close"}                          the user closed the hub
export const MSG_READY = "connecthub:ready";
export const MSG_INIT = "connecthub:init";
export const MSG_SUCCESS = "connecthub:success";
export const MSG_CLOSE = "connecthub:close";

export interface LinkedAccount {
  id: string;
  provider: string;
}
