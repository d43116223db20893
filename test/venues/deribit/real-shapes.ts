/**
 * Objects as Deribit really sends them and the local Deribit does not (exchange-protocols.md,
 * observed): an untriggered stop-market order has no `filled_amount`, its `price` is "market_price".
 */
export const STOP_MARKET = {
  order_id: 'ETH-SLTS-12',
  order_state: 'untriggered',
  order_type: 'stop_market',
  instrument_name: 'ETH-PERPETUAL',
  direction: 'sell',
  amount: 10,
  price: 'market_price',
  average_price: 0,
  trigger: 'mark_price',
  trigger_price: 1500,
  label: '',
  time_in_force: 'good_til_cancelled',
  post_only: false,
  reduce_only: false,
  api: true,
  creation_timestamp: 1700000000000,
  last_update_timestamp: 1700000000000,
};
