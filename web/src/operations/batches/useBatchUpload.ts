/**
 * Sends a batch CSV with an Idempotency-Key: a fresh one per upload, except an upload of
 * the very same file or text again after a network error or a 503, which reuses the key,
 * so the API starts that batch at most once (as useCommand does for the command forms).
 */
import { useCallback, useRef, useState } from 'react';
import { postGrantBatch } from '../../api/endpoints.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import type { BatchAccepted } from '../../api/types.ts';
import { newIdempotencyKey } from '../../hooks/useCommand.ts';

export type UploadState =
  | { status: 'idle' }
  | { status: 'sending'; reusedKey: boolean }
  | { status: 'accepted'; batch: BatchAccepted; key: string }
  | { status: 'failed'; error: ApiError };

/** What is sent: a chosen file, or the pasted text. */
export type BatchSource = { kind: 'file'; file: File } | { kind: 'text'; text: string };

const fingerprint = (s: BatchSource) => (s.kind === 'file' ? `file:${s.file.name}:${s.file.size}:${s.file.lastModified}` : `text:${s.text}`);

export function useBatchUpload() {
  const last = useRef<{ fingerprint: string; key: string; retryable: boolean } | null>(null);
  const [state, setState] = useState<UploadState>({ status: 'idle' });

  const upload = useCallback(async (source: BatchSource): Promise<BatchAccepted | null> => {
    const print = fingerprint(source);
    const prev = last.current;
    const reuse = prev?.retryable === true && prev.fingerprint === print;
    const key = reuse && prev ? prev.key : newIdempotencyKey();
    last.current = { fingerprint: print, key, retryable: false };
    setState({ status: 'sending', reusedKey: reuse });
    try {
      const batch = await postGrantBatch(source.kind === 'file' ? source.file : source.text, key);
      setState({ status: 'accepted', batch, key });
      return batch;
    } catch (e) {
      const error = toApiError(e);
      last.current = { fingerprint: print, key, retryable: error.retryable };
      setState({ status: 'failed', error });
      return null;
    }
  }, []);

  return { state, upload };
}
