/**
 * trec_eval's measure names as a curator reads them (the API and exported files keep the
 * trec_eval names, so numbers can be checked against trec_eval itself).
 */
export function measureLabel(name: string): string {
  if (name === 'map') return 'mAP';
  if (name === 'recip_rank') return 'MRR';
  if (name === 'ndcg') return 'nDCG';
  const cut = /^(P|recall|ndcg_cut)_(\d+)$/.exec(name);
  if (!cut) return name;
  const [, kind, k] = cut;
  return `${kind === 'P' ? 'P' : kind === 'recall' ? 'Recall' : 'nDCG'}@${k}`;
}

/** What a measure says, for titles and chart descriptions. */
export function measureHelp(name: string): string {
  if (name === 'map') return 'mean average precision: how high the relevant photos rank, all of them';
  if (name === 'recip_rank')
    return 'mean reciprocal rank: 1 when the first result is relevant, ½ when the second is…';
  if (name === 'ndcg') return 'normalised discounted cumulative gain over the whole list, using the grades';
  const cut = /^(P|recall|ndcg_cut)_(\d+)$/.exec(name);
  if (!cut) return name;
  const k = cut[2];
  if (cut[1] === 'P') return `share of the top ${k} that is relevant`;
  if (cut[1] === 'recall') return `share of all relevant photos found in the top ${k}`;
  return `nDCG of the top ${k}, using the grades (5 counts more than 3)`;
}

export function formatMeasure(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(3);
}

export function formatShare(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** A signed difference: "+0.042", "−0.013", "0.000". */
export function formatDelta(delta: number): string {
  const text = Math.abs(delta).toFixed(3);
  if (text === '0.000') return text;
  return `${delta > 0 ? '+' : '−'}${text}`;
}

export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(p < 0.01 ? 3 : 2)}`;
}
