/**
 * The one process-wide registry: the shared store's status boards, one per Sync Service, on globalThis.
 *
 * Why process-wide: /health and /token are bundled apart (each dist/functions/*.js carries its own copy of this module
 * and of src/runtime/service-instance.ts), but under twilio-run --no-fork-process (as npm start runs it) both run in
 * one process. What /token's Basic checks saw of Sync (answering, or slow and degraded) must reach /health there, so
 * both copies look their board up here, under a Symbol.for key. Keyed by the account and Sync Service: the store the
 * status describes. Deployed, /health may run in another process and asks Sync itself (lib/endpoints/health-report.ts).
 */
import type { ServiceConfig } from '../lib/config/service-config';
import { createSharedStoreStatusBoard, type SharedStoreStatusBoard } from '../lib/throttle/shared-failure-ledger';

const REGISTRY_KEY = Symbol.for('twilio-token-service.shared-store-status-boards');
type RegistryHolder = { [REGISTRY_KEY]?: Map<string, SharedStoreStatusBoard> };

/**
 * The board for the Sync Service this configuration names, the same object in every bundle of this process.
 * @example sharedStoreStatusBoardFor(config).last() // { state: 'degraded', reason: 'no answer within 300 ms', at }
 */
export function sharedStoreStatusBoardFor(config: Pick<ServiceConfig, 'accountSid' | 'throttleSyncServiceSid'>): SharedStoreStatusBoard {
  const boards = ((globalThis as RegistryHolder)[REGISTRY_KEY] ??= new Map());
  const key = `${config.accountSid}/${config.throttleSyncServiceSid ?? ''}`;
  let board = boards.get(key);
  if (!board) boards.set(key, (board = createSharedStoreStatusBoard()));
  return board;
}
