// The result of a dropped file, fetched once it is done and kept (a result never changes): one query key, so the
// Analyze and Faces views share one fetch per result.
import { useQuery } from '@tanstack/react-query';
import { analysisResult } from '../../../../electron/core/contracts/analyze.js';
import { useConsole } from '../../api/console-context.js';
import type { AnalyzeItem } from '../../state/ui-store.js';

export function useAnalysisResult(item: AnalyzeItem) {
  const client = useConsole();
  const submission = item.submission;
  const done = submission?.stage === 'done';
  const result = useQuery({
    queryKey: ['analyze-result', submission?.submissionId],
    queryFn: () => client.invoke(analysisResult, { submissionId: submission!.submissionId }),
    enabled: done,
    staleTime: Infinity,
  });
  return { done, result };
}
