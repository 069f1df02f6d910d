// Charts comparing agents by their latest benchmark: per-analysis p50 milliseconds (grouped bars, lower is
// better) and images per hour (horizontal bars, higher is better). Plain SVG: a handful of bars needs no library.
import type { BenchmarkRun } from '../../../../electron/core/contracts/benchmarks.js';
import { measuredAnalyses, niceMax } from './bench-figures.js';

/** Distinct on the dark background and for common colour-vision deficiencies (Okabe–Ito based). */
export const agentColours = ['#56B4E9', '#E69F00', '#CC79A7', '#009E73', '#F0E442', '#D55E00'];
export const colourOf = (index: number): string => agentColours[index % agentColours.length]!;

export function AnalysisP50Chart({ runs }: { runs: readonly BenchmarkRun[] }) {
  const analyses = measuredAnalyses(runs);
  const max = niceMax(Math.max(...runs.flatMap((r) => Object.values(r.report.analyses).map((a) => a.p50_ms))));
  const barW = 18;
  const groupW = runs.length * barW + 24;
  const height = 220;
  const top = 12;
  const plotH = height - top - 40;
  const left = 48;
  const width = left + analyses.length * groupW + 8;
  const y = (ms: number): number => top + plotH - (ms / max) * plotH;
  return (
    <figure className="bench-chart">
      <figcaption>Per-analysis p50 (ms, lower is better)</figcaption>
      <svg width={width} height={height} role="img" aria-label="per-analysis p50 milliseconds by agent" data-testid="p50-chart">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={left - 4} x2={width} y1={y(max * f)} y2={y(max * f)} className="grid-line" />
            <text x={left - 8} y={y(max * f) + 4} textAnchor="end" className="axis-label">
              {Math.round(max * f)}
            </text>
          </g>
        ))}
        {analyses.map((analysis, ai) => (
          <g key={analysis} transform={`translate(${left + ai * groupW + 12}, 0)`}>
            {runs.map((run, ri) => {
              const p50 = run.report.analyses[analysis]?.p50_ms;
              if (p50 === undefined) return null;
              return (
                <rect key={run.id} x={ri * barW} y={y(p50)} width={barW - 4} height={top + plotH - y(p50)} fill={colourOf(ri)} data-agent={run.agentName} data-analysis={analysis}>
                  <title>{`${run.agentName}, ${analysis}: p50 ${p50} ms, p95 ${run.report.analyses[analysis]!.p95_ms} ms`}</title>
                </rect>
              );
            })}
            <text x={(runs.length * barW) / 2 - 2} y={height - 18} textAnchor="middle" className="axis-label">
              {analysis}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

export function ImagesPerHourChart({ runs }: { runs: readonly BenchmarkRun[] }) {
  const max = niceMax(Math.max(...runs.map((r) => r.report.images_per_hour)));
  const rowH = 26;
  const left = 130;
  const plotW = 320;
  const height = runs.length * rowH + 8;
  return (
    <figure className="bench-chart">
      <figcaption>Images per hour, whole suite (higher is better)</figcaption>
      <svg width={left + plotW + 90} height={height} role="img" aria-label="images per hour by agent" data-testid="throughput-chart">
        {runs.map((run, i) => {
          const w = Math.max(2, (run.report.images_per_hour / max) * plotW);
          return (
            <g key={run.id} transform={`translate(0, ${i * rowH + 4})`}>
              <text x={left - 8} y={15} textAnchor="end" className="axis-label">
                {run.agentName.length > 18 ? `${run.agentName.slice(0, 17)}…` : run.agentName}
              </text>
              <rect x={left} y={2} width={w} height={rowH - 8} fill={colourOf(i)}>
                <title>{`${run.agentName}: ${run.report.images_per_hour.toLocaleString('en')} images/hour`}</title>
              </rect>
              <text x={left + w + 6} y={15} className="bar-value">
                {run.report.images_per_hour.toLocaleString('en')}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
