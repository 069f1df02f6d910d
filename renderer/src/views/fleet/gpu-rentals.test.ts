// The GPUs section's figures: spend so far is $/h × time running (to the end once ended), uptime in words, which
// rentals get a card, and the "Add GPU" form turned into the contract's filters or per-field messages.
import { describe, expect, it } from 'vitest';
import { formatUptime, idleCountdownText, isOpenRental, offerFiltersFromForm, rentalSpend, rentalTitle, defaultOfferFilterForm } from './gpu-rentals.js';

const at = Date.parse('2026-12-01T12:00:00.000Z');

describe('GPU rental figures', () => {
  it('estimates spend as $/h × time running, stopping at the end', () => {
    const running = rentalSpend({ runningAt: '2026-12-01T10:30:00.000Z', endedAt: null, totalUsdPerHour: 0.4 }, at);
    expect(running.runningSeconds).toBe(5400);
    expect(running.estimateUsd).toBeCloseTo(0.6, 10);
    const ended = rentalSpend({ runningAt: '2026-12-01T10:30:00.000Z', endedAt: '2026-12-01T11:00:00.000Z', totalUsdPerHour: 0.4 }, at);
    expect(ended.runningSeconds).toBe(1800);
    expect(ended.estimateUsd).toBeCloseTo(0.2, 10);
    // Not running yet, or a rate Vast has not said: no figure rather than a wrong one.
    expect(rentalSpend({ runningAt: null, endedAt: null, totalUsdPerHour: 0.4 }, at)).toEqual({ runningSeconds: null, estimateUsd: null });
    expect(rentalSpend({ runningAt: '2026-12-01T11:00:00.000Z', endedAt: null, totalUsdPerHour: null }, at)).toEqual({ runningSeconds: 3600, estimateUsd: null });
  });

  it('says uptime in words and names the GPU', () => {
    expect(formatUptime(42.9)).toBe('42 s');
    expect(formatUptime(12 * 60 + 5)).toBe('12 min');
    expect(formatUptime(2 * 3600 + 5 * 60)).toBe('2 h 05 min');
    expect(formatUptime(3 * 86400 + 4 * 3600 + 59)).toBe('3 d 4 h');
    expect(rentalTitle({ gpuName: 'A100 SXM4', numGpus: 2 })).toBe('2× A100 SXM4');
    expect(rentalTitle({ gpuName: null, numGpus: null })).toBe('GPU');
  });

  it('gives a card to every rental that may bill', () => {
    expect((['intent', 'creating', 'create-unknown', 'booting', 'running', 'destroying'] as const).every((state) => isOpenRental({ state }))).toBe(true);
    expect(isOpenRental({ state: 'destroyed' }) || isOpenRental({ state: 'failed' })).toBe(false);
  });

  it('turns the form into filters, or says per field what is wrong', () => {
    expect(offerFiltersFromForm(defaultOfferFilterForm)).toEqual({ filters: { diskGb: 32, verifiedOnly: true, minDirectPorts: 1, limit: 30 }, errors: null });
    expect(offerFiltersFromForm({ gpuNames: ' RTX 4090,, H100 SXM ', maxUsdPerHour: '1,25', minReliabilityPercent: '99.5', diskGb: '100', verifiedOnly: false }).filters).toEqual({
      gpuNames: ['RTX 4090', 'H100 SXM'],
      maxDphTotal: 1.25,
      minReliability: 0.995,
      diskGb: 100,
      verifiedOnly: false,
      minDirectPorts: 1,
      limit: 30,
    });
    expect(offerFiltersFromForm({ ...defaultOfferFilterForm, maxUsdPerHour: 'cheap', diskGb: '' }).errors).toEqual({ maxUsdPerHour: 'a price in USD per hour, e.g. 0.50', diskGb: 'the disk to rent in GB, e.g. 32' });
    expect(offerFiltersFromForm({ ...defaultOfferFilterForm, maxUsdPerHour: '0', minReliabilityPercent: '-3', diskGb: '7' }).errors).toEqual({
      maxUsdPerHour: 'more than 0 and at most 1000 USD per hour',
      minReliabilityPercent: 'between 0 and 100 %',
      diskGb: 'at least 8 GB (Vast.ai’s minimum) and at most 20000',
    });
  });
});

describe('the idle countdown on a GPU card', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  it('says working while a job runs, how long idle and until when otherwise, and when the destroy is due', () => {
    expect(idleCountdownText({ idleSince: null, idleDestroyAt: null }, now)).toBe('working');
    expect(idleCountdownText({ idleSince: '2026-12-07T11:56:00Z', idleDestroyAt: '2026-12-07T12:06:00Z' }, now)).toBe('idle 4 min; destroyed in 6 min unless work comes');
    expect(idleCountdownText({ idleSince: '2026-12-07T11:49:00Z', idleDestroyAt: '2026-12-07T11:59:30Z' }, now)).toBe('idle 11 min; being destroyed');
  });
});
