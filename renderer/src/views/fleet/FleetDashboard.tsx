// The top of Fleet: the whole fleet's last hour at a glance — how much waits (queue depth), how much gets done
// (jobs finished per minute, failed ones included) and how much fails (failures per minute), one bar per minute added up over the agents, with
// the minutes where an agent was down marked under the bars. Read from the console's health samples.
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { fleetTimeline, type FleetMinute } from '../../../../electron/core/contracts/health.js';
import { useConsole } from '../../api/console-context.js';
import { ErrorNotice, asErrorInfo } from '../../components/common.js';

const MINUTES = 60;
const WIDTH = 300;
const HEIGHT = 70;
const DOWN_BAND = 5;

export interface MinuteSlot {
  /** Minutes before now (0 = the current minute). */
  ago: number;
  point: FleetMinute | null;
}

/** The last `minutes` minutes ending with the one `nowMs` is in, oldest first; a minute with no sample is null. */
export function minuteSlots(points: readonly FleetMinute[], nowMs: number, minutes = MINUTES): MinuteSlot[] {
  const current = Math.floor(nowMs / 60_000);
  const byMinute = new Map(points.map((p) => [Math.floor(Date.parse(p.bucketStart) / 60_000), p]));
  return Array.from({ length: minutes }, (_, i) => {
    const ago = minutes - 1 - i;
    return { ago, point: byMinute.get(current - ago) ?? null };
  });
}

const formatValue = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(v >= 10 ? 0 : 1));

function MinuteBars({
  title,
  unit,
  slots,
  value,
  tone,
  testId,
}: {
  title: string;
  unit: string;
  slots: readonly MinuteSlot[];
  value: (p: FleetMinute) => number | null;
  tone: string;
  testId: string;
}) {
  const values = slots.map((s) => (s.point ? value(s.point) : null));
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  const latest = [...values].reverse().find((v) => v !== null) ?? null;
  const step = WIDTH / slots.length;
  const plot = HEIGHT - DOWN_BAND - 2;
  const summary = latest === null ? `${title}: no data in the last hour` : `${title}: ${formatValue(latest)} ${unit} now, at most ${formatValue(max)} in the last hour`;
  return (
    <figure className="fleet-chart" data-testid={testId}>
      <figcaption>
        <span className="muted">{title}</span> <strong>{latest === null ? '–' : formatValue(latest)}</strong> <span className="muted">{unit}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" height={HEIGHT} preserveAspectRatio="none" role="img" aria-label={summary}>
        <line x1={0} x2={WIDTH} y1={plot} y2={plot} stroke="currentColor" strokeOpacity={0.25} />
        {values.map((v, i) =>
          v !== null && v > 0 ? (
            <rect key={i} data-minute={slots[i]!.ago} x={i * step + 0.5} width={Math.max(1, step - 1)} y={plot - (v / (max || 1)) * (plot - 2)} height={(v / (max || 1)) * (plot - 2)} fill={tone} />
          ) : null,
        )}
        {slots.map((s, i) =>
          s.point && s.point.agentsDown > 0 ? (
            <rect key={`d${i}`} className="agent-down" x={i * step} width={step} y={HEIGHT - DOWN_BAND} height={DOWN_BAND} fill="var(--bad)">
              <title>{`${s.ago === 0 ? 'this minute' : `${s.ago} min ago`}: ${s.point.agentsDown} of ${s.point.agents} agents down`}</title>
            </rect>
          ) : null,
        )}
      </svg>
      <div className="fleet-chart-axis muted">
        <span>1 h ago</span>
        <span>max {formatValue(max)}</span>
        <span>now</span>
      </div>
    </figure>
  );
}

export function FleetDashboard({ now = Date.now }: { now?: () => number }) {
  const client = useConsole();
  const timeline = useQuery({
    queryKey: ['health', 'fleet-timeline', MINUTES],
    queryFn: () => client.invoke(fleetTimeline, { sinceMinutes: MINUTES }),
    refetchInterval: 15_000,
    retry: false,
  });
  const slots = useMemo(() => minuteSlots(timeline.data ?? [], now()), [timeline.data, now]);
  if (timeline.error) return <ErrorNotice error={asErrorInfo(timeline.error)} onRetry={() => void timeline.refetch()} />;
  if (!timeline.data) return null;
  const downMinutes = slots.filter((s) => s.point && s.point.agentsDown > 0).length;
  return (
    <section className="card fleet-dashboard" aria-label="fleet, last hour">
      <div className="row">
        <h2 className="section-title">The fleet, last hour</h2>
        <span className="spacer" />
        <span className="muted">{timeline.data.length === 0 ? 'No agent has reported yet.' : downMinutes > 0 ? `An agent was down in ${downMinutes} of the last 60 minutes (red marks).` : 'Every agent answered all hour.'}</span>
      </div>
      <div className="fleet-charts">
        <MinuteBars title="Queued" unit="jobs" slots={slots} value={(p) => p.queueDepth} tone="#38bdf8" testId="fleet-queue-chart" />
        <MinuteBars title="Finished" unit="jobs/min" slots={slots} value={(p) => p.jobsPerMinute} tone="var(--ok)" testId="fleet-throughput-chart" />
        <MinuteBars title="Failed" unit="jobs/min" slots={slots} value={(p) => p.errorsPerMinute} tone="var(--warn)" testId="fleet-errors-chart" />
      </div>
    </section>
  );
}
