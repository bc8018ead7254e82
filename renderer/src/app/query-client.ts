import { QueryClient } from '@tanstack/react-query';
import { AppError } from '@shared/api';

/**
 * Reads are kept fresh by events, so they are not refetched on every mount; a transient failure
 * (server busy, unreachable for a moment) is retried twice with backoff, anything else at once
 * shown. Changes are never retried automatically.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (failures, error) => error instanceof AppError && error.retryable && failures < 2,
      },
      mutations: { retry: false },
    },
  });
}
