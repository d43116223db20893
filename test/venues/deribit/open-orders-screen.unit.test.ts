import { describe, expect, it } from 'vitest';
import {
  createOpenOrdersScreen,
  screenOpenOrders,
} from '../../../adapters/venues/deribit/open-orders-screen.ts';
import type { RecordedResting } from '../../../domain/order/resting.ts';

// Deribit's open orders as the adapter parses them (numbers as their text, `parseVenueJson`).
const listed = (id: string, fields: Record<string, unknown> = {}) => ({
  order_id: id,
  order_state: 'open',
  order_type: 'limit',
  instrument_name: 'BTC-PERPETUAL',
  direction: 'buy',
  amount: '100',
  filled_amount: '0',
  price: '60000.50',
  label: `label-${id}`,
  creation_timestamp: '1695806875837',
  last_update_timestamp: '1695806875837',
  ...fields,
});

const resting = (id: string, fields: Partial<RecordedResting> = {}): [string, RecordedResting] => [
  id,
  { status: 'open', clientOrderId: `label-${id}`, price: '60000.5', amount: '100', filled: '0', ...fields },
];

// Given six orders the venue lists open, and what the OMS recorded of them
const elements = [
  listed('ETH-1'), // as recorded (60000.50 is 60000.5)
  listed('ETH-2', { filled_amount: '40', order_state: 'open' }), // filled in part since
  listed('ETH-3'), // unknown here
  listed('ETH-4', { amount: 'a lot' }), // unreadable
  listed('ETH-5', { label: '' }), // listed without its label, otherwise as recorded
  listed('ETH-6', { label: 'someone-else' }), // another client order id
];
const recorded = new Map([
  resting('ETH-1'),
  resting('ETH-2'),
  resting('ETH-4'),
  resting('ETH-5'),
  resting('ETH-6'),
]);
const input = { account: 'main', elements, recorded };

describe("screening Deribit's open orders against the records", () => {
  it('Given orders listed as recorded and otherwise, When screened, Then the ones listed exactly as recorded are named and every other element is kept as received', () => {
    const screened = screenOpenOrders(input);

    expect(screened.asRecorded).toEqual(['ETH-1', 'ETH-5']);
    expect(screened.kept).toEqual([elements[1], elements[2], elements[3], elements[5]]);
  });

  it('Given a long list, When screened in a worker thread, Then the answer is exactly what screening in place gives', async () => {
    const screen = createOpenOrdersScreen(1);

    expect(await screen(input)).toEqual(screenOpenOrders(input));
  });

  it('Given a list shorter than the threshold, or nothing recorded resting, Then every element is kept, to be read in full in place', async () => {
    const screen = createOpenOrdersScreen(100);

    expect(await screen(input)).toEqual({ kept: elements, asRecorded: [] });
    expect(await createOpenOrdersScreen(1)({ ...input, recorded: new Map() })).toEqual({
      kept: elements,
      asRecorded: [],
    });
  });

  it('Given a worker that cannot start, When a long list comes, Then every element is kept, nothing lost', async () => {
    const screen = createOpenOrdersScreen(1, new URL('../fixtures/failing-json-worker.ts', import.meta.url));

    expect(await screen(input)).toEqual({ kept: elements, asRecorded: [] });
    expect(await screen(input)).toEqual({ kept: elements, asRecorded: [] });
  });
});
