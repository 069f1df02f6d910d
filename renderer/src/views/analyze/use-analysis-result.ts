// The result of a request, fetched once it is done and kept (a result never changes): one query key, so the
// Analyze and Faces views share one fetch per result.
import { useQuery } from '@tanstack/react-query';
import { requestResult } from '../../../../electron/core/contracts/requests.js';
import { useConsole } from '../../api/console-context.js';
import type { AnalyzeItem } from '../../state/ui-store.js';

export function useAnalysisResult(item: AnalyzeItem) {
  const client = useConsole();
  const request = item.request;
  const done = request?.state === 'done';
  const result = useQuery({
    queryKey: ['request-result', request?.requestId],
    queryFn: () => client.invoke(requestResult, { requestId: request!.requestId }),
    enabled: done,
    staleTime: Infinity,
  });
  return { done, result };
}
