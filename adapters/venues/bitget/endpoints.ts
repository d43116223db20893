/** The Bitget v2 endpoints the adapter calls. */
export const PATH = {
  placeOrder: '/api/v2/mix/order/place-order',
  cancelOrder: '/api/v2/mix/order/cancel-order',
  modifyOrder: '/api/v2/mix/order/modify-order',
  batchCancel: '/api/v2/mix/order/batch-cancel-orders',
  detail: '/api/v2/mix/order/detail',
  pending: '/api/v2/mix/order/orders-pending',
  history: '/api/v2/mix/order/orders-history',
  fills: '/api/v2/mix/order/fills',
  allPosition: '/api/v2/mix/position/all-position',
  singlePosition: '/api/v2/mix/position/single-position',
  closePositions: '/api/v2/mix/order/close-positions',
  setPositionMode: '/api/v2/mix/account/set-position-mode',
  account: '/api/v2/mix/account/account',
  contracts: '/api/v2/mix/market/contracts',
  symbolPrice: '/api/v2/mix/market/symbol-price',
  time: '/api/v2/public/time',
  placePlan: '/api/v2/mix/order/place-plan-order',
  modifyPlan: '/api/v2/mix/order/modify-plan-order',
  cancelPlan: '/api/v2/mix/order/cancel-plan-order',
  planPending: '/api/v2/mix/order/orders-plan-pending',
  planHistory: '/api/v2/mix/order/orders-plan-history',
  bills: '/api/v2/mix/account/bill',
} as const;

/** Page size of the list endpoints (their maximum). */
export const PAGE = 100;
