/**
 * The client id the OMS gives every order at the venue (Deribit `label`, Bitget `clientOid`),
 * derived from the order id: `o-<32 hex>` (34 characters, within Bitget's 50 and Deribit's 64).
 * A report therefore maps back to its order without any index, after any restart. A Bitget
 * modify needs a fresh clientOid for the replacement: `o-<32 hex>-r<n>`.
 */
const PATTERN = /^o-([0-9a-f]{32})(?:-r(\d{1,6}))?$/;

export function clientOrderIdFor(orderId: string, replacement = 0): string {
  const hex = orderId.replaceAll('-', '').toLowerCase();
  return replacement === 0 ? `o-${hex}` : `o-${hex}-r${replacement}`;
}

/** The order id behind a client id this OMS made, or undefined for anyone else's. */
export function orderIdFromClientOrderId(clientOrderId: string | undefined): string | undefined {
  const match = clientOrderId === undefined ? null : PATTERN.exec(clientOrderId);
  if (!match?.[1]) return undefined;
  const h = match[1];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The client id for the next Bitget replacement of an order that has had `previous` client ids. */
export function nextReplacementClientOrderId(orderId: string, previous: readonly string[]): string {
  return clientOrderIdFor(orderId, previous.length);
}
