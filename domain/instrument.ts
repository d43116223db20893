import { z } from 'zod';
import { type Decimal, DecimalSchema, isMultipleOf, PositiveDecimalSchema } from './decimal.ts';

export const VenueSchema = z.enum(['deribit', 'bitget']);
export type Venue = z.infer<typeof VenueSchema>;

export const InstrumentKindSchema = z.enum(['perpetual', 'future', 'option', 'spot']);
export type InstrumentKind = z.infer<typeof InstrumentKindSchema>;

/**
 * How PnL is computed and in what currency amounts are counted:
 * - `linear`: amount in the base coin (Bitget USDT-M, Deribit USDC perps, options, spot);
 *   PnL = qty × (exit − entry), in the settlement (quote) currency.
 * - `inverse`: amount in USD (Deribit BTC-PERPETUAL, ETH-PERPETUAL, inverse futures);
 *   PnL = amount × (1/entry − 1/exit), in the base coin that settles it.
 */
export const SettlementTypeSchema = z.enum(['linear', 'inverse']);
export type SettlementType = z.infer<typeof SettlementTypeSchema>;

/** What an order's `amount` counts: the quote currency (USD of an inverse contract) or the base coin. */
export const AmountUnitSchema = z.enum(['base', 'quote']);
export type AmountUnit = z.infer<typeof AmountUnitSchema>;

export const BitgetProductTypeSchema = z.enum(['USDT-FUTURES', 'COIN-FUTURES', 'USDC-FUTURES']);
export type BitgetProductType = z.infer<typeof BitgetProductTypeSchema>;

const CurrencySchema = z.string().regex(/^[A-Z0-9]{2,12}$/, 'expected a currency code such as BTC or USDT');

/**
 * An instrument as the domain needs it. Orders carry a snapshot of it, so every order's events are
 * self-contained for audit and replay even after a venue changes its tick size.
 */
export const InstrumentSchema = z
  .object({
    venue: VenueSchema,
    symbol: z.string().min(1).max(64),
    kind: InstrumentKindSchema,
    settlement: SettlementTypeSchema,
    amountUnit: AmountUnitSchema,
    /** Deribit: USD per contract (inverse) or coin per contract (linear); Bitget: 1 (size is in coin). */
    contractSize: PositiveDecimalSchema,
    tickSize: PositiveDecimalSchema,
    /** Smallest order amount, in `amountUnit`. */
    minAmount: PositiveDecimalSchema,
    /** Order amounts must be a multiple of this (Deribit: the contract size; Bitget: sizeMultiplier). */
    amountStep: PositiveDecimalSchema,
    /** Smallest order notional in the quote currency (Bitget minTradeUSDT), if the venue has one. */
    minNotional: DecimalSchema.optional(),
    /** Largest amount of one limit order, in `amountUnit`, if the venue sets one (Bitget maxOrderQty). */
    maxAmount: PositiveDecimalSchema.optional(),
    /** Largest amount of one market order, if the venue sets one (Bitget maxMarketOrderQty). */
    maxMarketAmount: PositiveDecimalSchema.optional(),
    /**
     * How far from the mark a limit price may be, as fractions (Bitget buyLimitPriceRatio and
     * sellLimitPriceRatio: a buy at most mark × (1 + buy), a sell at least mark × (1 − sell)).
     */
    priceLimitRatio: z.object({ buy: PositiveDecimalSchema, sell: PositiveDecimalSchema }).optional(),
    baseCurrency: CurrencySchema,
    quoteCurrency: CurrencySchema,
    settlementCurrency: CurrencySchema,
    expiry: z.iso.datetime().optional(),
    option: z.object({ strike: PositiveDecimalSchema, optionType: z.enum(['call', 'put']) }).optional(),
    bitgetProductType: BitgetProductTypeSchema.optional(),
  })
  .superRefine((instrument, ctx) => {
    const expectedUnit: AmountUnit = instrument.settlement === 'inverse' ? 'quote' : 'base';
    if (instrument.amountUnit !== expectedUnit) {
      ctx.addIssue({
        code: 'custom',
        path: ['amountUnit'],
        message: `${instrument.settlement} instruments count amounts in the ${expectedUnit} currency`,
      });
    }
    if (instrument.kind === 'option' && !instrument.option) {
      ctx.addIssue({ code: 'custom', path: ['option'], message: 'options need a strike and a type' });
    }
    if (instrument.venue === 'bitget' && !instrument.bitgetProductType) {
      ctx.addIssue({
        code: 'custom',
        path: ['bitgetProductType'],
        message: 'Bitget instruments need a product type',
      });
    }
  });
export type Instrument = z.output<typeof InstrumentSchema>;

/** The currency realized PnL of this instrument is counted in. */
export function pnlCurrency(instrument: Instrument): string {
  return instrument.settlementCurrency;
}

/** Number of contracts an amount stands for (Deribit `contracts = amount / contract_size`). */
export function contractsFor(instrument: Instrument, amount: Decimal): Decimal {
  return amount.div(instrument.contractSize);
}

/** Notional of an amount at a price, in the quote currency (USD for inverse contracts). */
export function notionalOf(instrument: Instrument, amount: Decimal, price: Decimal): Decimal {
  return instrument.amountUnit === 'quote' ? amount : amount.times(price);
}

export type InstrumentViolation =
  | { code: 'AMOUNT_TOO_SMALL'; message: string }
  | { code: 'AMOUNT_NOT_ON_STEP'; message: string }
  | { code: 'PRICE_NOT_ON_TICK'; message: string }
  | { code: 'NOTIONAL_TOO_SMALL'; message: string };

/** Checks an order's amount (and price, for limit orders) against the instrument's grid. */
export function checkOrderSize(
  instrument: Instrument,
  amount: Decimal,
  price: Decimal | undefined,
): InstrumentViolation | undefined {
  if (amount.lt(instrument.minAmount)) {
    return {
      code: 'AMOUNT_TOO_SMALL',
      message: `amount ${amount} is below the minimum ${instrument.minAmount} of ${instrument.symbol}`,
    };
  }
  if (!isMultipleOf(amount, instrument.amountStep)) {
    return {
      code: 'AMOUNT_NOT_ON_STEP',
      message: `amount ${amount} is not a multiple of ${instrument.amountStep} for ${instrument.symbol}`,
    };
  }
  if (price !== undefined && !isMultipleOf(price, instrument.tickSize)) {
    return {
      code: 'PRICE_NOT_ON_TICK',
      message: `price ${price} is not a multiple of the tick size ${instrument.tickSize} of ${instrument.symbol}`,
    };
  }
  if (price !== undefined && instrument.minNotional !== undefined) {
    const notional = notionalOf(instrument, amount, price);
    if (notional.lt(instrument.minNotional)) {
      return {
        code: 'NOTIONAL_TOO_SMALL',
        message: `notional ${notional} ${instrument.quoteCurrency} is below the minimum ${instrument.minNotional}`,
      };
    }
  }
  return undefined;
}
