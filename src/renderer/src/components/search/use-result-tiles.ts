import { useMemo } from 'react';
import { useSearch } from '../../actions/app-context.tsx';
import { type ResultTile, resultTiles } from '../../state/result-tiles.ts';

/** The current results as grid tiles (expanded groups included), recomputed only when they change. */
export function useResultTiles(): ResultTile[] {
  const response = useSearch((s) => s.response);
  const expanded = useSearch((s) => s.expanded);
  return useMemo(() => resultTiles(response, expanded), [response, expanded]);
}
