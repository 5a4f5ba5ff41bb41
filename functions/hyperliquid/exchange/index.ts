/** Trading on the exchange (POST /exchange): agent keys, signing, the actions' wire format, nonces and answers. */
export * from "./actions.js";
export * from "./keys.js";
export * from "./nonce.js";
export * from "./request.js";
export * from "./responses.js";
export * from "./sign.js";
export * from "./wire.js";
export * from "./client.js";
export * from "./key-provider.js";
