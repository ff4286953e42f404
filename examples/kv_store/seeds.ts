/** The seed `npm run examples` and the docs use for kv-store-bug: its crash tears the unsynced record. */
export const KV_STORE_BUG_SEED = '12648430'
