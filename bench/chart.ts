/** A small SVG chart: p50 and p99 latency (ms) against throughput (commands/s). */
export function latencyChart(points: { concurrency: number; perSecond: number; p50Ms: number; p99Ms: number }[]): string {
  const W = 640,
    H = 360,
    L = 60,
    R = 20,
    T = 30,
    B = 50;
  const maxX = Math.max(1, ...points.map((p) => p.perSecond)) * 1.1;
  const maxY = Math.max(1, ...points.map((p) => p.p99Ms)) * 1.1;
  const x = (v: number) => L + (v / maxX) * (W - L - R);
  const y = (v: number) => H - B - (v / maxY) * (H - T - B);
  const line = (key: 'p50Ms' | 'p99Ms') => points.map((p, i) => `${i ? 'L' : 'M'}${x(p.perSecond).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
  const ticks = (n: number, max: number, f: (v: number) => string) => Array.from({ length: n + 1 }, (_, i) => f((max * i) / n));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">Command latency against throughput (HTTP, concurrency ${points.map((p) => p.concurrency).join(', ')})</text>
${ticks(5, maxY, (v) => `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`).join('\n')}
${ticks(5, maxX, (v) => `<text x="${x(v)}" y="${H - B + 18}" text-anchor="middle">${v.toFixed(0)}</text>`).join('\n')}
<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/>
<text x="${W / 2}" y="${H - 10}" text-anchor="middle">commands/s</text>
<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">latency, ms</text>
<path d="${line('p50Ms')}" fill="none" stroke="#1d4ed8" stroke-width="2"/>
<path d="${line('p99Ms')}" fill="none" stroke="#dc2626" stroke-width="2"/>
${points.map((p) => `<circle cx="${x(p.perSecond)}" cy="${y(p.p50Ms)}" r="3" fill="#1d4ed8"/><circle cx="${x(p.perSecond)}" cy="${y(p.p99Ms)}" r="3" fill="#dc2626"/><text x="${x(p.perSecond) + 5}" y="${y(p.p99Ms) - 6}" fill="#555">c=${p.concurrency}</text>`).join('\n')}
<rect x="${L + 10}" y="${T + 5}" width="10" height="10" fill="#1d4ed8"/><text x="${L + 25}" y="${T + 14}">p50</text>
<rect x="${L + 60}" y="${T + 5}" width="10" height="10" fill="#dc2626"/><text x="${L + 75}" y="${T + 14}">p99</text>
</svg>
`;
}
